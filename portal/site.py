"""The object tree, and bringing a database up to date at start.

On every start :func:`bring_up_to_date` makes sure the site has what this version of the code
expects: the policy store and the calendar overrides, the ``tenants`` folder, the district files of
``portal.tenants_dir``, the default policy rows of every ``*.csv`` in ``portal.policy_dir`` (one file
per feature), and (when ``portal.demo`` is
on) the demo people. It runs in its own transaction and is idempotent: a second start creates nothing
twice and takes nothing away. Default rows are seeded once: a row a portal admin later removes stays
removed.
"""

import csv
import logging
import random
import time
from pathlib import Path

import transaction
from BTrees.OOBTree import OOBTree, OOTreeSet
from ZODB.POSException import ConflictError
from substanced.event import RootAdded
from substanced.evolution import mark_unfinished_as_finished
from substanced.util import set_acl

from .audit import AuditTrail
from .calendar import CalendarOverrides
from .fulltext import refill
from .indexing import PendingIndexing, defer_indexes
from .people import add_person, find_person
from .security import MEMBER, PORTAL, PolicyStore
from .security.evolve import evolve_pending
from .security.names import membership_row
from .tenants import Tenants, load_directory

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo12345"

#: (login, name, unit, roles): the demo people; the README lists them.
DEMO_PEOPLE = [
    ("sfj.supervisor", "司法局督查员", "cj-sfj", ["supervisor"]),
    ("sfj.admin", "司法局单位管理员", "cj-sfj", ["unit_admin"]),
    ("ys.leader", "鱼山镇主要领导", "cj-yushan", ["leader"]),
    ("ys.deputy", "鱼山镇分管领导", "cj-yushan", ["deputy"]),
    ("ys.liaison", "鱼山镇联系人", "cj-yushan", ["liaison"]),
    ("ys.officer", "鱼山镇执法人员", "cj-yushan", ["officer"]),
    ("ys.admin", "鱼山镇单位管理员", "cj-yushan", ["unit_admin"]),
    ("scj.leader", "市监局主要领导", "cj-scjgj", ["leader"]),
    ("scj.deputy", "市监局分管领导", "cj-scjgj", ["deputy"]),
    ("scj.liaison", "市监局联系人", "cj-scjgj", ["liaison"]),
    ("scj.officer", "市监局执法人员", "cj-scjgj", ["officer"]),
    ("scj.admin", "市监局单位管理员", "cj-scjgj", ["unit_admin"]),
    ("lm.officer", "吕蒙街道执法人员", "cj-lvmeng", ["officer", "liaison"]),
    ("cg.liaison", "城管局联系人", "cj-cgj", ["liaison", "officer"]),
    ("gaj.liaison", "公安分局联系人", "cj-gaj", ["liaison"]),
    ("jcy.liaison", "检察院联系人", "cj-jcy", ["liaison"]),
    ("fy.liaison", "法院联系人", "cj-fy", ["liaison"]),
]


