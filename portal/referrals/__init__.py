"""Suspected crimes referred to public security (涉嫌犯罪案件移送), 昌府办字〔2024〕52号 (四)5.

A township or department that finds a violation which may be a crime refers it to public security at
once and may not fine in its place (不得以罚代刑). The steps follow the State Council's
《行政执法机关移送涉嫌犯罪案件的规定》 (2020 revision):

* two or more of the unit's officers report the case in writing (the report names them); the unit's
  principal (the ``leader``) decides within 3 days of the report whether to refer it, and a refusal
  records its reasons (art. 5);
* an approved referral goes to public security within 24 hours of the approval, in the unit's name,
  with its materials: 涉嫌犯罪案件移送书, 调查报告, 涉案物品清单, 检验报告或鉴定意见, other materials
  (art. 6); the letter and the list of materials are copied to the 区人民检察院 (中办发〔2011〕8号), which
  may follow the case;
* public security signs the receipt (回执, art. 7) and decides within 3 days of receiving the case
  whether to open a criminal case (立案); not opening comes back with reasons and the materials (art. 8);
* the unit may ask public security to reconsider within 3 days of the notice, answered within 3 days,
  and may suggest that the procuratorate supervise (立案监督, art. 9);
* once public security opens the case, the unit hands over the seized items within 3 days (art. 12).

Which clocks run in working days and which in hours, and why: :data:`CLOCKS` and
``docs/referrals.md``. Every clock starts from when the step reaches the unit that must act (the
report, the approval, the send, the notice), with the portal's office-hours rule, and is kept on the
referral (:attr:`CrimeReferral.clocks`) with when it stopped and whether late.

Every step is a function of ``(item, request[, data])``, callable without a page; the pages are
declared in :mod:`.flow`, the 以罚代刑 flags on penalty filings in :mod:`.flags`, who may do what in
``policies/referrals.csv``.
"""

import math

from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from substanced.content import content

from ..calendar import add_hours, add_workdays_ex, local_date, workdays_between
from ..flows import FlowItem, actor, fmt
from ..items import Attachment, Transition, Workflow, WorkflowError, now, record
from ..items.numbering import next_number
from ..items.uploads import UploadError, attach, make_attachment
from ..supervision.figures import Measure
from ..views.forms import CHOOSE_AGAIN

ITEM_TYPE = "crime_referral"
TYPE_TITLE = "涉嫌犯罪案件移送"
#: The Casbin item type of a material other than the letter: the procuratorate's copy is the letter
#: and the list of materials, not the materials themselves.
MATERIAL_TYPE = "crime_referral_material"

WORKDAYS, HOURS = "workdays", "hours"

#: The clocks: key -> (what must be done, how long, counted in, from when). The regulation does not
#: say whether its 3日 are working days: they are counted as 行政处罚法 art. 85 and 行政强制法 art. 69
#: count the short periods of administrative procedure, in working days; the 24 hours are clock hours,
#: nights and holidays included (``docs/referrals.md``).
CLOCKS = {
    "decide": ("负责人决定是否移送", 3, WORKDAYS, "自书面报告之日起"),
    "send": ("以本单位名义移送公安机关", 24, HOURS, "自批准移送之时起"),
    "police": ("公安机关审查，决定是否立案", 3, WORKDAYS, "自收到移送之日起"),
    "objection": ("对不予立案提请复议或建议立案监督", 3, WORKDAYS, "自收到不予立案通知之日起"),
    "review": ("公安机关作出复议决定", 3, WORKDAYS, "自收到复议申请之日起"),
    "supervision": ("对复议决定建议检察院立案监督", 3, WORKDAYS, "自收到复议决定之日起"),
    "handover": ("移交涉案物品", 3, WORKDAYS, "自收到立案通知之日起"),
}
UNIT_WORDS = {WORKDAYS: "个工作日", HOURS: "小时"}

#: The materials: (slot, the kind recorded on the attachment, what belongs in it, required).
LETTER = "涉嫌犯罪案件移送书"
APPRAISAL = "检验报告或鉴定意见"
MATERIALS = (
    ("letter", LETTER, "以本单位名义出具、加盖本单位印章的移送书", True),
    ("report", "调查报告", "涉嫌犯罪案件情况的调查报告", True),
    ("items", "涉案物品清单", "涉案物品的名称、数量、特征和存放地点；没有涉案物品的，清单注明“无”", True),
    ("appraisal", APPRAISAL, "有关检验报告或者鉴定意见（草稿中注明本案无需检验、鉴定的，可不上传）", True),
    ("other", "其他材料", "其他有关涉嫌犯罪的材料（选填）", False),
)
MATERIAL_KINDS = {slot: kind for slot, kind, _, _ in MATERIALS}

