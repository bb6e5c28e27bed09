"""One story per flow: an item made and taken to the state it ends in, step by step, by the people
whose step it is, through the flow's own functions.

A story is a generator ``story(d, target)``: it runs at the moment the run starts it (the items'
clock, :func:`portal.items.at`, says that moment), and ``yield``\\ s the moment of its next step; the
run resumes it then (in time order with every other story, so numbers follow time). A step that
would come after the present is not taken: the item stays where it is, open, as items of the day
are. A step a flow refuses (its own rule) ends the story there.

Each :class:`Story` says which states its item may end in, how the run mixes them, how long it
takes to reach each (``spans``, days) and how long the clock runs in each open one (``clocks``,
days; None where the flow sets no deadline). Delays around clocks come from the unit's own habits
(:meth:`District.reply`): most steps in time, some late, a few slow units often late.
"""

import datetime

from ..calendar import SHANGHAI, add_workdays, is_workday, local_date
from ..demo import PDF
from ..items import now
from . import words

DAY = datetime.timedelta(days=1)
#: Who may send a coordination meeting's notice (a meeting called from another flow is sent at once).
MEETING_CALLERS = ("liaison", "officer")


class Story:
    """A flow's story, as the run plans it."""

    def __init__(self, name, item_type, run, mix, spans, clocks=None, closed=None, share=1.0, extra=None):
        self.name = name
        self.item_type = item_type
        self.run = run
        #: state -> weight once every state had its item.
        self.mix = dict(mix)
        self.states = tuple(self.mix)
        #: state -> days from the story's start to reaching it.
        self.spans = dict(spans)
        #: state -> days its clock runs (open states; None: no deadline).
        self.clocks = dict(clocks or {})
        #: The states an item is done with (planned anywhere in the period).
        self.closed = frozenset(closed or ())
        #: How much of the run this story is (a share of the items, its extra ones included).
        self.share = share
        #: state -> items made beside the main one, on average (library copies, action items...).
        self.extra = extra or {}

    def items_per_story(self):
        total = sum(self.mix.values())
        return 1 + sum(self.extra.get(state, 0) * weight / total for state, weight in self.mix.items())


def data_files(d, p, name):
    return d.files(p, name)


# 执法协作请求 ----------------------------------------------------------------------------------------


def collab_request(d, target):
    from ..requests import APPRAISAL, KINDS, answer, close, extend, onsite, receive, send
    from ..requests.flow import FLOW

    township = d.township()
    violation, basis, likely = d.violation()
    department = d.department(likely)
    kind = d.choice(KINDS)
    party = d.party()
    urgent = d.chance(0.08)
    data = {
        "title": f"关于{party}{violation}的{kind}请求",
        "department": department,
        "kind": kind,
        "facts": f"日常巡查发现当事人在{d.place(township)}{violation}，现场查获相关物品一批，已拍照取证。",
        "question": words.QUESTIONS[kind].format(violation=violation),
        "urgent": urgent,
        "evidence_at_risk": d.chance(0.05),
        "files": d.files(0.7, "检查笔录.pdf"),
    }
    tenant = d.tenant(township)
    item = d.made(FLOW.create(tenant, d.req(township, tenant, "create:collab_request"), data))
    if target == "draft":
        return
    yield d.later(now(), 5, 180)
    send(item, d.req(township, item, "send"))
    if item.needs_onsite and d.chance(0.85):
        yield d.later(now(), 20, 150, office=False)
        staff = "、".join(d.name() for _ in range(2))
        data = {
            "staff": staff,
            "arrived_at": now() - datetime.timedelta(minutes=5),
            "note": "已到场固定证据。",
        }
        onsite(item, d.req(department, item, "onsite"), data)
    if target == "sent":
        return
    yield d.later(now(), 20, 60 * 20)
    receive(item, d.req(department, item, "receive"))
    if target == "received":
        return
    if d.chance(0.1):
        yield d.later(now(), 60, 60 * 24)
        if item.due >= local_date(now()):
            new_due = add_workdays(item.due, d.rng.randint(3, 10), d.overrides)
            data = {
                "new_due": new_due,
                "reason": "需送检测机构检验，检验周期较长。"
                if kind == APPRAISAL
                else "案情复杂，需进一步核实。",
                "complex_case": kind != APPRAISAL,
            }
            extend(item, d.req(department, item, "extend"), data)
    # However few the answers, one of them late and one in time.
    late = True if d.first("a late answer") else (False if d.first("an answer in time") else None)
    yield d.reply(department, now(), item.due, late=late)
    text = f"经{kind}，当事人的行为{'构成' if d.chance(0.8) else '不构成'}{violation}，依据{basis}。"
    answer(
        item, d.req(department, item, "answer"), {"answer_text": text, "files": d.files(0.5, "答复意见.pdf")}
    )
    if target == "answered":
        return
    yield d.later(now(), 60, 60 * 24 * 4)
    close(item, d.req(township, item, "close"))


# 举报投诉 ----------------------------------------------------------------------------------------


def complaint(d, target):
    from ..complaints import CHANNELS, TRANSFER_KINDS, acknowledge, answer, open_case, tell, transfer, verify
    from ..complaints.flow import FLOW

    owner = d.township() if d.chance(0.55) else d.department()
    violation, basis, likely = d.violation()
    anonymous = d.chance(0.2)
    received = now() - datetime.timedelta(minutes=d.rng.uniform(10, 60 * 30))
    data = {
        "title": f"反映{d.place(d.township())}有商户{violation}",
        "channel": d.choice(CHANNELS),
        "received_at": received.replace(second=0, microsecond=0),
        "anonymous": anonymous,
        "person_name": "" if anonymous else d.choice(words.COMPLAINERS),
        "person_phone": "" if anonymous else d.phone(),
        "content": f"{d.party()}长期{violation}，影响周边居民生活，请有关部门依法查处。",
        "files": d.files(0.3, "来信.pdf"),
    }
    tenant = d.tenant(owner)
    item = d.made(FLOW.create(tenant, d.req(owner, tenant, "create:complaint"), data))
    if target == "registered":
        return
    if target == "closed_told" and d.chance(0.5):
        yield d.later(now(), 30, 60 * 24)
        data = {"told_organ": "区人社局劳动保障监察大队", "told_note": "已电话告知反映人，反映人表示理解。"}
        tell(item, d.req(owner, item, "tell"), data)
        return
    yield d.later(now(), 30, 60 * 24)
    verify(item, d.req(owner, item, "verify"))
    if target == "verifying":
        return
    yield d.workdays_after(now(), 1, 10)
    if target == "closed_told":
        data = {"told_organ": "区信访局", "told_note": "经核实不属本单位职责，已告知反映人向有权机关反映。"}
        tell(item, d.req(owner, item, "tell"), data)
    elif target == "closed_answered":
        text = "经现场核实，未发现所反映的违法行为，已答复反映人。"
        answer(item, d.req(owner, item, "answer"), {"answer_text": text})
    elif target == "case_opened":
        code = d.tenant(owner).doc_code
        data = {
            "case_number": f"{code}立〔{now().year}〕{d.rng.randint(1, 400)}号",
            "case_date": now().date(),
        }
        open_case(item, d.req(owner, item, "open_case"), data)
    else:
        receiver = d.other_side(owner, likely)
        data = {
            "transfer_to": receiver,
            "transfer_kind": d.choice(list(TRANSFER_KINDS)),
            "transfer_note": f"经核实，反映的问题属{d.tenant(receiver).title}职责范围，移送处理。",
            "files": d.files(0.5, "移送材料.pdf"),
        }
        transfer(item, d.req(owner, item, "transfer"), data)
        if target == "transferred":
            return
        yield d.workdays_after(now(), 0, 3)
        acknowledge(item, d.req(receiver, item, "acknowledge"))


