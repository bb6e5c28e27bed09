"""How fast each flow's listing page and item page answer, every flow at the same scale.

    .venv/bin/python benchmarks/flow_listings.py [--per-flow 2000] [--runs 40] [--build-only]
    .venv/bin/python benchmarks/flow_listings.py --profile /@@meetings [--as scj.liaison]

Builds (once, cached in ``benchmarks/results/flows-<N>/``) a site of the demo district with N items
of every flow's item type: collaboration requests, complaints, case transfers, penalty filings,
regulations (each publication also shares a library document), hazard notices, participation
notices, guidance activities and requests, coordination meetings and their action items. Every
item is made by its flow's own model functions (``Flow.create`` or the flow's creation steps, then
send, sign, answer, close...) with a script-style request acting as a person of the unit that
takes the step, so it carries the history, relations, clock, attachments and notifications a real
one does, and ends in a state drawn from a realistic mix (drafts, items awaiting the other unit,
items answered and closed). Units are drawn as the district works: the four townships alike, the
departments weighted towards 区市监局 and 区城管局. One person per unit (``bench.<code>``, leader,
deputy, liaison and officer) takes the steps; the demo people are members beside them. The build
commits every few hundred items and lets the indexer index them after each commit, as a site does.

Then it measures, through the whole app in process (WebTest: traversal, Casbin, the view, the
template), with ``development.ini``'s settings (its ZODB connection cache, templates not reloaded),
for every listing: its first page, its last page (``?page=N``) and the item page of the item of
the first page with the longest history. Each is measured as the demo person of a unit who sees the
most of that flow, and as the 区司法局's supervisor, who sees everything sent. Figures are medians
and 95th percentiles in milliseconds over ``--runs`` requests, after one warm-up request.

``--profile URL`` runs cProfile over ``--runs`` requests of one page instead and prints where the
time goes.
"""

import argparse
import configparser
import cProfile
import datetime
import io
import math
import os
import pstats
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import transaction

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))

import portal  # noqa: E402
from portal.calendar import SHANGHAI  # noqa: E402
from portal.demo import PDF  # noqa: E402
from portal.indexing import drain  # noqa: E402
from portal.site import DEMO_PASSWORD  # noqa: E402

#: Rounds (one item of every type each) between commits: a few hundred items a transaction.
ROUNDS_PER_COMMIT = 25
#: The demo people whose listings are compared (a unit's person; the supervisor apart).
UNIT_VIEWERS = ("scj.liaison", "ys.officer", "lm.officer", "cg.liaison")
SUPERVISOR = "sfj.supervisor"
#: The roles of the person who takes the steps of a unit (``bench.<code>``).
BENCH_ROLES = ("leader", "deputy", "liaison", "officer")
#: How often a department is the one concerned (the others 1): market supervision and urban
#: management receive most of what townships send.
DEPARTMENT_WEIGHTS = {
    "cj-scjgj": 30,
    "cj-cgj": 20,
    "cj-yjj": 10,
    "cj-zjj": 8,
    "cj-wjw": 8,
    "cj-nyj": 6,
    "cj-lyj": 4,
    "cj-swj": 3,
    "cj-jtj": 3,
    "cj-gaj": 3,
    "cj-mzj": 2,
    "cj-ybj": 2,
    "cj-rsj": 2,
}

#: (title, listing URL, item type), old flows first.
LISTINGS = (
    ("协作请求 collab-requests", "/@@collab-requests", "collab_request"),
    ("举报投诉 complaints", "/@@complaints", "complaint"),
    ("案件移送 transfers", "/@@transfers", "case_transfer"),
    ("处罚决定备案 penalty-filings", "/penalty-filings", "penalty_filing"),
    ("法规文件 regulations", "/regulations", "regulation"),
    ("隐患通报 hazards", "/@@hazards", "hazard_notice"),
    ("参与通知 participation-notices", "/@@participation-notices", "participation_notice"),
    ("指导培训 guidance", "/@@guidance", "guidance_activity"),
    ("指导申请 guidance-requests", "/@@guidance-requests", "guidance_request"),
    ("协调会商 meetings", "/@@meetings", "coordination_meeting"),
    ("议定事项 meeting-actions", "/@@meeting-actions", "meeting_action"),
)
NEW_TYPES = {
    "hazard_notice",
    "participation_notice",
    "guidance_activity",
    "guidance_request",
    "coordination_meeting",
    "meeting_action",
}