#: The draft's fields, as the referral stores them.
FIELDS = (
    "title",
    "party",
    "offence",
    "found_date",
    "facts",
    "report",
    "officers",
    "no_appraisal",
    "police",
    "procuratorate",
    "filing",
)

#: Before the referral goes: the unit may still add materials.
BEFORE_SENDING = ("draft", "reported", "approved")

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "reported": "已书面报告，待负责人决定",
        "refused": "负责人决定不予移送",
        "approved": "已批准，待移送",
        "sent": "已移送，待签收回执",
        "received": "已签收回执，待决定是否立案",
        "opened": "已立案，待移交涉案物品",
        "handed_over": "已立案，涉案物品已移交",
        "not_opened": "不予立案",
        "reconsidering": "已提请复议，待复议决定",
        "upheld": "复议维持不予立案",
        "supervision": "已建议检察院立案监督",
        "closed": "不予立案，已办结",
    },
    transitions=[
        Transition("report", "书面报告负责人", ["draft"], "reported"),
        Transition("return", "退回补充", ["reported"], "draft"),
        Transition("approve", "批准移送", ["reported"], "approved"),
        Transition("refuse", "不予移送", ["reported"], "refused"),
        Transition("send", "移送公安机关", ["approved"], "sent"),
        Transition("sign_receipt", "签收回执", ["sent"], "received"),
        Transition("open_case", "决定立案", ["received", "reconsidering", "supervision"], "opened"),
        Transition("decline_case", "决定不予立案", ["received"], "not_opened"),
        Transition("reconsider", "提请复议", ["not_opened"], "reconsidering"),
        Transition("uphold", "复议维持不予立案", ["reconsidering"], "upheld"),
        Transition("suggest_supervision", "建议检察院立案监督", ["not_opened", "upheld"], "supervision"),
        Transition("close", "办结", ["not_opened", "upheld", "supervision"], "closed"),
        Transition("handover", "移交涉案物品", ["opened"], "handed_over"),
    ],
    final=["refused", "handed_over", "closed"],
)

#: What the procuratorate may record of its supervision (立案监督), and what the referral then awaits.
SUPERVISION_OUTCOMES = (
    ("notify", "已要求公安机关说明不立案理由，认为理由不成立，通知公安机关立案"),
    ("justified", "认为公安机关不立案理由成立"),
    ("other", "其他"),
)

#: What a referral's page says of the penalty decisions of the same case (规定 art. 11; 行政处罚法
#: art. 35).
PENALTIES_STAY = (
    "移送涉嫌犯罪案件前已经作出的警告，责令停产停业，暂扣或者吊销许可证、暂扣或者吊销执照的行政处罚决定，"
    "不停止执行（《行政执法机关移送涉嫌犯罪案件的规定》第十一条）。已经依法给予当事人罚款的，"
    "人民法院判处罚金时依法折抵相应罚金；尚未给予罚款的，不再给予罚款（行政处罚法第三十五条）。"
)


def overrides(request):
    return request.root.calendar_overrides


def office_close(request):
    """The ``portal.office_close`` rule (parsed at start by :mod:`portal.requests`), or None."""
    return getattr(request.registry, "portal_office_close", None)


class ReferralMaterial(Attachment):
    """A material of a referral. The letter is seen by whoever sees the referral, the procuratorate
    included (its copy); the other materials only by the referring unit and public security (and the
    supervisors), through their own item type in the policy."""

    @property
    def item_type(self):
        return ITEM_TYPE if self.kind == LETTER else MATERIAL_TYPE


