"""How fast the inbox, the dashboard and search are with many items, and why they must be queries.

    .venv/bin/python benchmarks/listings.py --items 10000 [--http] [--runs 40]

Builds (once, cached in ``benchmarks/results/site-<N>/``) a site of N items spread over the
district's 27 units, with realistic relations and Chinese titles and bodies, added through the
normal path (``tenant.add``, which indexes them) and committed every 2,000. The items are of the
test suite's sample types (``tests/items/sample.py``): generic items, as the listings see every type.

Then it measures, as ``scj.officer`` (区市监局, which receives most filings):

* in process: the inbox page's query and page of objects, the dashboard panels, a search, and
  creating an item and firing a transition (submit) with its commit;
* through the whole app (WebTest, templates included) and, with ``--http``, through waitress on
  127.0.0.1: the inbox page, the dashboard (home page) and the search page;
* the same inbox page computed the slow way: every candidate item of the unit loaded and asked
  ``request.permits(item, "view")``; it must be at least 20 times slower.

Figures are medians and 95th percentiles in milliseconds.
"""

import argparse
import datetime
import http.client
import os
import random
import re
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import transaction
from substanced.interfaces import MODE_IMMEDIATE

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))

import portal  # noqa: E402
from portal.calendar import SHANGHAI  # noqa: E402
from portal.items.catalog import portal_catalog, text_query, visible_items  # noqa: E402
from portal.listings import BOXES, Params, box_listing, rows  # noqa: E402
from portal.listings.views import published_panel, returned_panel, todo_panel  # noqa: E402
from portal.site import DEMO_PASSWORD  # noqa: E402
from tests.items import sample  # noqa: E402

BATCH = 2000
LOGIN = "scj.officer"
UNIT = "cj-scjgj"
SEARCH = "市场监管 处罚"
#: Rows beyond the sample ones: owners submit their own items (the transition measured).
EXTRA_ROWS = [["role:member", "kind:unit", "owner", "sample_item", "submit"]]

SUBJECTS = [
    "市场监督管理",
    "城市管理",
    "生态环境",
    "安全生产",
    "食品安全",
    "药品安全",
    "消防安全",
    "道路交通",
    "卫生健康",
    "自然资源",
    "农业农村水利",
    "教育体育",
    "文化旅游",
    "住房和城乡建设",
    "林业",
    "医疗保障",
    "人力资源和社会保障",
    "应急管理",
    "民族宗教",
    "统计",
    "审计",
    "商务",
    "退役军人事务",
    "网络安全和信息化",
]
ACTIONS = [
    "行政处罚",
    "行政检查",
    "行政许可",
    "案件移送",
    "协作请求",
    "技术鉴定",
    "联合执法",
    "专项整治",
    "投诉举报",
    "信访件",
    "隐患排查",
    "执法培训",
    "执法监督",
    "认定意见",
    "咨询意见",
    "抽样检验",
]
PARTY_WORDS = ["瓷都", "昌南", "浮梁", "青花", "玲珑", "高岭", "御窑", "珠山", "昌江", "景华", "新平", "陶源"]
TRADES = ["陶瓷", "商贸", "建材", "餐饮", "物流", "药房", "超市", "装饰", "农资", "酒店", "汽修", "文化"]
PLACES = [
    "鱼山镇",
    "吕蒙街道",
    "丽阳镇",
    "荷塘乡",
    "竟成镇",
    "西郊",
    "新枫路",
    "瓷都大道",
    "洪源村",
    "马鞍山",
]
FACTS = [
    "经现场检查发现",
    "根据群众举报",
    "在专项整治行动中查明",
    "经调查核实",
    "经技术鉴定确认",
    "联合执法时发现",
]
VIOLATIONS = [
    "未取得营业执照从事经营活动",
    "销售过期食品",
    "违规占道经营",
    "擅自改变房屋用途",
    "未按规定设置消防设施",
    "超标排放污染物",
    "无证行医",
    "违法发布广告",
    "虚假标价",
    "违规处置建筑垃圾",
    "非法采砂",
    "违规储存危险化学品",
]
BASES = [
    "《中华人民共和国行政处罚法》",
    "《中华人民共和国食品安全法》",
    "《城市市容和环境卫生管理条例》",
    "《中华人民共和国消防法》",
    "《中华人民共和国广告法》",
    "《无证无照经营查处办法》",
]


