"""The audit trail's hash chain: it grows as people work, and a change made to the trail afterwards
in the database (an entry changed, deleted or inserted) is named by 审计链校验 and by
``portal-audit-verify``; an older site's trail is chained once at start."""

import datetime
import decimal

import pytest
import transaction
from substanced.evolution import FINISHED_KEY
from ZODB import DB
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError
from ZODB.utils import u64

from portal.audit import CHAIN_STEP, AuditTrail, ChainQueue
from portal.audit.chain import FIELDS, GENESIS, Verification, canonical, link_digest
from portal.calendar import SHANGHAI
from portal.indexing import drain
from portal.items import Entry
from portal.scripts import audit_verify
from tests.conftest import Browser, close_app, make_app, settings_for


def file_request(browser, title):
    """The township officer sends a collaboration request to the market regulator."""
    page = browser.get("/tenants/cj-yushan/@@new-collab-request")
    form = page.forms["collab-request-form"]
    form["title"] = title
    form["department"] = "cj-scjgj"
    form["kind"] = "技术鉴定"
    form["facts"] = "检查发现疑似假冒白酒12瓶。"
    form["question"] = "请鉴定。"
    return form.submit("send").follow()


class Site:
    """The site of an app (``Site.of(app)``) or, with the app closed, of its Data.fs opened directly
    with ZODB (``Site.on_disk(directory)``), as someone with access to the database would."""

    def __init__(self, conn, db=None):
        self.conn = conn
        self.db = db
        self.root = conn.root()["app_root"]
        self.trail = self.root.audit_trail

    @classmethod
    def of(cls, app):
        transaction.begin()
        return cls(app.registry._zodb_databases[""].open())

    @classmethod
    def on_disk(cls, directory):
        storage = FileStorage(str(directory / "Data.fs"), blob_dir=str(directory / "blobs"))
        db = DB(storage)
        transaction.begin()
        return cls(db.open(), db)

    def item_entries(self, title):
        """``[(position, key, entry)]`` of the trail's entries about the item titled ``title``."""
        found = []
        for key, (oid, entry) in self.trail.entries.items():
            item = self.root.__objectmap__.object_for(oid) if oid is not None else None
            if getattr(item, "title", None) == title:
                found.append((self.trail.chained[key], key, entry))
        return sorted(found, key=lambda row: row[0])

    def commit(self):
        transaction.commit()

    def close(self):
        transaction.abort()
        self.conn.close()
        if self.db is not None:
            self.db.close()


def write_ini(directory, tmp_path):
    lines = ["[app:main]", "use = egg:enforcement-portal", "portal.indexer_interval = 0"]
    lines += [f"{key} = {value}" for key, value in settings_for(directory).items()]
    path = tmp_path / "portal.ini"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run_script(ini, capsys, *args):
    code = audit_verify.main([ini, *args])
    return code, capsys.readouterr().out


def check_on_page(browser, length="", head="", status=302):
    """开始校验 on the page, then the page as it reloads itself until the check is done; returns
    the last page and how many loads the check took."""
    form = browser.get("/@@audit-chain").forms["audit-check-form"]
    form["anchor_length"] = length
    form["anchor_head"] = head
    response = form.submit("verify", status=status)
    if status != 302:
        return response, 0
    page, loads = response.follow(), 1
    while page.html.find(id="verify-progress") is not None:
        assert page.html.find("meta", attrs={"http-equiv": "refresh"}) is not None
        page, loads = browser.get("/@@audit-chain"), loads + 1
        assert loads < 200
    return page, loads


def text(page, element_id):
    return page.html.find(id=element_id).get_text(" ", strip=True)


def two_requests_filed(app):
    officer = Browser(app)
    officer.login("ys.officer")
    file_request(officer, "关于某超市销售疑似假冒白酒的技术鉴定请求")
    file_request(officer, "关于某药店销售过期药品的检验请求")


# The chain as people work ----------------------------------------------------------------------