PARTY_WORDS = ["瓷都", "昌南", "浮梁", "青花", "玲珑", "高岭", "御窑", "珠山", "昌江", "景华", "新平", "陶源"]
TRADES = ["陶瓷", "商贸", "建材", "餐饮", "物流", "药房", "超市", "装饰", "农资", "酒店", "汽修", "文化"]
PLACES = [
    "鱼山村",
    "吕蒙社区",
    "丽阳村",
    "荷塘村",
    "竟成社区",
    "新枫路",
    "瓷都大道",
    "洪源村",
    "马鞍山路",
    "206国道旁",
]
VIOLATIONS = [
    "未取得营业执照从事经营活动",
    "销售过期食品",
    "违规占道经营",
    "擅自改变房屋用途",
    "未按规定设置消防设施",
    "超标排放污染物",
    "违法发布广告",
    "虚假标价",
    "违规处置建筑垃圾",
    "违规储存危险化学品",
]
HAZARDS = [
    ("加油站储油罐渗漏", "危险化学品"),
    ("自建房违规加层出现裂缝", "建筑施工"),
    ("液化气充装点违规充装", "燃气"),
    ("仓库堆放易燃物堵塞消防通道", "消防安全"),
    ("山体边坡出现裂缝", "地质灾害"),
    ("电梯制动器失灵仍在运行", "特种设备"),
    ("餐馆使用过期食用油", "食品药品"),
]
SUBJECTS = ["食品安全", "城市管理", "安全生产", "消防安全", "生态环境", "市场秩序", "建筑施工", "校园周边"]


def development_settings(directory):
    """``development.ini``'s ``[app:main]`` with its ``var/`` in ``directory``: the settings a site
    runs, its connection cache included. Templates are not reloaded (the ini reloads them for
    editing), and the demo content is left out: the benchmark's own items are what is listed."""
    parser = configparser.RawConfigParser()
    parser.read(PROJECT / "development.ini", encoding="utf-8")
    settings = {}
    for key, value in parser.items("app:main"):
        if key != "use":
            settings[key] = value.replace("%(here)s/var", str(directory)).replace("%(here)s", str(PROJECT))
    settings["pyramid.reload_templates"] = "false"
    settings["portal.demo_content"] = "false"
    return settings


def cache_size(settings):
    uri = settings["zodbconn.uri"]
    for part in uri.partition("?")[2].split("&"):
        if part.startswith("connection_cache_size="):
            return int(part.split("=", 1)[1])
    return None


def make_app(directory):
    directory.mkdir(parents=True, exist_ok=True)
    return portal.main({}, **development_settings(directory))


def close_app(app):
    indexer = getattr(app.registry, "portal_indexer", None)
    if indexer is not None:
        indexer.stop()
    for db in getattr(app.registry, "_zodb_databases", {}).values():
        db.close()


# The build ---------------------------------------------------------------------------------------


def local_now():
    return datetime.datetime.now(SHANGHAI).replace(second=0, microsecond=0)


class District:
    """The site being built: its units, a request per step, and the random choices."""

    def __init__(self, app, root, rng):
        self.app = app
        self.root = root
        self.rng = rng
        tenants = root["tenants"]
        self.townships = sorted(code for code, t in tenants.items() if t.kind == "township")
        self.departments = sorted(code for code, t in tenants.items() if t.kind == "department")
        self.units = sorted(tenants)
        self.weights = [DEPARTMENT_WEIGHTS.get(code, 1) for code in self.departments]
        #: The meetings minuted so far (action items are added to them).
        self.minuted = []
        #: Routine meetings called so far, by department.
        self.routine = {}

    def tenant(self, code):
        return self.root["tenants"][code]

    def request(self, unit):
        """A request of a script (no page): ``bench.<unit>`` acting as ``unit``."""
        from pyramid.interfaces import IRequestExtensions
        from pyramid.request import Request, apply_request_extensions

        from portal.people import find_person

        registry = self.app.registry
        request = Request.blank("/")
        request.registry = registry
        apply_request_extensions(request, registry.queryUtility(IRequestExtensions))
        request.root = self.root
        login = bench_login(unit)
        request.__dict__.update(login=login, acting_unit=unit, user=find_person(self.root, login))
        return request

    # choices

    def township(self):
        return self.rng.choice(self.townships)

    def department(self):
        return self.rng.choices(self.departments, self.weights)[0]

    def some_departments(self, most):
        chosen = []
        for _ in range(self.rng.randint(1, most)):
            code = self.department()
            if code not in chosen:
                chosen.append(code)
        return tuple(sorted(chosen))

    def state(self, mix):
        states, weights = zip(*mix.items(), strict=True)
        return self.rng.choices(states, weights)[0]

    def chance(self, p):
        return self.rng.random() < p

    def party(self):
        return f"景德镇市{self.rng.choice(PARTY_WORDS)}{self.rng.choice(TRADES)}有限公司"

    def place(self, unit):
        return f"{self.tenant(unit).title}{self.rng.choice(PLACES)}"

    def files(self, p, name):
        return [(name, PDF)] if self.chance(p) else []

    def ago(self, minutes_most):
        return local_now() - datetime.timedelta(minutes=self.rng.randint(5, minutes_most))

    def ahead(self, days_least, days_most, hour=9):
        day = local_now().date() + datetime.timedelta(days=self.rng.randint(days_least, days_most))
        return datetime.datetime.combine(day, datetime.time(hour, self.rng.choice((0, 30))), tzinfo=SHANGHAI)


def bench_login(unit):
    return f"bench.{unit}"


def add_bench_people(app, root):
    """One person per unit holding the roles that take every step of every flow there."""
    from portal.people import add_person, find_person, grant

    store = root.policy_store
    for code, tenant in sorted(root["tenants"].items()):
        login = bench_login(code)
        if find_person(root, login) is None:
            add_person(root, login, DEMO_PASSWORD, f"{tenant.title}工作人员", registry=app.registry)
        for role in BENCH_ROLES:
            grant(store, login, role, code)


