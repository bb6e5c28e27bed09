"""PolicyStore and ZODBAdapter over a real FileStorage: round trips, transactions, concurrency."""

import contextlib
import dataclasses
import itertools
import os
import random
from pathlib import Path

import casbin
import pytest
import transaction
import ZODB
import ZODB.FileStorage
from casbin.persist.adapters.filtered_file_adapter import Filter
from hypothesis import given, settings
from hypothesis import strategies as st
from ZODB.POSException import ConflictError

from portal.security.adapter import PolicyStore, ZODBAdapter

CORPUS = Path(os.environ.get("CASBIN_EXAMPLES", Path(__file__).parent.parent / "data" / "casbin-examples"))

#: Policy files whose model is not named after them.
SHARED_MODELS = {
    "empty_policy.csv": "basic_model.conf",
    "rbac_with_hierarchy_with_domains_policy.csv": "rbac_with_domains_model.conf",
}

#: At most this many requests are compared per corpus pair.
MAX_REQUESTS = 300

RESOURCE_ROLES_MODEL = """
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && g2(r.obj, p.obj) && r.act == p.act
"""

DOMAINS_MODEL = """
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
"""


def model_from_text(text):
    model = casbin.Model()
    model.load_model_from_text(text)
    return model


@pytest.fixture
def db(tmp_path):
    database = ZODB.DB(ZODB.FileStorage.FileStorage(str(tmp_path / "Data.fs")))
    yield database
    transaction.abort()
    database.close()


@contextlib.contextmanager
def opened(db):
    """A connection with its own transaction manager, aborted and closed at the end."""
    tm = transaction.TransactionManager()
    connection = db.open(transaction_manager=tm)
    try:
        yield connection, tm
    finally:
        tm.abort()
        connection.close()


def create_store(db, rows_by_ptype=None):
    """Commit a new store (with rows) at ``root["policy"]``."""
    with opened(db) as (connection, tm):
        store = connection.root()["policy"] = PolicyStore()
        for ptype, rows in (rows_by_ptype or {}).items():
            assert store.add_many(ptype, rows)
        tm.commit()


def snapshot(db):
    """``(rows by ptype, version)`` as a fresh connection sees them."""
    with opened(db) as (connection, _):
        store = connection.root()["policy"]
        return {ptype: store.rows(ptype) for ptype in store.ptypes()}, store.version


def all_rows(enforcer):
    """Every ptype's rows in the enforcer's model."""
    model = enforcer.get_model()
    return {
        ptype: assertion.policy
        for sec in ("p", "g")
        if sec in model.model
        for ptype, assertion in model.model[sec].items()
    }


def assert_plain_rows(rows_by_ptype):
    for rows in rows_by_ptype.values():
        assert all(type(row) is list and all(type(v) is str for v in row) for row in rows)


def decisions(enforcer, requests):
    """The enforcer's answer to each request; an exception counts as an answer (its type)."""
    answers = []
    for request in requests:
        try:
            answers.append(enforcer.enforce(*request))
        except Exception as exc:  # both enforcers must fail alike
            answers.append(type(exc).__name__)
    return answers


RR_REQUESTS = list(
    itertools.product(
        ["alice", "bob", "carol", "dave", "erin", "data_group_admin"],
        ["data1", "data2", "data3", "data_group"],
        ["read", "write"],
    )
)