def test_the_chain_grows_as_items_are_filed_and_holds(app, browser):
    site = Site.of(app)
    before = site.trail.chain_length
    site.close()
    browser.login("ys.officer")
    file_request(browser, "关于某超市销售疑似假冒白酒的技术鉴定请求")

    site = Site.of(app)
    try:
        trail = site.trail
        rows = site.item_entries("关于某超市销售疑似假冒白酒的技术鉴定请求")
        item = site.root.__objectmap__.object_for(trail.entries[rows[0][1]][0])
        # Every history entry of the item is a link, in the order it was written, after the others.
        assert [entry for _, _, entry in rows] == list(item.history)
        assert [position for position, _, _ in rows] == list(range(before, before + len(item.history)))
        assert trail.chain_length == before + len(item.history)
        assert trail.chain[trail.chain_length - 1][1] == trail.chain_head
        assert trail.verify() == (trail.chain_length, None)
    finally:
        site.close()


def test_a_request_never_writes_the_chain_head_the_indexer_does(app, browser):
    storage = app.registry._zodb_databases[""].storage
    site = Site.of(app)
    trail_oid, before = u64(site.trail._p_oid), site.trail.chain_length
    site.close()
    start = storage.lastTransaction()
    # An item filed, and a failed login (an entry about no item, stored by the request itself).
    browser.login("ys.officer")
    file_request(browser, "关于某超市销售疑似假冒白酒的技术鉴定请求")
    other = Browser(app)
    form = other.get("/login").forms["login-form"]
    form["login"], form["password"] = "scj.officer", "wrong-password"
    form.submit("submit")

    writers = {}
    for txn in storage.iterator(start=start):
        if txn.tid != start:
            note = txn.description.decode()
            writers.setdefault(note, set()).update(u64(record.oid) for record in txn)
    requests = [oids for note, oids in writers.items() if not note.startswith("portal: indexed")]
    indexers = [oids for note, oids in writers.items() if note.startswith("portal: indexed")]
    assert requests and all(trail_oid not in oids for oids in requests)
    assert any(trail_oid in oids for oids in indexers)
    site = Site.of(app)
    try:
        # The failed login was linked right after its request, like the item's entries.
        assert not len(site.trail.waiting)
        last = site.trail.entries[site.trail.chain[site.trail.chain_length - 1][0]][1]
        assert (last.action, last.login) == ("login_failed", "scj.officer")
        assert site.trail.chain_length > before
        assert site.trail.verify() == (site.trail.chain_length, None)
    finally:
        site.close()


def test_an_entry_stored_by_a_request_waits_then_the_indexer_links_it(app):
    site = Site.of(app)
    try:
        trail, length = site.trail, site.trail.chain_length
        entry = Entry("policy_add", "添加权限规则", "admin", "系统管理员", "portal", "系统管理", "p, x")
        key = trail.append(site.root.__oid__, entry)
        site.commit()
        assert trail.chain_length == length and key in trail.waiting
        # Waiting is not broken: the entry is where it should be until the indexer links it.
        assert trail.verify() == (length, None)
        drain(app.registry)
        transaction.begin()
        assert trail.chain_length == length + 1 and key not in trail.waiting
        assert trail.chain[length][0] == key and trail.chained[key] == length
        assert trail.verify() == (length + 1, None)
    finally:
        site.close()


def test_requests_and_indexers_adding_and_taking_waiting_keys_merge():
    old = {"keys": {1: 1.0, 2: 1.0}}
    # An indexer linked 1 and 2; meanwhile a request stored 3.
    committed = {"keys": {}}
    new = {"keys": {1: 1.0, 2: 1.0, 3: 3.0}}
    assert ChainQueue()._p_resolveConflict(old, committed, new)["keys"] == {3: 3.0}
    # Two requests, each storing one.
    merged = ChainQueue()._p_resolveConflict({"keys": {}}, {"keys": {4: 4.0}}, {"keys": {5: 5.0}})
    assert merged["keys"] == {4: 4.0, 5: 5.0}


