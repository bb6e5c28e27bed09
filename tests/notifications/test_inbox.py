"""Notifications: what arrives for a unit reaches its people, with an unread count in the header."""

import transaction

from portal.notifications import Notification, inbox_of, notify_units
from tests.deadlines.sample import add_sample

SCJ = ["scj.admin", "scj.deputy", "scj.leader", "scj.liaison", "scj.officer"]


def header_count(page):
    link = page.html.find("a", class_="portal-notifications")
    return link.text.strip()


def notifications(page):
    """[(unit, text, href, unread)] of the inbox page."""
    rows = []
    for row in page.html.select("#notifications tbody tr"):
        cells = row.find_all("td")
        link = cells[2].find("a")
        rows.append((cells[1].text.strip(), link.text.strip(), link["href"], "unread" in row["class"]))
    return rows


def inbox_texts(root, login):
    transaction.abort()  # see what the requests committed
    box = inbox_of(root, login)
    return [] if box is None else [n.text for _, n in box.latest()]


def send(browser, path):
    browser.post(f"{path}send", {"csrf_token": browser.csrf_token()})


def test_sent_item_notifies_the_awaiting_unit_and_the_unit_copied(app, root, browser_factory):
    add_sample(root, app.registry, "s1", "关于协助认定的函", cc="cj-sfj", state="draft")
    officer = browser_factory()
    officer.login("ys.officer")
    send(officer, "/tenants/cj-yushan/s1/")

    for login in SCJ:
        assert inbox_texts(root, login) == ["鱼山镇 报送了《关于协助认定的函》，等待本单位签收"]
    assert inbox_texts(root, "sfj.supervisor") == ["鱼山镇 报送了《关于协助认定的函》，抄送本单位"]
    # Not the person who acted, nor their unit (it awaits nothing), nor a third unit.
    for login in ("ys.officer", "ys.leader", "lm.officer", "cg.liaison"):
        assert inbox_texts(root, login) == []

    liaison = browser_factory()
    page = liaison.login("scj.liaison")
    assert header_count(page) == "通知 (1)"
    page = liaison.get("/notifications")
    assert notifications(page) == [
        (
            "区市监局",
            "鱼山镇 报送了《关于协助认定的函》，等待本单位签收",
            "http://localhost/tenants/cj-yushan/s1/",
            True,
        )
    ]
    # The link leads to the item, which the liaison may open.
    assert liaison.get("/tenants/cj-yushan/s1/").text.startswith("关于协助认定的函 | ")

    # Signing closes the item: nobody awaits it, so nobody is notified again.
    liaison.post("/tenants/cj-yushan/s1/sign", {"csrf_token": liaison.csrf_token()})
    assert inbox_texts(root, "ys.officer") == []
    assert len(inbox_texts(root, "scj.officer")) == 1


def test_mark_one_and_all_read(app, root, browser):
    box = inbox_of(root, "scj.liaison", create=True)
    keys = [
        box.add(Notification(f"第{n}条通知", "/tenants/cj-scjgj/", "cj-scjgj", "区市监局")) for n in range(3)
    ]
    transaction.commit()

    page = browser.login("scj.liaison")
    assert header_count(page) == "通知 (3)"
    page = browser.get("/notifications")
    assert [row[1] for row in notifications(page)] == ["第2条通知", "第1条通知", "第0条通知"]
    page = page.forms[f"read-{keys[2]}"].submit("read").follow()
    assert header_count(page) == "通知 (2)"
    assert [row[3] for row in notifications(page)] == [False, True, True]
    assert "已标为已读" in page.text

    page = page.forms["read-all"].submit("read_all").follow()
    assert header_count(page) == "通知 (0)"
    assert "已将 2 条通知标为已读" in page.text
    assert [row[3] for row in notifications(page)] == [False, False, False]
    assert page.html.find(id="read-all") is None


def test_marking_read_needs_the_csrf_token(app, root, browser):
    box = inbox_of(root, "scj.liaison", create=True)
    key = box.add(Notification("一条通知", "/tenants/cj-scjgj/", "cj-scjgj", "区市监局"))
    transaction.commit()
    browser.login("scj.liaison")
    browser.post("/notifications", {"read": str(key)}, status=400)
    browser.post("/notifications", {"read_all": "1"}, status=400)
    assert header_count(browser.get("/")) == "通知 (1)"


def test_inbox_pages_by_fifty_and_is_private(app, root, browser_factory):
    box = inbox_of(root, "scj.liaison", create=True)
    for n in range(55):
        box.add(Notification(f"通知{n:02d}", "/tenants/cj-scjgj/", "cj-scjgj", "区市监局"))
    transaction.commit()
    liaison = browser_factory()
    liaison.login("scj.liaison")
    page = liaison.get("/notifications")
    texts = [row[1] for row in notifications(page)]
    assert texts[0] == "通知54" and len(texts) == 50
    page = page.click("更早的通知")
    assert [row[1] for row in notifications(page)] == [f"通知{n:02d}" for n in range(4, -1, -1)]
    assert "更早的通知" not in page.text

    other = browser_factory()
    page = other.login("scj.officer")
    assert header_count(page) == "通知 (0)"
    assert "暂无通知" in other.get("/notifications").text
    # Anonymous visitors are sent to the login page.
    assert browser_factory().get("/notifications").status_int == 302


def test_only_members_who_may_see_the_item_are_notified(app, root):
    """A unit named as awaiting an item it has no relation to hears nothing of it."""
    item = add_sample(root, app.registry, "elsewhere", "城管局的事项", owner="cj-lvmeng", recipient="cj-cgj")
    engine = app.registry.policy_engine
    engine.sync(root.policy_store)
    count = notify_units(root, engine, item, ["cj-scjgj", "cj-cgj"], "一条通知", exclude="nobody")
    transaction.commit()
    assert count == 1
    assert inbox_texts(root, "cg.liaison") == ["一条通知"]
    assert all(inbox_texts(root, login) == [] for login in SCJ)
