"""The working-day calendar page: everyone reads it, the portal admin fills in missing years."""

import datetime

import transaction

from portal.calendar import add_workdays_ex

NEW_YEARS_EVE = datetime.date(2026, 12, 31)


def warnings(page):
    return [div.text.strip() for div in page.html.select(".missing-year")]


def add_day(page, day, kind, name):
    form = page.forms["calendar-day"]
    form["day"] = day
    form["kind"] = kind
    form["name"] = name
    return form.submit("add_day")


def test_admin_enters_2027_holiday_and_due_dates_move(app, root, browser):
    assert add_workdays_ex(NEW_YEARS_EVE, 1, root.calendar_overrides) == (datetime.date(2027, 1, 1), True)
    page = browser.login("admin", "admin12345")
    assert "工作日历" in [a.text for a in page.html.select(".portal-nav a")]
    page = browser.get("/calendar?year=2027")
    assert warnings(page) == [
        "2027 年尚无官方节假日数据：到期日按周一至周五暂计，请录入该年节假日安排。",
        "2028 年尚无官方节假日数据：到期日按周一至周五暂计，请录入该年节假日安排。",
    ]
    browser.post(
        "/calendar?year=2027",
        {"day": "2027-01-01", "kind": "holiday", "name": "元旦", "add_day": "登记"},
        status=400,
    )  # no CSRF token
    page = add_day(page, "2027-01-01", "holiday", "元旦").follow()
    assert "已登记 2027-01-01 元旦（放假（休息日））" in page.text
    rows = [[td.text.strip() for td in tr.find_all("td")][:3] for tr in page.html.select(".override-holiday")]
    assert rows == [["2027-01-01", "放假", "元旦"]]
    transaction.abort()
    assert add_workdays_ex(NEW_YEARS_EVE, 1, root.calendar_overrides) == (datetime.date(2027, 1, 4), True)

    page = page.forms["year-complete"].submit("complete").follow()
    assert "已确认 2027 年安排录入完整" in page.text
    assert len(warnings(page)) == 1 and warnings(page)[0].startswith("2028 年")
    transaction.abort()
    assert add_workdays_ex(NEW_YEARS_EVE, 1, root.calendar_overrides) == (datetime.date(2027, 1, 4), False)

    # Removing the entry brings the plain weekday back.
    form = [f for f in page.forms.values() if "remove" in f.fields][0]
    page = form.submit("remove").follow()
    assert "已删除 2027-01-01 的登记" in page.text
    transaction.abort()
    assert add_workdays_ex(NEW_YEARS_EVE, 1, root.calendar_overrides).date == datetime.date(2027, 1, 1)


def test_form_errors_are_chinese_and_keep_what_was_typed(app, root, browser):
    browser.login("admin", "admin12345")
    page = browser.get("/calendar?year=2027")
    page = add_day(page, "2027-13-01", "holiday", "元旦")
    assert "请按“年-月-日”填写日期，例如 2026-03-05" in page.text
    assert page.forms["calendar-day"]["name"].value == "元旦"
    assert page.forms["calendar-day"]["day"].value == "2027-13-01"

    page = add_day(page, "2027-02-20", "workday", "")
    assert "请填写名称" in page.text
    page = add_day(page, "2027-02-20", "workday", "春节调休上班").follow()
    page = add_day(page, "2027-02-20", "holiday", "春节")
    assert "2027-02-20 已登记为“调休上班（工作日）”，同一天不能既放假又上班" in page.text
    assert page.forms["calendar-day"]["name"].value == "春节"
    transaction.abort()
    assert root.calendar_overrides.is_override(datetime.date(2027, 2, 20)) is True


def test_every_member_reads_the_official_calendar_but_cannot_change_it(app, root, browser):
    page = browser.login("ys.officer")
    assert "工作日历" in [a.text for a in page.html.select(".portal-nav a")]
    page = browser.get("/calendar")
    assert "工作日历 2026 年" in page.text
    national_day = [tr for tr in page.html.select("#official-holidays tbody tr") if "国庆节" in tr.text]
    assert [td.text.strip() for td in national_day[0].find_all("td")] == [
        "国庆节",
        "2026-10-01 至 2026-10-07",
        "7",
    ]
    assert "2026-10-10" in page.html.find(id="official-workdays").text
    assert "calendar-day" not in page.forms and "删除" not in page.text

    token = browser.csrf_token()
    browser.post(
        "/calendar?year=2027",
        {"csrf_token": token, "day": "2027-01-01", "kind": "holiday", "name": "元旦", "add_day": "登记"},
        status=403,
    )
    browser.post("/calendar?year=2027", {"csrf_token": token, "complete": "1"}, status=403)
    browser.post("/calendar", {"csrf_token": token, "remove": "2026-10-01"}, status=403)
    transaction.abort()
    assert root.calendar_overrides.years() == []


def test_year_selector_and_anonymous_visitors(app, browser):
    browser.login("scj.liaison")
    page = browser.get("/calendar")
    form = page.forms["year-selector"]
    form["year"] = "2025"
    page = form.submit()
    assert "工作日历 2025 年" in page.text
    assert "2025-01-28 至 2025-02-04" in page.html.find(id="official-holidays").text
    assert "工作日历 2026 年" in browser.get("/calendar?year=abc").text
    browser.logout()
    assert browser.get("/calendar").status_int == 302