def test_two_indexers_linking_at_once_collide_on_the_head_and_the_retry_follows_the_other(app):
    """The one head shared by the processes: the second indexer's transaction conflicts, and run
    again it links after the first's links."""
    db = app.registry._zodb_databases[""]
    managers = [transaction.TransactionManager() for _ in range(2)]
    connections = [db.open(transaction_manager=manager) for manager in managers]
    try:
        for manager in managers:
            manager.begin()
        trails = [connection.root()["app_root"].audit_trail for connection in connections]
        for number, trail in enumerate(trails):
            entry = Entry("note", f"记录 {number}", "admin", "系统管理员", "portal", "系统管理")
            trail.catch_up(900_000 + number, [entry])
        managers[0].commit()
        with pytest.raises(ConflictError):
            managers[1].commit()
        managers[1].abort()
        managers[1].begin()
        entry = Entry("note", "记录 1", "admin", "系统管理员", "portal", "系统管理")
        trails[1].catch_up(900_001, [entry])
        managers[1].commit()
        managers[0].begin()
        trail = trails[0]
        titles = [
            trail.entries[trail.chain[p][0]][1].title
            for p in range(trail.chain_length - 2, trail.chain_length)
        ]
        assert titles == ["记录 0", "记录 1"]
        assert trail.verify() == (trail.chain_length, None)
    finally:
        for manager, connection in zip(managers, connections, strict=True):
            manager.abort()
            connection.close()


# What the verification finds -------------------------------------------------------------------


def small_trail(count=5):
    """A trail of ``count`` entries about three items, linked as the indexer links them."""
    trail = AuditTrail()
    start = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    for number in range(count):
        entry = Entry(
            "send",
            "发送",
            "ys.officer",
            "鱼山镇执法人员",
            "cj-yushan",
            "鱼山镇",
            f"第 {number} 条意见",
            "draft",
            "sent",
            when=start + datetime.timedelta(minutes=number),
            details={"recipients": ["cj-scjgj"], "due": datetime.date(2026, 11, 5)},
        )
        trail.catch_up(100 + number % 3, [None] * trail.audited.get(100 + number % 3, 0) + [entry])
    return trail


CHANGES = {
    "action": "return",
    "title": "退回",
    "login": "scj.officer",
    "name": "别人",
    "unit": "cj-scjgj",
    "unit_title": "区市监局",
    "comment": "改过的意见",
    "state_from": "sent",
    "state_to": "recorded",
    "when": datetime.datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI),
    "details": {"recipients": ["cj-cgj"], "due": datetime.date(2026, 11, 5)},
}


@pytest.mark.parametrize("field", FIELDS)
def test_changing_any_field_of_an_entry_is_named(field):
    trail = small_trail()
    assert trail.verify() == (5, None)
    key, digest = trail.chain[2]
    setattr(trail.entries[key][1], field, CHANGES[field])
    checked, broken = trail.verify()
    assert (broken.reason, broken.position, broken.key, broken.number) == ("altered", 2, key, 3)
    assert broken.expected == digest.hex() and broken.found != broken.expected
    assert checked == 2


def test_changing_the_item_of_an_entry_or_swapping_two_entries_is_named():
    trail = small_trail()
    key = trail.chain[1][0]
    trail.entries[key] = (999, trail.entries[key][1])
    assert trail.verify()[1].position == 1
    trail = small_trail()
    (key_a, _), (key_b, _) = trail.chain[3], trail.chain[4]
    trail.entries[key_a], trail.entries[key_b] = trail.entries[key_b], trail.entries[key_a]
    assert (trail.verify()[1].reason, trail.verify()[1].position) == ("altered", 3)


def test_a_deleted_entry_and_a_deleted_link_are_named():
    trail = small_trail()
    key = trail.chain[1][0]
    del trail.entries[key]
    broken = trail.verify()[1]
    assert (broken.reason, broken.position, broken.key) == ("missing_entry", 1, key)

    # Deleting the link too, and renumbering the rest, breaks the digests after it.
    trail = small_trail()
    key = trail.chain[1][0]
    del trail.entries[key], trail.chained[key]
    for position in range(2, 5):
        moved = trail.chain[position]
        trail.chain[position - 1] = moved
        trail.chained[moved[0]] = position - 1
    del trail.chain[4]
    trail.chain_length, trail.chain_head = 4, trail.chain[3][1]
    broken = trail.verify()[1]
    assert (broken.reason, broken.position) == ("altered", 1)