class Counts(dict):
    def add(self, item_type, n=1):
        self[item_type] = self.get(item_type, 0) + n


# One item of each flow, taken to its state by the flow's own steps -------------------------------


def collab_request(d, counts):
    from portal.requests import KINDS, answer, close, receive, send
    from portal.requests.flow import FLOW

    township, department = d.township(), d.department()
    violation = d.rng.choice(VIOLATIONS)
    kind = d.rng.choice(KINDS)
    data = {
        "title": f"关于{d.party()}{violation}的{kind}请求",
        "department": department,
        "kind": kind,
        "facts": f"日常巡查发现当事人在{d.place(township)}{violation}，现场查获相关物品一批，已拍照取证。",
        "question": f"请对当事人是否构成{violation}作出{kind}。",
        "urgent": d.chance(0.1),
        "evidence_at_risk": d.chance(0.05),
        "files": d.files(0.7, "检查笔录.pdf"),
    }
    item = FLOW.create(d.tenant(township), d.request(township), data)
    counts.add(item.item_type)
    state = d.state({"draft": 5, "sent": 20, "received": 20, "answered": 25, "closed": 30})
    if state == "draft":
        return
    send(item, d.request(township))
    if state == "sent":
        return
    receive(item, d.request(department))
    if state == "received":
        return
    text = f"经{kind}，当事人的行为构成{violation}。依据见附件。"
    answer(item, d.request(department), {"answer_text": text, "files": d.files(0.5, "答复意见.pdf")})
    if state == "closed":
        close(item, d.request(township))


def complaint(d, counts):
    from portal.complaints import (
        CHANNELS,
        TRANSFER_KINDS,
        acknowledge,
        answer,
        open_case,
        tell,
        transfer,
        verify,
    )
    from portal.complaints.flow import FLOW

    township = d.chance(0.5)
    owner = d.township() if township else d.department()
    violation = d.rng.choice(VIOLATIONS)
    anonymous = d.chance(0.2)
    data = {
        "title": f"反映{d.place(d.township())}有商户{violation}",
        "channel": d.rng.choice(CHANNELS),
        "received_at": d.ago(60 * 24 * 3),
        "anonymous": anonymous,
        "person_name": "" if anonymous else d.rng.choice(["王女士", "李先生", "张女士", "刘先生"]),
        "person_phone": "" if anonymous else f"138{d.rng.randint(10000000, 99999999)}",
        "content": f"{d.party()}长期{violation}，影响周边居民生活，请有关部门依法查处。",
        "files": d.files(0.3, "来信.pdf"),
    }
    request = d.request(owner)
    item = FLOW.create(d.tenant(owner), request, data)
    counts.add(item.item_type)
    state = d.state(
        {
            "registered": 15,
            "verifying": 20,
            "closed_told": 10,
            "closed_answered": 20,
            "case_opened": 15,
            "transferred": 10,
            "acknowledged": 10,
        }
    )
    if state == "registered":
        return
    if state == "closed_told":
        tell(item, d.request(owner), {"told_organ": "区人社局劳动保障监察大队", "told_note": "已电话告知"})
        return
    verify(item, d.request(owner))
    if state == "closed_answered":
        answer(item, d.request(owner), {"answer_text": "经现场核实，未发现所反映的违法行为，已答复反映人。"})
    elif state == "case_opened":
        code = d.tenant(owner).doc_code
        data = {"case_number": f"{code}立〔2026〕{d.rng.randint(1, 999)}号", "case_date": local_now().date()}
        open_case(item, d.request(owner), data)
    elif state in ("transferred", "acknowledged"):
        target = d.department() if township else d.township()
        data = {
            "transfer_to": target,
            "transfer_kind": d.rng.choice(list(TRANSFER_KINDS)),
            "transfer_note": "经核实，反映的问题属对方职责范围，移送处理。",
            "files": d.files(0.5, "移送材料.pdf"),
        }
        transfer(item, d.request(owner), data)
        if state == "acknowledged":
            acknowledge(item, d.request(target))