def test_enforcer_round_trip(db):
    create_store(db)
    connection = db.open()
    store = connection.root()["policy"]
    enforcer = casbin.Enforcer(model_from_text(RESOURCE_ROLES_MODEL), ZODBAdapter(store))
    assert enforcer.get_policy() == []

    assert enforcer.add_policy("alice", "data1", "read")
    assert not enforcer.add_policy("alice", "data1", "read")
    assert enforcer.add_policies(
        [["bob", "data2", "write"], ["carol", "data3", "read"], ["dave", "data1", "write"]]
    )
    assert not enforcer.add_policies([["erin", "data1", "read"], ["bob", "data2", "write"]])
    assert enforcer.add_policies_ex([["bob", "data2", "write"], ["erin", "data_group", "read"]])
    assert enforcer.add_named_policy("p", "data_group_admin", "data_group", "write")
    assert enforcer.add_grouping_policy("alice", "data_group_admin")
    assert enforcer.add_grouping_policies([["bob", "data_group_admin"], ["carol", "readers"]])
    assert enforcer.add_named_grouping_policy("g2", "data1", "data_group")
    assert enforcer.add_named_grouping_policies("g2", [["data2", "data_group"], ["data3", "x"]])
    assert enforcer.remove_policy("carol", "data3", "read")
    assert not enforcer.remove_policy("carol", "data3", "read")
    assert enforcer.remove_policies([["dave", "data1", "write"]])
    assert enforcer.remove_filtered_grouping_policy(0, "carol")
    assert enforcer.remove_named_grouping_policy("g2", "data3", "x")
    assert enforcer.update_policy(["alice", "data1", "read"], ["alice", "data1", "write"])
    assert enforcer.update_policies(
        [["bob", "data2", "write"], ["erin", "data_group", "read"]],
        [["bob", "data2", "read"], ["erin", "data3", "read"]],
    )
    assert enforcer.add_policies([["frank", "data1", "read"], ["frank", "data2", "read"]])
    assert enforcer.remove_filtered_policy(0, "frank", "", "read")
    assert enforcer.add_policy("gina", "data3", "write")
    assert enforcer.update_filtered_policies([["gina", "data3", "read"]], 0, "gina")
    assert enforcer.add_policy("hank", "data1", "read")

    expected = {
        "p": [
            ["alice", "data1", "write"],
            ["bob", "data2", "read"],
            ["erin", "data3", "read"],
            ["data_group_admin", "data_group", "write"],
            ["gina", "data3", "read"],
            ["hank", "data1", "read"],
        ],
        "g": [["alice", "data_group_admin"], ["bob", "data_group_admin"]],
        "g2": [["data1", "data_group"], ["data2", "data_group"]],
    }
    assert all_rows(enforcer) == expected
    assert {ptype: store.rows(ptype) for ptype in store.ptypes()} == expected
    assert len(store) == 10 and store.count("g2") == 2
    answers = decisions(enforcer, RR_REQUESTS)
    assert enforcer.enforce("alice", "data2", "write") and not enforcer.enforce("hank", "data2", "read")
    version = store.version
    transaction.commit()
    connection.close()

    rows, fresh_version = snapshot(db)
    assert rows == expected and fresh_version == version
    assert_plain_rows(rows)
    with opened(db) as (fresh, _):
        reloaded = casbin.Enforcer(model_from_text(RESOURCE_ROLES_MODEL), ZODBAdapter(fresh.root()["policy"]))
        assert all_rows(reloaded) == expected
        assert_plain_rows(all_rows(reloaded))
        assert decisions(reloaded, RR_REQUESTS) == answers


def test_every_change_bumps_the_version(db):
    create_store(db)
    with opened(db) as (connection, _):
        store = connection.root()["policy"]
        seen = [store.version]

        def changed(result=True):
            seen.append(store.version)
            return result and seen[-1] > seen[-2]

        def unchanged():
            seen.append(store.version)
            return seen[-1] == seen[-2]

        assert changed(store.add("p", ["a", "x"]))
        assert not store.add("p", ("a", "x")) and unchanged()
        assert changed(store.add_many("p", [["b", "x"], ["c", "y"]]))
        assert changed(store.update("p", ["b", "x"], ["b", "z"]))
        assert store.update("p", ["b", "z"], ["b", "z"]) and unchanged()
        assert not store.update("p", ["b", "z"], ["c", "y"]) and unchanged()
        assert changed(store.remove("p", ["a", "x"]))
        assert store.remove_filtered("p", 1, "y") == [["c", "y"]] and changed()
        store.bump()
        assert changed()
        store.clear()
        assert changed() and store.ptypes() == [] and len(store) == 0
        store.clear()
        assert unchanged()


def test_store_rejects_malformed_rows(db):
    create_store(db)
    with opened(db) as (connection, _):
        store = connection.root()["policy"]
        with pytest.raises(ValueError):
            store.add("x", ["a"])
        with pytest.raises(ValueError):
            store.add("p", [])
        with pytest.raises(TypeError):
            store.add("p", ["a", 1])