# 案件移送 ----------------------------------------------------------------------------------------


def case_transfer(d, target):
    from ..transfers import (
        MATERIALS,
        accept,
        add_material,
        approve,
        close,
        close_declined,
        consent,
        decline,
        notify_extension,
        post_progress,
        reject,
        request_consent,
        send,
        sign,
        submit,
        withdraw,
    )
    from ..transfers.flow import FLOW

    from_township = d.chance(0.6)
    owner = d.township() if from_township else d.department()
    violation, basis, likely = d.violation()
    receiver = d.department(likely) if from_township else d.township()
    urgent, ongoing = d.chance(0.08), d.chance(0.1)
    found = now() - datetime.timedelta(minutes=d.rng.uniform(30, 60 * 24 * 3))
    party = d.party()
    data = {
        "receiver": receiver,
        "title": f"{party}{violation}案",
        "party": party,
        "found_date": found.date(),
        "found_at": found.replace(second=0, microsecond=0) if urgent else None,
        "facts": f"日常巡查中发现当事人在{d.place(owner)}{violation}，涉嫌违反{basis}。",
        "urgent": urgent,
        "ongoing": ongoing,
        "measures": "已责令当事人立即停止违法行为。" if ongoing else "",
        "major": from_township and d.chance(0.08),
    }
    tenant = d.tenant(owner)
    item = d.made(FLOW.create(tenant, d.req(owner, tenant, "create:case_transfer"), data))
    slots = MATERIALS if target != "draft" else MATERIALS[: d.rng.randint(0, 3)]
    for _, kind, _ in slots:
        yield d.later(now(), 5, 120)
        add_material(item, d.req(owner, item, "upload"), kind, f"{kind}.pdf", PDF)
    if target == "draft":
        return
    if item.needs_consent:
        request_consent(item, d.req(owner, item, "request_consent"), "本案案情重大复杂，征求贵单位意见")
        yield d.workdays_after(now(), 0, 2)
        consent(item, d.req(receiver, item, "consent"), "同意接收")
    if target == "withdrawn":
        yield d.later(now(), 60, 60 * 24)
        withdraw(item, d.req(owner, item, "withdraw"), "当事人已主动改正，经研究不再移送")
        return
    yield d.later(now(), 10, 60 * 8)
    submit(item, d.req(owner, item, "submit"), "请审批")
    if target == "awaiting_approval":
        return
    yield d.later(now(), 30, 60 * 24)
    if d.chance(0.08):
        reject(item, d.req(owner, item, "reject"), "请补充当事人的基本情况")
        yield d.later(now(), 60, 60 * 24)
        submit(item, d.req(owner, item, "submit"), "已补充，请审批")
        yield d.later(now(), 30, 60 * 8)
    approve(item, d.req(owner, item, "approve"), "同意移送")
    if target == "approved":
        return
    moment = d.reply(owner, now(), item.transfer_due)
    late = moment > item.transfer_due if item.urgent else local_date(moment) > item.transfer_due
    if late and not item.urgent and d.chance(0.4) and local_date(now()) <= item.transfer_due:
        # Told before the due date that it will come later (10 working days at most).
        new_due = add_workdays(item.found_date, 10, d.overrides)
        if new_due > item.transfer_due:
            notify_extension(item, d.req(owner, item, "notify_extension"), new_due, "需补充调取证据")
            moment = min(moment, d.at_office(new_due))
    yield max(moment, now() + datetime.timedelta(minutes=5))
    send(item, d.req(owner, item, "send"))
    if target == "sent":
        return
    yield d.later(now(), 20, 60 * 24)
    sign(item, d.req(receiver, item, "sign"), "已签收")
    if target == "received":
        return
    yield d.reply(receiver, now(), item.answer_due)
    if target == "declined" or (target == "closed" and d.chance(0.1)):
        decline(item, d.req(receiver, item, "decline"), "经审查，本案不属于本单位管辖")
        if target == "declined":
            return
        yield d.workdays_after(now(), 1, 5)
        close_declined(item, d.req(owner, item, "close_declined"), "已另行处理")
        return
    accept(item, d.req(receiver, item, "accept"), "予以受理")
    if d.chance(0.3):
        yield d.workdays_after(now(), 3, 15)
        post_progress(item, d.req(receiver, item, "progress"), "已立案调查，正在调取证据")
    if target == "accepted":
        return
    yield d.workdays_after(now(), 10, 60)
    close(item, d.req(receiver, item, "close"), f"已立案查处，作出罚款{d.rng.randint(1, 40) * 1000}元的决定")


# 行政处罚决定备案 -------------------------------------------------------------------------------


def filing_data(d, township, department, violation, basis, decided, fine=None, crime=False):
    party = d.party()
    code = d.tenant(township).doc_code
    return {
        "department": department,
        "title": f"{party}{violation}案",
        "party_type": "法人",
        "party_name": party,
        "party_id": "91360202MA38ABCD1K",
        "party_address": f"昌江区{d.place(township)}{d.rng.randint(1, 99)}号",
        "facts": f"当事人{violation}，违法所得较少，系初次违法。",
        "evidence": "现场检查笔录、现场照片、询问笔录",
        "legal_basis": basis,
        "penalty_kinds": ("警告", "罚款"),
        "fine_amount": str(fine or d.rng.randint(1, 60) * 500),
        "performance": "自收到本决定书之日起十五日内到指定银行缴纳罚款",
        "performance_deadline": decided + datetime.timedelta(days=17),
        "reconsideration": "",
        "litigation": "",
        "deciding_organ": d.tenant(township).title + "人民政府",
        "decision_number": f"{code}罚决〔{decided.year}〕{d.rng.randint(1, 9999)}号",
        "decision_date": decided,
        "case_filing_date": decided - datetime.timedelta(days=d.rng.randint(10, 60)),
        "legal_review": True,
        "collective_discussion": d.chance(0.4),
        "service_date": decided + datetime.timedelta(days=d.rng.randint(0, 3)),
        "suspected_crime": crime,
        "crime_note": "货值金额较大，涉嫌犯罪" if crime else "",
        "scan": [("决定书.pdf", PDF)],
    }


def decided_before(d, moment, late=False):
    """The decision's date: a few working days before ``moment`` (more than the filing limit when
    the filing is to be late)."""
    days = d.rng.randint(6, 20) if late else d.rng.randint(0, 4)
    day = moment.date()
    while days:
        day -= DAY
        if is_workday(day, d.overrides):
            days -= 1
    return day


def penalty_filing(d, target, crime=None):
    from ..filings import record_filing, return_for_correction, submit
    from ..filings.flow import FILINGS
    from ..referrals.flags import record_no_referral

    township = d.township()
    violation, basis, likely = d.violation()
    department = d.department(likely)
    late = d.chance(d.late[township])
    crime = d.chance(0.03) if crime is None else crime
    decided = decided_before(d, now(), late)
    data = filing_data(d, township, department, violation, basis, decided, crime=crime)
    tenant = d.tenant(township)
    item = d.made(FILINGS.create(tenant, d.req(township, tenant, "create:penalty_filing"), data))
    if target == "draft":
        return
    yield d.later(now(), 10, 60 * 24)
    submit(item, d.req(township, item, "submit"))
    if target == "submitted":
        return
    yield d.reply(department, now(), item.due)
    if target in ("returned", "resubmitted") or d.chance(0.08):
        return_for_correction(item, d.req(department, item, "return"), "请补充当事人的陈述申辩材料")
        if target == "returned":
            return
        yield d.workdays_after(now(), 0, 4)
        submit(item, d.req(township, item, "submit"))
        if target == "resubmitted":
            return
        yield d.reply(department, now(), item.due)
    record_filing(item, d.req(department, item, "record"))
    if crime and d.chance(0.3):
        yield d.workdays_after(now(), 1, 10)
        reason = "经审查，涉案金额未达到刑事立案追诉标准，不涉嫌犯罪。"
        record_no_referral(item, d.req(township, item, "no_referral"), {"reason": reason})