@content("Crime Referral", icon="glyphicon glyphicon-alert")
class CrimeReferral(FlowItem):
    """A case a unit refers to public security as a suspected crime."""

    item_type = ITEM_TYPE
    type_title = TYPE_TITLE
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "party", "offence", "facts", "report")

    party = ""
    offence = ""
    found_date = None
    facts = ""
    #: The officers' written report, and the officers it names (logins) with their names then.
    report = ""
    officers = ()
    officer_names = ()
    #: Ticked in the draft: the case needs no test or appraisal, so that material is not required.
    no_appraisal = False
    #: The public-security unit the case goes to, and the procuratorate copied.
    police = ""
    procuratorate = ""
    #: The name of the penalty filing of the same case in the referring unit ("" = none).
    filing = ""
    reported_at = None
    reported_by = ""
    decided_at = None
    refusal_reason = ""
    sent_at = None
    #: When the case reached public security (送达 = the send): its 3 days run from here.
    received_at = None
    receipt_signed_at = None
    receipt_signed_by = ""
    case_number = ""
    police_decided_at = None
    not_open_reason = ""
    materials_returned = False
    reconsideration_reason = ""
    review_reason = ""
    supervision_reason = ""
    #: The procuratorate's last recorded supervision outcome (a key of SUPERVISION_OUTCOMES).
    supervision_outcome = ""
    closing_note = ""
    handover = None
    #: How late the send was ("" = in time).
    sent_late = ""

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        #: Every clock the referral ran: {key, start, due, provisional, done, late}.
        self.clocks = PersistentList()
        self.supervision_records = PersistentList()

    # the clocks ----------------------------------------------------------------------------------

    def start_clock(self, key, start, request):
        """Start clock ``key`` at ``start`` (see :data:`CLOCKS`); returns it."""
        _, amount, unit, _ = CLOCKS[key]
        if unit == HOURS:
            due, provisional = add_hours(start, amount), False
        else:
            found = add_workdays_ex(start, amount, overrides(request), office_close(request))
            due, provisional = found.date, found.provisional
        clock = PersistentMapping(key=key, start=start, due=due, provisional=provisional, done=None, late="")
        self.clocks.append(clock)
        return clock

    def running(self, key=None):
        """The clock still running (of ``key``), or None."""
        for clock in reversed(self.clocks):
            if clock["done"] is None and (key is None or clock["key"] == key):
                return clock
        return None

    def stop_clock(self, key, moment, request, waived=False):
        """Stop clock ``key`` at ``moment``; returns how late that was ("" when in time)."""
        clock = self.running(key)
        if clock is None:
            return ""
        clock["done"] = moment
        clock["waived"] = waived
        clock["late"] = "" if waived else lateness(clock, moment, request)
        return clock["late"]

    def clock_rows(self, moment, request):
        """The page's table of clocks: what, from when, by when, done when (or how long is left)."""
        rows = []
        for clock in self.clocks:
            title, amount, unit, start_words = CLOCKS[clock["key"]]
            if clock["done"] is not None:
                status = "未行使" if clock.get("waived") else f"{fmt(clock['done'])} 完成"
                if clock["late"]:
                    status += f"（{clock['late']}）"
                css = "overdue" if clock["late"] else ""
            else:
                late = lateness(clock, moment, request)
                status, css = (f"尚未完成，{late}", "overdue") if late else ("尚未完成", "due-soon")
            rows.append(
                {
                    "key": clock["key"],
                    "title": title,
                    "limit": f"{start_words}{amount}{UNIT_WORDS[unit]}",
                    "start": fmt(clock["start"]),
                    "due": fmt(clock["due"])
                    + ("（日历数据暂缺，按工作日暂计）" if clock.get("provisional") else ""),
                    "status": status,
                    "css": css,
                }
            )
        return rows

    def update_clock(self):
        """Who the referral waits for now, by when (the running clock), in words."""
        unit, police, jcy = self.owner_title, self.unit_name(self.police), self.unit_name(self.procuratorate)
        clock = self.running()
        due = clock["due"] if clock else None
        provisional = bool(clock and clock.get("provisional"))
        owner, state = [self.owner], self.state
        if state == "draft":
            self.set_due(None, owner, f"等待{unit}执法人员向负责人书面报告")
        elif state == "reported":
            self.set_due(due, owner, f"等待{unit}负责人决定是否移送", provisional)
        elif state == "approved":
            self.set_due(due, owner, f"等待{unit}以本单位名义移送{police}")
        elif state == "sent":
            self.set_due(due, [self.police], f"等待{police}签收回执并决定是否立案", provisional)
        elif state == "received":
            self.set_due(due, [self.police], f"等待{police}决定是否立案", provisional)
        elif state == "opened":
            self.set_due(due, owner, f"{police}已立案，等待{unit}移交涉案物品", provisional)
        elif state == "not_opened":
            waiting = f"{police}不予立案：{unit}有异议的可提请复议或建议{jcy}立案监督，无异议的依法处理后办结"
            self.set_due(due, owner, waiting, provisional)
        elif state == "reconsidering":
            self.set_due(due, [self.police], f"等待{police}作出复议决定", provisional)
        elif state == "upheld":
            waiting = f"{police}复议维持不予立案：{unit}可建议{jcy}立案监督，或依法处理后办结"
            self.set_due(due, owner, waiting, provisional)
        elif state == "supervision":
            if self.supervision_outcome == "notify":
                self.set_due(None, [self.police], f"{jcy}已通知立案，等待{police}立案")
            elif self.supervision_outcome == "justified":
                self.set_due(None, owner, f"{jcy}认为不立案理由成立，等待{unit}依法处理后办结")
            else:
                self.set_due(None, [self.procuratorate], f"等待{jcy}立案监督")
        else:
            self.set_due(None)

    # what people read -----------------------------------------------------------------------------

    @property
    def officers_text(self):
        return "、".join(self.officer_names or self.officers)

    def materials(self):
        """``[(slot, kind, hint, required, [attachments])]`` for the material slots."""
        files = self.attachments()
        return [
            (slot, kind, hint, self.requires(slot), [f for f in files if f.kind == kind])
            for slot, kind, hint, _ in MATERIALS
        ]

    def requires(self, slot):
        required = {slot: needed for slot, _, _, needed in MATERIALS}[slot]
        return required and not (slot == "appraisal" and self.no_appraisal)

    def missing_materials(self):
        return [kind for _, kind, _, required, files in self.materials() if required and not files]

    def linked_filing(self):
        """The penalty filing of the same case, in the referring unit, or None."""
        tenant = self.__parent__
        return tenant.get(self.filing) if self.filing and tenant is not None else None

    @property
    def flags(self):
        return [f"逾期移送{self.sent_late}"] if getattr(self, "sent_late", "") else []

    def describe(self, request):
        return [
            ("移送单位", self.owner_title),
            ("公安机关", self.unit_name(self.police)),
            ("抄送检察机关", self.unit_name(self.procuratorate)),
            ("当事人", self.party),
            ("涉嫌罪名", self.offence),
            ("发现日期", fmt(self.found_date)),
            ("涉嫌犯罪事实", self.facts),
            ("书面报告的执法人员", self.officers_text),
            ("书面报告", self.report),
            ("报告时间", fmt(self.reported_at)),
            ("负责人决定", self.decision_text()),
            ("移送时间", fmt(self.sent_at)),
            ("回执", self.receipt_text()),
            ("立案决定", self.police_text()),
            ("涉案物品移交", self.handover_text()),
            ("办结", self.closing_note),
        ]

    def decision_text(self):
        if self.decided_at is None:
            return ""
        if self.state == "refused":
            return f"{fmt(self.decided_at)} 决定不予移送。理由：{self.refusal_reason}"
        return f"{fmt(self.decided_at)} 批准移送"

    def receipt_text(self):
        if self.receipt_signed_at is None:
            return "尚未签收回执（不影响立案审查期限）" if self.sent_at else ""
        return f"{self.unit_name(self.police)} {self.receipt_signed_by} 于 {fmt(self.receipt_signed_at)} 签收"

    def police_text(self):
        parts = []
        if self.not_open_reason:
            returned = "，已退回案卷材料" if self.materials_returned else ""
            parts.append(f"不予立案。理由：{self.not_open_reason}{returned}")
        if self.reconsideration_reason:
            parts.append(f"移送单位提请复议：{self.reconsideration_reason}")
        if self.review_reason:
            parts.append(f"复议维持不予立案：{self.review_reason}")
        if self.state in ("opened", "handed_over"):
            number = f"，立案文书 {self.case_number}" if self.case_number else ""
            parts.append(f"{fmt(self.police_decided_at)} 决定立案{number}")
        return "\n".join(parts)

    def handover_text(self):
        if not self.handover:
            return ""
        handover = self.handover
        if handover["none"]:
            return f"{fmt(handover['at'])} 登记：本案无涉案物品需要移交。{handover['note']}".strip()
        return (
            f"{fmt(handover['handed_at'])} 移交{self.unit_name(self.police)}"
            f"（接收人：{handover['receiver']}）：{handover['items']}"
        )

    def sections(self, request):
        return [
            ("立案监督", [self.supervision_text(entry) for entry in self.supervision_records]),
        ]

    def supervision_text(self, entry):
        outcome = dict(SUPERVISION_OUTCOMES).get(entry["outcome"], entry["outcome"])
        who = f"{self.unit_name(entry['unit'])} {entry['name']}（{fmt(entry['at'])}）"
        return f"{who}：{outcome}。{entry['note']}"

    def notices(self, entry, request):
        return notices(self, entry, request)


