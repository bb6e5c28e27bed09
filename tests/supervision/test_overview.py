"""The 区司法局's district overview as the supervisor uses it: figures per unit follow the flows,
each figure opens the items behind it, warnings show what is overdue now, a unit passing the
threshold turns red; no one else may open it."""

import datetime

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals

from portal.indexing import drain
from portal.items import now, reindex
from tests.requests.test_collab_requests import item_in, new_request, press

DEPARTMENT, TOWNSHIP = "cj-scjgj", "cj-yushan"


@pytest.fixture
def supervisor(browser_factory):
    browser = browser_factory()
    browser.login("sfj.supervisor")
    return browser


@pytest.fixture
def people(browser_factory):
    logged = {}

    def person(login):
        if login not in logged:
            logged[login] = browser_factory()
            logged[login].login(login)
        return logged[login]

    return person


def figures(page, unit):
    """``{column heading: text}`` of a unit's row in the overview table."""
    headings = [" ".join(th.text.split()) for th in page.html.select("#overview thead th")]
    row = page.html.select_one(f'#overview tr[data-unit="{unit}"]')
    cells = [" ".join(cell.text.split()) for cell in row.find_all(["th", "td"], recursive=False)]
    return dict(zip(headings, cells, strict=True))


def tab(supervisor, group="协作请求", **params):
    return supervisor.get("/@@supervision", {"group": group, **params})


def backdate(app, root, page, days):
    """The request reached the department ``days`` ago (its clock with it)."""
    threadlocals.push({"registry": app.registry, "request": None})
    try:
        item = item_in(root, page)
        item.start_answer_clock(now() - datetime.timedelta(days=days), root.calendar_overrides)
        reindex(item)
        transaction.commit()
    finally:
        threadlocals.pop()
    drain(app.registry)


def test_only_the_supervisor_sees_the_overview(supervisor, people):
    assert "督查" in [a.text for a in supervisor.get("/").html.select("nav a")]
    officer = people("ys.officer")
    assert "督查" not in [a.text for a in officer.get("/").html.select("nav a")]
    assert officer.get("/@@supervision", status=403).status_int == 403
    assert officer.get("/@@supervision-items?measure=requests.received", status=403).status_int == 403


def test_a_request_is_counted_for_both_units_and_opens_from_the_figure(app, root, supervisor, people):
    before = figures(tab(supervisor), DEPARTMENT)
    page = new_request(people("ys.officer"))
    overview = tab(supervisor)
    row = figures(overview, DEPARTMENT)
    assert int(row["收到请求"]) == int(before["收到请求"]) + 1
    assert int(row["未答复"]) == int(before["未答复"]) + 1
    assert int(figures(overview, TOWNSHIP)["发出请求"]) >= 1
    link = overview.html.select_one(f'#overview tr[data-unit="{DEPARTMENT}"] a[href*="requests.open"]')
    listed = supervisor.get(link["href"])
    assert page.request.path in [
        a["href"].replace("http://localhost", "") for a in listed.html.select("a.item-link")
    ]

    # Answered three weeks late: no longer open, counted late, in the summary's problems too.
    press(people("scj.liaison").get(page.request.path), "receive")
    backdate(app, root, page, 30)
    officer = people("scj.officer")
    form = officer.get(page.request.path + "@@answer").forms["answer-form"]
    form["answer_text"] = "经鉴定，系假冒商品。"
    form.submit("answer").follow()
    row = figures(tab(supervisor), DEPARTMENT)
    assert int(row["未答复"]) == int(before["未答复"])
    assert int(row["逾期答复"]) == int(before["逾期答复"]) + 1
    summary = figures(tab(supervisor, "summary"), DEPARTMENT)
    assert int(summary["逾期及拒不履行"]) >= 1