def test_aborted_transaction_keeps_the_rows(db):
    create_store(db, {"p": [["alice", "data1", "read"], ["bob", "data2", "write"]]})
    before = snapshot(db)
    connection = db.open()
    store = connection.root()["policy"]
    enforcer = casbin.Enforcer(model_from_text(RESOURCE_ROLES_MODEL), ZODBAdapter(store))
    assert enforcer.remove_policy("alice", "data1", "read")
    assert enforcer.add_policy("carol", "data3", "read")
    assert enforcer.update_policy(["bob", "data2", "write"], ["bob", "data2", "read"])
    assert enforcer.add_named_grouping_policy("g2", "data1", "data_group")
    enforcer.save_policy()
    assert store.version > before[1]
    transaction.abort()
    assert store.rows("p") == before[0]["p"] and store.version == before[1]
    assert store.ptypes() == ["p"]
    connection.close()
    assert snapshot(db) == before


def test_change_is_visible_to_another_connection_after_sync(db):
    create_store(db, {"g": [["alice", "admin"]]})
    with opened(db) as (first, tm1), opened(db) as (second, tm2):
        store1, store2 = first.root()["policy"], second.root()["policy"]
        version = store2.version
        assert store1.add("g", ["bob", "admin"])
        assert store1.remove("g", ["alice", "admin"])
        tm1.commit()
        assert store2.rows("g") == [["alice", "admin"]] and store2.version == version
        tm2.begin()
        assert store2.rows("g") == [["bob", "admin"]]
        assert store2.version == store1.version > version


def test_filtered_loading(db):
    create_store(
        db,
        {
            "p": [
                ["admin", "domain1", "data1", "read"],
                ["admin", "domain2", "data2", "read"],
                ["alice", "domain1", "data3", "write"],
            ],
            "g": [["alice", "admin", "domain1"], ["bob", "admin", "domain2"]],
        },
    )
    full = snapshot(db)
    with opened(db) as (connection, _):
        store = connection.root()["policy"]
        adapter = ZODBAdapter(store)
        enforcer = casbin.Enforcer(model_from_text(DOMAINS_MODEL), adapter)
        assert not enforcer.is_filtered()
        assert enforcer.enforce("bob", "domain2", "data2", "read")

        domain1 = Filter()
        domain1.P = ["", " domain1 "]
        domain1.G = ["", "", "domain1"]
        enforcer.load_filtered_policy(domain1)
        assert adapter.is_filtered() and enforcer.is_filtered()
        assert enforcer.get_policy() == [
            ["admin", "domain1", "data1", "read"],
            ["alice", "domain1", "data3", "write"],
        ]
        assert enforcer.get_grouping_policy() == [["alice", "admin", "domain1"]]
        assert enforcer.enforce("alice", "domain1", "data1", "read")
        assert not enforcer.enforce("bob", "domain2", "data2", "read")
        with pytest.raises(RuntimeError, match="filtered"):
            enforcer.save_policy()
        with pytest.raises(RuntimeError, match="filter left out"):
            adapter.save_policy(enforcer.get_model())
        assert {ptype: store.rows(ptype) for ptype in store.ptypes()} == full[0]

        alice_only = Filter()
        alice_only.P = ["alice"]
        enforcer.load_filtered_policy(alice_only)
        assert enforcer.get_policy() == [["alice", "domain1", "data3", "write"]]
        assert len(enforcer.get_grouping_policy()) == 2

        enforcer.load_filtered_policy(None)
        assert not enforcer.is_filtered()
        assert all_rows(enforcer) == full[0]
        enforcer.save_policy()

        blank = Filter()
        blank.P, blank.G = [" "], [""]
        enforcer.load_filtered_policy(blank)
        assert not enforcer.is_filtered() and all_rows(enforcer) == full[0]

        with pytest.raises(RuntimeError, match="invalid filter"):
            adapter.load_filtered_policy(enforcer.get_model(), object())
    assert snapshot(db) == full


def test_filter_g_applies_to_every_role_ptype(db):
    create_store(db, {"g": [["data1", "admins"]], "g2": [["data1", "group"], ["data2", "group"]]})
    with opened(db) as (connection, _):
        enforcer = casbin.Enforcer(
            model_from_text(RESOURCE_ROLES_MODEL), ZODBAdapter(connection.root()["policy"])
        )
        data1 = Filter()
        data1.G = ["data1"]
        enforcer.load_filtered_policy(data1)
        assert enforcer.get_grouping_policy() == [["data1", "admins"]]
        assert enforcer.get_named_grouping_policy("g2") == [["data1", "group"]]