def lateness(clock, moment, request):
    """How late ``moment`` is for ``clock``: ``超过期限5小时`` / ``超过期限2个工作日``, or ""."""
    due = clock["due"]
    if hasattr(due, "hour"):
        seconds = (moment - due).total_seconds()
        return f"超过期限{math.ceil(seconds / 3600)}小时" if seconds > 0 else ""
    day = local_date(moment)
    if day <= due:
        return ""
    late = workdays_between(due, day, overrides(request))
    return f"超过期限{late}个工作日" if late else "超过期限"


# The steps, callable without a page ---------------------------------------------------------------


def refuse_if(reason):
    if reason:
        raise WorkflowError(reason)


def fire(item, request, name, comment="", **details):
    """A workflow transition, the clock set for the new state before it is recorded (its notices
    then say what is awaited now)."""
    return WORKFLOW.fire(item, request, name, comment, before_record=lambda i, r: i.update_clock(), **details)


def before_record(item, request, data):
    """A new draft: the officers' names as they are now, the filing of the same case linked."""
    from .flags import link_filing

    item.officer_names = officer_names(request, item.officers)
    item.update_clock()
    if item.filing:
        link_filing(item, request)


def after_save(item, request):
    """After the draft changed: the officers' names again, the filing (re)linked."""
    from .flags import link_filing

    item.officer_names = officer_names(request, item.officers)
    link_filing(item, request)