# 法规文件 and the library --------------------------------------------------------------------------


def regulation(d, target):
    from ..regulations import ALL_TOWNSHIPS, CATEGORIES, create, publish, remind, sign

    owner = d.department()
    subject = d.choice(words.SUBJECTS)
    tenant = d.tenant(owner)
    issued = now().date() - datetime.timedelta(days=d.rng.randint(0, 40))
    if d.chance(0.3):
        recipients = (ALL_TOWNSHIPS,)
    else:
        recipients = tuple(sorted(d.rng.sample(d.townships, min(len(d.townships), d.rng.randint(1, 3)))))
    data = {
        "category": d.choice(CATEGORIES),
        "title": f"关于加强{subject}执法协作的通知",
        "issuing_number": f"{tenant.doc_code}发〔{issued.year}〕{d.rng.randint(1, 300)}号",
        "issuing_organ": tenant.title,
        "issue_date": issued,
        "effective_date": issued + datetime.timedelta(days=d.rng.choice((0, 0, 30))),
        "body": f"各乡镇（街道）：为落实执法协作配合机制，现将{subject}执法协作有关事项通知如下。",
        "recipients": recipients,
        "files": [("通知.pdf", PDF)],
    }
    item = d.made(create(tenant, d.req(owner, tenant, "create:regulation"), data))
    if target == "draft":
        return
    yield d.later(now(), 10, 60 * 24)
    if not d.room():
        return  # its library copy would be one item too many
    publish(item, d.req(owner, item, "publish"))
    d.made(item.library_entry)
    published = now()
    signing = []
    for unit in item.recipients():
        if d.chance(0.93):
            signing.append((d.reply(unit, published, item.sign_by), unit))
    for moment, unit in sorted(signing):
        yield moment
        sign(item, d.req(unit, item, "sign"))
    if item.unsigned() and d.chance(0.5):
        yield d.workdays_after(d.at_office(item.sign_by), 1, 3)
        if item.unsigned():
            remind(item, d.req(owner, item, "remind"))


def library_document(d, target):
    from ..library import CATEGORIES, share_document

    owner = d.department() if d.chance(0.8) else d.township()
    subject = d.choice(words.SUBJECTS)
    scope = d.pick({"all": 70, "chosen": 20, "own": 10})
    units = tuple(sorted(d.rng.sample(d.townships, min(2, len(d.townships))))) if scope == "chosen" else ()
    data = {
        "title": f"{subject}执法典型案例汇编（{now().year}）",
        "category": d.choice(CATEGORIES),
        "year": now().year,
        "description": f"{subject}领域行政执法典型案例及文书范本，供各单位学习参考。",
        "scope": scope,
        "units": units,
        "files": [("案例汇编.pdf", PDF)],
    }
    tenant = d.tenant(owner)
    d.made(share_document(tenant, d.req(owner, tenant, "create:library_document"), data))
    return
    yield


# 重大安全隐患通报 ------------------------------------------------------------------------------


def hazard_notice(d, target):
    from ..hazards import URGENCIES, acknowledge, call_meeting, close, record_joint_action, respond, send
    from ..hazards.flow import FLOW

    township = d.township()
    what, kind = d.choice(words.HAZARDS)
    place = d.place(township)
    departments = d.departments_some(3)
    data = {
        "title": f"关于{place}{what}的重大安全隐患通报",
        "departments": departments,
        "location": place,
        "hazard_kind": kind,
        "found_at": (now() - datetime.timedelta(minutes=d.rng.uniform(10, 120))).replace(
            second=0, microsecond=0
        ),
        "findings": f"日常巡查发现{place}{what}，周边有居民和商户，可能造成人员伤亡。",
        "onsite_measures": "已设置警戒区，疏散周边人员，责令停止作业。",
        "urgency": d.choice([value for value, _ in URGENCIES]),
        "files": d.files(0.6, "现场照片.pdf"),
    }
    tenant = d.tenant(township)
    item = d.made(FLOW.create(tenant, d.req(township, tenant, "create:hazard_notice"), data))
    if target == "draft":
        return
    yield now() + datetime.timedelta(minutes=d.rng.uniform(2, 30))
    send(item, d.req(township, item, "send"))
    acks = sorted((d.reply(code, now(), item.ack_due), code) for code in departments)
    if target == "notified":
        acks = acks[:-1]
    for moment, code in acks:
        yield moment
        acknowledge(item, d.req(code, item, "acknowledge"))
    if target == "notified":
        return
    for code in departments:
        if target == "closed" or d.chance(0.7):
            yield d.within_hours(now(), 1, 30)
            data = {
                "analysis": f"{what}可能引发事故，属重大安全隐患。",
                "suggestions": "建议停用相关设施，委托有资质机构检测。",
                "measures": "已派员到场检查，责令限期整改。",
                "files": [],
            }
            respond(item, d.req(code, item, "respond"), data)
    if d.chance(0.15) and d.room():
        yield d.later(now(), 30, 60 * 24)
        held = d.future_day(now(), 1, 4, hour=15)
        data = {"held_at": held, "place": f"{d.tenant(township).title}会议室", "topic": f"研究{what}的处置"}
        # The meeting's notice goes at once: only those who may send one call it (not a leader).
        call_meeting(item, d.req(township, item, "call_meeting", roles=MEETING_CALLERS), data)
        meeting = d.made(d.last_meeting(item))
        yield from minute_meeting(d, meeting, "minuted" if d.chance(0.7) else "called")
    if d.chance(0.2):
        yield d.workdays_after(now(), 1, 5)
        data = {
            "action_date": now().date(),
            "units": tuple(sorted({township, *departments})),
            "actions_taken": "联合检查现场，查封相关设施。",
            "result": "隐患点已停用，等待整改。",
            "files": [],
        }
        record_joint_action(item, d.req(township, item, "joint_action"), data)
    if target == "handling":
        return
    yield d.workdays_after(now(), 3, 25)
    close(
        item,
        d.req(township, item, "close"),
        {"note": "经复查，隐患已整改完毕。", "files": d.files(0.3, "整改报告.pdf")},
    )


# 参与通知 ----------------------------------------------------------------------------------------