def case_transfer(d, counts):
    from portal.transfers import (
        MATERIALS,
        accept,
        add_material,
        approve,
        close,
        decline,
        send,
        sign,
        submit,
        withdraw,
    )
    from portal.transfers.flow import FLOW

    township = d.chance(0.6)
    owner = d.township() if township else d.department()
    receiver = d.department() if township else d.township()
    urgent, ongoing = d.chance(0.1), d.chance(0.1)
    found = d.ago(60 * 24 * 4)
    violation = d.rng.choice(VIOLATIONS)
    data = {
        "receiver": receiver,
        "title": f"{d.party()}{violation}案",
        "party": d.party(),
        "found_date": found.date(),
        "found_at": found if urgent else None,
        "facts": f"日常巡查中发现当事人在{d.place(owner)}{violation}。",
        "urgent": urgent,
        "ongoing": ongoing,
        "measures": "已责令当事人立即停止违法行为。" if ongoing else "",
        "major": False,
    }
    item = FLOW.create(d.tenant(owner), d.request(owner), data)
    counts.add(item.item_type)
    state = d.state(
        {
            "draft": 8,
            "awaiting_approval": 5,
            "approved": 5,
            "sent": 12,
            "received": 15,
            "accepted": 20,
            "declined": 5,
            "closed": 25,
            "withdrawn": 5,
        }
    )
    slots = MATERIALS if state != "draft" else MATERIALS[: d.rng.randint(0, 3)]
    for _, kind, _ in slots:
        add_material(item, d.request(owner), kind, f"{kind}.pdf", PDF)
    if state == "draft":
        return
    if state == "withdrawn":
        withdraw(item, d.request(owner), "当事人已主动改正，经研究不再移送")
        return
    submit(item, d.request(owner), "请审批")
    if state == "awaiting_approval":
        return
    approve(item, d.request(owner), "同意移送")
    if state == "approved":
        return
    send(item, d.request(owner))
    if state == "sent":
        return
    sign(item, d.request(receiver), "已签收")
    if state == "received":
        return
    if state == "declined":
        decline(item, d.request(receiver), "不属于本单位管辖")
        return
    accept(item, d.request(receiver), "予以受理")
    if state == "closed":
        close(item, d.request(receiver), "已立案查处，作出罚款决定")


def penalty_filing(d, counts):
    from portal.filings import PenaltyFiling, record_filing, return_for_correction, submit
    from portal.filings.views import SCAN_KIND, new_name, values
    from portal.flows import attach_files
    from portal.items import record

    township, department = d.township(), d.department()
    today = local_now().date()
    decided = today - datetime.timedelta(days=d.rng.randint(1, 12))
    party = d.party()
    violation = d.rng.choice(VIOLATIONS)
    data = {
        "department": department,
        "title": f"{party}{violation}案",
        "party_type": "法人",
        "party_name": party,
        "party_id": "91360202MA38ABCD1K",
        "party_address": f"昌江区{d.place(township)}8号",
        "facts": f"当事人{violation}，违法所得较少，系初次违法。",
        "evidence": "现场检查笔录、现场照片、询问笔录",
        "legal_basis": "《中华人民共和国行政处罚法》第二十八条",
        "penalty_kinds": ("警告", "罚款"),
        "fine_amount": str(d.rng.randint(1, 50) * 500),
        "performance": "自收到本决定书之日起十五日内到指定银行缴纳罚款",
        "performance_deadline": today + datetime.timedelta(days=15),
        "reconsideration": "",
        "litigation": "",
        "deciding_organ": d.tenant(township).title + "人民政府",
        "decision_number": f"{d.tenant(township).doc_code}罚决〔2026〕{d.rng.randint(1, 9999)}号",
        "decision_date": decided,
        "case_filing_date": decided - datetime.timedelta(days=30),
        "legal_review": True,
        "collective_discussion": d.chance(0.5),
        "service_date": decided + datetime.timedelta(days=1),
        "suspected_crime": False,
        "crime_note": "",
    }
    # What the creation form does (the flow has no creation function of its own).
    request = d.request(township)
    tenant = d.tenant(township)
    filing = PenaltyFiling(township, data["title"], creator=request.login)
    filing.update(values(data))
    tenant.add(new_name(tenant), filing)
    (filing.scan,) = attach_files(filing, [("决定书.pdf", PDF)], request, SCAN_KIND)
    record(filing, request, "create", "新建草稿")
    counts.add(filing.item_type)
    state = d.state({"draft": 8, "submitted": 20, "returned": 8, "resubmitted": 8, "recorded": 56})
    if state == "draft":
        return
    submit(filing, d.request(township))
    if state == "submitted":
        return
    if state in ("returned", "resubmitted") or d.chance(0.1):
        return_for_correction(filing, d.request(department), "请补充当事人的陈述申辩材料")
        if state == "returned":
            return
        submit(filing, d.request(township))
        if state == "resubmitted":
            return
    record_filing(filing, d.request(department))


def regulation(d, counts):
    from portal.flows import attach_files
    from portal.items import record
    from portal.library import free_name
    from portal.regulations import ALL_TOWNSHIPS, CATEGORIES, Regulation, publish, sign

    owner = d.department()
    request = d.request(owner)
    tenant = d.tenant(owner)
    subject = d.rng.choice(SUBJECTS)
    # What the publishing form does (the flow has no creation function of its own).
    item = Regulation(owner, f"关于加强{subject}执法协作的通知", request.login)
    tenant.add(free_name(tenant, "reg"), item)
    record(item, request, "create", "起草")
    item.category = d.rng.choice(CATEGORIES)
    item.issuing_number = f"{tenant.doc_code}发〔2026〕{d.rng.randint(1, 300)}号"
    item.issuing_organ = tenant.title
    item.issue_date = local_now().date() - datetime.timedelta(days=d.rng.randint(0, 60))
    item.body = f"各乡镇（街道）：为落实执法协作配合机制，现将{subject}执法协作有关事项通知如下。"
    if d.chance(0.3):
        item.chosen_recipients = (ALL_TOWNSHIPS,)
    else:
        item.chosen_recipients = tuple(sorted(d.rng.sample(d.townships, d.rng.randint(1, 3))))
    attach_files(item, [("通知.pdf", PDF)], request, "附件")
    counts.add(item.item_type)
    if d.chance(0.08):
        return
    publish(item, d.request(owner))
    counts.add("library_document")
    for unit in item.recipients():
        if d.chance(0.7):
            sign(item, d.request(unit))