def test_priority_order_survives_save_update_and_reload(db):
    create_store(db)
    model_path = str(CORPUS / "priority_model.conf")
    reference = casbin.Enforcer(model_path, str(CORPUS / "priority_policy.csv"))
    reference.enable_auto_save(False)
    requests = list(
        itertools.product(
            ["alice", "bob", "data1_deny_group", "data2_allow_group"],
            ["data1", "data2"],
            ["read", "write"],
        )
    )

    with opened(db) as (connection, tm):
        store = connection.root()["policy"]
        reference.set_adapter(ZODBAdapter(store))
        reference.save_policy()
        tm.commit()
    with opened(db) as (connection, tm):
        store = connection.root()["policy"]
        enforcer = casbin.Enforcer(model_path, ZODBAdapter(store))
        assert all_rows(enforcer) == all_rows(reference)
        assert decisions(enforcer, requests) == decisions(reference, requests)

        # Row 2 denies alice's write before row 3 allows it: only if it keeps its place.
        old, new = ["data1_deny_group", "data1", "write", "deny"], ["alice", "data1", "write", "deny"]
        assert store.rows("p")[2] == old
        assert enforcer.update_policy(old, new)
        assert reference.update_policy(old, new)
        tm.commit()
    with opened(db) as (connection, _):
        store = connection.root()["policy"]
        assert store.rows("p")[2] == new
        reloaded = casbin.Enforcer(model_path, ZODBAdapter(store))
        assert all_rows(reloaded) == all_rows(reference)
        assert not reloaded.enforce("alice", "data1", "write")
        assert decisions(reloaded, requests) == decisions(reference, requests)


def corpus_pairs():
    """``(model file, policy file)`` for every policy file of the corpus."""
    pairs = []
    for policy in sorted(CORPUS.glob("*.csv")):
        model_name = (
            SHARED_MODELS.get(policy.name) or "_model".join(policy.stem.rsplit("_policy", 1)) + ".conf"
        )
        pairs.append((CORPUS / model_name, policy))
    return pairs


def loads_with_file_adapter(pair):
    model, policy = pair
    try:
        casbin.Enforcer(str(model), str(policy))
    except Exception:  # any failure means plain pycasbin cannot use the pair
        return False
    return True


def test_corpus_is_complete():
    """Every policy file has its model, and enough pairs load to make the corpus test mean something."""
    pairs = corpus_pairs()
    assert all(model.is_file() for model, _ in pairs)
    assert sum(loads_with_file_adapter(pair) for pair in pairs) >= 10


@dataclasses.dataclass(frozen=True)
class Subject:
    """A request subject with attributes, for the ABAC models' ``r.sub.age`` rules."""

    name: str
    age: int


def corpus_requests(enforcer):
    """Requests made of the values in the policy, at most ``MAX_REQUESTS`` of them.

    First every request whose fields take the values of the policy fields of the same name (``r.dom``
    those of ``p.dom``, every value when no policy field has the name; the first field also those of
    the role rows), then a fixed random sample of all other combinations of policy values.
    """
    model = enforcer.get_model()
    everything, by_name, in_roles = set(), {}, set()
    for sec in ("p", "g"):
        for assertion in (model.model.get(sec) or {}).values():
            for row in assertion.policy:
                everything.update(row)
                if sec == "g":
                    in_roles.update(row)
                else:
                    for token, value in zip(assertion.tokens, row, strict=False):
                        by_name.setdefault(token.split("_", 1)[1], set()).add(value)
    tokens = model.model["r"]["r"].tokens
    fields = []
    for index, token in enumerate(tokens):
        values = set(by_name.get(token.split("_", 1)[1]) or everything)
        if index == 0:
            values |= in_roles
        fields.append(sorted(values) or ["nobody"])
    if "eval(" in model.model["m"]["m"].value:
        fields[0] = fields[0] + [Subject(n, a) for n in ("alice", "bob") for a in (10, 30, 70)]
    rng = random.Random(0)
    named = list(itertools.product(*fields))
    if len(named) >= MAX_REQUESTS:
        return rng.sample(named, MAX_REQUESTS)
    seen = set(named)
    others = [
        request
        for request in itertools.product(sorted(everything), repeat=len(tokens))
        if request not in seen
    ]
    return named + rng.sample(others, min(len(others), MAX_REQUESTS - len(named)))


