"""The home page's deadline panels and the due-date label, for a unit that has items to handle."""

import datetime
from types import SimpleNamespace

import pytest

from portal.calendar import add_workdays
from portal.deadlines import due_label
from portal.items import now
from tests.deadlines.sample import DeadlineSample, add_sample, at


def section(page, kind):
    """(count, [(title, due text, css class, waiting for)]) of one panel section."""
    block = page.html.find(id=kind)
    count = int(block.find(class_="deadline-count").text)
    rows = []
    for row in block.select("tbody tr"):
        cells = row.find_all("td")
        rows.append(
            (
                cells[0].text.strip(),
                cells[2].text.strip(),
                " ".join(cells[2].get("class", [])),
                cells[3].text.strip(),
            )
        )
    return count, rows


@pytest.fixture(params=["one by one", "by ranges"])
def parting(request, monkeypatch):
    """Both ways the panels part the unit's items: each item's value looked up (a unit awaited by
    a few), or the index's ranges (a unit awaited by thousands): the same panels either way."""
    if request.param == "by ranges":
        monkeypatch.setattr("portal.deadlines.views.ONE_BY_ONE", 0)
    return request.param


def test_liaison_sees_what_is_due_today_tomorrow_and_overdue_for_their_unit(app, root, browser, parting):
    registry = app.registry
    overrides = root.calendar_overrides
    today = now().date()
    add_sample(root, registry, "due-today", "今天要签收的", due=today)
    add_sample(root, registry, "due-next", "下个工作日要签收的", due=add_workdays(today, 1, overrides))
    add_sample(root, registry, "overdue", "早该签收的", due=today - datetime.timedelta(days=10))
    add_sample(root, registry, "far", "还早的", due=add_workdays(today, 5, overrides))
    # Awaiting another unit; and one awaiting this unit that it may not see (no relation to it).
    add_sample(root, registry, "other", "城管局的", recipient="cj-cgj", due=today)
    add_sample(
        root,
        registry,
        "hidden",
        "看不到的",
        owner="cj-lvmeng",
        recipient="cj-cgj",
        awaiting=["cj-scjgj"],
        due=today,
    )
    # Signed for: the clock no longer runs.
    add_sample(root, registry, "done", "已签收的", due=today - datetime.timedelta(days=3), state="signed")

    browser.login("scj.liaison")
    page = browser.get("/")

    count, rows = section(page, "due-today")
    assert count == 1
    assert rows == [("今天要签收的", f"{today.isoformat()}（今日到期）", "due-today", "等待本单位签收")]
    count, rows = section(page, "due-soon")
    assert count == 1
    assert rows[0][0] == "下个工作日要签收的"
    assert rows[0][2] == "due-soon"
    assert "还有1个工作日" in rows[0][1]
    count, rows = section(page, "overdue")
    assert count == 1
    assert rows[0][0] == "早该签收的"
    assert rows[0][2] == "overdue"
    assert rows[0][1].startswith((today - datetime.timedelta(days=10)).isoformat() + "（已超期")
    link = page.html.find(id="due-today").find("a")["href"]
    assert link.endswith("/tenants/cj-yushan/due-today/")
    assert "城管局的" not in page.text and "看不到的" not in page.text and "已签收的" not in page.text

    # The unit that sent them has nothing awaiting it.
    browser.logout()
    browser.login("ys.officer")
    page = browser.get("/")
    assert [section(page, kind)[0] for kind in ("due-today", "due-soon", "overdue")] == [0, 0, 0]


def test_panel_lists_ten_and_counts_all(app, root, browser, parting):
    today = now().date()
    for number in range(12):
        add_sample(
            root,
            app.registry,
            f"late-{number}",
            f"超期事项{number:02d}",
            due=today - datetime.timedelta(days=20 - number),
        )
    browser.login("scj.liaison")
    count, rows = section(browser.get("/"), "overdue")
    assert count == 12
    assert [row[0] for row in rows] == [f"超期事项{number:02d}" for number in range(10)]
    assert "仅列出最早到期的 10 件，共 12 件" in browser.get("/").text


def test_item_page_shows_due_label_counted_in_working_days(app, root, browser):
    """A sent item is due in 3 working days; the label says so."""
    add_sample(root, app.registry, "draft", "待报送的", state="draft")
    browser.login("ys.officer")
    browser.post("/tenants/cj-yushan/draft/send", {"csrf_token": browser.csrf_token()})
    page = browser.get("/tenants/cj-yushan/draft/")
    assert "（还有3个工作日）" in page.text
    assert page.text.endswith("| ")  # three working days away is not yet "soon"


def test_due_label_words_for_dates_hours_and_provisional_years(app, root, browser):
    request = SimpleNamespace(root=root)  # due_label reads only the calendar overrides from it
    item = DeadlineSample("cj-yushan", "测试")
    item.state = "sent"
    friday = at(2026, 11, 27, 10, 0)

    item.set_due(datetime.date(2026, 12, 1), awaiting=["cj-scjgj"])
    assert due_label(item, request, friday) == ("2026-12-01（还有2个工作日）", "due-soon")
    item.set_due(datetime.date(2026, 11, 27), awaiting=["cj-scjgj"])
    assert due_label(item, request, friday) == ("2026-11-27（今日到期）", "due-today")
    item.set_due(datetime.date(2026, 11, 25), awaiting=["cj-scjgj"])
    assert due_label(item, request, friday) == ("2026-11-25（已超期2个工作日）", "overdue")
    item.set_due(datetime.date(2026, 12, 8), awaiting=["cj-scjgj"])
    assert due_label(item, request, friday) == ("2026-12-08（还有7个工作日）", "")
    item.set_due(at(2026, 11, 27, 15, 30), awaiting=["cj-scjgj"])
    assert due_label(item, request, friday) == ("2026-11-27 15:30（还有5小时）", "due-soon")
    item.set_due(datetime.datetime(2026, 11, 27, 1, 0, tzinfo=datetime.UTC), awaiting=["cj-scjgj"])
    assert due_label(item, request, friday) == ("2026-11-27 09:00（已超期1小时）", "overdue")
    item.set_due(datetime.date(2027, 1, 5), awaiting=["cj-scjgj"], provisional=True)
    assert due_label(item, request, friday)[0] == (
        "2027-01-05（还有27个工作日）（日历数据暂缺，按工作日暂计）"
    )  # 2027-01-01 counts as a working day: there is no 2027 data yet
    item.state = "signed"
    assert due_label(item, request, friday) is None
