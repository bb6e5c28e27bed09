"""The inbox, outbox, dashboard and search as two units' people use them, and what a third is refused.

Items of the sample types (tests/items/sample.py) are created the normal way in a real site; the
pages are read through WebTest as the demo people of 鱼山镇 (a township) and 区市监局 (a department).
"""

import datetime

import pytest

from tests.items import sample

TODAY = datetime.date(2026, 11, 27)


@pytest.fixture
def site(app):
    """鱼山镇 files with 区市监局; 区市监局 sends a notice to every unit; 区城管局 and 吕蒙街道 deal
    with each other only."""
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_rows(root)
        add = sample.add_item
        add(
            root,
            sample.SampleItem,
            "cj-yushan",
            "鱼山镇超期未备案的处罚决定",
            minute=1,
            state="submitted",
            relations=[("recipient", "cj-scjgj")],
            due=datetime.date(2020, 1, 6),
            awaiting=["cj-scjgj"],
            number="鱼山镇备〔2026〕1号",
            body="依据市场监督管理有关规定作出行政处罚。",
        )
        add(
            root,
            sample.SampleItem,
            "cj-yushan",
            "鱼山镇抄送城管局的草稿",
            minute=2,
            relations=[("recipient", "cj-scjgj"), ("cc", "cj-cgj")],
            number="鱼山镇备〔2026〕2号",
        )
        add(
            root,
            sample.SampleItem,
            "cj-yushan",
            "鱼山镇被退回的备案",
            minute=3,
            state="returned",
            relations=[("recipient", "cj-scjgj")],
            number="鱼山镇备〔2026〕3号",
        )
        add(
            root,
            sample.SampleNotice,
            "cj-scjgj",
            "区市监局发各单位的通知",
            minute=4,
            relations=[("recipient", "*")],
            body="全区开展市场监管专项整治。",
        )
        add(
            root,
            sample.SampleItem,
            "cj-cgj",
            "城管局发吕蒙街道的函",
            minute=5,
            relations=[("recipient", "cj-lvmeng")],
            body="行政处罚协作事项",
            attachment_text="现场检查笔录",
        )
    return app


def links(page):
    return [a.text.strip() for a in page.html.select("a.item-link")]


def count(page):
    return int(page.html.select_one(".list-count").text)


def panel(page, panel_id):
    return page.html.select_one(f"#{panel_id}")


def test_inbox_holds_what_others_sent_to_the_unit(site, browser_factory):
    scj = browser_factory()
    scj.login("scj.officer")
    page = scj.get("/inbox")
    assert count(page) == 3
    assert links(page) == ["鱼山镇被退回的备案", "鱼山镇抄送城管局的草稿", "鱼山镇超期未备案的处罚决定"]
    # Its own notice to every unit is in its outbox, not its inbox.
    assert links(scj.get("/outbox")) == ["区市监局发各单位的通知"]

    ys = browser_factory()
    ys.login("ys.officer")
    assert links(ys.get("/inbox")) == ["区市监局发各单位的通知"]
    outbox = ys.get("/outbox")
    assert count(outbox) == 3
    assert "城管局发吕蒙街道的函" not in outbox.text


def test_rows_show_type_number_unit_state_and_deadline_colours(site, browser):
    browser.login("scj.officer")
    page = browser.get("/inbox")
    row = next(tr for tr in page.html.select("tr.list-row") if "超期未备案" in tr.text)
    cells = [td.text.strip() for td in row.find_all("td")]
    assert cells[0] == "示例事项"
    assert cells[2] == "鱼山镇备〔2026〕1号"
    assert cells[3] == "鱼山镇"
    assert cells[4].startswith("已报送")
    assert row.select_one("span.overdue").text.startswith("2020-01-06")
    # The navigation links to both boxes and to search.
    nav = [a.text for a in browser.get("/").html.select(".portal-nav a")]
    assert {"收件箱", "发件箱", "搜索"} <= set(nav)


def test_dashboard_counts_to_do_returned_and_published(site, browser_factory):
    scj = browser_factory()
    scj.login("scj.officer")
    home = scj.get("/")
    todo = panel(home, "panel-todo")
    assert todo.h2.text == "待办（1）"
    assert "示例事项 1" in " ".join(todo.select_one(".panel-groups").text.split())
    assert [a.text for a in todo.select("a.item-link")] == ["鱼山镇超期未备案的处罚决定"]
    assert panel(home, "panel-returned").h2.text == "被退回（0）"
    # The to-do list behind the panel, most urgent first.
    assert links(scj.get("/todo")) == ["鱼山镇超期未备案的处罚决定"]

    ys = browser_factory()
    ys.login("ys.officer")
    home = ys.get("/")
    assert panel(home, "panel-todo").h2.text == "待办（0）"
    returned = panel(home, "panel-returned")
    assert returned.h2.text == "被退回（1）"
    assert [a.text for a in returned.select("a.item-link")] == ["鱼山镇被退回的备案"]


def test_a_third_unit_sees_none_of_it(site, browser):
    browser.login("lm.officer")
    inbox = browser.get("/inbox")
    assert links(inbox) == ["城管局发吕蒙街道的函", "区市监局发各单位的通知"]
    assert count(browser.get("/outbox")) == 0
    assert links(browser.get("/search", {"q": "鱼山镇"})) == []
    assert links(browser.get("/search", {"q": "行政处罚"})) == ["城管局发吕蒙街道的函"]


