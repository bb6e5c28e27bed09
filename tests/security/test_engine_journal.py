"""Role changes reach other processes through the store's journal, without reloading every row.

After any sequence of grants, revocations, removals and kind changes committed elsewhere, a process
that catches up from the journal answers exactly as one that loads every row afresh.
"""

import itertools
import random

import pytest
import transaction
import ZODB
import ZODB.FileStorage

from portal.security import PolicyEngine, PolicyStore
from portal.security.names import kind_row, membership_row
from tests.security.test_engine import MODEL, ROWS

PEOPLE = ["ys.officer", "scj.liaison", "lm.officer", "new.person"]
UNITS = ["cj-yushan", "cj-scjgj", "cj-lvmeng"]
ROLES = ["member", "liaison", "officer", "unit_admin"]
REQUESTS = list(
    itertools.product(
        PEOPLE,
        UNITS + ["portal"],
        ["owner", "recipient", "none"],
        ["tenant", "case_transfer"],
        ["view", "receive", "manage_members"],
    )
)
EXTRA_P = [
    ["role:unit_admin", "kind:unit", "owner", "tenant", "manage_members"],
    ["role:officer", "kind:township", "*", "case_transfer", "view"],
]


@pytest.fixture
def db(tmp_path):
    database = ZODB.DB(ZODB.FileStorage.FileStorage(str(tmp_path / "Data.fs")))
    tm = transaction.TransactionManager()
    connection = database.open(transaction_manager=tm)
    store = connection.root()["policy"] = PolicyStore()
    for ptype, rows in ROWS.items():
        store.add_many(ptype, rows)
    store.add_many("p", EXTRA_P)
    store.add("g2", kind_row("cj-lvmeng", "township"))
    tm.commit()
    connection.close()
    yield database
    database.close()


def open_store(db):
    tm = transaction.TransactionManager()
    return tm, db.open(transaction_manager=tm).root()["policy"]


def fresh_answers(db):
    tm, store = open_store(db)
    engine = PolicyEngine(MODEL)
    engine.sync(store)
    tm.abort()
    return engine


def same_answers(engine, fresh):
    assert [engine.enforce(*r) for r in REQUESTS] == [fresh.enforce(*r) for r in REQUESTS]
    for person in PEOPLE:
        assert engine.units_of(person) == fresh.units_of(person)
    for unit in UNITS:
        assert engine.members_of(unit) == fresh.members_of(unit)
        assert engine.kinds_of(unit) == fresh.kinds_of(unit)


def random_role_change(store, rng):
    person, unit, role = rng.choice(PEOPLE), rng.choice(UNITS), rng.choice(ROLES)
    choice = rng.random()
    if choice < 0.5:
        store.add("g", membership_row(person, role, unit))
    elif choice < 0.8:
        store.remove("g", membership_row(person, role, unit))
    elif choice < 0.9:
        store.remove_filtered("g", 0, f"user:{person}", "", f"unit:{unit}")
    else:
        store.remove_filtered("g2", 0, f"unit:{unit}")
        store.add("g2", kind_row(unit, rng.choice(["township", "department"])))


@pytest.mark.parametrize("seed", range(8))
def test_role_changes_are_applied_in_place_and_answer_as_a_full_reload(db, seed):
    rng = random.Random(seed)
    tm, store = open_store(db)
    engine = PolicyEngine(MODEL)
    engine.sync(store)
    tm.abort()
    loaded = engine.enforcer
    writer_tm, writer_store = open_store(db)
    for _ in range(6):
        for _ in range(rng.randint(1, 4)):
            random_role_change(writer_store, rng)
        writer_tm.commit()
        tm.begin()
        engine.sync(store)
        tm.abort()
        assert engine.enforcer is loaded, "a role change should not reload every row"
        assert engine.version == store.version
        same_answers(engine, fresh_answers(db))


def test_a_change_to_p_rows_reloads_in_full(db):
    tm, store = open_store(db)
    engine = PolicyEngine(MODEL)
    engine.sync(store)
    tm.abort()
    loaded = engine.enforcer
    writer_tm, writer_store = open_store(db)
    writer_store.add("p", ["role:member", "kind:unit", "recipient", "tenant", "view"])
    writer_tm.commit()
    tm.begin()
    engine.sync(store)
    assert engine.enforcer is not loaded
    same_answers(engine, fresh_answers(db))


def test_a_gap_in_the_journal_reloads_in_full(db):
    tm, store = open_store(db)
    engine = PolicyEngine(MODEL)
    engine.sync(store)
    tm.abort()
    loaded = engine.enforcer
    writer_tm, writer_store = open_store(db)
    writer_store.add("g", membership_row("new.person", "member", "cj-yushan"))
    writer_store.bump()  # a change that journals nothing
    writer_tm.commit()
    tm.begin()
    engine.sync(store)
    assert engine.enforcer is not loaded
    assert engine.units_of("new.person") == {"cj-yushan": frozenset({"member"})}


def test_two_processes_journaling_the_same_version_conflict_and_the_retry_takes_the_next(db):
    from ZODB.POSException import ConflictError

    tm1, store1 = open_store(db)
    tm2, store2 = open_store(db)
    before = store1.version
    store1.add("g", membership_row("lm.officer", "officer", "cj-lvmeng"))
    store2.add("g", membership_row("new.person", "member", "cj-scjgj"))
    tm1.commit()
    with pytest.raises(ConflictError):
        tm2.commit()
    tm2.abort()
    store2.add("g", membership_row("new.person", "member", "cj-scjgj"))
    tm2.commit()
    assert store2.version == before + 2
    changes = store2.changes_since(before, before + 2)
    assert [(op, row) for op, _, row in changes] == [
        ("add", ("user:lm.officer", "role:officer", "unit:cj-lvmeng")),
        ("add", ("user:new.person", "role:member", "unit:cj-scjgj")),
    ]