@pytest.mark.parametrize("pair", corpus_pairs(), ids=lambda pair: pair[1].stem)
def test_corpus_round_trip(db, pair):
    model, policy = str(pair[0]), str(pair[1])
    if not loads_with_file_adapter(pair):
        pytest.skip("plain pycasbin cannot load this pair")
    reference = casbin.Enforcer(model, policy)
    create_store(db)
    with opened(db) as (connection, tm):
        reference.set_adapter(ZODBAdapter(connection.root()["policy"]))
        reference.save_policy()
        tm.commit()
    reference.set_adapter(casbin.FileAdapter(policy))

    requests = corpus_requests(reference)
    assert requests
    with opened(db) as (connection, _):
        store = connection.root()["policy"]
        reloaded = casbin.Enforcer(model, ZODBAdapter(store))
        assert all_rows(reloaded) == all_rows(reference)
        assert_plain_rows(all_rows(reloaded))
        for ptype, rows in all_rows(reference).items():
            assert store.rows(ptype) == rows
        assert decisions(reloaded, requests) == decisions(reference, requests)


def commit_or_retry(connection, tm, work):
    """Commit; on a conflict, start over in a new transaction once and commit that."""
    try:
        tm.commit()
        return "committed"
    except ConflictError:
        tm.abort()
        tm.begin()
        work(connection.root()["policy"])
        tm.commit()
        return "retried"


def adding(row):
    """The work of a transaction that adds ``row`` through the adapter."""

    def work(store):
        return ZODBAdapter(store).add_policy("p", "p", row)

    return work


@pytest.mark.parametrize(
    "rows", [(["alice", "d", "read"], ["bob", "d", "read"]), (["carl", "d", "read"],) * 2]
)
def test_concurrent_writers(db, rows):
    initial = [[f"user{i}", "d", "read"] for i in range(100)]
    create_store(db, {"p": initial})
    version = snapshot(db)[1]
    with opened(db) as (first, tm1), opened(db) as (second, tm2):
        assert adding(rows[0])(first.root()["policy"])
        assert adding(rows[1])(second.root()["policy"])
        tm1.commit()
        outcome = commit_or_retry(second, tm2, adding(rows[1]))
    stored, final_version = snapshot(db)
    assert stored["p"][:100] == initial
    assert sorted(stored["p"][100:]) == sorted(map(list, set(map(tuple, rows))))
    if rows[0] == rows[1]:
        assert outcome == "retried" and final_version == version + 1
    else:
        assert final_version == version + 2


def test_save_policy_conflicts_with_a_concurrent_add(db):
    create_store(db, {"g": [[f"user{i}", "role"] for i in range(500)]})
    with opened(db) as (first, tm1), opened(db) as (second, tm2):
        first.root()["policy"].replace_all({"g": [["only", "role"]]})
        assert second.root()["policy"].add("g", ["late", "role"])
        tm1.commit()
        outcome = commit_or_retry(second, tm2, lambda store: store.add("g", ["late", "role"]))
    assert outcome == "retried"
    assert snapshot(db)[0] == {"g": [["only", "role"], ["late", "role"]]}


VALUES = st.sampled_from(["a", "b", "c"])
ROWS = st.tuples(VALUES, st.sampled_from(["x", "y", ""])).map(list)
PTYPES = st.sampled_from(["p", "g"])
FILTERS = st.one_of(
    st.tuples(st.just(0), st.lists(st.sampled_from(["a", "b", "x", ""]), min_size=1, max_size=2)),
    st.tuples(st.just(1), st.lists(st.sampled_from(["x", "y", ""]), min_size=1, max_size=1)),
)
OPERATIONS = st.one_of(
    st.tuples(st.just("add"), PTYPES, ROWS),
    st.tuples(st.just("add_many"), PTYPES, st.lists(ROWS, max_size=3)),
    st.tuples(st.just("remove"), PTYPES, ROWS),
    st.tuples(st.just("remove_many"), PTYPES, st.lists(ROWS, max_size=3)),
    st.tuples(st.just("update"), PTYPES, ROWS, ROWS),
    st.tuples(st.just("update_many"), PTYPES, st.lists(st.tuples(ROWS, ROWS), max_size=3)),
    st.tuples(st.just("remove_filtered"), PTYPES, FILTERS),
    st.tuples(st.just("update_filtered"), PTYPES, FILTERS, st.lists(ROWS, max_size=2)),
)


