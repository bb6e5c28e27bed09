"""A notification shows an item's title and link only while the person may still see the item.

Notifications are written when something happens; what they show is decided again when they are
read. Someone who has left the unit, or a department a returned filing was taken away from, keeps
the line (and its unread mark) but not the item's title or link.
"""

import transaction
from webtest import Upload

from tests.deadlines.sample import add_sample
from tests.filings.test_filings import login, pdf_bytes, press, save_draft

WITHHELD = "相关事项已不在您的查看范围内"


def lines(page):
    """[(text, href or None, withheld)] of the inbox page, newest first."""
    found = []
    for row in page.html.select("#notifications tbody tr"):
        cell = row.find_all("td")[2]
        link = cell.find("a")
        found.append((cell.text.strip(), link["href"] if link else None, WITHHELD in cell.text))
    return found


def post(browser, path, **fields):
    return browser.post(path, {"csrf_token": browser.csrf_token(), **fields})


def test_after_leaving_the_unit_the_title_and_link_are_gone(app, root, browser_factory):
    add_sample(root, app.registry, "s1", "关于协助认定的函", state="draft")
    officer = login(browser_factory, "ys.officer")
    post(officer, "/tenants/cj-yushan/s1/send")
    liaison = login(browser_factory, "scj.liaison")
    [(text, href, withheld)] = lines(liaison.get("/notifications"))
    assert "关于协助认定的函" in text and href == "http://localhost/tenants/cj-yushan/s1/" and not withheld

    # The liaison moves to 城管局: a portal admin adds them there, 市监局's admin removes them.
    portal_admin = browser_factory()
    portal_admin.login("admin", "admin12345")
    post(portal_admin, "/tenants/cj-cgj/@@members", grant="1", login="scj.liaison", role="liaison")
    unit_admin = login(browser_factory, "scj.admin")
    post(unit_admin, "/tenants/cj-scjgj/@@members", revoke="1", login="scj.liaison", role="member")

    page = liaison.get("/notifications")
    [(text, href, withheld)] = lines(page)
    assert withheld and href is None and "关于协助认定的函" not in text
    assert "关于协助认定的函" not in page.text
    # The same decision as the item's own page.
    liaison.get("/tenants/cj-yushan/s1/", status=403)
    # Still counted, and it can be marked read.
    assert "通知 (1)" in page.text
    page = page.forms["read-all"].submit("read_all").follow()
    assert "通知 (0)" in page.text


def test_a_filing_refiled_with_another_department_leaves_the_first_one_only_the_line(browser_factory):
    officer = login(browser_factory, "ys.officer")
    path = save_draft(officer, title="某某药店销售假药案").request.path
    press(officer.get(path), "submit").follow()
    liaison = login(browser_factory, "scj.liaison")
    [(text, href, withheld)] = lines(liaison.get("/notifications"))
    assert "某某药店销售假药案" in text and href.endswith(path) and not withheld

    form = liaison.get(path).click("退回补正").forms["return-filing"]
    form["reason"] = "不属本部门主管，请报送区城管局"
    form.submit("return", status=302)
    form = officer.get(path).click("修改").forms["penalty-filing"]
    form["department"] = "cj-cgj"
    form["upload"] = Upload("决定书.pdf", pdf_bytes(), "application/pdf")
    page = form.submit("save", status=302).follow()
    page = press(page, "resubmit").follow()
    assert page.html.select_one("#state").text == "已重新报送，待备案"

    page = liaison.get("/notifications")
    assert all(withheld and href is None for _, href, withheld in lines(page))
    assert "某某药店销售假药案" not in page.text
    liaison.get(path, status=403)
    other = login(browser_factory, "cg.liaison")
    [(text, href, withheld)] = lines(other.get("/notifications"))
    assert "某某药店销售假药案" in text and href.endswith(path) and not withheld
    transaction.abort()