def test_search_finds_abbreviations_numbers_and_attachments_within_what_may_be_seen(site, browser):
    browser.login("scj.officer")
    page = browser.get("/search", {"q": "市场监管 处罚"})
    assert links(page) == ["鱼山镇超期未备案的处罚决定"]
    assert page.html.select_one(".search-snippet mark").text == "处罚"
    assert links(browser.get("/search", {"q": "鱼山镇备〔2026〕2号"})) == ["鱼山镇抄送城管局的草稿"]
    # 城管局's letter to 吕蒙街道 says 行政处罚 and has 现场检查笔录 in its attachment: not for 区市监局.
    assert links(browser.get("/search", {"q": "现场检查笔录"})) == []
    # Nor is it counted: only 鱼山镇's filing says 处罚 among what 区市监局 may see.
    assert count(browser.get("/search", {"q": "处罚"})) == 1
    # Type filter.
    assert links(browser.get("/search", {"q": "市场监管", "type": "sample_notice"})) == [
        "区市监局发各单位的通知"
    ]


def test_search_escapes_what_was_typed(site, browser):
    browser.login("scj.officer")
    page = browser.get("/search", {"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)</script>" not in page.text
    assert count(page) == 0


def test_attachment_download_only_for_units_that_may_see_the_item(site, browser_factory):
    url = "/tenants/cj-cgj/{}/file-1/@@download"
    with sample.site(site, commit=False) as root:
        name = next(
            n for n, item in root["tenants"]["cj-cgj"].items() if item.title == "城管局发吕蒙街道的函"
        )
    lm = browser_factory()
    lm.login("lm.officer")
    assert lm.get(url.format(name)).body.startswith(b"%PDF")
    scj = browser_factory()
    scj.login("scj.officer")
    scj.get(url.format(name), status=403)


# Paging and sorting


@pytest.fixture
def many(app):
    """25 filings from 鱼山镇 to 区市监局, one minute apart; every third has a deadline."""
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_rows(root)
        for i in range(25):
            sample.add_item(
                root,
                sample.SampleItem,
                "cj-yushan",
                f"第{i:02d}号备案",
                minute=i,
                state="submitted",
                relations=[("recipient", "cj-scjgj")],
                number=f"鱼山镇备〔2026〕{i + 1}号",
                due=TODAY + datetime.timedelta(days=30 - i) if i % 3 == 0 else None,
                awaiting=["cj-scjgj"],
            )
    return app


def test_pages_of_twenty_newest_first(many, browser):
    browser.login("scj.officer")
    first = browser.get("/inbox")
    assert count(first) == 25
    assert links(first) == [f"第{i:02d}号备案" for i in range(24, 4, -1)]
    second = (
        browser.click(href="page=2", index=0)
        if False
        else browser.get(first.html.select("a.page-link")[1]["href"])
    )
    assert links(second) == [f"第{i:02d}号备案" for i in range(4, -1, -1)]
    # Past the last page: the last page.
    assert links(browser.get("/inbox", {"page": "9"})) == links(second)
    # A page number no link produces: refused, in Chinese.
    assert "页码应为" in browser.get("/inbox", {"page": "abc"}, status=400).text


def test_sorting_by_column_and_direction(many, browser):
    browser.login("scj.officer")
    oldest = browser.get("/inbox", {"sort": "created", "order": "asc"})
    assert links(oldest)[:3] == ["第00号备案", "第01号备案", "第02号备案"]
    # By deadline: the nearest first, then the items without one (newest first).
    by_due = links(browser.get("/inbox", {"sort": "due"}))
    assert by_due[:9] == [f"第{i:02d}号备案" for i in (24, 21, 18, 15, 12, 9, 6, 3, 0)]
    assert by_due[9:12] == ["第23号备案", "第22号备案", "第20号备案"]
    # A column that is not sortable falls back to the last change, safely.
    assert links(browser.get("/inbox", {"sort": "title;drop"})) == links(browser.get("/inbox"))
    assert links(browser.get("/inbox", {"type": "no_such_type"})) == links(browser.get("/inbox"))
    assert count(browser.get("/inbox", {"type": "sample_notice"})) == 0


def test_paging_keeps_the_search_words(many, browser):
    browser.login("scj.officer")
    page = browser.get("/search", {"q": "备案"})
    assert count(page) == 25
    second = browser.get(page.html.select("a.page-link")[1]["href"])
    assert len(links(second)) == 5


def test_recently_published_regulations_for_the_units_they_were_sent_to(site, browser_factory):
    from portal.regulations import Regulation

    with sample.site(site) as root:
        for i in range(7):
            sample.add_item(
                root,
                Regulation,
                "cj-scjgj",
                f"市场监管规范性文件第{i}号",
                minute=10 + i,
                state="published",
                relations=[("recipient", "cj-yushan")],
            )
        sample.add_item(root, Regulation, "cj-scjgj", "尚未发布的草稿", minute=30)
    ys = browser_factory()
    ys.login("ys.officer")
    published = panel(ys.get("/"), "panel-published")
    assert published.h2.text == "最近发布（7）"
    assert [a.text for a in published.select("a.item-link")] == [
        f"市场监管规范性文件第{i}号" for i in (6, 5, 4, 3, 2)
    ]
    lm = browser_factory()
    lm.login("lm.officer")
    assert panel(lm.get("/"), "panel-published").h2.text == "最近发布（0）"