def read_policy_file(path):
    """Rows of a Casbin policy CSV as (ptype, [fields]); blank lines and ``#`` comments skipped."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for fields in csv.reader(f, skipinitialspace=True):
            if not fields or fields[0].strip().startswith("#"):
                continue
            fields = [field.strip() for field in fields]
            rows.append((fields[0], fields[1:]))
    return rows


def seed_rows(site, rows):
    """Add each row the site has never been seeded with; returns how many were added."""
    seeded = site.seeded_policy_rows
    added = 0
    for ptype, fields in rows:
        key = (ptype, *fields)
        if key in seeded:
            continue
        seeded.add(key)
        added += site.policy_store.add(ptype, fields)
    return added


def ensure_structure(site, registry):
    """The containers and services this version of the code expects."""
    if getattr(site, "policy_store", None) is None:
        site.policy_store = PolicyStore()
    if getattr(site, "seeded_policy_rows", None) is None:
        site.seeded_policy_rows = OOTreeSet()
    if getattr(site, "calendar_overrides", None) is None:
        site.calendar_overrides = CalendarOverrides()
    if getattr(site, "audit_trail", None) is None:
        site.audit_trail = AuditTrail()
    elif site.audit_trail.audited is None:
        site.audit_trail.count_audited()
    if getattr(site, "login_state", None) is None:
        from .people.auth import LoginState

        site.login_state = LoginState()
    if getattr(site, "notifications", None) is None:
        # login -> that person's Inbox (portal.notifications), created on their first notification
        site.notifications = OOBTree()
    if getattr(site, "indexing_pending", None) is None:
        site.indexing_pending = PendingIndexing()
    catalogs = site["catalogs"]
    if "portal" not in catalogs:
        catalogs.add_catalog("portal")
    # Indexes whose definition changed are replaced and refilled here, once, by the one process
    # that brings the site up to date (not by every process at start, as Substance D's autosync
    # would, each in a transaction of its own).
    for name in ("system", "portal"):
        if name in catalogs:
            catalogs[name].update_indexes(registry=registry, reindex=True)
    from .supervision.figures import ensure_counts

    ensure_counts(site)
    defer_indexes(site)
    if "tenants" not in site:
        tenants = Tenants()
        tenants.title = "全部单位"
        site["tenants"] = tenants
    # Casbin alone decides: no ACL anywhere may say otherwise.
    if getattr(site, "__acl__", None):
        set_acl(site, [], registry=registry)
    site.sdi_title = "行政执法协作配合平台"


def ensure_demo_people(site, registry):
    rows = []
    for login, name, unit, roles in DEMO_PEOPLE:
        if find_person(site, login) is None:
            add_person(site, login, DEMO_PASSWORD, name, registry=registry)
        rows.append(("g", membership_row(login, MEMBER, unit)))
        rows.extend(("g", membership_row(login, role, unit)) for role in roles)
    seed_rows(site, rows)


def ensure_site(site, registry):
    settings = registry.settings
    ensure_structure(site, registry)
    # Older sites' rows into name spaces first, or their defaults would be seeded again.
    evolve_pending(site, registry)
    for path in sorted(Path(settings["portal.policy_dir"]).glob("*.csv")):
        seed_rows(site, read_policy_file(path))
    initial_login = settings.get("substanced.initial_login", "admin")
    seed_rows(site, [("g", membership_row(initial_login, "admin", PORTAL))])
    admin = find_person(site, initial_login)
    if admin is not None and not getattr(admin, "display_name", ""):
        admin.display_name = "系统管理员"
        admin.locale = "zh_Hans"
    created, updated = load_directory(site, settings["portal.tenants_dir"], registry)
    if settings.get("portal.demo"):
        ensure_demo_people(site, registry)
    return created, updated


def get_or_create_root(conn, registry):
    """The Substance D root, created as ``substanced.db.root_factory`` would on a new database."""
    zodb_root = conn.root()
    if "app_root" not in zodb_root:
        app_root = registry.content.create("Root")
        zodb_root["app_root"] = app_root
        transaction.savepoint()
        registry.notify(RootAdded(app_root))
        mark_unfinished_as_finished(app_root, registry, transaction)
    return zodb_root["app_root"]


def bring_up_to_date(registry, attempts=20):
    """Bring the database up to date in one transaction, retried if another process collides.

    Several processes may start at once on an empty database: each tries to create the site, one
    commits first, and the others' transactions conflict; they wait a moment and try again, find
    the site there, and only add what is still missing (nothing).
    """
    from pyramid.threadlocal import manager

    db = registry._zodb_databases[""]
    manager.push({"registry": registry, "request": None})
    try:
        for attempt in range(attempts):
            tm = transaction.manager
            conn = db.open()
            try:
                tm.begin()
                site = get_or_create_root(conn, registry)
                created, updated = ensure_site(site, registry)
                tm.commit()
                refill(site, getattr(registry, "portal_fulltext", None))
                log.info("site up to date: %d units created, %d updated", created, updated)
                return
            except ConflictError:
                tm.abort()
                if attempt == attempts - 1:
                    raise
                log.info("conflict retry: another process is bringing the site up to date")
                time.sleep(random.uniform(0.1, 0.5) * (attempt + 1))
            finally:
                conn.close()
    finally:
        manager.pop()


def includeme(config):
    pass
