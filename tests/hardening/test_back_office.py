"""The back office (``/manage``, Substance D) refuses a logged-in person who is not a portal admin
with 403 and the portal's own Chinese page."""

import pytest


@pytest.mark.parametrize("path", ("/manage", "/manage/@@contents", "/manage/@@properties", "/manage/tenants"))
def test_an_officer_opening_the_back_office_is_refused_in_chinese(browser, path):
    browser.login("ys.officer")
    page = browser.get(path, status=403)
    assert page.html.find("h1").text == "无权访问"
    assert "鱼山镇" in page.text
    assert "not permitted" not in page.text
    assert "sdi_title" not in page.text


def test_the_portal_admin_still_opens_the_back_office(browser):
    browser.login("admin", "admin12345")
    page = browser.get("/manage/@@contents")
    assert page.status_int == 200


def test_an_anonymous_visitor_still_gets_the_back_office_login(browser):
    page = browser.get("/manage/@@contents", status="*")
    assert page.status_int in (200, 302, 403)
    assert "无权访问" not in page.text
