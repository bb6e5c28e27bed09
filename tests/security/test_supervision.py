"""Supervision covers what was sent: the 区司法局's supervisor reads no unit's drafts.

A township's draft filing is seen by its own unit only (``docs/filings.md``); once submitted, the
supervisor reads it, in the listing, in search and on its page, and keeps reading it when it is
returned for correction.
"""

import transaction
from hypatia.query import Eq
from pyramid.threadlocal import manager

from portal.items import SUPERVISION, Item
from portal.items.supervision import READ_ALL_ROW, SUPERVISION_ROWS, supervise_sent_items
from tests.filings.test_filings import login, press, save_draft

TITLE = "某某超市销售过期食品案"


def sees(supervisor, path):
    listing = [a["href"] for a in supervisor.get("/penalty-filings").html.select("#filings tbody a")]
    found = supervisor.get("/search", {"q": "过期食品"}).html.select("a.item-link")
    in_search = any(a["href"].endswith(path) for a in found)
    in_listing = any(href.endswith(path) for href in listing)
    status = supervisor.get(path, status="*").status_int
    assert in_search == in_listing == (status == 200), (in_search, in_listing, status)
    return status == 200


def test_the_supervisor_reads_a_filing_once_submitted_and_not_its_draft(browser_factory):
    officer = login(browser_factory, "ys.officer")
    page = save_draft(officer)
    path = page.request.path
    supervisor = login(browser_factory, "sfj.supervisor")
    assert not sees(supervisor, path)
    supervisor.get(path + "@@download", status="*")

    press(officer.get(path), "submit").follow()
    assert sees(supervisor, path)

    liaison = login(browser_factory, "scj.liaison")
    form = liaison.get(path).click("退回补正").forms["return-filing"]
    form["reason"] = "缺少送达回证"
    page = form.submit("return", status=302).follow()
    assert page.html.select_one("#state").text == "退回补正"
    assert sees(supervisor, path)


def test_supervisors_still_read_every_units_page(browser_factory):
    supervisor = login(browser_factory, "sfj.supervisor")
    assert supervisor.get("/tenants/cj-yushan/").status_int == 200
    supervisor.get("/tenants/cj-yushan/@@members", status=403)
    officer = login(browser_factory, "ys.officer")
    officer.get("/tenants/cj-scjgj/", status=403)


def test_an_older_site_puts_its_sent_items_under_supervision(app, browser_factory, root):
    """The evolution step: sent items get the relation, drafts do not; the read-all row goes."""
    officer = login(browser_factory, "ys.officer")
    draft = save_draft(officer).request.path
    sent = save_draft(officer, decision_number="鱼山镇罚决〔2026〕4号").request.path
    press(officer.get(sent), "submit").follow()
    transaction.begin()
    tenant = root["tenants"]["cj-yushan"]
    items = {path: tenant[path.strip("/").split("/")[-1]] for path in (draft, sent)}
    for item in items.values():
        item.unrelate(SUPERVISION, "*")
        item.relations._p_changed = True
    store = root.policy_store
    store.update("p", list(SUPERVISION_ROWS[0]), list(READ_ALL_ROW))
    store.remove("p", list(SUPERVISION_ROWS[1]))
    transaction.commit()

    manager.push({"registry": app.registry, "request": None})  # as at start (bring_up_to_date)
    try:
        supervise_sent_items(root, app.registry)
        transaction.commit()
    finally:
        manager.pop()
    assert SUPERVISION not in items[draft].relations
    assert items[sent].units_in(SUPERVISION) == ("*",)
    rows = store.rows("p")
    assert list(READ_ALL_ROW) not in rows
    assert all(list(row) in rows for row in SUPERVISION_ROWS)
    catalog = root["catalogs"]["portal"]
    found = Eq(catalog["relations"], "supervisor:*").execute().all()
    names = {item.__name__ for item in found if isinstance(item, Item)}
    assert items[sent].__name__ in names and items[draft].__name__ not in names
    supervisor = login(browser_factory, "sfj.supervisor")
    assert sees(supervisor, sent) and not sees(supervisor, draft)