def officer_names(request, logins):
    from ..people import display_name, find_person

    names = []
    for login in logins:
        person = find_person(request.root, login)
        names.append(display_name(person) if person is not None else login)
    return tuple(names)


def report_refusal(item, request):
    """Only an officer the report names submits it, and only with two officers or more."""
    if item.state != "draft":
        return ""
    if len(item.officers) < 2:
        return "书面报告须由两名以上执法人员提出，请在草稿中选择至少两名本单位执法人员"
    if request.login not in item.officers:
        return "书面报告须由报告所列执法人员之一提交"
    return ""


def report(item, request, comment=""):
    """The officers report the case in writing to the principal, whose 3 days start now."""
    WORKFLOW.check(item, request, "report")
    refuse_if(report_refusal(item, request))
    members = request.policy.members_of(item.owner)
    gone = [login for login in item.officers if login not in members]
    refuse_if(gone and f"报告所列人员已不是本单位成员：{'、'.join(gone)}，请修改草稿")
    moment = now()
    item.reported_at, item.reported_by = moment, request.login
    item.start_clock("decide", moment, request)
    return fire(item, request, "report", comment, officers=tuple(item.officers))


def return_for_more(item, request, reason):
    """The principal sends the report back to the officers for more (the clock stops)."""
    WORKFLOW.check(item, request, "return")
    item.stop_clock("decide", now(), request)
    return fire(item, request, "return", reason)


def approve(item, request, comment=""):
    """The principal approves: the unit has 24 hours to send the case."""
    WORKFLOW.check(item, request, "approve")
    moment = now()
    item.decided_at = moment
    late = item.stop_clock("decide", moment, request)
    item.start_clock("send", moment, request)
    return fire(item, request, "approve", _with_late(comment, late))


def refuse(item, request, reason):
    """The principal decides not to refer; the reasons are recorded (规定 art. 5)."""
    WORKFLOW.check(item, request, "refuse")
    refuse_if(not (reason or "").strip() and "请填写不予移送的理由")
    moment = now()
    item.decided_at, item.refusal_reason = moment, reason
    late = item.stop_clock("decide", moment, request)
    return fire(item, request, "refuse", _with_late(reason, late))