def participation_notice(d, target):
    from ..participation import (
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
    from ..participation.views import FLOW

    department, township = d.department(), d.township()
    kind = d.choice(KINDS)
    subject = d.choice(words.SUBJECTS)
    starts = d.future_day(now(), 2, 20)
    caller, callee = d.name(), d.name()
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
        "contact_person": caller,
        "contact_phone": "0798-8220000",
        "files": d.files(0.6, "参与通知.pdf"),
        "called_at": (now() - datetime.timedelta(minutes=d.rng.uniform(5, 60))).replace(
            second=0, microsecond=0
        ),
        "caller": f"{caller}（执法大队）",
        "callee": f"{callee}（综合执法办主任）",
        "phone_said": f"请派2名执法人员参加{subject}{kind}。",
    }
    tenant = d.tenant(department)
    # An urgent call first, now and then (the township's answer is then often after the start).
    phoned = target == "phoned" or (target not in ("draft", "confirmed", "declined") and d.chance(0.15))
    if phoned:
        data["starts_at"] = starts = d.future_day(now(), 1, 3)
        data["ends_at"] = starts + datetime.timedelta(hours=8)
        request = d.req(department, tenant, "create:participation_notice")
        item = d.made(record_phone_call(tenant, request, {key: data[key] for key in PHONE_FIELDS}))
        if target == "phoned":
            return
        yield d.reply(department, now(), item.written_due)
        values = {**{key: data[key] for key in WRITTEN_FIELDS}, "files": data["files"]}
        send_written(item, d.req(department, item, "send_written"), values)
    else:
        item = d.made(FLOW.create(tenant, d.req(department, tenant, "create:participation_notice"), data))
        if target == "draft":
            return
        yield d.later(now(), 10, 60 * 6)
        if item.starts_at <= now():
            return
        send(item, d.req(department, item, "send"))
    if target == "cancelled":
        yield min(d.later(now(), 60, 60 * 48), item.starts_at - datetime.timedelta(hours=2))
        cancel(item, d.req(department, item, "cancel"), {"reason": "检查计划调整，活动取消"})
        return
    if target == "sent":
        return
    yield min(d.later(now(), 20, 60 * 24), item.starts_at - datetime.timedelta(minutes=30))
    receive(item, d.req(township, item, "receive"))
    if target == "received":
        return
    if now() < item.starts_at:
        moment = d.reply(township, now(), item.reply_due)
        yield min(moment, item.starts_at - datetime.timedelta(minutes=20))
        if target == "declined" or (target == "completed" and d.chance(0.05)):
            decline(item, d.req(township, item, "decline"), {"reason": "当天有防汛值班任务，无法派员"})
        else:
            attendees = "\n".join(f"{d.name()} 综合行政执法队队员 {d.phone()}" for _ in range(2))
            confirm(
                item, d.req(township, item, "confirm"), {"attendees": attendees, "note": "携带执法记录仪"}
            )
        if target in ("declined", "confirmed"):
            return
    elif target != "completed":
        return  # the written notice came after the start: nothing left to confirm
    yield d.workdays_after(item.ends_at, 0, 5)
    data = {"outcome": f"检查经营主体{d.rng.randint(5, 30)}家，责令整改{d.rng.randint(0, 6)}家。"}
    complete(item, d.req(department, item, "complete"), {**data, "files": d.files(0.3, "检查记录.pdf")})


# 业务指导与培训 ----------------------------------------------------------------------------------


def activity_data(d, department, participants, starts):
    from ..guidance import KINDS

    kind = d.choice(KINDS)
    subject = d.choice(words.SUBJECTS)
    return {
        "title": f"{subject}执法业务{kind}",
        "kind": kind,
        "starts_at": starts,
        "place": f"{d.tenant(department).title}三楼会议室",
        "participants": tuple(sorted(participants)),
        "people": f"授课：{d.tenant(department).title} {d.name()}；参加：各乡镇（街道）综合行政执法人员",
        "outline": f"{subject}现场检查要点、抽样程序和案卷制作规范。",
        "files": d.files(0.5, "培训通知.pdf"),
    }


def take_activity(d, activity, target):
    """An activity planned, then held after it started, or cancelled before."""
    from ..guidance import add_materials, cancel, hold, reschedule

    owner = activity.owner
    if target == "planned":
        return
    if target == "cancelled":
        yield min(d.later(now(), 60, 60 * 24 * 5), activity.starts_at - datetime.timedelta(hours=2))
        cancel(activity, d.req(owner, activity, "cancel"), "授课人员临时有执法任务，活动取消")
        return
    if d.chance(0.1):
        yield d.later(now(), 60, 60 * 24 * 3)
        if now() < activity.starts_at:
            moved = activity.starts_at + datetime.timedelta(days=d.rng.randint(1, 7))
            reschedule(activity, d.req(owner, activity, "reschedule"), moved, "与专项检查时间冲突")
    yield activity.starts_at + datetime.timedelta(hours=d.rng.uniform(2, 30))
    attendance = "；".join(f"{d.tenant(unit).title} {d.name()}、{d.name()}" for unit in activity.participants)
    files = d.files(0.5, "签到表.pdf")
    hold(
        activity,
        d.req(owner, activity, "hold"),
        activity.starts_at,
        attendance,
        "讲授了现场检查程序。",
        files,
    )
    if d.chance(0.15):
        yield d.workdays_after(now(), 1, 5)
        add_materials(activity, d.req(owner, activity, "materials"), [("课件.pdf", PDF)], "补充课件")


def guidance_activity(d, target):
    from ..guidance import ACTIVITIES

    department = d.department()
    participants = d.rng.sample(d.townships, min(len(d.townships), d.rng.randint(1, 4)))
    data = activity_data(d, department, participants, d.future_day(now(), 3, 40))
    tenant = d.tenant(department)
    activity = d.made(ACTIVITIES.create(tenant, d.req(department, tenant, "create:guidance_activity"), data))
    yield from take_activity(d, activity, target)


def guidance_request(d, target):
    from ..guidance import REQUESTS, schedule, withdraw
    from ..guidance.forms import REQUEST_KINDS

    township, department = d.township(), d.department()
    subject = d.choice(words.SUBJECTS)
    today = now().date()
    data = {
        "title": f"关于{subject}现场核查的业务指导",
        "department": department,
        "needs": f"新入职执法人员不熟悉{subject}现场核查程序，希望部门派员到镇上辅导。",
        "preferred_kind": d.choice(REQUEST_KINDS),
        "preferred_from": today + datetime.timedelta(days=3),
        "preferred_to": today + datetime.timedelta(days=20),
        "files": d.files(0.3, "问题清单.pdf"),
    }
    tenant = d.tenant(township)
    item = d.made(REQUESTS.create(tenant, d.req(township, tenant, "create:guidance_request"), data))
    if target == "submitted":
        return
    yield d.workdays_after(now(), 1, 8)
    if target == "withdrawn":
        withdraw(item, d.req(township, item, "withdraw"), "已通过电话咨询解决")
        return
    if not d.room():
        return  # the activity would be one item too many
    data = activity_data(d, department, [township], d.future_day(now(), 3, 20, hour=14))
    activity = d.made(schedule(item, d.req(department, item, "schedule"), data))
    yield from take_activity(d, activity, d.pick({"held": 75, "planned": 15, "cancelled": 10}))


# 协调会商 ----------------------------------------------------------------------------------------


def coordination_meeting(d, target):
    from ..meetings import ROUTINE, SEED_PARTICIPANTS, SPECIAL, cancel_meeting, send_meeting
    from ..meetings.views import MEETING_FLOW

    owner = d.department() if d.chance(0.85) else d.township()
    routine = owner in d.departments and d.chance(0.4)
    others = [code for code in d.townships + d.departments + d.arbiters if code != owner]
    invitees = tuple(sorted(d.rng.sample(others, min(len(others), d.rng.randint(2, 6)))))
    starts = d.future_day(now(), 3, 25, hour=d.choice((9, 15)))
    subject = d.choice(words.SUBJECTS)
    half = "上" if starts.month <= 6 else "下"
    title = (
        f"{starts.year}年{half}半年行政执法协调会商例行会议"
        if routine
        else f"关于{subject}联合执法的专题会议"
    )
    data = {
        "kind": ROUTINE if routine else SPECIAL,
        "title": title,
        "starts_at": starts,
        "place": f"{d.tenant(owner).title}三楼会议室",
        "agenda": f"一、通报{subject}执法协作情况\n二、研究联合执法分工\n三、协调存在的问题",
        "invitees": invitees,
        "attendees": SEED_PARTICIPANTS,
        "origin": "",
        "files": d.files(0.6, "会议通知.pdf"),
    }
    tenant = d.tenant(owner)
    meeting = d.made(MEETING_FLOW.create(tenant, d.req(owner, tenant, "create:coordination_meeting"), data))
    if target == "draft":
        return
    yield d.later(now(), 10, 60 * 24)
    if now().date() > meeting.starts_at.date():
        return
    send_meeting(meeting, d.req(owner, meeting, "send"))
    if target == "cancelled":
        yield min(d.later(now(), 60, 60 * 24 * 2), meeting.starts_at - datetime.timedelta(hours=2))
        cancel_meeting(meeting, d.req(owner, meeting, "cancel"), "会议议题已通过专题协调解决")
        return
    yield from minute_meeting(d, meeting, target)