def test_an_inserted_entry_is_named_by_its_key():
    trail = small_trail()
    when = datetime.datetime(2026, 11, 2, 9, 2, 30, tzinfo=SHANGHAI)
    entry = Entry("record", "备案", "scj.liaison", "市监局联系人", "cj-scjgj", "区市监局", when=when)
    key = trail._store(101, entry)
    checked, broken = trail.verify()
    assert checked == 5
    assert (broken.reason, broken.position, broken.key, broken.when) == ("not_chained", None, key, when)
    # Claiming another entry's place in the chain does not help.
    trail.chained[key] = 2
    broken = trail.verify()[1]
    assert (broken.reason, broken.key, broken.found) == ("not_chained", key, "记录的第 3 环属于另一条目")


def test_a_cut_tail_shows_against_a_noted_head():
    trail = small_trail()
    noted = (trail.chain_length, trail.chain_head.hex())
    assert trail.verify(anchor=noted) == (5, None)
    key = trail.chain[4][0]
    del trail.entries[key], trail.chained[key], trail.chain[4]
    # Cut without trace in the database itself ...
    trail.chain_length, trail.chain_head = 4, trail.chain[3][1]
    assert trail.verify() == (4, None)
    # ... but not against the head noted down earlier.
    broken = trail.verify(anchor=noted)[1]
    assert (broken.reason, broken.position, broken.expected) == ("anchor", 4, noted[1])


def test_a_check_in_parts_finds_what_a_check_at_once_finds():
    trail = small_trail(12)
    key = trail.chain[9][0]
    trail.entries[key][1].comment = "改过"
    verification, steps = Verification.of(trail), 0
    while not verification.step(trail, limit=2):
        verification = Verification.from_state(verification.state())
        steps += 1
    assert steps >= 4
    assert (verification.broken.position, verification.broken.key) == (9, key)
    assert verification.checked == 9


def test_what_is_hashed_never_changes_or_every_chain_written_so_far_would_break():
    entry = Entry(
        "send",
        "发送",
        "ys.officer",
        "鱼山镇执法人员",
        "cj-yushan",
        "鱼山镇",
        "请鉴定。",
        "draft",
        "sent",
        when=datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI),
        details={
            "recipients": ["cj-scjgj"],
            "due": datetime.date(2026, 11, 5),
            "amount": decimal.Decimal("500.00"),
            "officers": ("a", "b"),
        },
    )
    assert canonical(0, 1000, 42, entry, GENESIS).decode() == (
        '["portal-audit",1,0,1000,42,"' + "0" * 64 + '",["send","发送","ys.officer","鱼山镇执法人员",'
        '"cj-yushan","鱼山镇","请鉴定。","draft","sent",["datetime","2026-11-02T09:00:00+08:00"],'
        '["dict",[["amount",["decimal","500.00"]],["due",["date","2026-11-05"]],'
        '["officers",["list",["a","b"]]],["recipients",["list",["cj-scjgj"]]]]]]]'
    )
    assert link_digest(0, 1000, 42, entry, GENESIS).hex() == (
        "27bb8f5ac91f1d60e7fcbd39f6eab1a3c153a5cc39343234ea10d5452740f3f4"
    )


# The page and the script ----------------------------------------------------------------------