def hazard_notice(d, counts):
    from portal.hazards import URGENCIES, acknowledge, close, record_joint_action, respond, send
    from portal.hazards.flow import FLOW

    township = d.township()
    what, kind = d.rng.choice(HAZARDS)
    place = d.place(township)
    data = {
        "title": f"关于{place}{what}的重大安全隐患通报",
        "departments": d.some_departments(3),
        "location": place,
        "hazard_kind": kind,
        "found_at": d.ago(180),
        "findings": f"日常巡查发现{place}{what}，周边有居民和商户，可能造成人员伤亡。",
        "onsite_measures": "已设置警戒区，疏散周边人员，责令停止作业。",
        "urgency": d.rng.choice([value for value, _ in URGENCIES]),
        "files": d.files(0.6, "现场照片.pdf"),
    }
    item = FLOW.create(d.tenant(township), d.request(township), data)
    counts.add(item.item_type)
    state = d.state({"draft": 5, "notified": 15, "handling": 40, "closed": 40})
    if state == "draft":
        return
    send(item, d.request(township))
    departments = list(item.departments)
    acknowledging = departments if state != "notified" else departments[: len(departments) - 1]
    for code in acknowledging:
        acknowledge(item, d.request(code))
    if state == "notified":
        return
    for code in departments:
        if state == "closed" or d.chance(0.6):
            data = {
                "analysis": f"{what}可能引发事故，属重大安全隐患。",
                "suggestions": "建议停用相关设施，委托有资质机构检测。",
                "measures": "已派员到场检查，责令限期整改。",
                "files": [],
            }
            respond(item, d.request(code), data)
    if d.chance(0.2):
        data = {
            "action_date": local_now().date(),
            "units": tuple(sorted({township, *departments})),
            "actions_taken": "联合检查现场，查封相关设施。",
            "result": "隐患点已停用，等待整改。",
            "files": [],
        }
        record_joint_action(item, d.request(township), data)
    if state == "closed":
        close(
            item,
            d.request(township),
            {"note": "经复查，隐患已整改完毕。", "files": d.files(0.3, "整改报告.pdf")},
        )


def participation_notice(d, counts):
    from portal.participation import (
        KINDS,
        PHONE_FIELDS,
        WRITTEN_FIELDS,
        cancel,
        complete,
        confirm,
        decline,
        receive,
        record_phone_call,
        send,
        send_written,
    )
    from portal.participation.views import FLOW

    department, township = d.department(), d.township()
    kind = d.rng.choice(KINDS)
    subject = d.rng.choice(SUBJECTS)
    starts = d.ahead(1, 30)
    data = {
        "title": f"关于参加{subject}{kind}的通知",
        "township": township,
        "kind": kind,
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=8),
        "place": f"{d.tenant(township).title}人民政府一楼大厅集合",
        "needs_people": "综合行政执法人员2名",
        "needs_materials": "辖区经营主体名册",
        "needs_cooperation": "通知经营主体负责人到场配合检查",
        "contact_person": "赵敏",
        "contact_phone": "0798-8220000",
        "files": d.files(0.6, "参与通知.pdf"),
        "called_at": d.ago(240),
        "caller": "赵敏（执法大队）",
        "callee": "王五（综合执法办主任）",
        "phone_said": f"明天上午到{d.tenant(township).title}开展{subject}{kind}，请派2名执法人员参加。",
    }
    state = d.state(
        {
            "draft": 5,
            "phoned": 5,
            "sent": 15,
            "received": 10,
            "confirmed": 20,
            "declined": 5,
            "completed": 35,
            "cancelled": 5,
        }
    )
    phoned = state == "phoned" or (state != "draft" and d.chance(0.15))
    if phoned:
        item = record_phone_call(
            d.tenant(department), d.request(department), {k: data[k] for k in PHONE_FIELDS}
        )
        counts.add(item.item_type)
        if state == "phoned":
            return
        send_written(
            item, d.request(department), {**{k: data[k] for k in WRITTEN_FIELDS}, "files": data["files"]}
        )
    else:
        item = FLOW.create(d.tenant(department), d.request(department), data)
        counts.add(item.item_type)
        if state == "draft":
            return
        send(item, d.request(department))
    if state == "cancelled":
        cancel(item, d.request(department), {"reason": "检查计划调整，活动取消"})
        return
    if state == "sent":
        return
    receive(item, d.request(township))
    if state == "received":
        return
    attendees = "张三 综合行政执法队队员 13807980001\n李四 网格员 13807980002"
    if state == "declined":
        decline(item, d.request(township), {"reason": "当天有防汛值班任务，无法派员"})
        return
    confirm(item, d.request(township), {"attendees": attendees, "note": "携带执法记录仪"})
    if state == "completed":
        # The event took place: it lies in the past when its outcome is recorded.
        item.starts_at = local_now() - datetime.timedelta(days=d.rng.randint(1, 20))
        item.ends_at = item.starts_at + datetime.timedelta(hours=8)
        data = {"outcome": "检查经营主体12家，责令整改3家。", "files": d.files(0.3, "检查记录.pdf")}
        complete(item, d.request(department), data)