def minute_meeting(d, meeting, target):
    """The invited units sign for the notice, then (``target`` minuted) the minutes and their
    action items, each carried out in time, late, or not yet."""
    from ..meetings import add_action, complete_action, record_minutes, sign_meeting

    owner = meeting.owner
    signing = sorted(
        (d.reply(unit, now(), meeting.starts_at), unit)
        for unit in meeting.invitees
        if d.chance(0.9 if target == "minuted" else 0.6)
    )
    for moment, unit in signing:
        yield moment
        if meeting.state == "called":
            sign_meeting(meeting, d.req(unit, meeting, "sign"))
    if target != "minuted":
        return
    yield d.workdays_after(meeting.starts_at, 0, 3)
    minutes = "会议研究了联合执法的分工，各单位按分工落实。"
    attended = "各参会单位分管领导、责任科室负责人"
    record_minutes(meeting, d.req(owner, meeting, "minutes"), minutes, attended, d.files(0.7, "会议纪要.pdf"))
    actions = []
    for number in range(d.rng.randint(1, 3)):
        if not d.room():
            break
        doer = d.choice((owner, *meeting.invited()))
        due = meeting.meeting_day + datetime.timedelta(days=d.rng.randint(5, 60))
        subject = d.choice(words.SUBJECTS)
        title = f"{subject}联合检查第{number + 1}项"
        item = add_action(
            meeting, d.req(owner, meeting, "add_action"), title, doer, due, "每周检查一次，形成检查记录"
        )
        actions.append((d.reply(doer, now(), due), d.made(item)))
    for moment, action in sorted(actions, key=lambda pair: pair[0]):
        if d.first("an action item not carried out") or d.chance(0.15):
            continue  # not carried out yet: open, overdue once its date has passed
        if d.first("an action item carried out"):
            moment = min(moment, d.now - datetime.timedelta(minutes=5))
        yield moment
        evidence = "已完成检查，形成检查记录。"
        complete_action(
            action, d.req(action.owner_unit, action, "complete"), evidence, d.files(0.5, "检查记录.pdf")
        )


# 阻碍执法 ----------------------------------------------------------------------------------------


def obstruction_report(d, target):
    from ..obstruction import MEANS, OUTCOMES, acknowledge, close, handle
    from ..obstruction.flow import FLOW

    owner = d.township() if d.chance(0.7) else d.department()
    police = d.choice(d.police)
    duty = d.choice(words.DUTIES)
    injured = d.chance(0.3)
    occurred = now() - datetime.timedelta(minutes=d.rng.uniform(15, 180))
    place = d.place(owner)
    data = {
        "title": f"关于执法人员在{place}{duty}时遭阻碍的报告",
        "police": police,
        "occurred_at": occurred.replace(second=0, microsecond=0),
        "location": place,
        "duty": duty,
        "means": d.choice([value for value, _ in MEANS]),
        "persons": f"{d.name()}，男，约{d.rng.randint(25, 65)}岁，当事人",
        "description": "另有一名男子，穿深色外套",
        "account": "执法人员出示执法证件、说明来意后，当事人拒不配合，推搡执法人员并阻止取证。",
        "officers": f"{d.name()}、{d.name()}",
        "injured": injured,
        "injuries": f"{d.name()}手臂擦伤" if injured else "",
        "damage": "执法记录仪摔坏一台" if d.chance(0.2) else "",
        "called_110": d.chance(0.7),
        "video": "执法记录仪全程录像",
        "files": d.files(0.5, "现场照片.pdf"),
        "statements": d.files(0.5, "执法人员陈述.pdf"),
    }
    tenant = d.tenant(owner)
    item = d.made(FLOW.create(tenant, d.req(owner, tenant, "create:obstruction_report"), data))
    if target == "reported":
        return
    if target == "closed" and d.chance(0.05):
        yield d.workdays_after(now(), 1, 3)
        close(item, d.req(owner, item, "close"), {"note": "当事人已赔礼道歉，双方和解。", "files": []})
        return
    yield d.reply(police, now(), item.ack_due)
    acknowledge(item, d.req(police, item, "acknowledge"))
    steps = [("出警", "", "民警到达现场，控制当事人，带回派出所询问。"), ("受理", "", "已受案调查。")]
    for step, outcome, detail in steps:
        yield d.within_hours(now(), 0.3, 30)
        values = {"step": step, "happened_at": now() - datetime.timedelta(minutes=10), "outcome": outcome}
        handle(
            item,
            d.req(police, item, "handle"),
            {**values, "detail": detail, "reasons": "", "case_number": ""},
        )
    if target == "acknowledged":
        return
    yield d.workdays_after(now(), 1, 10)
    outcome = d.choice([value for value, _ in OUTCOMES])
    values = {
        "step": "结果",
        "happened_at": now() - datetime.timedelta(minutes=30),
        "outcome": outcome,
        "detail": "对当事人处以行政拘留十日。" if outcome == "治安管理处罚" else "依法处理完毕。",
        "reasons": "当事人行为情节显著轻微，经批评教育。" if outcome == "不予处理" else "",
        "case_number": f"昌公（治）决字〔{now().year}〕{d.rng.randint(1, 999)}号",
        "files": [],
    }
    handle(item, d.req(police, item, "handle"), values)
    if target == "handled":
        return
    yield d.workdays_after(now(), 1, 10)
    close(item, d.req(owner, item, "close"), {"note": "公安机关已依法处理，执法工作已恢复。", "files": []})


# 职责分工争议 ------------------------------------------------------------------------------------