def test_overdue_now_is_a_red_warning_and_the_row_turns_red(app, root, supervisor, people):
    page = new_request(people("ys.officer"))
    press(people("scj.liaison").get(page.request.path), "receive")
    backdate(app, root, page, 30)
    overview = tab(supervisor, "summary")
    row = figures(overview, DEPARTMENT)
    assert int(row["红色预警"]) >= 1
    assert "超过阈值" in row["单位"]
    red = overview.html.select_one(f'#overview tr[data-unit="{DEPARTMENT}"] td.warning-red a')
    listed = supervisor.get(red["href"])
    assert page.request.path in [
        a["href"].replace("http://localhost", "") for a in listed.html.select("a.item-link")
    ]
    # The threshold at 100%: the unit's rate stays under it unless everything went wrong.
    form = overview.forms["threshold-form"]
    form["threshold"] = "100"
    page = form.submit("set_threshold").follow()
    assert "预警率阈值已由 20% 改为 100%" in page.text


def test_periods_and_bad_parameters(supervisor):
    assert (
        "2026年第四季度"
        in supervisor.get("/@@supervision", {"period": "quarter", "year": "2026", "n": "4"}).text
    )
    assert (
        "2026年上半年" in supervisor.get("/@@supervision", {"period": "half", "year": "2026", "n": "1"}).text
    )
    ranged = supervisor.get("/@@supervision", {"period": "range", "from": "2025-11", "to": "2026-02"})
    assert "2025年11月至2026年2月" in ranged.text
    for params, message in [
        ({"period": "year", "year": "1"}, "年份应为 2020 至 2099"),
        ({"period": "month", "year": "2026", "n": "13"}, "月度序号应为 1 至 12"),
        ({"period": "range", "from": "2026-05", "to": "2026-01"}, "截止月份不能早于起始月份"),
        ({"period": "range", "from": "2026-5x", "to": "2026-06"}, "起始月份应写成"),
        ({"period": "decade"}, "统计周期应为"),
        ({"group": "无此类别"}, "没有“无此类别”这一统计类别"),
        ({"page": "99999999999999999999999"}, None),
    ]:
        page = supervisor.get("/@@supervision", params, status="*")
        assert page.status_int in (200, 400), params
        if message:
            assert page.status_int == 400 and message in page.text, (params, page.text[:300])
    bad = supervisor.get("/@@supervision-items", {"measure": "nothing"}, status=400)
    assert "没有“nothing”这一统计项" in bad.text
    bad = supervisor.get("/@@supervision-items", {"warning": "red"}, status=400)
    assert "预警应为" in bad.text
    bad = supervisor.get("/@@supervision-items", {"measure": "requests.late", "unit": "\x00"}, status=400)
    assert "控制字符" in bad.text


def test_a_bad_threshold_is_explained_and_nothing_changes(supervisor):
    overview = supervisor.get("/@@supervision")
    form = overview.forms["threshold-form"]
    form["threshold"] = "0"
    page = form.submit("set_threshold").follow()
    assert "预警率阈值应为 1 到 100 之间的整数" in page.text
    assert page.forms["threshold-form"]["threshold"].value == "20"
    # Without the session's CSRF token the POST is refused.
    token_free = supervisor.post("/@@supervision", {"threshold": "50", "set_threshold": "1"}, status="*")
    assert token_free.status_int in (400, 403)


def test_the_trend_is_two_lines_in_the_summary_and_a_line_per_duty_in_a_group(supervisor, people):
    new_request(people("ys.officer"))
    headings = [th.text for th in tab(supervisor, "summary").html.select("#chart-trend thead th")]
    assert headings == ["月份", "应办事项", "逾期及拒不履行"]
    trend = tab(supervisor, "协作请求", period="month", year=str(now().year), n=str(now().month))
    headings = [th.text for th in trend.html.select("#chart-trend thead th")]
    assert headings == ["月份", "收到请求", "逾期答复"]
    cells = [td.text for td in trend.html.select("#chart-trend tbody td")]
    assert int(cells[0]) >= 1
