"""Property: every listing, search result and download equals the per-item Casbin decision.

For random policies (``p`` rows over roles × unit kinds and codes × relations, ``*`` and ``none``
included × the sample types and ``*`` × actions), random extra memberships, random items (owners,
relations including ``*``, deadlines) and a random acting unit for each of two people, what the
pages show (inbox, outbox, to-do, search, each with and without a type filter) and which
attachments download must be exactly what ``PolicyEngine.permits`` allows item by item, restricted
to what each list is about. One app for the whole test; each example writes its policy, memberships
and items in one transaction and takes them away afterwards.
"""

from urllib.parse import urlparse

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from portal.items import RELATIONS
from portal.listings import INBOX_RELATIONS
from portal.security import relations_to
from portal.security.names import membership_row
from tests.items import sample

UNITS = ["cj-yushan", "cj-scjgj", "cj-cgj", "cj-lvmeng"]
ROLES = ["member", "officer", "liaison", "leader"]
DOMAINS = ["kind:unit", "kind:township", "kind:department", *UNITS]
TYPES = list(sample.TYPES)
PEOPLE = {"ys.officer": "cj-yushan", "scj.liaison": "cj-scjgj"}

policies = st.lists(
    st.tuples(
        st.sampled_from(ROLES),
        st.sampled_from(DOMAINS),
        st.sampled_from([*RELATIONS, "*", "none"]),
        st.sampled_from([*TYPES, "*"]),
        st.sampled_from(["view", "other"]),
    ),
    max_size=8,
    unique=True,
)
memberships = st.lists(
    st.tuples(st.sampled_from(sorted(PEOPLE)), st.sampled_from(ROLES), st.sampled_from(UNITS)),
    max_size=3,
    unique=True,
)
items = st.lists(
    st.tuples(
        st.sampled_from(TYPES),
        st.sampled_from(UNITS),
        st.lists(
            st.tuples(
                st.sampled_from([r for r in RELATIONS if r != "owner"]), st.sampled_from([*UNITS, "*"])
            ),
            max_size=3,
        ),
        st.lists(st.sampled_from(UNITS), max_size=2, unique=True),
    ),
    max_size=8,
)


def paths(page):
    return sorted(urlparse(a["href"]).path for a in page.html.select("a.item-link"))


def spaced_p_row(row):
    """A drawn ``p`` row in the rows' name spaces (``role:``, and ``unit:`` for a unit code)."""
    role, domain, *rest = row
    return [f"role:{role}", domain if domain.startswith("kind:") else f"unit:{domain}", *rest]


def write_example(app, rows, groups, specs):
    """The example's policy rows, memberships and items, in one transaction; returns the rows
    that were new (a random row may repeat one the site has already: that one stays)."""
    added = []
    with sample.site(app) as root:
        store = root.policy_store
        # Whoever holds a role in a unit is also a member there (as granting a role makes them).
        members = [("g", membership_row(login, "member", unit)) for login, _, unit in groups]
        policy = [("p", spaced_p_row(r)) for r in rows]
        roles = [("g", membership_row(*g)) for g in groups]
        for ptype, row in policy + roles + members:
            if store.add(ptype, row):
                added.append((ptype, row))
        for i, (type_name, owner, relations, awaiting) in enumerate(specs):
            sample.add_item(
                root,
                sample.TYPES[type_name],
                owner,
                f"第{i}件",
                relations=relations,
                minute=i,
                state="submitted",
                due=sample.BASE_TIME.date(),
                awaiting=awaiting,
                body="执法协作事项",
                attachment_text="附件",
            )
    return added


def remove_example(app, added):
    with sample.site(app) as root:
        for ptype, row in added:
            root.policy_store.remove(ptype, row)
        for tenant in root["tenants"].values():
            for name in [name for name in tenant if name.startswith("sample_")]:
                tenant.remove(name)


def expected(app, login, unit):
    """Per item, Casbin's own answer for this person and unit, and what each list is about."""
    engine = app.registry.policy_engine
    found = {"visible": [], "inbox": [], "outbox": [], "todo": [], **{t: [] for t in TYPES}}
    everything = []
    with sample.site(app, commit=False) as root:
        engine.sync(root.policy_store)
        for tenant in root["tenants"].values():
            for name, item in tenant.items():
                if not name.startswith("sample_"):
                    continue
                path = f"/tenants/{tenant.__name__}/{name}/"
                everything.append(path)
                if not engine.permits(login, unit, relations_to(item, unit), item.item_type, "view"):
                    continue
                found["visible"].append(path)
                found[item.item_type].append(path)
                tokens = {f"{r}:{u}" for r in INBOX_RELATIONS for u in (unit, "*")}
                if item.owner != unit and tokens & set(item.relation_tokens()):
                    found["inbox"].append(path)
                if item.owner == unit:
                    found["outbox"].append(path)
                if unit in item.awaiting:
                    found["todo"].append(path)
    return {key: sorted(value) for key, value in found.items()}, everything


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # Shrinking replays whole sites and takes minutes; a failing example is readable as it is.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(rows=policies, groups=memberships, specs=items, choice=st.tuples(st.integers(0, 9), st.integers(0, 9)))
def test_listings_search_and_downloads_equal_per_item_decisions(app, browsers, rows, groups, specs, choice):
    added = write_example(app, rows, groups, specs)
    try:
        for (login, browser), pick in zip(browsers.items(), choice, strict=True):
            units = sorted({PEOPLE[login]} | {unit for who, _, unit in groups if who == login})
            unit = units[pick % len(units)]
            browser.switch_unit(unit)
            want, everything = expected(app, login, unit)
            assert paths(browser.get("/inbox")) == want["inbox"]
            assert paths(browser.get("/outbox")) == want["outbox"]
            assert paths(browser.get("/todo")) == want["todo"]
            assert paths(browser.get("/search", {"q": "协作"})) == want["visible"]
            for item_type in TYPES:
                typed = browser.get("/search", {"q": "执法", "type": item_type})
                assert paths(typed) == want[item_type]
                inbox = paths(browser.get("/inbox", {"type": item_type}))
                assert inbox == sorted(set(want["inbox"]) & set(want[item_type]))
            for path in everything:
                status = 200 if path in want["visible"] else 403
                browser.get(path + "file-1/@@download", status=status)
    finally:
        remove_example(app, added)


@pytest.fixture
def browsers(app, browser_factory):
    """The two people, logged in once (a login costs a bcrypt check)."""
    sample.register_types(app.registry)
    people = {}
    for login in sorted(PEOPLE):
        people[login] = browser_factory()
        people[login].login(login)
    return people
