"""``portal-populate``: a year of the district's work, filed through the flows' own steps.

One small populate (200 items, 30 units) on a FileStorage site through the console script's
``main``, then: every flow has items in every state of its workflow, the catalog holds exactly the
items, clocks and lateness agree with the calendar, numbers are unique, and a unit's person sees
the unit's items on the flows' pages and home page. A second run adds more and breaks nothing.
"""

import datetime
import io
import shutil
import threading

import pytest
import transaction

from portal.calendar import SHANGHAI, local_date
from portal.items import Item, at, now
from portal.items.catalog import item_types
from portal.items.numbering import parse_number
from portal.populate.script import main
from tests.conftest import Browser, close_app, make_app, settings_for

ITEMS, UNITS, SEED = 200, 30, 11
PERSON, UNIT = "cj-yushan.officer1", "cj-yushan"


def write_ini(directory):
    lines = ["[app:main]", "use = call:portal:main"]
    lines += [f"{key} = {value}" for key, value in settings_for(directory).items()]
    ini = directory / "portal.ini"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ini


def populate(ini, *options):
    out, err = io.StringIO(), io.StringIO()
    assert main([str(ini), *options], out=out, err=err) == 0
    return out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("populated")
    ini = write_ini(directory)
    out, err = populate(ini, "--items", str(ITEMS), "--units", str(UNITS), "--seed", str(SEED))
    return directory, ini, out, err


@pytest.fixture(scope="module")
def app(site):
    application = make_app(site[0])
    yield application
    transaction.abort()
    close_app(application)


class Site:
    """The populated site, read in a connection of its own."""

    def __init__(self, app):
        self.conn = app.registry._zodb_databases[""].open()
        self.root = self.conn.root()["app_root"]
        self.catalog = self.root["catalogs"]["portal"]
        self.types = item_types(app.registry)

    def items(self):
        """Every item, found by walking the units' folders."""
        return [
            item
            for tenant in self.root["tenants"].values()
            for item in tenant.values()
            if isinstance(item, Item)
        ]

    def close(self):
        transaction.abort()
        self.conn.close()


@pytest.fixture
def stored(app):
    found = Site(app)
    yield found
    found.close()


def test_the_clock_of_model_code_can_be_set_for_a_thread():
    moment = datetime.datetime(2025, 3, 4, 10, 30, tzinfo=SHANGHAI)
    other = {}
    with at(moment):
        assert now() == moment
        with at(datetime.datetime(2025, 3, 5, 9, 0)):
            assert now() == datetime.datetime(2025, 3, 5, 9, 0, tzinfo=SHANGHAI)
        assert now() == moment
        thread = threading.Thread(target=lambda: other.setdefault("now", now()))
        thread.start()
        thread.join()
    assert other["now"] > moment + datetime.timedelta(days=365)
    assert now() - datetime.datetime.now(SHANGHAI) < datetime.timedelta(seconds=1)


def test_the_run_says_what_it_made(site):
    _, _, out, err = site
    assert f"{ITEMS} items in" in out
    assert f"{ITEMS}/{ITEMS} items" in err and "items/s" in err


def test_every_flow_has_items_in_every_state_of_its_workflow(site, stored):
    items = stored.items()
    assert len(items) == ITEMS
    by_type = {}
    for item in items:
        by_type.setdefault(item.item_type, set()).add(item.state)
    assert set(by_type) == set(stored.types)
    for item in items:
        missing = set(item.workflow.states) - by_type[item.item_type]
        assert not missing, f"{item.item_type} has no item in {sorted(missing)}; the run said:\n{site[2]}"


def test_the_catalog_holds_exactly_the_items(stored):
    objectmap = stored.root.__objectmap__
    walked = {objectmap.objectid_for(item) for item in stored.items()}
    assert None not in walked
    assert set(stored.catalog.objectids) == walked
    for item_type in stored.types:
        indexed = set(stored.catalog["item_type"].applyEq(item_type))
        assert indexed == {oid for oid in walked if objectmap.object_for(oid).item_type == item_type}
    assert not len(stored.root.indexing_pending)


def test_the_work_spreads_over_the_past_year_and_some_of_it_is_overdue_now(stored):
    items = stored.items()
    moment = now()
    created = sorted(item.created for item in items)
    assert created[0] < moment - datetime.timedelta(days=200)
    assert created[-1] <= moment
    for item in items:
        assert all(entry.when <= moment for entry in item.history)
        whens = [entry.when for entry in item.history]
        assert whens == sorted(whens), item.title

    def overdue(item):
        due = item.due
        if due is None or not item.is_open:
            return False
        return moment > due if isinstance(due, datetime.datetime) else moment.date() > due

    late = [item for item in items if overdue(item)]
    assert len(late) >= 5
    assert {item.item_type for item in late} >= {"collab_request", "penalty_filing"}
    assert any(item.is_open and item.due and not overdue(item) for item in items)
    # The deadline run at the end marked them, as cron would have (once per due date).
    marked = [
        item for item in late if item.awaiting and getattr(item, "overdue_notified_for", None) == item.due
    ]
    assert marked and all(item.history[-1].action == "overdue" for item in marked)