def test_a_changed_comment_is_named_by_the_page_and_by_the_script(app, site_dir, tmp_path, capsys):
    two_requests_filed(app)
    close_app(app)
    ini = write_ini(site_dir, tmp_path)
    code, out = run_script(ini, capsys)
    assert code == 0 and "完整" in out

    # Someone with access to the database changes the comment of the second request's "send".
    site = Site.on_disk(site_dir)
    position, key, entry = site.item_entries("关于某药店销售过期药品的检验请求")[-1]
    when = entry.when
    entry.comment = "已现场核实，无需鉴定"
    site.commit()
    site.close()

    code, out = run_script(ini, capsys)
    assert code == 1
    assert f"已损坏：第 {position + 1} 条（键 {key}）" in out
    assert "条目内容与入链时不符" in out
    assert f"时间：{when.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}" in out
    assert "单位：鱼山镇" in out and "人员：鱼山镇执法人员（ys.officer）" in out
    assert "事项：关于某药店销售过期药品的检验请求" in out

    again = make_app(site_dir)
    try:
        supervisor = Browser(again)
        supervisor.login("sfj.supervisor")
        assert "审计链校验" in supervisor.get("/").text
        page, _ = check_on_page(supervisor)
        assert page.html.find(id="verify-intact") is None
        assert text(page, "broken-number") == f"第 {position + 1} 条"
        assert text(page, "broken-key") == str(key)
        assert text(page, "broken-when") == f"{when.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
        assert text(page, "broken-unit") == "鱼山镇"
        assert text(page, "broken-person") == "鱼山镇执法人员（ys.officer）"
        assert text(page, "broken-action") == entry.title
        link = page.html.find(id="broken-item").find("a")
        assert link.get_text(strip=True) == "关于某药店销售过期药品的检验请求"
        assert supervisor.get(link["href"]).status_int == 200
        assert "条目内容与入链时不符" in text(page, "broken-explanation")
        # The result stays until the next check.
        assert supervisor.get("/@@audit-chain").html.find(id="broken-number") is not None
    finally:
        close_app(again)


def test_a_deleted_entry_is_named_by_the_page_and_by_the_script(app, site_dir, tmp_path, capsys):
    two_requests_filed(app)
    site = Site.of(app)
    position, key, entry = site.item_entries("关于某超市销售疑似假冒白酒的技术鉴定请求")[0]
    del site.trail.entries[key]
    site.commit()
    site.close()

    admin = Browser(app)
    admin.login("admin", "admin12345")
    page, _ = check_on_page(admin)
    assert text(page, "broken-number") == f"第 {position + 1} 条"
    assert text(page, "broken-explanation") == "条目已被删除"
    assert text(page, "broken-key") == str(key)
    close_app(app)
    code, out = run_script(write_ini(site_dir, tmp_path), capsys)
    assert code == 1 and f"已损坏：第 {position + 1} 条（键 {key}）" in out and "条目已被删除" in out


def test_an_inserted_entry_is_named_by_the_page(app):
    site = Site.of(app)
    when = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)
    forged = Entry(
        "policy_remove", "删除权限规则", "sfj.admin", "司法局单位管理员", "cj-sfj", "区司法局", when=when
    )
    key = site.trail._store(site.root.__oid__, forged)
    site.commit()
    site.close()
    supervisor = Browser(app)
    supervisor.login("sfj.supervisor")
    page, _ = check_on_page(supervisor)
    assert page.html.find(id="broken-number") is None
    assert text(page, "broken-key") == str(key)
    assert "入链后被插入" in text(page, "broken-explanation")
    assert text(page, "broken-when") == "2026-01-05 10:00:00"
    assert text(page, "broken-person") == "司法局单位管理员（sfj.admin）"
    assert text(page, "broken-item") == "平台本身（权限规则、登录等）"