def jurisdiction_dispute(d, target):
    from ..disputes import (
        answer_request,
        call_meeting,
        confirm_agreement,
        decide,
        escalate,
        file_statement,
        open_dispute,
        propose_agreement,
        record_interim,
        reject_agreement,
        request_more,
    )

    owner = d.township() if d.chance(0.6) else d.department()
    violation, basis, likely = d.violation()
    other = d.other_side(owner, likely)
    place = d.place(d.township() if owner not in d.townships else owner)
    data = {
        "title": f"关于{place}{violation}查处职责的争议",
        "other_side": other,
        "matter": f"{place}有商户{violation}，巡查发现时仍在继续。",
        "found_date": now().date() - datetime.timedelta(days=d.rng.randint(0, 5)),
        "facts": f"双方对{violation}的查处职责认识不一致：一方认为属{basis}规定的部门职责，"
        "另一方认为属乡镇赋权事项。",
        "holder": d.choice(("self", "other")),
        "files": d.files(0.5, "现场检查笔录.pdf"),
    }
    tenant = d.tenant(owner)
    item = d.made(open_dispute(tenant, d.req(owner, tenant, "create:jurisdiction_dispute"), data))
    if target == "interim":
        return
    yield d.later(now(), 60, 60 * 24 * 2)
    handler = d.choice(item.sides)
    data = {
        "handled_at": now() - datetime.timedelta(minutes=d.rng.uniform(30, 600)),
        "by": "both",
        "people": f"{d.tenant(owner).title} {d.name()}；{d.tenant(other).title} {d.name()}",
        "measures": "双方联合到场，责令当事人立即停止违法行为，拍照取证。",
        "result": "当事人已停止违法行为。",
        "files": [],
    }
    record_interim(item, d.req(handler, item, "interim"), data)
    for side in item.sides:
        if target == "negotiating" and d.chance(0.4):
            continue
        yield d.workdays_after(now(), 0, 4)
        data = {
            "opinion": f"该事项应由{d.tenant(item.opposite(side)).title}负责查处。",
            "basis": basis,
            "files": [],
        }
        file_statement(item, d.req(side, item, "statement"), data)
    if d.chance(0.2) and target != "negotiating" and d.room():
        yield d.later(now(), 60, 60 * 24)
        data = {
            "held_at": d.future_day(now(), 1, 5, hour=15),
            "place": f"{d.tenant(owner).title}会议室",
            "topic": "协商查处职责分工",
            "invite_arbiters": d.chance(0.3),
        }
        call_meeting(item, d.req(owner, item, "call_meeting", roles=MEETING_CALLERS), data)
        meeting = d.made(d.last_meeting(item))
        yield from minute_meeting(d, meeting, "minuted" if d.chance(0.6) else "called")
    if target == "negotiating":
        return
    if target in ("agreeing", "agreed") or (
        target in ("escalated", "supplementing", "decided") and d.chance(0.3)
    ):
        yield d.workdays_after(now(), 1, 6)
        proposer = d.choice(item.sides)
        data = {
            "responsible": d.choice(item.sides),
            "content": "经协商，由该单位负责查处，另一方配合。",
            "files": [],
        }
        propose_agreement(item, d.req(proposer, item, "propose"), data)
        if target == "agreeing":
            return
        yield d.workdays_after(now(), 0, 4)
        answerer = item.opposite(proposer)
        if target == "agreed":
            confirm_agreement(item, d.req(answerer, item, "confirm"))
            return
        reject_agreement(item, d.req(answerer, item, "reject"), {"reason": "该事项不属本单位职责。"})
    yield d.workdays_after(now(), 1, 6)
    escalator = d.choice([side for side in item.sides if item.stated(side)] or list(item.sides))
    if not item.stated(escalator):
        data = {"opinion": "请区司法局依法裁决。", "basis": basis, "files": []}
        file_statement(item, d.req(escalator, item, "statement"), data)
    escalate(item, d.req(escalator, item, "escalate"), {"reason": "双方协商未果，提请裁决。", "files": []})
    if target == "escalated":
        return
    arbiter = item.arbiters[0]
    if target == "supplementing" or d.chance(0.4):
        yield d.workdays_after(now(), 1, 5)
        side = d.choice(item.sides)
        due = add_workdays(now().date(), d.rng.randint(3, 7), d.overrides)
        data = {"side": side, "content": "请补充现场检查笔录和相关照片。", "due_date": due}
        request_more(item, d.req(arbiter, item, "request_more"), data)
        if target == "supplementing":
            return
        yield d.reply(side, now(), due)
        answer_request(
            item, d.req(side, item, "answer"), {"content": "已补充现场检查笔录和照片。", "files": []}
        )
    yield d.workdays_after(now(), 2, 12)
    data = {
        "responsible": d.choice(item.sides),
        "reasons": f"根据{basis}及乡镇（街道）赋权事项清单，该事项由该单位负责。",
        "requirements": "请于收到裁决后立即依法查处，另一方予以配合。",
        "files": [],
    }
    decide(item, d.req(arbiter, item, "decide"), data)


# 涉嫌犯罪案件移送 -------------------------------------------------------------------------------


def crime_referral(d, target):
    from ..filings.flow import FILINGS
    from ..referrals import (
        MATERIALS,
        SUPERVISION_OUTCOMES,
        add_materials,
        approve,
        close,
        decline_case,
        handover,
        open_case,
        reconsider,
        record_supervision,
        refuse,
        report,
        return_for_more,
        send,
        sign_receipt,
        suggest_supervision,
        uphold,
    )
    from ..referrals.flow import FLOW

    owner = d.township() if d.chance(0.6) else d.department()
    offence, violation = d.choice(words.OFFENCES)
    basis = next((b for v, b, _ in words.VIOLATIONS if v == violation), "")
    party = d.party()
    filing = None
    if owner in d.townships and d.chance(0.4):
        # A penalty decision marked as a suspected crime, filed first (以罚代刑 until referred).
        department = d.department()
        decided = decided_before(d, now())
        data = filing_data(
            d, owner, department, violation, basis, decided, fine=d.rng.randint(60, 200) * 1000, crime=True
        )
        tenant = d.tenant(owner)
        filing = d.made(FILINGS.create(tenant, d.req(owner, tenant, "create:penalty_filing"), data))
        yield d.later(now(), 30, 60 * 24)
        from ..filings import submit as submit_filing

        submit_filing(filing, d.req(owner, filing, "submit"))
        yield d.workdays_after(now(), 1, 5)
    if not d.room():
        return
    officers = d.officers(owner)
    no_appraisal = d.chance(0.3)
    data = {
        "title": f"{party}涉嫌{offence}案",
        "party": party,
        "offence": offence,
        "found_date": now().date() - datetime.timedelta(days=d.rng.randint(1, 10)),
        "facts": f"经现场检查和调查，当事人{violation}，情节严重，涉嫌{offence}。",
        "report": f"经调查，当事人涉嫌{offence}，建议移送公安机关。",
        "officers": officers,
        "no_appraisal": no_appraisal,
        "police": d.choice(d.police),
        "procuratorate": d.choice(d.procuratorates) if d.procuratorates else "",
        "filing": filing.__name__ if filing is not None else "",
    }
    tenant = d.tenant(owner)
    item = d.made(FLOW.create(tenant, d.req(owner, tenant, "create:crime_referral"), data))
    for slot, kind, _, required in MATERIALS:
        if (required and not (slot == "appraisal" and no_appraisal)) or d.chance(0.2):
            if target == "draft" and d.chance(0.5):
                continue
            yield d.later(now(), 5, 240)
            add_materials(item, d.req(owner, item, "upload"), slot, [(f"{kind}.pdf", PDF)])
    if target == "draft":
        return
    reporter = d.request_of(officers[0], owner)
    yield d.later(now(), 30, 60 * 24)
    report(item, reporter, "请负责人审批")
    if d.chance(0.08):
        yield d.later(now(), 60, 60 * 24)
        return_for_more(item, d.req(owner, item, "return"), "请补充涉案金额的计算依据")
        yield d.workdays_after(now(), 1, 3)
        report(item, reporter, "已补充，请审批")
    if target == "reported":
        return
    yield d.reply(owner, now(), item.due)
    if target == "refused":
        refuse(item, d.req(owner, item, "refuse"), "经审查，涉案金额未达到刑事立案追诉标准")
        return
    approve(item, d.req(owner, item, "approve"), "同意移送")
    if target == "approved":
        return
    yield d.reply(owner, now(), item.due)
    send(item, d.req(owner, item, "send"))
    police = item.police
    if target == "sent":
        return
    yield d.later(now(), 30, 60 * 24)
    sign_receipt(item, d.req(police, item, "sign_receipt"), "案卷材料已收到")
    if target == "received":
        return
    yield d.reply(police, now(), item.due)
    opened = target in ("opened", "handed_over") and d.chance(0.85)
    if opened:
        data = {"case_number": f"昌公立字〔{now().year}〕{d.rng.randint(1, 500)}号", "comment": ""}
        open_case(item, d.req(police, item, "open_case"), data)
    else:
        data = {"reason": "认为没有犯罪事实，不予立案。", "materials_returned": True, "files": []}
        decline_case(item, d.req(police, item, "decline_case"), data)
        if target == "not_opened":
            return
        if target == "closed" and d.chance(0.5):
            yield d.workdays_after(now(), 1, 5)
            close(item, d.req(owner, item, "close"), "依法给予行政处罚后办结")
            return
        if target in ("reconsidering", "upheld", "opened", "handed_over") or d.chance(0.5):
            yield d.reply(owner, now(), item.due, late=False)
            reconsider(item, d.req(owner, item, "reconsider"), "涉案金额已达追诉标准，请复议")
            if target == "reconsidering":
                return
            yield d.reply(police, now(), item.due)
            if target in ("opened", "handed_over"):
                data = {
                    "case_number": f"昌公立字〔{now().year}〕{d.rng.randint(1, 500)}号",
                    "comment": "经复议",
                }
                open_case(item, d.req(police, item, "open_case"), data)
            else:
                uphold(item, d.req(police, item, "uphold"), "经复议，维持不予立案决定")
                if target == "upheld":
                    return
        yield d.reply(owner, now(), item.due) if item.due else d.workdays_after(now(), 1, 3)
        if item.state in ("not_opened", "upheld"):
            suggest_supervision(item, d.req(owner, item, "suggest_supervision"), "建议检察院进行立案监督")
            if target == "supervision":
                return
            yield d.workdays_after(now(), 2, 10)
            jcy = item.procuratorate
            outcome = (
                "justified" if target == "closed" else d.choice([key for key, _ in SUPERVISION_OUTCOMES])
            )
            record_supervision(item, d.req(jcy, item, "supervision_result"), {"outcome": outcome, "note": ""})
            yield d.workdays_after(now(), 1, 5)
            close(item, d.req(owner, item, "close"), "依法给予行政处罚后办结")
            return
    if target != "handed_over" or item.state != "opened":
        return
    yield d.reply(owner, now(), item.due)
    data = {
        "none": False,
        "items": "涉案物品一批（详见清单）",
        "receiver": f"{d.tenant(police).title} {d.name()}",
        "handed_at": now() - datetime.timedelta(minutes=30),
        "note": "",
        "files": d.files(0.5, "移交清单.pdf"),
    }
    handover(item, d.req(owner, item, "handover"), data)