def send_refusal(item, request):
    """Why an approved referral cannot go yet (its page shows the button disabled with it), or ""."""
    missing = item.missing_materials()
    if missing:
        return f"尚缺以下移送材料，不能移送：{'、'.join(missing)}。请先上传。"
    return ""


def send(item, request, comment=""):
    """The case goes in the unit's name to public security, the letter and the list of materials to
    the procuratorate; public security's 3 days run from now."""
    WORKFLOW.check(item, request, "send")
    refuse_if(send_refusal(item, request))
    moment = now()
    tenant = item.__parent__
    item.number = next_number(tenant, tenant.doc_code + "刑", moment.year)
    item.sent_at = item.received_at = moment
    item.sent_late = item.stop_clock("send", moment, request)
    item.relate("recipient", item.police)
    if item.procuratorate:
        item.relate("cc", item.procuratorate)
    item.start_clock("police", moment, request)
    return fire(item, request, "send", _with_late(comment, item.sent_late))


def sign_receipt(item, request, comment=""):
    """Public security signs the receipt: who and when; its clock runs from receipt as before."""
    WORKFLOW.check(item, request, "sign_receipt")
    item.receipt_signed_at = now()
    item.receipt_signed_by = actor(request)["name"]
    return fire(item, request, "sign_receipt", comment)


def open_case(item, request, data):
    """Public security opens a criminal case (立案): the unit has 3 days to hand over the seized items."""
    WORKFLOW.check(item, request, "open_case")
    moment = now()
    late = item.stop_clock("police", moment, request) or item.stop_clock("review", moment, request)
    item.police_decided_at = moment
    item.case_number = data.get("case_number", "")
    item.start_clock("handover", moment, request)
    number = f"立案文书：{item.case_number}" if item.case_number else ""
    comment = "；".join(part for part in (number, data.get("comment", "")) if part)
    return fire(item, request, "open_case", _with_late(comment, late))


def decline_case(item, request, data):
    """Public security does not open a case: its reasons, the materials returned (规定 art. 8)."""
    from ..flows import attach_files

    WORKFLOW.check(item, request, "decline_case")
    refuse_if(not data.get("materials_returned") and "不予立案的，应当相应退回案卷材料；请退回后勾选")
    moment = now()
    late = item.stop_clock("police", moment, request)
    item.police_decided_at = moment
    item.not_open_reason = data["reason"]
    item.materials_returned = True
    attach_files(item, data.get("files", ()), request, "不予立案通知书")
    item.start_clock("objection", moment, request)
    return fire(item, request, "decline_case", _with_late(data["reason"], late))


def objection_refusal(item, request):
    """A reconsideration is asked within the 3 days after the notice, or not at all."""
    clock = item.running("objection")
    if item.state != "not_opened" or clock is None:
        return ""
    if lateness(clock, now(), request):
        return (
            f"提请复议须在收到不予立案通知后3个工作日内（{fmt(clock['due'])} 前）提出，已超过期限；"
            "仍有异议的，可以建议检察院立案监督"
        )
    return ""


def reconsider(item, request, reason):
    """The unit asks public security to reconsider; its 3 days to answer run from now."""
    WORKFLOW.check(item, request, "reconsider")
    refuse_if(objection_refusal(item, request))
    moment = now()
    item.stop_clock("objection", moment, request)
    item.reconsideration_reason = reason
    item.start_clock("review", moment, request)
    return fire(item, request, "reconsider", reason)


def uphold(item, request, reason):
    """Public security keeps its decision not to open a case; the unit may turn to the procuratorate."""
    WORKFLOW.check(item, request, "uphold")
    moment = now()
    late = item.stop_clock("review", moment, request)
    item.review_reason = reason
    item.start_clock("supervision", moment, request)
    return fire(item, request, "uphold", _with_late(reason, late))


def suggest_supervision(item, request, reason):
    """The unit suggests that the procuratorate supervise (立案监督); a late suggestion is still made,
    and said late (the procuratorate may supervise of its own motion)."""
    WORKFLOW.check(item, request, "suggest_supervision")
    moment = now()
    late = item.stop_clock("objection", moment, request) or item.stop_clock("supervision", moment, request)
    item.supervision_reason = reason
    item.supervision_outcome = ""
    return fire(item, request, "suggest_supervision", _with_late(reason, late))


