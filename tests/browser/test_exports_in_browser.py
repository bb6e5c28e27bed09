"""An export as the supervisor sees it in chromium: the progress page asks for the export's progress
by itself (static/exports.js, no inline script) and shows the download link once the file is made."""

import pytest

from portal.supervision import exports

from .conftest import log_in
from .test_csp_in_browser import watch_csp

pytestmark = pytest.mark.browser


def test_the_progress_page_shows_the_download_when_the_file_is_made(page):
    violations = watch_csp(page)
    log_in(page, "sfj.supervisor")
    page.goto("/@@scorecards")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "export-status" in request.url else None)
    # The server runs in this process: holding the exports' turn keeps the job waiting in its queue.
    exports._turns.acquire()
    try:
        page.click("button[value=ranking]")
        page.wait_for_selector("#export-progress")
        assert page.text_content("#export-status") == "排队中"
        assert page.is_hidden("#export-ready")
        page.wait_for_timeout(2500)
        assert len(asked) >= 2  # it keeps asking while the job waits
    finally:
        exports._turns.release()
    link = page.wait_for_selector("#export-download", state="visible", timeout=60_000)
    assert page.text_content("#export-status") == "已完成"
    assert page.get_attribute("#export-bar", "value") == "100"
    assert "@@supervision-export-download?job=" in link.get_attribute("href")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert violations == []
