"""Property: the overview's counters are what counting every item afresh gives, whatever happened.

Random sequences of what people do (a collaboration request sent, signed for, answered, extended,
closed; a case transfer drafted and approved, sent, signed for, accepted or declined; a penalty
filing submitted, returned, submitted again, recorded), with the clock put back now and then (an
item that reached its unit weeks or months ago, a filing decided long before), go through the real
app on one site. Afterwards the counters the indexer keeps (``root.supervision_counts``, per month
and per year) must equal, entry by entry, the figures of every item in the catalog computed by
calling the flows' figure functions directly.

A site whose figures were counted for fewer measures than the flows declare now (a site older than
a flow's figures) is counted in full again when it is brought up to date.
"""

import datetime
from types import SimpleNamespace

import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyramid.threadlocal import manager as threadlocals

from portal.calendar import SHANGHAI
from portal.indexing import drain
from portal.items import Item, now, reindex
from portal.site import bring_up_to_date
from portal.supervision.figures import figure_keys, split_key
from portal.transfers import compute_transfer_due, update_clock
from tests import module_site
from tests.filings.test_filings import save_draft, workdays_ago
from tests.requests.test_collab_requests import new_request
from tests.transfers.test_transfers import new_transfer, upload_all

# One site for the module, each person logged in once (tests.module_site).
app, person = module_site.app, module_site.person


# Looking at the site ------------------------------------------------------------------------------


def opened(site):
    """The site's root in a connection of the test's own, and that connection."""
    conn = site.registry._zodb_databases[""].open()
    transaction.begin()
    return conn.root()["app_root"], conn


