"""The foundation in a real browser: log in, see one's units, switch unit, manage members."""

import pytest

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_login_page_speaks_chinese_and_refuses_a_wrong_password(page):
    page.goto("/")
    assert page.url.endswith("/login?came_from=/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("input[name=login]", "ys.officer")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[name=submit]")
    assert "登录名或密码不正确" in page.locator("#login-error").inner_text()
    assert page.input_value("input[name=login]") == "ys.officer"


def test_officer_sees_name_unit_and_role_then_logs_out(page):
    log_in(page, "ys.officer")
    assert "鱼山镇执法人员" in page.locator(".portal-name").inner_text()
    row = page.locator("table.portal-units tbody tr")
    assert row.count() == 1
    assert "鱼山镇" in row.inner_text() and "执法人员" in row.inner_text()
    page.click(".portal-logout")
    assert page.locator("h1").inner_text() == "登录"


def test_unit_admin_grants_a_role_and_the_person_switches_unit(page):
    log_in(page, "ys.admin")
    page.click("nav >> text=成员与角色")
    page.fill("#grant-role input[name=login]", "scj.officer")
    page.select_option("#grant-role select[name=role]", "officer")
    page.click("#grant-role button[name=grant]")
    assert "已授予 scj.officer" in page.locator(".alert-info").inner_text()
    assert "执法人员" in page.locator("tr[data-login='scj.officer']").inner_text()
    page.click(".portal-logout")

    log_in(page, "scj.officer")
    assert "区市监局" in page.locator("#acting-unit option:checked").inner_text()
    # Choosing the other unit in the header's selector switches at once (the form submits itself).
    page.select_option("#acting-unit", "cj-yushan")
    page.wait_for_selector(".alert-info:has-text('已切换当前单位')")
    assert "鱼山镇" in page.locator(".portal-main .lead strong").inner_text()


def test_unit_admin_is_refused_another_units_members_page(page, live_server):
    log_in(page, "ys.admin")
    response = page.goto("/tenants/cj-scjgj/@@members")
    assert response.status == 403
    assert "无权访问" in page.locator("h1").inner_text()