def settings(directory, **extra):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "blobs").mkdir(exist_ok=True)
    return {
        "zodbconn.uri": f"filestorage://{directory}/Data.fs?blob_dir={directory}/blobs"
        "&connection_cache_size=200000",
        "substanced.secret": "benchmark-secret",
        "substanced.initial_login": "admin",
        "substanced.initial_password": "admin12345",
        "pyramid.default_locale_name": "zh_Hans",
        "portal.demo": "true",
        "portal.policy_dir": str(PROJECT / "policies"),
        "portal.tenants_dir": str(PROJECT / "tenants"),
        **extra,
    }


def make_app(directory, **extra):
    app = portal.main({}, **settings(directory, **extra))
    sample.register_types(app.registry)
    return app


def party(rng):
    return f"景德镇市{rng.choice(PARTY_WORDS)}{rng.choice(TRADES)}有限公司"


def item_text(rng):
    """A title, a party and a body in the district's usual wording, varied for realistic search."""
    subject, action = rng.choice(SUBJECTS), rng.choice(ACTIONS)
    who = party(rng)
    title = f"关于{rng.choice(PLACES)}{who}{subject}领域{action}的函"
    sentences = [
        f"{rng.choice(FACTS)}，{who}在{rng.choice(PLACES)}{rng.choice(VIOLATIONS)}。",
        f"依据{rng.choice(BASES)}第{rng.randint(2, 80)}条，拟作出{action}处理。",
        f"请{rng.choice(SUBJECTS)}部门于{rng.randint(3, 10)}个工作日内提出意见。",
    ]
    rng.shuffle(sentences)
    amount, contact, phone = rng.randint(1, 500) * 100, rng.choice(PARTY_WORDS), rng.randint(1000000, 9999999)
    sentences.append(f"涉及金额{amount}元，联系人{contact}，电话0798-{phone}。")
    return title, who, "".join(sentences)


def build(directory, n, seed=20261127, **extra):
    """Create the site with ``n`` items, committing every :data:`BATCH`; returns seconds taken.

    ``extra``: further settings (``portal.fulltext``: where the words go)."""
    start = time.perf_counter()
    app = make_app(directory, **extra)
    rng = random.Random(seed)
    with sample.site(app) as root:
        sample.add_rows(root, sample.ROWS + EXTRA_ROWS)
        indexing_mode(root, MODE_IMMEDIATE)
        units = sorted(root["tenants"])
        kinds = {code: root["tenants"][code].kind for code in units}
        codes = {code: root["tenants"][code].doc_code or "昌" for code in units}
    townships = [u for u in units if kinds[u] == "township"]
    departments = [u for u in units if kinds[u] == "department"]
    states = ["draft", "submitted", "submitted", "returned", "recorded", "recorded", "recorded"]
    today = datetime.date(2026, 11, 27)
    done = 0
    while done < n:
        with sample.site(app) as root:
            for i in range(done, min(n, done + BATCH)):
                owner = rng.choice(townships if rng.random() < 0.6 else units)
                title, who, body = item_text(rng)
                if rng.random() < 0.75:
                    cls = sample.SampleItem
                    others = departments if owner in townships else townships + departments
                    recipient = rng.choice([u for u in others if u != owner])
                    relations = [("recipient", recipient)]
                    if rng.random() < 0.2:
                        relations.append(
                            ("cc", rng.choice([u for u in units if u not in (owner, recipient)]))
                        )
                else:
                    cls = sample.SampleNotice
                    if rng.random() < 0.1:
                        relations = [("recipient", "*")]
                    else:
                        chosen = rng.sample([u for u in units if u != owner], rng.randint(2, 8))
                        relations = [("recipient", u) for u in chosen]
                        if rng.random() < 0.3:
                            relations.append(("participant", rng.choice(chosen)))
                    recipient = relations[0][1]
                state = rng.choice(states)
                due = awaiting = None
                if state == "submitted" and recipient != "*":
                    due = today + datetime.timedelta(days=rng.randint(-10, 20))
                    awaiting = [recipient]
                item = sample.add_item(
                    root,
                    cls,
                    owner,
                    title,
                    relations=relations,
                    state=state,
                    minute=i,
                    due=due,
                    awaiting=awaiting or (),
                    number=f"{codes[owner]}备〔2026〕{i + 1}号",
                    body=body,
                    **({"party": who} if cls is sample.SampleItem else {}),
                )
                item._p_deactivate()
        done = min(n, done + BATCH)
        elapsed = time.perf_counter() - start
        print(f"  built {done:,} items in {elapsed:.0f} s", flush=True)
    with sample.site(app) as root:
        indexing_mode(root, None)
    close(app)
    (directory / "built").write_text(f"{n}\n")
    return time.perf_counter() - start