def matching(row, field_index, values):
    return all(v == "" or row[field_index + i] == v for i, v in enumerate(values))


def apply_to_lists(lists, operation):
    """The expected result of ``operation`` on plain lists of rows (Casbin's in-memory semantics)."""
    kind, ptype, *args = operation
    rows = lists.setdefault(ptype, [])
    if kind == "add":
        if args[0] in rows:
            return False
        rows.append(args[0])
        return True
    if kind == "add_many":
        new = [row for i, row in enumerate(args[0]) if row not in args[0][:i]]
        if any(row in rows for row in new):
            return False
        rows.extend(new)
        return True
    if kind in ("remove", "remove_many"):
        targets = [args[0]] if kind == "remove" else args[0]
        result = True
        for row in targets:
            if row in rows:
                rows.remove(row)
            else:
                result = False
        return result
    if kind in ("update", "update_many"):
        pairs = [tuple(args)] if kind == "update" else args[0]
        old, new = [p[0] for p in pairs], [p[1] for p in pairs]
        kept = [row for row in rows if row not in old]
        if (
            not all(row in rows for row in old)
            or len({tuple(r) for r in old}) < len(old)
            or len({tuple(r) for r in new}) < len(new)
            or any(row in kept for row in new)
        ):
            return False
        for before, after in pairs:
            rows[rows.index(before)] = after
        return True
    field_index, values = args[0]
    removed = [row for row in rows if matching(row, field_index, values)]
    lists[ptype] = [row for row in rows if row not in removed]
    if kind == "remove_filtered":
        return bool(removed)
    if removed:
        apply_to_lists(lists, ("add_many", ptype, args[1]))
    return removed


def apply_to_adapter(adapter, operation):
    kind, ptype, *args = operation
    if kind == "add":
        return adapter.add_policy(ptype, ptype, args[0])
    if kind == "add_many":
        return adapter.add_policies(ptype, ptype, args[0])
    if kind == "remove":
        return adapter.remove_policy(ptype, ptype, args[0])
    if kind == "remove_many":
        return adapter.remove_policies(ptype, ptype, args[0])
    if kind == "update":
        return adapter.update_policy(ptype, ptype, args[0], args[1])
    if kind == "update_many":
        old, new = [p[0] for p in args[0]], [p[1] for p in args[0]]
        return adapter.update_policies(ptype, ptype, old, new)
    field_index, values = args[0]
    if kind == "remove_filtered":
        return adapter.remove_filtered_policy(ptype, ptype, field_index, *values)
    return adapter.update_filtered_policies(ptype, ptype, args[1], field_index, *values)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    database = ZODB.DB(ZODB.FileStorage.FileStorage(str(tmp_path_factory.mktemp("hypothesis") / "Data.fs")))
    yield database
    database.close()


@settings(max_examples=50, deadline=None)
@given(operations=st.lists(OPERATIONS, max_size=25))
def test_store_behaves_like_lists(shared_db, operations):
    with opened(shared_db) as (connection, tm):
        store = connection.root()["policy"] = PolicyStore()
        adapter = ZODBAdapter(store)
        lists, expected = {}, {}
        for operation in operations:
            before, version = expected, store.version
            result = apply_to_adapter(adapter, operation)
            assert result == apply_to_lists(lists, operation)
            expected = {ptype: list(rows) for ptype, rows in lists.items() if rows}
            assert {ptype: store.rows(ptype) for ptype in store.ptypes()} == expected
            assert len(store) == sum(map(len, expected.values()))
            if expected != before:
                assert store.version > version
            elif not result:
                assert store.version == version
        tm.commit()
    with opened(shared_db) as (connection, _):
        store = connection.root()["policy"]
        assert {ptype: store.rows(ptype) for ptype in store.ptypes()} == expected
