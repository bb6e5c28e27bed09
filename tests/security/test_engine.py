"""PolicyEngine: processes stay in step through the store's version, and answer as plain pycasbin.

Two "processes" are two connections to one FileStorage, each with its own transaction manager and
its own PolicyEngine. The decision cache and the pre-selection of rows are checked against plain
``casbin.Enforcer`` over every row, on random policies.
"""

import itertools

import casbin
import pytest
import transaction
import ZODB
import ZODB.FileStorage
from hypothesis import given, settings
from hypothesis import strategies as st

import portal
from portal.security import PORTAL, PolicyEngine, PolicyStore
from portal.security.evolve import spaced_row
from portal.security.names import PORTAL_DOMAIN, casbin_request, membership_row

MODEL = str(portal.PROJECT / "policies" / "model.conf")

ROWS = {
    "p": [
        ["role:admin", PORTAL_DOMAIN, "*", "*", "*"],
        ["role:member", "kind:unit", "owner", "tenant", "view"],
        ["role:liaison", "kind:department", "recipient", "case_transfer", "receive"],
    ],
    "g": [
        ["user:ys.officer", "role:member", "unit:cj-yushan"],
        ["user:scj.liaison", "role:member", "unit:cj-scjgj"],
    ],
    "g2": [
        ["kind:department", "kind:unit"],
        ["kind:township", "kind:unit"],
        ["unit:cj-yushan", "kind:township"],
        ["unit:cj-scjgj", "kind:department"],
    ],
}
RECEIVE = ("scj.liaison", "cj-scjgj", "recipient", "case_transfer", "receive")


@pytest.fixture
def db(tmp_path):
    database = ZODB.DB(ZODB.FileStorage.FileStorage(str(tmp_path / "Data.fs")))
    tm = transaction.TransactionManager()
    connection = database.open(transaction_manager=tm)
    store = connection.root()["policy"] = PolicyStore()
    for ptype, rows in ROWS.items():
        store.add_many(ptype, rows)
    tm.commit()
    connection.close()
    yield database
    database.close()


class Process:
    """One process's view: a connection with its own transaction manager, and its own engine."""

    def __init__(self, db):
        self.tm = transaction.TransactionManager()
        self.connection = db.open(transaction_manager=self.tm)
        self.engine = PolicyEngine(MODEL)

    @property
    def store(self):
        return self.connection.root()["policy"]

    def request(self):
        """Start a request: a new transaction, and the engine synced to what it sees."""
        self.tm.begin()
        self.engine.sync(self.store)
        return self.engine

    def close(self):
        self.tm.abort()
        self.connection.close()


@pytest.fixture
def processes(db):
    pair = Process(db), Process(db)
    yield pair
    for process in pair:
        process.close()


def test_committed_grant_is_in_force_in_the_other_process_at_its_next_request(processes):
    one, two = processes
    assert not two.request().enforce(*RECEIVE)
    assert not one.request().enforce(*RECEIVE)

    one.store.add("g", membership_row("scj.liaison", "liaison", "cj-scjgj"))
    one.tm.commit()

    engine = two.request()
    assert engine.enforce(*RECEIVE)
    assert engine.units_of("scj.liaison") == {"cj-scjgj": frozenset({"member", "liaison"})}
    assert one.request().enforce(*RECEIVE)

    one.store.remove("g", membership_row("scj.liaison", "liaison", "cj-scjgj"))
    one.tm.commit()
    assert not two.request().enforce(*RECEIVE)


def test_aborted_change_is_in_force_nowhere(processes):
    one, two = processes
    assert not two.request().enforce(*RECEIVE)
    one.request()
    version = one.store.version

    one.store.add("g", membership_row("scj.liaison", "liaison", "cj-scjgj"))
    # The process that made the change syncs again in the same transaction (a second look at the
    # policy within the request): an uncommitted change must not become this process's policy.
    one.engine.sync(one.store)
    assert not one.engine.enforce(*RECEIVE)
    one.tm.abort()

    assert one.store.version == version
    assert not one.request().enforce(*RECEIVE)
    assert not two.request().enforce(*RECEIVE)

    # A later, different change that brings the version to the same number is still seen.
    two.store.add("p", ["role:member", "kind:unit", "recipient", "case_transfer", "view"])
    two.tm.commit()
    engine = one.request()
    assert engine.enforce("scj.liaison", "cj-scjgj", "recipient", "case_transfer", "view")


def test_unchanged_version_keeps_the_loaded_enforcer_and_its_cache(processes):
    one, _ = processes
    engine = one.request()
    enforcer = engine.enforcer
    engine.enforce(*RECEIVE)
    assert not engine.sync(one.store)
    one.request()
    assert engine.enforcer is enforcer and RECEIVE in engine.cache


# Random policies: the engine's answers are plain pycasbin's.

USERS = ("ann", "bo", "cy")
ROLES = ("member", "leader", "liaison", "officer", "admin")
UNITS = ("u1", "u2", "u3")
KINDS = ("kind:unit", "kind:township", "kind:department", "kind:supervisor")
RELATIONS = ("owner", "recipient", "cc", "none")
TYPES = ("tenant", "site", "case_transfer", "penalty_filing")
ACTIONS = ("view", "create", "receive", "manage")
DOMAINS = (*UNITS, PORTAL)

