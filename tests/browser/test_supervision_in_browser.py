"""The supervisor's overview in chromium: its charts draw from its own tables without a script
error, and a figure opens the items behind it."""

import pytest

from tests.browser.conftest import log_in
from tests.conftest import Browser, close_app, make_app
from tests.requests.test_collab_requests import new_request

pytestmark = pytest.mark.browser


@pytest.fixture
def filed(site_dir):
    """Two requests from 鱼山镇 to 区市监局, filed through the forms before the server starts."""
    app = make_app(site_dir)
    try:
        officer = Browser(app)
        officer.login("ys.officer")
        return [new_request(officer).request.path for _ in range(2)]
    finally:
        close_app(app)


def test_the_overview_draws_its_charts_and_opens_a_figure(filed, page):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    log_in(page, "sfj.supervisor")
    page.click("nav a:has-text('督查')")
    page.wait_for_selector("h1:has-text('督查总览')")
    page.click("ul.portal-tabs a:has-text('协作请求')")
    page.wait_for_selector("#chart-trend[data-chart-drawn='true']")
    bars = page.locator("figure.portal-chart").first.locator("rect.portal-chart-bar")
    assert bars.count() >= 1
    titles = page.locator("figure.portal-chart title").all_text_contents()
    assert any("区市监局" in title for title in titles), titles[:10]
    assert page.locator("figure.portal-chart").count() == 2
    row = page.locator("#overview tr[data-unit='cj-scjgj']")
    row.locator("a[href*='requests.received']").click()
    page.wait_for_selector("#figure-items")
    assert page.locator("#figure-items a.item-link").count() == 2
    assert problems == []