def supervision_refusal(item, request):
    if item.state != "supervision":
        return f"“{item.title}”当前状态为“{item.state_title}”，不能登记立案监督情况"
    if request.acting_unit != item.procuratorate:
        return "只有抄送的检察机关可以登记立案监督情况"
    return ""


def record_supervision(item, request, data):
    """The procuratorate records what it did (立案监督); the referral then awaits public security
    (notified to open a case) or the unit (the reasons stand)."""
    refuse_if(supervision_refusal(item, request))
    item.supervision_outcome = data["outcome"]
    item.supervision_records.append(
        PersistentMapping(
            unit=request.acting_unit, at=now(), outcome=data["outcome"], note=data["note"], **actor(request)
        )
    )
    item.update_clock()
    return record(
        item,
        request,
        "supervision_result",
        "登记立案监督情况",
        item.supervision_text(item.supervision_records[-1]),
    )


def close(item, request, note):
    """The unit, public security having not opened a case, deals with it by law and closes it."""
    WORKFLOW.check(item, request, "close")
    moment = now()
    for key in ("objection", "supervision"):
        item.stop_clock(key, moment, request, waived=True)
    item.closing_note = note
    return fire(item, request, "close", note)


def handover(item, request, data):
    """The unit hands the seized items over to public security (or records that there are none)."""
    from ..flows import attach_files

    WORKFLOW.check(item, request, "handover")
    moment = now()
    late = item.stop_clock("handover", moment, request)
    item.handover = PersistentMapping(
        at=moment,
        none=bool(data["none"]),
        items=data["items"],
        receiver=data["receiver"],
        handed_at=data["handed_at"],
        note=data.get("note", ""),
        **actor(request),
    )
    attach_files(item, data.get("files", ()), request, "涉案物品移交清单")
    return fire(item, request, "handover", _with_late(item.handover_text(), late))


def upload_refusal(item):
    """Why no material can be added now, or ""."""
    return "" if item.state in BEFORE_SENDING else f"“{item.state_title}”的移送不能再上传移送材料"


def add_materials(item, request, slot, files):
    """Files into one of the material slots, before the referral goes. Returns what to say."""
    refuse_if(upload_refusal(item))
    kind = MATERIAL_KINDS.get(slot)
    refuse_if(kind is None and "请选择材料类别后再上传")
    settings = request.registry.settings
    names = []
    for filename, data in files:
        try:
            plain = make_attachment(filename, data, settings, kind=kind, uploaded_by=request.login)
        except UploadError as error:
            raise WorkflowError(f"{error}。{CHOOSE_AGAIN}") from error
        material = ReferralMaterial(
            plain.filename,
            plain.mimetype,
            plain.size,
            plain.blob,
            text=plain.text,
            kind=kind,
            uploaded_by=request.login,
        )
        names.append(item[attach(item, material)].filename)
    record(item, request, "upload", f"上传{kind}", "、".join(names))
    return f"已上传{kind}：{'、'.join(names)}"


def _with_late(comment, late):
    return "；".join(part for part in (comment, late) if part)


# Who hears of each step ---------------------------------------------------------------------------

#: The referring unit's people who carry the case on.
HANDLERS = frozenset({"officer", "liaison"})


