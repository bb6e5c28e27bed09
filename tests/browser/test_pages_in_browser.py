"""The pages people open every day render in chromium without a script error, and a filing works."""

import datetime
import io

import pypdf
import pytest

from portal.calendar import SHANGHAI, workdays_between

from .conftest import log_in

pytestmark = pytest.mark.browser

PAGES = {
    "ys.officer": [
        "/",
        "/tenants/",
        "/tenants/cj-yushan/",
        "/regulations",
        "/library",
        "/penalty-filings",
        "/tenants/cj-yushan/@@new-penalty-filing",
        "/@@collab-requests",
        "/tenants/cj-yushan/@@new-collab-request",
        "/@@complaints",
        "/tenants/cj-yushan/@@new-complaint",
        "/transfers",
        "/tenants/cj-yushan/@@new-transfer",
        "/tenants/cj-yushan/@@share-document",
        "/notifications",
        "/calendar",
    ],
    "scj.officer": ["/tenants/cj-scjgj/@@new-regulation"],
    "ys.admin": ["/tenants/cj-yushan/@@members"],
    "admin": ["/@@policy", "/calendar"],
}


def watch_errors(page):
    """Collect uncaught script errors and console errors of the page."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


@pytest.mark.parametrize("login", sorted(PAGES))
def test_pages_render_without_script_errors(page, login):
    errors = watch_errors(page)
    log_in(page, login, "admin12345" if login == "admin" else "demo12345")
    for path in PAGES[login]:
        response = page.goto(path)
        assert response.status == 200, path
        assert page.locator("h1").count() >= 1, path
        assert errors == [], (path, errors)


def pdf_file(tmp_path):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "处罚决定书.pdf"
    path.write_bytes(buffer.getvalue())
    return path


def workdays_ago(n):
    today = datetime.datetime.now(SHANGHAI).date()
    day = today
    while workdays_between(day, today) < n:
        day -= datetime.timedelta(days=1)
    return day


def test_township_files_a_penalty_decision_and_the_department_records_it(page, tmp_path):
    errors = watch_errors(page)
    log_in(page, "ys.officer")
    page.goto("/tenants/cj-yushan/@@new-penalty-filing")

    # Sending the empty form: Chinese messages, and the page still works.
    page.click("button[name=save]")
    assert page.locator(".alert-danger").first.inner_text().strip() != ""
    assert "请" in page.locator(".has-error").first.inner_text()

    page.select_option("select[name=department]", "cj-scjgj")
    page.fill("input[name=title]", "某某超市销售过期食品案")
    page.check("input[name=party_type][value='法人']")
    page.fill("input[name=party_name]", "景德镇某某超市有限公司")
    page.fill("input[name=party_id]", "91360202MA38ABCD1K")
    page.fill("textarea[name=party_address], input[name=party_address]", "昌江区鱼山镇鱼山街 8 号")
    page.fill("textarea[name=facts]", "当事人销售超过保质期的牛奶 12 盒")
    page.fill("textarea[name=evidence]", "现场检查笔录、现场照片、询问笔录")
    page.fill("textarea[name=legal_basis]", "《中华人民共和国食品安全法》第一百二十四条")
    page.check("input[type=checkbox][value='罚款']")
    page.fill("input[name=fine_amount]", "5000")
    page.fill("textarea[name=performance], input[name=performance]", "十五日内缴纳罚款")
    page.fill("input[name=performance_deadline]", (workdays_ago(0) + datetime.timedelta(days=15)).isoformat())
    page.fill("input[name=decision_number]", "鱼山镇罚决〔2026〕3号")
    page.fill("input[name=decision_date]", workdays_ago(2).isoformat())
    page.set_input_files("input[name=upload]", str(pdf_file(tmp_path)))
    page.click("button[name=save]")

    page.wait_for_selector("h1:has-text('某某超市销售过期食品案')")
    page.click("button[name=submit], button:has-text('报送')")
    page.wait_for_selector("text=等待区市监局备案")
    number = page.locator("text=/鱼山镇备〔\\d{4}〕\\d+号/").first.inner_text()
    assert "鱼山镇备" in number
    filing_url = page.url
    page.click(".portal-logout")

    log_in(page, "scj.liaison")
    page.goto(filing_url)
    page.click("button[name=record], button:has-text('备案')")
    page.wait_for_selector("text=已备案")
    assert errors == []