def counted_afresh(root, registry):
    """``(months, years)`` as counting each item of the catalog by its figure functions gives."""
    months, years = {}, {}
    catalog = root["catalogs"]["portal"]
    for oid in catalog.objectids:
        item = root.__objectmap__.object_for(oid)
        if not isinstance(item, Item):
            continue
        for key in figure_keys(item, registry):
            measure, unit, month = split_key(key)
            months[(measure, month, unit)] = months.get((measure, month, unit), 0) + 1
            years[(measure, month // 100, unit)] = years.get((measure, month // 100, unit), 0) + 1
    return months, years


def assert_counters_right(site):
    drain(site.registry)
    root, conn = opened(site)
    try:
        months, years = counted_afresh(root, site.registry)
        counts = root.supervision_counts
        assert dict(counts.months.items()) == months
        assert dict(counts.years.items()) == years
        return months
    finally:
        transaction.abort()
        conn.close()


def change(site, url, how):
    """``how(item, root)`` on the item at ``url``, reindexed and committed, as time would have."""
    root, conn = opened(site)
    threadlocals.push({"registry": site.registry, "request": None})
    try:
        unit, name = url.replace("http://localhost", "").strip("/").split("/")[1:3]
        item = root["tenants"][unit][name]
        if how(item, root) is not False:
            reindex(item)
            transaction.commit()
    finally:
        threadlocals.pop()
        transaction.abort()
        conn.close()
    drain(site.registry)


def days_back(pick):
    """How far back the clock is put: from a day to more than a year."""
    return datetime.timedelta(days=(1, 6, 35, 400)[pick % 4])


# What people do ----------------------------------------------------------------------------------


def button(browser, url, action):
    """Press the item page's button for ``action`` if the person has it now."""
    page = browser.get(url, status="*")
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            form.submit()
            return


def form_step(browser, url, action, formid=None, **values):
    """Fill and send the form of ``action`` if it is the person's to take now."""
    page = browser.get(url + "@@" + action, status="*")
    if page.status_int != 200:
        return
    form = page.forms[formid or f"{action}-form"]
    for name, value in values.items():
        form[name] = value
    form.submit(action)


def comment_step(browser, url, action, comment=""):
    """A step whose form sits on the item page (the transfers'), if it is there now (a unit the
    transfer has not reached yet may not even open it)."""
    page = browser.get(url, status="*")
    if page.status_int == 200 and f"{action}-form" in page.forms:
        form = page.forms[f"{action}-form"]
        form["comment"] = comment
        form.submit(action)


def new_collab_request(people, items, pick):
    items["request"].append(new_request(people("ys.officer")).request.url)


def receive_request(people, url, pick):
    button(people("scj.liaison"), url, "receive")


def answer_request(people, url, pick):
    form_step(people("scj.officer"), url, "answer", answer_text="经鉴定，系假冒商品。")


def extend_request(people, url, pick):
    new_due = now().date() + datetime.timedelta(days=20 + pick)
    form_step(people("scj.liaison"), url, "extend", new_due=f"{new_due:%Y-%m-%d}", reason="需送检")


def close_request(people, url, pick):
    button(people("ys.officer"), url, "close")


def backdate_request(site, url, pick):
    """The request reached the department some time ago: its clock with it."""

    def back(item, root):
        if item.state not in ("sent", "received"):
            return False
        item.start_answer_clock(now() - days_back(pick), root.calendar_overrides)

    change(site, url, back)


def new_case_transfer(people, items, pick):
    officer = people("ys.officer")
    url = new_transfer(officer, title=f"某商贸公司无照经营案（{pick}）")
    upload_all(officer, url)
    comment_step(officer, url, "submit")
    comment_step(people("ys.leader"), url, "approve", "同意移送")
    items["transfer"].append(url)


def send_transfer(people, url, pick):
    comment_step(people("ys.officer"), url, "send")


def sign_transfer(people, url, pick):
    comment_step(people("scj.liaison"), url, "sign")


def accept_transfer(people, url, pick):
    comment_step(people("scj.liaison"), url, "accept", "予以受理")


def decline_transfer(people, url, pick):
    comment_step(people("scj.liaison"), url, "decline", "不属于本局管辖")


def backdate_transfer(site, url, pick):
    """Found long ago (before it is sent), or received long ago (before it is answered)."""

    def back(item, root):
        overrides = root.calendar_overrides
        if item.sent_at is None:
            item.found_date = now().date() - days_back(pick)
            item.transfer_due, item.transfer_due_provisional = compute_transfer_due(item, overrides)
        elif item.state in ("sent", "received"):
            item.received_at = now() - days_back(pick)
            item.answer_due = item.received_at.astimezone(SHANGHAI).date() + datetime.timedelta(days=5)
        else:
            return False
        update_clock(item, SimpleNamespace(root=root, registry=site.registry))

    change(site, url, back)


def new_filing(people, items, pick):
    officer = people("ys.officer")
    page = save_draft(
        officer, title=f"某超市销售过期食品案（{pick}）", decision_date=workdays_ago(1 + pick).isoformat()
    )
    for form in page.forms.values():
        if "submit" in form.fields:
            page = form.submit("submit").follow()
            break
    items["filing"].append(page.request.url)


def return_filing(people, url, pick):
    form_step(people("scj.liaison"), url, "return", "return-filing", reason="当事人地址缺少门牌号")


def filing_button(browser, url, name):
    page = browser.get(url, status="*")
    for form in page.forms.values():
        if name in form.fields:
            form.submit(name)
            return


def resubmit_filing(people, url, pick):
    filing_button(people("ys.officer"), url, "resubmit")


def record_filing(people, url, pick):
    filing_button(people("scj.liaison"), url, "record")


def backdate_filing(site, url, pick):
    """Submitted long ago: the months it counts in move with it."""

    def back(item, root):
        if item.submitted_date is None:
            return False
        item.submitted_date -= days_back(pick)

    change(site, url, back)


#: What a step does: new items, or a step on one of the items of a kind (``pick`` chooses it).
NEW = {"request": new_collab_request, "transfer": new_case_transfer, "filing": new_filing}
STEPS = {
    "request": (receive_request, answer_request, extend_request, close_request),
    "transfer": (send_transfer, sign_transfer, accept_transfer, decline_transfer),
    "filing": (return_filing, resubmit_filing, record_filing),
}
BACKDATE = {"request": backdate_request, "transfer": backdate_transfer, "filing": backdate_filing}

steps = st.lists(
    st.tuples(
        st.sampled_from(sorted(NEW)),
        st.sampled_from(["new", "step", "backdate"]),
        st.integers(0, 9),
        st.integers(0, 9),
    ),
    min_size=2,
    max_size=7,
)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Shrinking replays whole sequences through the app; a failing sequence is readable as it is.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(sequence=steps)
def test_counters_equal_every_item_counted_afresh(app, person, sequence):
    items = {kind: [] for kind in NEW}
    for kind, what, which, pick in sequence:
        known = items[kind]
        if what == "new" or not known:
            NEW[kind](person, items, pick)
        elif what == "backdate":
            BACKDATE[kind](app, known[which % len(known)], pick)
        else:
            chosen = STEPS[kind]
            chosen[pick % len(chosen)](person, known[which % len(known)], pick)
    assert_counters_right(app)


def test_an_older_site_is_counted_in_full_when_brought_up_to_date(app, person):
    new_collab_request(person, {"request": []}, 0)
    counted = assert_counters_right(app)
    assert any(measure == "requests.received" for measure, _, _ in counted)
    # As a site whose index was filled before the flows counted what they count now: no figures
    # for the requests, counters to match.
    root, conn = opened(app)
    try:
        index = root["catalogs"]["portal"]["figures"]
        for oid in list(index._rev_index):
            if any(key.startswith("requests.") for key in index._rev_index[oid]):
                index.unindex_doc(oid)
        index.portal_counted_for = ((), ())
        root.supervision_counts.rebuild(index)
        transaction.commit()
    finally:
        conn.close()
    root, conn = opened(app)
    try:
        assert not any(measure.startswith("requests.") for measure, _, _ in root.supervision_counts.months)
    finally:
        transaction.abort()
        conn.close()
    bring_up_to_date(app.registry)
    assert assert_counters_right(app) == counted