def indexing_mode(root, mode):
    """Index at once while building (the same index_doc, without finding each object again by
    path at commit, which costs more than the indexing); ``None`` restores the default."""
    for catalog in root["catalogs"].values():
        for index in catalog.values():
            if mode is not None:
                index.action_mode = mode
            elif "action_mode" in index.__dict__:
                del index.action_mode


def close(app):
    for db in getattr(app.registry, "_zodb_databases", {}).values():
        db.close()


def timed(function, runs):
    """Median and p95 of ``runs`` calls, in ms (one warm-up call first)."""
    function()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95


def report(name, figures):
    print(f"  {name:<46} median {figures[0]:8.1f} ms   p95 {figures[1]:8.1f} ms", flush=True)
    return figures


class InProcess:
    """A real request in the app's registry, acting as ``LOGIN`` in ``UNIT`` (no HTTP, no templates)."""

    def __init__(self, app):
        from pyramid.request import Request, apply_request_extensions
        from pyramid.threadlocal import manager

        from portal.people import find_person

        self.app = app
        self.conn = app.registry._zodb_databases[""].open()
        self.manager = manager

        def request():
            req = Request.blank("/")
            req.registry = app.registry
            apply_request_extensions(req)
            req.root = self.conn.root()["app_root"]
            req.__dict__["user"] = find_person(req.root, LOGIN)
            req.__dict__["login"] = LOGIN
            req.__dict__["acting_unit"] = UNIT
            manager.push({"registry": app.registry, "request": req})
            return req

        self.make_request = request

    def run(self, function):
        def call():
            request = self.make_request()
            try:
                return function(request)
            finally:
                self.manager.pop()
                transaction.abort()

        return call

    def close(self):
        transaction.abort()
        self.conn.close()


def inbox_page(request):
    count, items, _, _ = box_listing(request, BOXES["inbox"], Params())
    return count, rows(request, items)


def dashboard(request):
    return [todo_panel(request), returned_panel(request), published_panel(request)]


def search(request):
    from portal.items.catalog import sorted_page

    catalog = portal_catalog(request)
    count, result = visible_items(request, text_query(catalog, SEARCH), sort_index=None)
    return count, sorted_page(result, catalog["modified"], True, 0, 20)


def inbox_per_item(request):
    """The inbox page the slow way: every item the unit is related to, each asked of Casbin."""
    from hypatia.query import Any

    catalog = portal_catalog(request)
    tokens = [
        f"{relation}:{holder}"
        for relation in ("recipient", "cc", "consultee", "participant")
        for holder in (UNIT, "*")
    ]
    candidates = Any(catalog["relations"], tokens).execute()
    allowed = [item for item in candidates.all() if item.owner != UNIT and request.permits(item, "view")]
    allowed.sort(key=lambda item: item.modified, reverse=True)
    return len(allowed), rows(request, allowed[:20])