# 申请人民法院强制执行 ----------------------------------------------------------------------------


def court_application(d, target):
    from ..enforcement import (
        DENIED,
        GRANTED,
        OUTCOMES,
        accept,
        apply,
        not_accept,
        record_outcome,
        remind,
        rule,
    )
    from ..enforcement.dates import window
    from ..filings import record_filing, submit
    from ..filings.flow import FILINGS

    township = d.township()
    violation, basis, likely = d.violation()
    department = d.department(likely)
    decided = decided_before(d, now())
    data = filing_data(d, township, department, violation, basis, decided)
    tenant = d.tenant(township)
    filing = d.made(FILINGS.create(tenant, d.req(township, tenant, "create:penalty_filing"), data))
    yield d.later(now(), 10, 60 * 24)
    submit(filing, d.req(township, filing, "submit"))
    yield d.reply(department, now(), filing.due)
    record_filing(filing, d.req(department, filing, "record"))
    if not d.room():
        return
    # The fine is not paid: the reminder (催告) once the periods for reconsideration and lawsuit
    # are nearly over, so that its ten working days end about when they do.
    dates = window(filing.service_date, None, d.overrides)
    served = dates.expired - datetime.timedelta(days=d.rng.randint(5, 25))
    yield d.at_office(served) + datetime.timedelta(days=d.rng.randint(0, 2))
    values = {
        "served_date": served,
        "method": d.choice(("直接送达", "留置送达", "邮寄送达")),
        "reminder_number": f"{tenant.doc_code}催〔{served.year}〕{d.rng.randint(1, 99)}号",
        "note": "当事人称经营困难，请求延期缴纳，未提供证明材料" if d.chance(0.5) else "",
        "files": d.files(0.6, "催告书及送达回证.pdf"),
    }
    item = d.made(remind(filing, d.req(township, filing, "enforcement_reminder"), values))
    if target == "reminded":
        return
    if target == "closed" and d.chance(0.25):
        yield d.workdays_after(now(), 2, 8)
        values = {"result": "当事人已履行", "outcome_date": now().date(), "note": "", "files": []}
        record_outcome(item, d.req(township, item, "outcome"), values)
        return
    opens = item.window(d.overrides).opens
    yield d.workdays_after(d.at_office(opens), 0, 15)
    data = {
        "subject": f"罚款{filing.fine_amount}元",
        "party_opinion": "当事人未提出异议",
        "signed": True,
        "letter": [("强制执行申请书.pdf", PDF)],
        "files": d.files(0.5, "作出决定的事实理由和依据.pdf"),
    }
    apply(item, d.req(township, item, "apply"), data)
    if target == "applied":
        return
    court = item.court
    yield d.reply(court, now(), item.due)
    if target == "not_accepted" or (target == "closed" and d.chance(0.1)):
        data = {"ruling_date": now().date(), "reason": "申请材料不齐全", "files": []}
        not_accept(item, d.req(court, item, "not_accept"), data)
    else:
        number = f"（{now().year}）赣0202行审{d.rng.randint(1, 300)}号"
        accept(item, d.req(court, item, "accept"), {"accepted_on": now().date(), "case_number": number})
        if target == "accepted":
            return
        yield d.reply(court, now(), item.due)
        ruling = DENIED if target == "denied" or (target == "closed" and d.chance(0.1)) else GRANTED
        data = {
            "ruling": ruling,
            "ruling_date": now().date(),
            "ruling_number": number,
            "reason": "被执行人已申请破产" if ruling == DENIED else "",
            "files": [],
        }
        rule(item, d.req(court, item, "rule"), data)
    if target in ("granted", "denied", "not_accepted"):
        return
    yield d.workdays_after(now(), 5, 40)
    result = OUTCOMES[item.state][0]
    note = "已向上一级人民法院申请复议" if item.state != "granted" else ""
    values = {"result": result, "outcome_date": now().date(), "note": note, "files": []}
    record_outcome(item, d.req(township, item, "outcome"), values)


# The stories, as the run plans them -------------------------------------------------------------

HOUR = 1 / 24


# 责任追究 ----------------------------------------------------------------------------------------


def accountability_decision(d, target):
    from ..accountability import close, rectify, send_back
    from ..accountability.flow import FLOW

    supervisor = "cj-sfj"
    unit = d.department() if d.chance(0.6) else d.township()
    due = d.future_day(now(), 10, 30).date()
    data = {
        "title": f"关于{d.tenant(unit).title}未按期履行协作职责的责任追究决定",
        "unit": unit,
        "person_name": "",
        "person_post": "",
        "duty": "未按期答复协作请求",
        "duty_note": "",
        "facts": f"{d.tenant(unit).title}对乡镇（街道）的协作请求未在规定期限内书面答复，也未说明理由。",
        "related_numbers": "",
        "measure": "责令整改",
        "rectify_due": due,
        "files": [],
    }
    tenant = d.tenant(supervisor)
    item = d.made(FLOW.create(tenant, d.req(supervisor, tenant, "create:accountability_decision"), data))
    if target == "rectifying":
        return
    yield d.workdays_after(now(), 2, 12)
    rectify(
        item,
        d.req(unit, item, "rectify"),
        {"text": "已补作答复，建立协作请求台账，专人每日核对。", "files": []},
    )
    if target == "submitted":
        return
    if target == "returned" or d.chance(0.2):
        yield d.workdays_after(now(), 1, 3)
        send_back(
            item,
            d.req(supervisor, item, "send_back"),
            {"note": "整改措施不具体，请补充。", "rectify_due": None},
        )
        if target == "returned":
            return
        yield d.workdays_after(now(), 2, 8)
        rectify(item, d.req(unit, item, "rectify"), {"text": "已补充整改措施和台账记录。", "files": []})
    yield d.workdays_after(now(), 1, 5)
    close(item, d.req(supervisor, item, "close"), {"note": "整改到位，予以办结。", "files": []})