def test_the_page_checks_a_long_trail_in_parts_and_a_noted_head_too(site_dir):
    app = make_app(site_dir, **{"portal.audit_verify_batch": "4"})
    try:
        two_requests_filed(app)
        supervisor = Browser(app)
        supervisor.login("sfj.supervisor")
        page = supervisor.get("/@@audit-chain")
        length, head = text(page, "chain-length"), text(page, "chain-head")
        page, loads = check_on_page(supervisor)
        assert loads > int(length) // 4
        assert "完整" in text(page, "verify-intact") and f"链上 {length} 条" in text(page, "verify-intact")

        page, _ = check_on_page(supervisor, length, head)
        assert f"第 {length} 条" in text(page, "verify-intact")
        wrong = "0" * 64
        page, _ = check_on_page(supervisor, length, wrong)
        assert text(page, "broken-number") == f"第 {length} 条"
        assert text(page, "broken-expected") == wrong and text(page, "broken-found") == head

        # 停止校验 ends a check under way.
        form = supervisor.get("/@@audit-chain").forms["audit-check-form"]
        page = form.submit("verify").follow()
        assert page.html.find(id="verify-progress") is not None
        stop = [f for f in page.forms.values() if "stop" in f.fields][0]
        page = stop.submit("stop").follow()
        assert page.html.find(id="verify-progress") is None and "已停止校验" in page.text
    finally:
        close_app(app)


@pytest.mark.parametrize(
    ("length", "head", "message"),
    [
        ("abc", "0" * 64, "条数应为正整数"),
        ("12", "xyz", "链头应为 64 位十六进制校验值"),
        ("12", "", "记下的条数与链头须同时填写"),
    ],
)
def test_a_wrong_noted_head_is_refused_in_chinese_and_nothing_is_checked(app, length, head, message):
    supervisor = Browser(app)
    supervisor.login("sfj.supervisor")
    page, _ = check_on_page(supervisor, length, head, status=400)
    assert message in page.text
    form = page.forms["audit-check-form"]
    assert (form["anchor_length"].value, form["anchor_head"].value) == (length, head)
    assert page.html.find(id="verify-progress") is None


def test_only_supervisors_and_portal_admins_reach_the_page(app):
    officer = Browser(app)
    officer.login("ys.officer")
    assert "审计链校验" not in officer.get("/").text
    officer.get("/@@audit-chain", status=403)
    token = officer.csrf_token()
    officer.post("/@@audit-chain", {"csrf_token": token, "verify": "1"}, status=403)
    admin = Browser(app)
    admin.login("admin", "admin12345")
    assert admin.get("/@@audit-chain").html.find(id="chain-head") is not None
    # Without the session's token nothing starts.
    admin.post("/@@audit-chain", {"verify": "1"}, status=400)
    assert admin.get("/@@audit-chain").html.find(id="verify-progress") is None


# Older sites ------------------------------------------------------------------------------------


def test_an_older_sites_trail_is_chained_once_at_start_and_nothing_is_lost(app, site_dir):
    two_requests_filed(app)
    close_app(app)
    site = Site.on_disk(site_dir)
    trail = site.trail
    # As the trail was before the chain: no chain, and entries the old code appended directly.
    trail._p_activate()
    for name in ("chain", "chained", "waiting", "chain_length", "chain_head"):
        if name in trail.__dict__:
            delattr(trail, name)
    old = Entry("login_failed", "登录失败", "nobody", "", "", "", "来自 192.0.2.1，连续第 1 次")
    trail.entries[12345 * 1024] = (site.root.__oid__, old)
    del site.conn.root()[FINISHED_KEY][CHAIN_STEP]
    site.commit()
    before = {key: (oid, entry.comment) for key, (oid, entry) in trail.entries.items()}
    assert trail.chain is None
    site.close()

    again = make_app(site_dir)
    try:
        site = Site.of(again)
        trail = site.trail
        assert CHAIN_STEP in site.conn.root()[FINISHED_KEY]
        assert {key: (oid, entry.comment) for key, (oid, entry) in trail.entries.items()} == before
        assert trail.chain_length == len(before)
        # In key order, the oldest first.
        assert [trail.chain[position][0] for position in range(len(before))] == sorted(before)
        assert trail.verify() == (len(before), None)
        head = trail.chain_head
        site.close()
    finally:
        close_app(again)
    # A second start chains nothing twice.
    third = make_app(site_dir)
    try:
        site = Site.of(third)
        assert (site.trail.chain_length, site.trail.chain_head) == (len(before), head)
        site.close()
    finally:
        close_app(third)