def create_and_submit(request):
    """An officer's unit creates an item and submits it (the workflow's fire, reindexing, commit)."""
    transaction.begin()
    root = request.root
    item = sample.add_item(
        root,
        sample.SampleItem,
        UNIT,
        "关于某商贸有限公司违法行为的协作请求",
        relations=[("recipient", "cj-yushan")],
        body="经现场检查发现违规经营。",
    )
    item.created = item.modified = datetime.datetime.now(SHANGHAI)
    sample.WORKFLOW.fire(item, request, "submit", "请协助调查")
    transaction.commit()


def measure_in_process(app, runs):
    print("In process (query, page of objects, rows; no HTTP, no templates):")
    bench = InProcess(app)
    try:
        count = bench.run(inbox_page)()[0]
        print(f"  inbox of {UNIT}: {count:,} items")
        fast = report("inbox page (catalog query)", timed(bench.run(inbox_page), runs))
        report("dashboard panels", timed(bench.run(dashboard), runs))
        hits = bench.run(search)()[0]
        report(f"search “{SEARCH}” ({hits:,} hits)", timed(bench.run(search), runs))
        slow = report("inbox page (per-item request.permits)", timed(bench.run(inbox_per_item), 3))
        print(f"  per-item / catalog query: {slow[0] / fast[0]:.0f}× (must be ≥ 20×)")
        report("create an item + submit + commit", timed(bench.run(create_and_submit), max(5, runs // 4)))
    finally:
        bench.close()


def pages():
    from urllib.parse import urlencode

    return [
        ("inbox page", "/inbox"),
        ("dashboard (home page)", "/"),
        ("search page", "/search?" + urlencode({"q": SEARCH})),
    ]


def measure_webtest(app, runs):
    from tests.conftest import Browser

    print("Through the whole app (WebTest, in process, templates included):")
    browser = Browser(app)
    browser.login(LOGIN)
    for name, url in pages():
        report(name, timed(lambda url=url: browser.get(url), runs))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_http(app, runs):
    from waitress.server import create_server

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    print(f"Through HTTP (waitress on 127.0.0.1:{port}):")
    try:
        cookie = http_login(port)
        for name, url in pages():
            report(name, timed(lambda url=url: http_get(port, url, cookie), runs))
    finally:
        time.sleep(0.5)  # let the last response's thread finish before the sockets close
        server.close()


def http_login(port):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = "; ".join(c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    from urllib.parse import urlencode

    body = urlencode(
        {
            "csrf_token": token,
            "login": LOGIN,
            "password": DEMO_PASSWORD,
            "came_from": "",
            "submit": "submit",
            "__formid__": "login-form",
        }
    )
    conn.request(
        "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    )
    response = conn.getresponse()
    response.read()
    cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    assert response.status == 302, response.status
    return "; ".join(cookies) or cookie


def http_get(port, url, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", url, headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 200, (url, response.status)
    conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--http", action="store_true", help="also measure through waitress")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    directory = HERE / "results" / f"site-{args.items}"
    if not (directory / "built").exists():
        print(f"Building a site of {args.items:,} items in {directory} ...", flush=True)
        seconds = build(directory, args.items)
        print(f"Built in {seconds:.0f} s ({os.path.getsize(directory / 'Data.fs') / 1e6:.0f} MB)", flush=True)
    if args.build_only:
        return
    app = make_app(directory)
    try:
        print(f"{args.items:,} items; {os.cpu_count()} cores; Python {sys.version.split()[0]}")
        measure_in_process(app, args.runs)
        measure_webtest(app, args.runs)
        if args.http:
            measure_http(app, args.runs)
    finally:
        close(app)


if __name__ == "__main__":
    main()