def activity_data(d, department, participants, starts):
    from portal.guidance import KINDS

    kind = d.rng.choice(KINDS)
    subject = d.rng.choice(SUBJECTS)
    return {
        "title": f"{subject}执法业务{kind}",
        "kind": kind,
        "starts_at": starts,
        "place": f"{d.tenant(department).title}三楼会议室",
        "participants": tuple(sorted(participants)),
        "people": f"授课：{d.tenant(department).title} 张明；参加：各乡镇（街道）综合行政执法人员",
        "outline": f"{subject}现场检查要点、抽样程序和案卷制作规范。",
        "files": d.files(0.5, "培训通知.pdf"),
    }


def take_activity(d, activity, counts, held_chance=0.65, cancel_chance=0.1):
    from portal.guidance import cancel, hold

    roll = d.rng.random()
    request = d.request(activity.owner)
    if roll < held_chance:
        when = local_now() - datetime.timedelta(days=d.rng.randint(1, 60))
        activity.starts_at = when
        hold(
            activity,
            request,
            when,
            "鱼山镇 张三、李四；吕蒙街道 王五",
            "讲授了现场检查程序。",
            d.files(0.5, "签到表.pdf"),
        )
    elif roll < held_chance + cancel_chance:
        cancel(activity, request, "授课人员临时有执法任务，活动取消")


def guidance_activity(d, counts, target):
    """A department's own activity, unless those arranged for requests already make the count."""
    from portal.guidance import ACTIVITIES

    if counts.get("guidance_activity", 0) >= target:
        return
    department = d.department()
    participants = d.rng.sample(d.townships, d.rng.randint(1, 4))
    data = activity_data(d, department, participants, d.ahead(1, 60))
    activity = ACTIVITIES.create(d.tenant(department), d.request(department), data)
    counts.add(activity.item_type)
    take_activity(d, activity, counts)


def guidance_request(d, counts, activities_left):
    from portal.guidance import REQUESTS, schedule, withdraw
    from portal.guidance.forms import REQUEST_KINDS

    township, department = d.township(), d.department()
    subject = d.rng.choice(SUBJECTS)
    today = local_now().date()
    data = {
        "title": f"关于{subject}现场核查的业务指导",
        "department": department,
        "needs": f"新入职执法人员不熟悉{subject}现场核查程序，希望部门派员到镇上辅导。",
        "preferred_kind": d.rng.choice(REQUEST_KINDS),
        "preferred_from": today + datetime.timedelta(days=3),
        "preferred_to": today + datetime.timedelta(days=14),
        "files": d.files(0.3, "问题清单.pdf"),
    }
    item = REQUESTS.create(d.tenant(township), d.request(township), data)
    counts.add(item.item_type)
    state = d.state({"submitted": 40, "scheduled": 45, "withdrawn": 15})
    if state == "scheduled" and activities_left > 0:
        data = activity_data(d, department, [township], d.ahead(3, 30, hour=14))
        activity = schedule(item, d.request(department), data)
        counts.add(activity.item_type)
        take_activity(d, activity, counts, held_chance=0.4, cancel_chance=0.05)
    elif state == "withdrawn":
        withdraw(item, d.request(township), "已通过电话咨询解决")


def coordination_meeting(d, counts, actions_wanted):
    from portal.meetings import (
        ROUTINE,
        SEED_PARTICIPANTS,
        SPECIAL,
        cancel_meeting,
        record_minutes,
        send_meeting,
        sign_meeting,
    )
    from portal.meetings.views import MEETING_FLOW

    department = d.chance(0.85)
    owner = d.department() if department else d.township()
    # A department calls one routine meeting a half-year (this one and the next); the rest are
    # special meetings, called when needed.
    kind = ROUTINE if department and d.routine.get(owner, 0) < 2 else SPECIAL
    if kind == ROUTINE:
        d.routine[owner] = d.routine.get(owner, 0) + 1
    others = [code for code in d.townships + d.departments if code != owner]
    invitees = tuple(sorted(d.rng.sample(others, d.rng.randint(2, 6))))
    state = d.state({"draft": 5, "called": 45, "minuted": 40, "cancelled": 10})
    now = local_now()
    if state == "minuted":
        # Minutes follow the meeting: one held today (the form takes a meeting of today).
        starts = max(now - datetime.timedelta(hours=1), now.replace(hour=0, minute=0))
    else:
        starts = d.ahead(1, 150)
    subject = d.rng.choice(SUBJECTS)
    title = (
        f"2026年下半年行政执法协调会商例行会议（{subject}）"
        if kind == ROUTINE
        else f"关于{subject}联合执法的专题会议"
    )
    data = {
        "kind": kind,
        "title": title,
        "starts_at": starts,
        "place": f"{d.tenant(owner).title}三楼会议室",
        "agenda": f"一、通报{subject}执法协作情况\n二、研究联合执法分工\n三、协调存在的问题",
        "invitees": invitees,
        "attendees": SEED_PARTICIPANTS,
        "origin": "",
        "files": d.files(0.6, "会议通知.pdf"),
    }
    meeting = MEETING_FLOW.create(d.tenant(owner), d.request(owner), data)
    counts.add(meeting.item_type)
    if state == "draft":
        return
    send_meeting(meeting, d.request(owner))
    for unit in invitees:
        if state == "minuted" or d.chance(0.6):
            sign_meeting(meeting, d.request(unit))
    if state == "cancelled":
        cancel_meeting(meeting, d.request(owner), "会议议题已通过专题协调解决")
        return
    if state != "minuted":
        return
    minutes = f"会议研究了{subject}联合执法的分工，各单位按分工落实。"
    record_minutes(meeting, d.request(owner), minutes, "各参会单位分管领导", d.files(0.7, "会议纪要.pdf"))
    d.minuted.append(meeting)
    for _ in range(d.rng.randint(1, 4)):
        if counts.get("meeting_action", 0) >= actions_wanted:
            break
        meeting_action(d, counts, meeting)


