"""The evolution step that puts an older site's policy rows into name spaces.

A site of the previous format is made from the demo site by writing every row (and every seeded
row) with plain names again and forgetting that the step ran. Starting the portal on it converts the
rows, keeps their order, keeps a default row a portal admin had removed removed, and every person's
decisions stay what they were, except those of a person whose login equals a role.
"""

import itertools

import casbin
import transaction
from BTrees.OOBTree import OOTreeSet
from substanced.evolution import FINISHED_KEY

import portal
from portal.people import add_person
from portal.security import PolicyEngine
from portal.security.evolve import NAME_SPACES_STEP, name_spaces, spaced_row
from portal.security.names import PORTAL_DOMAIN, is_spaced
from portal.site import DEMO_PEOPLE
from tests.conftest import close_app, make_app

MODEL = portal.PROJECT / "policies" / "model.conf"
REMOVED_DEFAULT = ["role:member", "kind:unit", "*", "calendar", "view"]
PEOPLE = sorted({login for login, *_ in DEMO_PEOPLE} | {"admin", "unit_admin"})
UNITS = ["cj-yushan", "cj-scjgj", "cj-sfj", "cj-lvmeng", "cj-gaj", "portal"]
REQUESTS = list(
    itertools.product(
        PEOPLE,
        UNITS,
        ["owner", "recipient", "cc", "none"],
        ["tenant", "site", "penalty_filing", "case_transfer", "calendar", "policy"],
        ["view", "manage_members", "record", "create", "manage"],
    )
)


def plain_name(name):
    if name == PORTAL_DOMAIN:
        return "portal"
    for prefix in ("user:", "role:", "unit:"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def old_format(root):
    """Rewrite the site as the previous version kept it; returns its rows by ptype."""
    store = root.policy_store
    store.remove("p", REMOVED_DEFAULT)
    old = {
        ptype: [[plain_name(name) for name in row] for row in store.rows(ptype)] for ptype in store.ptypes()
    }
    # A person named like a role, made a plain member by a unit admin.
    old["g"].append(["unit_admin", "member", "cj-yushan"])
    store.replace_all(old)
    root.seeded_policy_rows = OOTreeSet(
        (key[0], *[plain_name(name) for name in key[1:]]) for key in root.seeded_policy_rows
    )
    return old


def old_decisions(rows):
    """Plain pycasbin with the previous model (``portal`` for ``portal:all``) over the old rows."""
    text = MODEL.read_text(encoding="utf-8").replace('"portal:all"', '"portal"')
    model = casbin.Enforcer.new_model(text=text)
    enforcer = casbin.Enforcer(model)
    for ptype, ptype_rows in rows.items():
        enforcer.model.model[ptype[0]][ptype].policy.extend(ptype_rows)
    enforcer.build_role_links()
    return {request: enforcer.enforce(*request) for request in REQUESTS}


def test_starting_on_an_old_site_converts_its_rows_and_keeps_its_decisions(site_dir):
    app = make_app(site_dir)
    conn = app.registry._zodb_databases[""].open()
    root = conn.root()["app_root"]
    # A person named like a role, made a plain member by a unit admin.
    add_person(root, "unit_admin", "password-123", "同名者", registry=app.registry)
    before = old_format(root)
    del conn.root()[FINISHED_KEY][NAME_SPACES_STEP]
    transaction.commit()
    conn.close()
    close_app(app)
    expected = old_decisions(before)
    assert expected[("unit_admin", "cj-yushan", "owner", "tenant", "manage_members")], "the old hole"

    app = make_app(site_dir)
    try:
        conn = app.registry._zodb_databases[""].open()
        root = conn.root()["app_root"]
        store = root.policy_store
        assert NAME_SPACES_STEP in conn.root()[FINISHED_KEY]
        for ptype in ("p", "g", "g2"):
            rows = store.rows(ptype)
            assert all(is_spaced(name) for row in rows for name in (row[:2] if ptype == "p" else row))
            assert len(rows) == len(before[ptype])
        assert store.rows("p")[0][0].startswith("role:")
        assert ["user:unit_admin", "role:member", "unit:cj-yushan"] in store.rows("g")
        assert ["user:ys.admin", "role:unit_admin", "unit:cj-yushan"] in store.rows("g")
        assert ["role:admin", PORTAL_DOMAIN, "*", "*", "*"] in store.rows("p")
        # The default row removed before the conversion is not seeded again, nor any other twice.
        assert REMOVED_DEFAULT not in store.rows("p")
        assert ("p", *REMOVED_DEFAULT) in root.seeded_policy_rows
        assert all(is_spaced(key[1]) for key in root.seeded_policy_rows)

        engine = PolicyEngine(MODEL)
        engine.sync(store)
        changed = [request for request in REQUESTS if engine.enforce(*request) != expected[request]]
        assert changed and all(request[0] == "unit_admin" for request in changed)
        assert not any(
            engine.enforce(*request)
            for request in REQUESTS
            if request[0] == "unit_admin" and request[1] != "cj-yushan"
        )
        assert not engine.enforce("unit_admin", "cj-yushan", "owner", "tenant", "manage_members")
        assert engine.enforce("unit_admin", "cj-yushan", "owner", "tenant", "view")
        conn.close()
    finally:
        transaction.abort()
        close_app(app)


def test_the_step_is_idempotent_and_tells_people_from_roles():
    people, roles = {"unit_admin", "ys.officer"}, {"officer", "unit_admin", "leader"}
    assert spaced_row("g", ["unit_admin", "member", "cj-yushan"], people, roles) == [
        "user:unit_admin",
        "role:member",
        "unit:cj-yushan",
    ]
    # A role hierarchy row (no person of that name): a role.
    assert spaced_row("g", ["leader", "officer", "cj-yushan"], people, roles)[0] == "role:leader"
    assert spaced_row("p", ["ys.officer", "cj-yushan", "*", "*", "view"], people, roles)[:2] == [
        "user:ys.officer",
        "unit:cj-yushan",
    ]
    assert spaced_row("g2", ["cj-sfj", "kind:supervisor"], people, roles) == [
        "unit:cj-sfj",
        "kind:supervisor",
    ]
    assert spaced_row("g", ["admin", "admin", "portal"], people, roles) == [
        "user:admin",
        "role:admin",
        "portal:all",
    ]
    spaced = spaced_row("g", ["unit_admin", "member", "cj-yushan"], people, roles)
    assert spaced_row("g", spaced, people, roles) == spaced


def test_the_step_on_a_converted_site_changes_nothing(root):
    transaction.begin()
    before = {ptype: root.policy_store.rows(ptype) for ptype in ("p", "g", "g2")}
    seeded = set(root.seeded_policy_rows)
    name_spaces(root)
    assert {ptype: root.policy_store.rows(ptype) for ptype in ("p", "g", "g2")} == before
    assert set(root.seeded_policy_rows) == seeded