p_rows = st.lists(
    st.tuples(
        st.sampled_from((*ROLES, *USERS)),
        st.sampled_from((*KINDS, *UNITS, PORTAL)),
        st.sampled_from((*RELATIONS, "*")),
        st.sampled_from((*TYPES, "*")),
        st.sampled_from((*ACTIONS, "*")),
    ),
    max_size=25,
)
g_rows = st.lists(
    st.tuples(st.sampled_from((*USERS, *ROLES)), st.sampled_from(ROLES), st.sampled_from(DOMAINS)),
    max_size=20,
)
g2_rows = st.lists(
    st.tuples(st.sampled_from((*UNITS, *KINDS)), st.sampled_from(KINDS)),
    max_size=10,
)
requests = st.lists(
    st.tuples(
        st.sampled_from(USERS),
        st.sampled_from(DOMAINS),
        st.sampled_from(RELATIONS),
        st.sampled_from(TYPES),
        st.sampled_from(ACTIONS),
    ),
    min_size=1,
    max_size=40,
)


def unique(rows):
    return [list(row) for row in dict.fromkeys(rows)]


def spaced(policy):
    """The random rows, written with plain names (as the hypothesis strategies draw them), in
    their name spaces: the people of ``USERS`` are ``user:``, roles ``role:``, units ``unit:``."""
    return {
        ptype: [spaced_row(ptype, row, people=set(USERS), roles=set(ROLES)) for row in rows]
        for ptype, rows in policy.items()
    }


def plain_enforcer(policy):
    """pycasbin's own enforcer over every row, through its public API."""
    enforcer = casbin.Enforcer(MODEL)
    if policy["p"]:
        assert enforcer.add_policies(policy["p"])
    for ptype in ("g", "g2"):
        if policy[ptype]:
            assert enforcer.add_named_grouping_policies(ptype, policy[ptype])
    return enforcer


def engine_over(policy):
    store = PolicyStore()
    for ptype, rows in policy.items():
        store.add_many(ptype, rows)
    engine = PolicyEngine(MODEL)
    engine.sync(store)
    return engine


@settings(max_examples=120, deadline=None)
@given(p=p_rows, g=g_rows, g2=g2_rows, asked=requests)
def test_cached_decisions_equal_plain_casbin(p, g, g2, asked):
    policy = spaced({"p": unique(p), "g": unique(g), "g2": unique(g2)})
    plain = plain_enforcer(policy)
    engine = engine_over(policy)
    expected = [plain.enforce(*casbin_request(*request)) for request in asked]
    assert [engine.enforce(*request) for request in asked] == expected
    # Asked again: now from the cache, still the same.
    assert [engine.enforce(*request) for request in asked] == expected
    assert [engine.enforcer.enforce(*casbin_request(*request)) for request in asked] == expected


@settings(max_examples=40, deadline=None)
@given(p=p_rows, g=g_rows, g2=g2_rows)
def test_visible_pairs_equal_plain_casbin_per_pair(p, g, g2):
    policy = spaced({"p": unique(p), "g": unique(g), "g2": unique(g2)})
    plain = plain_enforcer(policy)
    engine = engine_over(policy)
    for user, unit in itertools.product(USERS, DOMAINS):
        expected = {
            (rel, typ)
            for rel, typ in itertools.product(RELATIONS, TYPES)
            if plain.enforce(*casbin_request(user, unit, rel, typ, "view"))
        }
        assert engine.visible_pairs(user, unit, RELATIONS, TYPES) == expected
        assert engine.visible_pairs(user, unit, RELATIONS, TYPES) == expected


def test_portal_roles_hold_in_every_unit_and_unit_roles_only_in_their_unit():
    engine = engine_over(
        {
            "p": [
                ["role:admin", PORTAL_DOMAIN, "*", "*", "*"],
                ["role:leader", "kind:unit", "owner", "tenant", "view"],
            ],
            "g": [membership_row("ann", "admin", PORTAL), membership_row("bo", "leader", "u1")],
            "g2": [["unit:u1", "kind:unit"], ["unit:u2", "kind:unit"]],
        }
    )
    assert engine.enforce("ann", "u2", "none", "site", "manage")
    assert engine.enforce("bo", "u1", "owner", "tenant", "view")
    assert not engine.enforce("bo", "u2", "owner", "tenant", "view")
    assert not engine.enforce("bo", "u1", "owner", "tenant", "manage")
    assert engine.is_portal_admin("ann") and not engine.is_portal_admin("bo")


def test_another_matcher_is_evaluated_over_every_row(tmp_path):
    """The pre-selection is for the portal's matcher; with another one, every row is evaluated."""
    text = (portal.PROJECT / "policies" / "model.conf").read_text(encoding="utf-8")
    model = tmp_path / "model.conf"
    model.write_text(
        text.replace('(p.typ == "*" || r.typ == p.typ)', "keyMatch(r.typ, p.typ)"), encoding="utf-8"
    )
    store = PolicyStore()
    store.add("p", ["role:officer", "kind:unit", "owner", "penalty_*", "view"])
    store.add("g", membership_row("bo", "officer", "u1"))
    store.add("g2", ["unit:u1", "kind:unit"])
    engine = PolicyEngine(model)
    engine.sync(store)
    assert engine.enforce("bo", "u1", "owner", "penalty_filing", "view")
    assert not engine.enforce("bo", "u1", "owner", "case_transfer", "view")