def meeting_action(d, counts, meeting):
    """An action item of the minutes, for the meeting's unit or one invited; half of them done."""
    from portal.meetings import add_action, complete_action

    owner = meeting.owner
    doer = d.rng.choice((owner, *meeting.invited()))
    due = local_now().date() + datetime.timedelta(days=d.rng.randint(5, 60))
    subject = d.rng.choice(SUBJECTS)
    number = len(meeting.action_names) + 1
    detail = "每周检查一次，形成检查记录"
    action = add_action(meeting, d.request(owner), f"{subject}联合检查第{number}项", doer, due, detail)
    counts.add(action.item_type)
    if d.chance(0.5):
        complete_action(action, d.request(doer), "已完成检查，形成检查记录。", d.files(0.5, "检查记录.pdf"))


def one_round(d, counts, i, n):
    """One item of every type (and the action items and activities that come with them)."""
    collab_request(d, counts)
    complaint(d, counts)
    case_transfer(d, counts)
    penalty_filing(d, counts)
    regulation(d, counts)
    hazard_notice(d, counts)
    participation_notice(d, counts)
    guidance_request(d, counts, n - counts.get("guidance_activity", 0))
    guidance_activity(d, counts, i + 1)
    coordination_meeting(d, counts, min(n, i + 1))


def top_up(d, counts, n):
    """Action items until there are ``n``, added to the meetings minuted last."""
    while counts.get("meeting_action", 0) < n:
        meeting_action(d, counts, d.rng.choice(d.minuted[-50:]))


def build(directory, n, seed=20261208):
    """Create the site with ``n`` items of every flow; returns seconds taken."""
    from pyramid.threadlocal import manager

    start = time.perf_counter()
    if directory.exists():
        shutil.rmtree(directory)  # an unfinished build
    app = make_app(directory)
    registry = app.registry
    db = registry._zodb_databases[""]
    conn = db.open()
    manager.push({"registry": registry, "request": None})
    try:
        root = conn.root()["app_root"]
        add_bench_people(app, root)
        transaction.commit()
        drain(registry)
        rng = random.Random(seed)
        d = District(app, root, rng)
        counts = Counts()
        begun = time.perf_counter()
        i = 0
        while i < n:
            for _ in range(min(ROUNDS_PER_COMMIT, n - i)):
                one_round(d, counts, i, n)
                i += 1
            if i == n:
                top_up(d, counts, n)
            transaction.commit()
            drain(registry)
            conn.cacheGC()
            elapsed = time.perf_counter() - start
            eta = (time.perf_counter() - begun) / i * (n - i)
            print(
                f"  {i:,}/{n:,} rounds, {sum(counts.values()):,} items, {elapsed:.0f} s, ETA {eta:.0f} s",
                flush=True,
            )
        print("  items: " + ", ".join(f"{t} {c:,}" for t, c in sorted(counts.items())), flush=True)
    finally:
        transaction.abort()
        manager.pop()
        conn.close()
        close_app(app)
    (directory / "built").write_text(f"{n}\n")
    return time.perf_counter() - start


# The measures ------------------------------------------------------------------------------------