STORIES = (
    Story(
        "penalty_filing",
        "penalty_filing",
        penalty_filing,
        {"draft": 3, "submitted": 8, "returned": 3, "resubmitted": 2, "recorded": 84},
        {"draft": 0, "submitted": 0.5, "returned": 2, "resubmitted": 4, "recorded": 3},
        {"submitted": 7, "resubmitted": 7},
        closed={"recorded"},
        share=24,
    ),
    Story(
        "collab_request",
        "collab_request",
        collab_request,
        {"draft": 3, "sent": 6, "received": 8, "answered": 13, "closed": 70},
        {"draft": 0, "sent": 0.1, "received": 0.6, "answered": 3, "closed": 5},
        {"sent": 4.5, "received": 4.5},
        closed={"closed"},
        share=14,
    ),
    Story(
        "complaint",
        "complaint",
        complaint,
        {
            "registered": 5,
            "verifying": 10,
            "closed_told": 10,
            "closed_answered": 35,
            "case_opened": 20,
            "transferred": 5,
            "acknowledged": 15,
        },
        {
            "registered": 0,
            "verifying": 0.5,
            "closed_told": 6,
            "closed_answered": 6,
            "case_opened": 6,
            "transferred": 6,
            "acknowledged": 8,
        },
        closed={"closed_told", "closed_answered", "case_opened", "acknowledged"},
        share=14,
    ),
    Story(
        "case_transfer",
        "case_transfer",
        case_transfer,
        {
            "draft": 4,
            "awaiting_approval": 3,
            "approved": 3,
            "sent": 5,
            "received": 5,
            "accepted": 15,
            "declined": 6,
            "closed": 55,
            "withdrawn": 4,
        },
        {
            "draft": 0,
            "awaiting_approval": 0.5,
            "approved": 1,
            "sent": 3,
            "received": 3.5,
            "accepted": 6,
            "declined": 6,
            "closed": 40,
            "withdrawn": 1.5,
        },
        {"draft": 7, "awaiting_approval": 6, "approved": 5, "sent": 7, "received": 7},
        closed={"closed", "withdrawn"},
        share=7,
    ),
    Story(
        "regulation",
        "regulation",
        regulation,
        {"draft": 6, "published": 94},
        {"draft": 0, "published": 3},
        closed={"published"},
        share=5,
        extra={"published": 1},
    ),
    Story(
        "library_document",
        "library_document",
        library_document,
        {"shared": 1},
        {"shared": 0},
        closed={"shared"},
        share=2,
    ),
    Story(
        "hazard_notice",
        "hazard_notice",
        hazard_notice,
        {"draft": 3, "notified": 7, "handling": 25, "closed": 65},
        {"draft": 0, "notified": 0.02, "handling": 0.5, "closed": 12},
        {"notified": 2 * HOUR},
        closed={"closed"},
        share=4,
        extra={"handling": 0.15, "closed": 0.15},
    ),
    Story(
        "participation_notice",
        "participation_notice",
        participation_notice,
        {
            "draft": 3,
            "phoned": 3,
            "sent": 6,
            "received": 5,
            "confirmed": 13,
            "declined": 6,
            "completed": 58,
            "cancelled": 6,
        },
        {
            "draft": 0,
            "phoned": 0,
            "sent": 0.2,
            "received": 0.8,
            "confirmed": 1.3,
            "declined": 1.3,
            "completed": 16,
            "cancelled": 2,
        },
        {"phoned": 1.5, "sent": 1.5, "received": 1.5},
        closed={"completed", "cancelled"},
        share=5,
    ),
    Story(
        "guidance_activity",
        "guidance_activity",
        guidance_activity,
        {"planned": 20, "held": 70, "cancelled": 10},
        {"planned": 0, "held": 25, "cancelled": 3},
        closed={"held", "cancelled"},
        share=2,
    ),
    Story(
        "guidance_request",
        "guidance_request",
        guidance_request,
        {"submitted": 25, "scheduled": 60, "withdrawn": 15},
        {"submitted": 0, "scheduled": 5, "withdrawn": 5},
        closed={"scheduled", "withdrawn"},
        share=3,
        extra={"scheduled": 1},
    ),
    Story(
        "coordination_meeting",
        "coordination_meeting",
        coordination_meeting,
        {"draft": 5, "called": 20, "minuted": 65, "cancelled": 10},
        {"draft": 0, "called": 0.5, "minuted": 17, "cancelled": 2},
        closed={"minuted", "cancelled"},
        share=6,
        extra={"minuted": 2},
    ),
    Story(
        "obstruction_report",
        "obstruction_report",
        obstruction_report,
        {"reported": 5, "acknowledged": 15, "handled": 20, "closed": 60},
        {"reported": 0, "acknowledged": 0.5, "handled": 5, "closed": 10},
        {"reported": HOUR},
        closed={"closed"},
        share=1.5,
    ),
    Story(
        "jurisdiction_dispute",
        "jurisdiction_dispute",
        jurisdiction_dispute,
        {
            "interim": 10,
            "negotiating": 15,
            "agreeing": 8,
            "escalated": 10,
            "supplementing": 7,
            "agreed": 30,
            "decided": 20,
        },
        {
            "interim": 0,
            "negotiating": 4,
            "agreeing": 8,
            "escalated": 12,
            "supplementing": 15,
            "agreed": 11,
            "decided": 22,
        },
        {"supplementing": 7},
        closed={"agreed", "decided"},
        share=1.5,
        extra={state: 0.2 for state in ("agreeing", "escalated", "supplementing", "agreed", "decided")},
    ),
    Story(
        "crime_referral",
        "crime_referral",
        crime_referral,
        {
            "draft": 5,
            "reported": 5,
            "refused": 6,
            "approved": 3,
            "sent": 4,
            "received": 6,
            "opened": 8,
            "handed_over": 40,
            "not_opened": 5,
            "reconsidering": 3,
            "upheld": 3,
            "supervision": 4,
            "closed": 8,
        },
        {
            "draft": 1,
            "reported": 3,
            "refused": 5,
            "approved": 5,
            "sent": 6,
            "received": 6,
            "opened": 9,
            "handed_over": 12,
            "not_opened": 9,
            "reconsidering": 12,
            "upheld": 15,
            "supervision": 18,
            "closed": 22,
        },
        {
            "reported": 4.5,
            "approved": 1,
            "sent": 4.5,
            "received": 4.5,
            "opened": 4.5,
            "not_opened": 4.5,
            "reconsidering": 4.5,
            "upheld": 4.5,
        },
        closed={"refused", "handed_over", "closed"},
        share=2,
        extra={
            state: 0.25
            for state in ("reported", "refused", "approved", "sent", "received", "opened", "handed_over")
        },
    ),
    Story(
        "court_application",
        "court_application",
        court_application,
        {
            "reminded": 15,
            "applied": 7,
            "accepted": 8,
            "granted": 12,
            "denied": 4,
            "not_accepted": 4,
            "closed": 50,
        },
        {
            "reminded": 170,
            "applied": 200,
            "accepted": 204,
            "granted": 210,
            "denied": 210,
            "not_accepted": 204,
            "closed": 235,
        },
        {"applied": 7, "accepted": 10, "denied": 15, "not_accepted": 15},
        closed={"closed", "granted"},
        share=3,
        extra={
            state: 1
            for state in ("reminded", "applied", "accepted", "granted", "denied", "not_accepted", "closed")
        },
    ),
    Story(
        "accountability_decision",
        "accountability_decision",
        accountability_decision,
        {"rectifying": 20, "submitted": 15, "returned": 10, "closed": 55},
        {"rectifying": 0, "submitted": 8, "returned": 12, "closed": 20},
        {"rectifying": 20, "returned": 10},
        closed={"closed"},
        share=1,
    ),
)
STORIES_BY_NAME = {story.name: story for story in STORIES}
#: Stories that make exactly one item (the run tops its count up with them).
SINGLE = ("penalty_filing", "collab_request", "complaint")
#: Item types made only inside other stories, with the states they end in.
DERIVED = {
    "library_document": ("shared",),
    "meeting_action": ("open", "done"),
}


def local(moment):
    return moment.astimezone(SHANGHAI)
