"""Four people creating items at once through the real forms, on a FileStorage served by waitress.

Runs the core of ``benchmarks/writes.py`` for about 15 seconds: the real server in its own process,
collaboration requests, penalty filings, regulations, complaints and case transfers filled in over
HTTP by four clients. No answer may be a server error, and afterwards the database must hold every
acknowledged item once, with unique numbers, readable attachments and a catalog that matches.
"""

import importlib.util

import pytest

from tests.conftest import PROJECT


def load_benchmark():
    spec = importlib.util.spec_from_file_location("writes_benchmark", PROJECT / "benchmarks" / "writes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.load
def test_four_people_creating_at_once_on_filestorage():
    writes = load_benchmark()
    result = writes.bench("file", clients=4, seconds=15)
    figures = writes.report(result)
    server_errors = sum(
        count
        for statuses in result.tally.statuses.values()
        for status, count in statuses.items()
        if isinstance(status, int) and status >= 500
    )
    assert result.creations() > 0, figures
    assert server_errors == 0, figures
    assert result.checks["lost"] == 0, figures
    assert result.checks["duplicated"] == 0, figures
    assert result.checks["duplicate numbers"] == 0, figures
    assert result.checks["unreadable attachments"] == 0, figures
    assert (result.catalog_missing, result.catalog_orphans) == (0, 0), figures
