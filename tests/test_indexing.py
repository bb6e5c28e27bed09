"""Indexing after the commit: requests write no catalog structure, nothing queued is ever lost,
concurrent queues merge, and the catalogs can be rebuilt from the objects."""

import time

import transaction
from ZODB.serialize import referencesf
from ZODB.utils import u64

from portal.indexing import PendingIndexing, drain
from portal.scripts import reindex
from tests.items.sample import SampleItem, add_item, add_rows, register_types, site


def index_oids(storage, catalogs):
    """Every persistent object of the catalogs' indexes (postings, lexicons, ...), from the storage."""
    stop = {catalogs._p_oid, catalogs.__parent__._p_oid} | {c._p_oid for c in catalogs.values()}
    seen, todo = set(), [index._p_oid for catalog in catalogs.values() for index in catalog.values()]
    while todo:
        oid = todo.pop()
        if oid in seen or oid in stop:
            continue
        seen.add(oid)
        data, _ = storage.load(oid)
        todo.extend(referencesf(data))
    return {u64(oid) for oid in seen}


def new_request(browser):
    page = browser.get("/tenants/cj-yushan/@@new-collab-request")
    form = page.forms["collab-request-form"]
    form["title"] = "关于某超市销售疑似假冒白酒的技术鉴定请求"
    form["department"] = "cj-scjgj"
    form["kind"] = "技术鉴定"
    form["facts"] = "检查发现疑似假冒白酒12瓶。"
    form["question"] = "请鉴定。"
    return form.submit("send").follow()


def test_a_request_writes_its_item_and_the_indexer_the_catalogs(app, browser):
    browser.login("ys.officer")
    storage = app.registry._zodb_databases[""].storage
    conn = app.registry._zodb_databases[""].open()
    catalogs = conn.root()["app_root"]["catalogs"]
    catalog_part = index_oids(storage, catalogs)
    conn.close()
    before = storage.lastTransaction()

    page = new_request(browser)
    # Listed at once: the response left only after its item was indexed.
    assert "关于某超市销售疑似假冒白酒" in browser.get("/outbox").text

    writes = {}
    for txn in storage.iterator(start=before):
        if txn.tid != before:
            writes[txn.description.decode()] = {u64(record.oid) for record in txn}
    request_writes = [oids for note, oids in writes.items() if "new-collab-request" in note]
    indexer_writes = [oids for note, oids in writes.items() if note.startswith("portal: indexed")]
    assert len(request_writes) == 1 and indexer_writes
    assert not request_writes[0] & catalog_part
    assert any(oids & catalog_part for oids in indexer_writes)
    assert page.status_int == 200


def test_concurrent_queues_and_drains_merge_without_conflict():
    pending = PendingIndexing()
    old = {"entries": {1: (1.0, "a"), 2: (1.0, "a")}}
    # One request queued 3; meanwhile an indexer took 1 and 2, and another request queued 2 again.
    committed = {"entries": {2: (2.0, "b")}}
    new = {"entries": {1: (1.0, "a"), 2: (1.0, "a"), 3: (3.0, "c")}}
    merged = pending._p_resolveConflict(old, committed, new)
    assert merged["entries"] == {2: (2.0, "b"), 3: (3.0, "c")}


def test_what_a_dead_process_queued_is_indexed_by_another(app):
    register_types(app.registry)
    with site(app, commit=False) as root:
        add_rows(root)
        item = add_item(root, SampleItem, "cj-yushan", "孤儿事项", relations=[("recipient", "cj-scjgj")])
        oid = item.__oid__
        # As if the process that committed it died before its indexer ran: not its own origin.
        root.indexing_pending.entries = {}
        transaction.commit()
        root.indexing_pending.add([oid], "another-process", when=time.time() - 60)
        root["catalogs"]["portal"].unindex_resource(oid)
        transaction.commit()
    assert drain(app.registry, everything=False) == 1
    with site(app, commit=False) as root:
        assert oid in root["catalogs"]["portal"]["item_type"].applyEq("sample_item")
        assert len(root.indexing_pending) == 0


def test_portal_reindex_rebuilds_the_catalogs_from_the_objects(app, site_dir, tmp_path, capsys):
    register_types(app.registry)
    with site(app) as root:
        add_rows(root)
        item = add_item(root, SampleItem, "cj-yushan", "被删掉索引的事项")
        oid = item.__oid__
    with site(app) as root:
        root["catalogs"]["portal"].unindex_resource(oid)
        root.indexing_pending.entries = {}
    app.registry._zodb_databases[""].close()
    ini = tmp_path / "site.ini"
    ini.write_text(
        "[app:main]\nuse = egg:enforcement-portal\n"
        f"zodbconn.uri = filestorage://{site_dir}/Data.fs?blob_dir={site_dir}/blobs\n"
        "substanced.secret = s\nsubstanced.initial_password = admin12345\nportal.indexer_interval = 0\n"
    )
    assert reindex.main([str(ini), "--batch", "50"]) == 0
    assert "objects" in capsys.readouterr().out
    from tests.conftest import close_app, make_app

    again = make_app(site_dir)
    try:
        conn = again.registry._zodb_databases[""].open()
        catalog = conn.root()["app_root"]["catalogs"]["portal"]
        assert oid in catalog["item_type"].applyEq("sample_item")
        conn.close()
    finally:
        close_app(again)


def test_the_audit_trail_holds_each_history_entry_once(app, browser):
    browser.login("ys.officer")
    new_request(browser)
    drain(app.registry)
    with site(app, commit=False) as root:
        trail = root.audit_trail
        items = [v for v in root["tenants"]["cj-yushan"].values() if getattr(v, "history", None)]
        item = max(items, key=lambda i: i.created)
        in_trail = [entry for oid, entry in trail.entries.values() if oid == item.__oid__]
        assert [e.action for e in in_trail] == [e.action for e in item.history]
        # Indexing the item again copies nothing twice.
        assert trail.catch_up(item.__oid__, item.history) == 0
