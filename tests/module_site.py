"""Fixtures for a flow's tests: one site per test module, and each person logged in once on it.

Building an app compiles its page templates again, and logging in checks a bcrypt hash: on a busy
two-core machine both take seconds. The tests of a module therefore share one private site; each test
creates its own items and looks only at them, so no test depends on another's.

A flow's ``conftest.py`` imports them: ``from tests.module_site import app, person``.
"""

import shutil

import pytest
import transaction

from tests.conftest import Browser, close_app, make_app


@pytest.fixture(scope="module")
def app(template_site, tmp_path_factory):
    """The WSGI app on a private copy of the template site, shared by the module's tests."""
    directory = tmp_path_factory.mktemp("site")
    shutil.copy(template_site / "Data.fs", directory / "Data.fs")
    shutil.copytree(template_site / "blobs", directory / "blobs", dirs_exist_ok=True)
    application = make_app(directory)
    yield application
    transaction.abort()
    close_app(application)


@pytest.fixture(scope="module")
def person(app):
    """``person(login)``: a browser logged in as that demo person (once per module)."""
    browsers = {}

    def browser_of(login):
        if login not in browsers:
            browsers[login] = Browser(app)
            browsers[login].login(login)
        return browsers[login]

    return browser_of