def test_late_answers_are_marked_late_by_their_due_dates(stored):
    requests = [item for item in stored.items() if item.item_type == "collab_request" and item.answered_at]
    assert requests
    for item in requests:
        assert item.answer_due is not None
        assert item.answered_late == (local_date(item.answered_at) > item.answer_due)
        assert item.answered_at >= item.received_at
    assert {item.answered_late for item in requests} == {True, False}
    transfers = [item for item in stored.items() if item.item_type == "case_transfer" and item.answered_at]
    for item in transfers:
        assert item.answered_late == (local_date(item.answered_at) > item.answer_due)
    hazards = [item for item in stored.items() if item.item_type == "hazard_notice" and item.sent_at]
    for item in hazards:
        for ack in item.acknowledgements.values():
            assert ack["late"] == (ack["at"] > item.ack_due)
    filings = [item for item in stored.items() if item.item_type == "penalty_filing" and item.submitted_date]
    for item in filings:
        assert item.filed_late == (item.filing_workdays > item.filing_limit)


#: Item types numbered when they are created (the others when they are sent, submitted, published).
NUMBERED_AT_CREATION = {
    "collab_request",
    "complaint",
    "jurisdiction_dispute",
    "court_application",
    "guidance_activity",
    "guidance_request",
    "hazard_notice",
    "coordination_meeting",
    "meeting_action",
    "obstruction_report",
    "participation_notice",
}


def test_numbers_are_unique_per_unit_and_year_and_follow_the_calendar(stored):
    seen, runs = {}, {}
    for item in stored.items():
        if not item.number or item.item_type == "library_document":
            continue  # a published regulation's library copy bears the regulation's number
        code, year, sequence = parse_number(item.number)
        key = (item.owner, code, year, sequence)
        assert key not in seen, f"{item.number} twice"
        seen[key] = item
        if item.item_type in NUMBERED_AT_CREATION:
            assert item.created.astimezone(SHANGHAI).year == year, item.number
            runs.setdefault((item.owner, code, year), []).append((sequence, item.created))
    assert len(seen) > ITEMS // 2
    for numbers in runs.values():
        created = [moment for _, moment in sorted(numbers)]
        assert created == sorted(created), "numbers follow the order the items were made in"


def test_a_units_person_sees_the_units_items_on_the_pages(app, stored):
    browser = Browser(app)
    browser.login(PERSON)
    requests = [item for item in stored.items() if item.item_type == "collab_request"]
    mine = sorted((item for item in requests if item.owner == UNIT), key=lambda item: item.created)
    others = [item for item in requests if item.owner != UNIT and UNIT not in item.relation_tokens()]
    assert mine and others
    page = browser.get("/@@collab-requests")
    for item in mine[-5:]:
        assert f"/tenants/{UNIT}/{item.__name__}/" in page.text
    for item in others:
        assert f"/tenants/{item.owner}/{item.__name__}/" not in page.text
    browser.get(f"/tenants/{UNIT}/{mine[-1].__name__}/", status=200)
    browser.get(f"/tenants/{others[0].owner}/{others[0].__name__}/", status=403)
    home = browser.get("/")
    assert home.status_int == 200
    moment = now()
    waiting = [
        item
        for item in stored.items()
        if item.is_open
        and UNIT in item.awaiting
        and isinstance(item.due, datetime.date)
        and not isinstance(item.due, datetime.datetime)
        and item.due < moment.date()
        and item.owner == UNIT
    ]
    if waiting:
        oldest = min(waiting, key=lambda item: item.due)
        assert oldest.title in home.text
    for listing in ("/penalty-filings", "/@@complaints", "/@@transfers", "/@@hazards", "/@@referrals"):
        browser.get(listing, status=200)


def test_a_second_run_adds_more_and_breaks_nothing(site, tmp_path):
    directory = site[0]
    copy = tmp_path / "again"
    copy.mkdir()
    for name in ("Data.fs", "Data.fs.fulltext"):
        if (directory / name).exists():
            shutil.copy(directory / name, copy / name)
    shutil.copytree(directory / "blobs", copy / "blobs")
    populate(write_ini(copy), "--items", "40", "--seed", str(SEED))
    again = make_app(copy)
    found = Site(again)
    try:
        items = found.items()
        assert len(items) == ITEMS + 40
        objectmap = found.root.__objectmap__
        assert set(found.catalog.objectids) == {objectmap.objectid_for(item) for item in items}
        numbers = [
            (item.owner, item.number)
            for item in items
            if item.number and item.item_type != "library_document"
        ]
        assert len(numbers) == len(set(numbers))
        assert len(found.root.populate_runs) == 2
        assert not len(found.root.indexing_pending)
    finally:
        found.close()
        close_app(again)