def notices(item, entry, request):
    """``[(units, roles, text)]``: the people who act next, in a plain sentence. A unit's own routine
    steps (drafting, uploading, signing the receipt) tell nobody."""
    unit, police, jcy = item.owner_title, item.unit_name(item.police), item.unit_name(item.procuratorate)
    title = f"《{item.title}》"
    comment = f"：{entry.comment}" if entry.comment else ""
    due = fmt(item.due) if item.due else ""
    owner, action = [item.owner], entry.action
    copied = [item.procuratorate] if item.procuratorate else []
    if action == "report":
        text = (
            f"{unit}执法人员{item.officers_text}书面报告涉嫌犯罪案件{title}，"
            f"请于 {due} 前决定是否移送公安机关"
        )
        return [(owner, {"leader"}, text)]
    if action == "return":
        return [(owner, HANDLERS, f"负责人退回涉嫌犯罪案件{title}的书面报告，请补充{comment}")]
    if action == "approve":
        return [
            (owner, HANDLERS, f"负责人已批准移送涉嫌犯罪案件{title}，请于 {due} 前以本单位名义移送{police}")
        ]
    if action == "refuse":
        return [(owner, HANDLERS, f"负责人决定不予移送涉嫌犯罪案件{title}{comment}")]
    if action == "send":
        to_police = f"{unit}移送涉嫌犯罪案件{title}（{item.number}），请签收回执，并于 {due} 前决定是否立案"
        to_copy = f"抄送：{unit}向{police}移送涉嫌犯罪案件{title}（{item.number}）的移送书及材料目录"
        return [([item.police], {"liaison", "leader"}, to_police), (copied, {"liaison"}, to_copy)]
    if action == "open_case":
        text = f"{police}已对{unit}移送的{title}决定立案，请于 {due} 前移交涉案物品"
        return [
            (owner, HANDLERS | {"leader"}, text),
            (copied, {"liaison"}, f"{police}已对{unit}移送的{title}立案"),
        ]
    if action == "decline_case":
        text = (
            f"{police}对{unit}移送的{title}决定不予立案{comment}。"
            f"如有异议，可于 {due} 前提请复议或建议检察院立案监督"
        )
        return [
            (owner, HANDLERS | {"leader"}, text),
            (copied, {"liaison"}, f"{police}对{unit}移送的{title}决定不予立案{comment}"),
        ]
    if action == "reconsider":
        return [
            (
                [item.police],
                {"liaison", "leader"},
                f"{unit}对{title}不予立案提请复议{comment}，请于 {due} 前作出复议决定",
            )
        ]
    if action == "uphold":
        text = f"{police}对{title}复议维持不予立案{comment}"
        return [(owner, HANDLERS | {"leader"}, text), (copied, {"liaison"}, text)]
    if action == "suggest_supervision":
        return [
            (copied, {"liaison", "leader"}, f"{unit}建议对{police}不予立案的{title}进行立案监督{comment}")
        ]
    if action == "supervision_result":
        return [
            ([item.police, item.owner], {"liaison", "leader"}, f"{jcy}登记了{title}的立案监督情况{comment}")
        ]
    if action == "handover":
        return [([item.police], {"liaison"}, f"{unit}已移交{title}的涉案物品{comment}")]
    return []


GROUP = "两法衔接"
MEASURES = (
    Measure(
        "referrals.sent",
        "移送公安机关",
        GROUP,
        "duty",
        "以本单位名义移送公安机关的涉嫌犯罪案件（按移送月份）",
    ),
    Measure("referrals.sent_late", "逾期移送", GROUP, "late", "批准后超过24小时才移送（按移送月份）"),
    Measure(
        "referrals.not_referred",
        "负责人决定不移送",
        GROUP,
        "",
        "负责人决定不予移送并记录理由的（按决定月份）",
    ),
    Measure(
        "referrals.received", "收到移送（公安）", GROUP, "duty", "公安机关收到的涉嫌犯罪案件（按送达月份）"
    ),
    Measure(
        "referrals.decided_late",
        "逾期决定立案",
        GROUP,
        "late",
        "公安机关超过期限才决定是否立案或作出复议决定（按决定月份）",
    ),
    Measure("referrals.opened", "决定立案", GROUP, "", "公安机关决定立案的（按决定月份）"),
)
#: The clocks public security runs: a late stop is its own lateness.
POLICE_CLOCKS = ("police", "review")


def figures(referral):
    """What a referral counts in the supervisor's overview (portal.supervision): for the referring
    unit, its referrals and their timeliness; for public security, what it received and decided."""
    unit, police = referral.owner, referral.police
    if referral.state == "refused":
        yield "referrals.not_referred", unit, referral.decided_at
    if referral.sent_at is None:
        return
    yield "referrals.sent", unit, referral.sent_at
    if referral.sent_late:
        yield "referrals.sent_late", unit, referral.sent_at
    yield "referrals.received", police, referral.received_at
    for clock in referral.clocks:
        if clock["key"] in POLICE_CLOCKS and clock["late"]:
            yield "referrals.decided_late", police, clock["done"]
    if referral.state in ("opened", "handed_over"):
        yield "referrals.opened", police, referral.police_decided_at


def includeme(config):
    from .flags import include_flags
    from .flow import FLOW

    config.add_figures(ITEM_TYPE, MEASURES, figures)
    config.scan(".")
    FLOW.include(config)
    include_flags(config)