def timed(function, runs):
    """Median and p95 of ``runs`` calls, in ms (one warm-up call first)."""
    function()
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        function()
        samples.append((time.perf_counter() - begin) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95


class Reader:
    """In-process requests of the demo people, to count what they see and choose the item page."""

    def __init__(self, app):
        self.app = app
        self.conn = app.registry._zodb_databases[""].open()
        self.root = self.conn.root()["app_root"]

    def request(self, login):
        from pyramid.interfaces import IRequestExtensions
        from pyramid.request import Request, apply_request_extensions

        from portal.people import find_person

        registry = self.app.registry
        request = Request.blank("/")
        request.registry = registry
        apply_request_extensions(request, registry.queryUtility(IRequestExtensions))
        request.root = self.root
        request.__dict__.update(login=login, user=find_person(self.root, login))
        request.__dict__["acting_unit"] = min(u for u in request.policy.units_of(login) if u != "portal")
        return request

    def visible(self, login, item_type):
        from portal.items.catalog import visible_items

        transaction.abort()
        count, _ = visible_items(self.request(login), types=[item_type], sort_index=None)
        return count

    def item_path(self, login, item_type):
        """The item of the first page with the longest history (the richest item page)."""
        from portal.items.catalog import visible_items

        transaction.abort()
        request = self.request(login)
        count, result = visible_items(request, types=[item_type], sort_index="created", limit=20)
        if not count:
            return None
        items = list(result.all())
        item = max(items, key=lambda item: (len(item.history), item.created))
        return request.resource_path(item)

    def close(self):
        transaction.abort()
        self.conn.close()


def browsers_for(app, logins):
    from tests.conftest import Browser

    browsers = {}
    for login in logins:
        browsers[login] = Browser(app)
        browsers[login].login(login)
    return browsers


def fmt_pair(figures):
    return f"{figures[0]:.1f} / {figures[1]:.1f}"


def measure(app, runs):
    from pyramid.threadlocal import manager

    registry = app.registry
    manager.push({"registry": registry, "request": None})
    reader = Reader(app)
    try:
        plan = []
        for title, url, item_type in LISTINGS:
            title = title.split()[1]
            seen = {login: reader.visible(login, item_type) for login in UNIT_VIEWERS}
            person = max(UNIT_VIEWERS, key=lambda login: seen[login])
            for login in (person, SUPERVISOR):
                count = seen.get(login) if login in seen else reader.visible(login, item_type)
                plan.append((title, url, item_type, login, count, reader.item_path(login, item_type)))
    finally:
        reader.close()
        manager.pop()
    browsers = browsers_for(app, sorted({row[3] for row in plan}))
    print(f"{'listing':<24} {'as':<15} {'items':>6}  {'page 1':>15}  {'last page':>21}  {'item page':>15}")
    results = []
    for title, url, item_type, login, count, path in plan:
        browser = browsers[login]
        pages = max(1, math.ceil(count / 20))
        late = f"{url}?page={pages}"
        first = timed(lambda b=browser, url=url: b.get(url, status=200), runs)
        last = timed(lambda b=browser, late=late: b.get(late, status=200), runs)
        item = timed(lambda b=browser, path=path: b.get(path, status=200), runs) if path else (0.0, 0.0)
        print(
            f"{title:<24} {login:<15} {count:>6,}  {fmt_pair(first):>15}  "
            f"p.{pages:<4} {fmt_pair(last):>15}  {fmt_pair(item):>15}",
            flush=True,
        )
        results.append((title, item_type, login, count, pages, first, last, item))
    compare(results)
    return results


def compare(results):
    """The new flows' first and last pages beside the old ones' (medians, as the unit's person)."""
    unit_rows = [row for row in results if row[2] != SUPERVISOR]
    for label, index in (("first page", 5), ("last page", 6)):
        old = [row[index][0] for row in unit_rows if row[1] not in NEW_TYPES]
        new = [row[index][0] for row in unit_rows if row[1] in NEW_TYPES]
        print(
            f"  {label}, as the unit's person: old flows {min(old):.1f}–{max(old):.1f} ms "
            f"(median of medians {statistics.median(old):.1f}), new flows {min(new):.1f}–{max(new):.1f} ms "
            f"({statistics.median(new):.1f})"
        )


def profile(app, url, login, runs):
    browser = browsers_for(app, [login])[login]
    browser.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        browser.get(url)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-flow", type=int, default=2_000, help="items of every flow's item type")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--profile", metavar="URL", help="profile one page instead of measuring")
    parser.add_argument("--as", dest="login", default="scj.liaison", help="who --profile is")
    args = parser.parse_args()
    directory = HERE / "results" / f"flows-{args.per_flow}"
    if not (directory / "built").exists():
        print(f"Building a site of {args.per_flow:,} items per flow in {directory} ...", flush=True)
        seconds = build(directory, args.per_flow)
        size = os.path.getsize(directory / "Data.fs") / 1e6
        print(f"Built in {seconds:.0f} s ({size:.0f} MB)", flush=True)
    if args.build_only:
        return
    settings = development_settings(directory)
    app = make_app(directory)
    try:
        if args.profile:
            profile(app, args.profile, args.login, args.runs)
            return
        load = os.getloadavg()
        print(
            f"{args.per_flow:,} items per flow; {os.cpu_count()} cores, load average {load[0]:.2f} "
            f"{load[1]:.2f} {load[2]:.2f}; Python {sys.version.split()[0]}"
        )
        print(
            f"Settings of development.ini: ZODB connection cache {cache_size(settings):,} objects, "
            "templates not reloaded; WebTest in process; median / p95 ms over "
            f"{args.runs} requests after one warm-up"
        )
        measure(app, args.runs)
        load = os.getloadavg()
        print(f"Load average afterwards {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        close_app(app)


if __name__ == "__main__":
    main()
