"""审计链校验 in chromium: once started, the check goes on by itself, a part per page load, to its
result, with no script of the page's own and no Content-Security-Policy violation."""

import threading

import pytest
from waitress.server import create_server

from tests.conftest import close_app, make_app

from .conftest import free_port, log_in
from .test_csp_in_browser import watch_csp

pytestmark = pytest.mark.browser


@pytest.fixture
def small_parts_server(site_dir):
    """The portal checking the chain four links or entries per page load."""
    app = make_app(site_dir, **{"portal.audit_verify_batch": "4"})
    server = create_server(app, host="127.0.0.1", port=free_port(), threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)
    close_app(app)


def test_the_check_reloads_itself_until_it_is_done(chromium, small_parts_server):
    context = chromium.new_context(base_url=small_parts_server, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        violations = watch_csp(page)
        log_in(page, "sfj.supervisor")
        page.click("nav a:has-text('审计链校验')")
        length = int(page.inner_text("#chain-length"))
        loads = []
        page.on("load", lambda: loads.append(page.url))
        page.click("button[name=verify]")
        page.wait_for_selector("#verify-intact", timeout=120_000)
        assert f"链上 {length} 条" in page.inner_text("#verify-intact")
        # Started, then at least one part per four links, each a load of its own.
        assert len(loads) > length // 4
        assert violations == []
    finally:
        context.close()
