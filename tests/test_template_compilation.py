"""Templates are compiled one at a time: concurrent first renders never compile side by side
(CPython 3.11's ``ast`` is not safe for that; see ``portal.views.compile_templates_in_turn``)."""

import threading
from pathlib import Path

from chameleon import PageTemplate
from chameleon.template import BaseTemplate

import portal
from portal.views import compile_templates_in_turn

TEMPLATE = (Path(portal.__file__).parent / "transfers" / "templates" / "transfer.pt").read_text()


def test_first_renders_in_many_threads_compile_one_at_a_time(monkeypatch):
    compile_templates_in_turn()
    compile_ = BaseTemplate._compile
    inside, most, count = [0], [0], threading.Lock()

    def watched(template, body, builtins):
        with count:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            return compile_(template, body, builtins)
        finally:
            with count:
                inside[0] -= 1

    monkeypatch.setattr(BaseTemplate, "_compile", watched)
    errors = []

    def first_render(n):
        try:
            # A template body no other thread has: each is compiled, none comes from the cache.
            PageTemplate(TEMPLATE + f"<!-- {n} -->").cook_check()
        except Exception as error:  # pragma: no cover - what the test is there to catch
            errors.append(error)

    threads = [threading.Thread(target=first_render, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert most[0] == 1
