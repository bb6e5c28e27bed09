"""Penalty-decision filings (行政处罚决定抄告备案): a township files its decision with the department.

After a township decides a penalty in a matter delegated to it, it files the decision in writing
with the competent department (实施意见 (三)1). A :class:`PenaltyFiling` carries what a penalty
decision states (行政处罚法 art. 59) and the scanned decision. The township's officer drafts and
submits it (报送); the department's liaison records it (备案) or returns it for correction (退回补正)
with a reason, and the township edits and submits it again.

"及时": the portal counts the working days from the decision to the first submission against the
setting ``portal.filing_limit_workdays`` (default 5) and keeps the result on the item for good.

The pages (the form, the filing and its actions, the list) are declared in :mod:`.flow`.
"""

import decimal
import secrets

from substanced.content import content

from ..calendar import add_workdays_ex, local_date, workdays_between
from ..flows import FlowItem, attach_files, fmt
from ..items import Transition, Workflow, now, record
from ..items.numbering import next_number
from ..supervision.figures import Measure

# The 公民身份号码 and 统一社会信用代码 checks are the portal's, shared by every form.
from ..views.fields import ID_CARD, citizen_id_valid, looks_like_uscc, uscc_valid  # noqa: F401

ITEM_TYPE = "penalty_filing"
TYPE_TITLE = "行政处罚决定备案"

PARTY_TYPES = ("个人", "法人", "其他组织")
#: The kinds of administrative penalty (行政处罚法 art. 9), plus 其他.
PENALTY_KINDS = (
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
)
FINE = "罚款"

#: The default time limit for filing, in working days from the decision (setting
#: ``portal.filing_limit_workdays``).
DEFAULT_LIMIT_WORKDAYS = 5
#: Working days the department has to record (or return) a submitted filing.
RECORD_WORKDAYS = 5

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "submitted": "已报送，待备案",
        "returned": "退回补正",
        "resubmitted": "已重新报送，待备案",
        "recorded": "已备案",
    },
    transitions=[
        Transition("submit", "报送", ["draft"], "submitted"),
        Transition("resubmit", "重新报送", ["returned"], "resubmitted", action="submit"),
        Transition("record", "备案", ["submitted", "resubmitted"], "recorded"),
        Transition("return", "退回补正", ["submitted", "resubmitted"], "returned"),
    ],
    final=["recorded"],
)
#: States in which the township may still change the filing.
EDITABLE = ("draft", "returned")
SCAN_KIND = "处罚决定书扫描件"


def looks_like_citizen_id(text):
    return bool(ID_CARD.match(text))


#: The fields of the filing form, stored on the item as they are.
FIELDS = (
    "department",
    "title",
    "party_type",
    "party_name",
    "party_id",
    "party_address",
    "facts",
    "evidence",
    "legal_basis",
    "penalty_kinds",
    "fine_amount",
    "performance",
    "performance_deadline",
    "reconsideration",
    "litigation",
    "deciding_organ",
    "decision_number",
    "decision_date",
    "case_filing_date",
    "legal_review",
    "collective_discussion",
    "service_date",
    "suspected_crime",
    "crime_note",
)


@content("Penalty Filing", icon="glyphicon glyphicon-file")
class PenaltyFiling(FlowItem):
    """A township's penalty decision, filed with the competent department."""

    item_type = ITEM_TYPE
    type_title = TYPE_TITLE
    workflow = WORKFLOW
    searchable_fields = (
        "title",
        "number",
        "decision_number",
        "party_name",
        "party_id",
        "facts",
        "legal_basis",
        "deciding_organ",
    )

    department = ""
    party_type = ""
    party_name = ""
    party_id = ""
    party_address = ""
    facts = ""
    evidence = ""
    legal_basis = ""
    penalty_kinds = ()
    fine_amount = None
    performance = ""
    performance_deadline = None
    reconsideration = ""
    litigation = ""
    deciding_organ = ""
    decision_number = ""
    decision_date = None
    case_filing_date = None
    legal_review = False
    collective_discussion = False
    service_date = None
    suspected_crime = False
    crime_note = ""
    #: The name of the current scanned decision among the item's attachments.
    scan = ""
    #: Set once, at the first submission: the day, the working days since the decision, the limit
    #: then in force, and whether the filing was late.
    submitted_date = None
    filing_workdays = None
    filing_limit = None
    filed_late = False
    #: Marked as a suspected crime: no fine in place of prosecution (不得以罚代刑) without a referral
    #: to public security. Supervision reads this flag.
    crime_flag = False

    def update(self, data):
        """Take the form's values (see :data:`FIELDS`)."""
        for name in FIELDS:
            setattr(self, name, data[name])
        self.penalty_kinds = tuple(kind for kind in PENALTY_KINDS if kind in data["penalty_kinds"])
        amount = data["fine_amount"]
        self.fine_amount = decimal.Decimal(amount) if amount is not None else None
        self.crime_flag = bool(self.suspected_crime)

    def describe(self, request):
        """What the decision states, as the filing's page shows it."""
        deadline = f"（{fmt(self.performance_deadline)} 前）" if self.performance_deadline else ""
        return [
            ("案件名称", self.title),
            ("当事人", f"{self.party_name}（{self.party_type}）"),
            ("公民身份号码或统一社会信用代码", self.party_id),
            ("当事人地址", self.party_address),
            ("违法事实", self.facts),
            ("证据", self.evidence),
            ("处罚依据", self.legal_basis),
            ("处罚种类", "、".join(self.penalty_kinds)),
            ("罚款金额", f"{self.fine_amount:,.2f} 元" if self.fine_amount is not None else ""),
            ("履行方式和期限", self.performance + deadline),
            ("申请行政复议", self.reconsideration),
            ("提起行政诉讼", self.litigation),
            ("作出决定的行政机关", self.deciding_organ),
            ("决定书文号", self.decision_number),
            ("决定日期", fmt(self.decision_date)),
            ("立案日期", fmt(self.case_filing_date) or "—"),
            ("法制审核", "已进行" if self.legal_review else "未进行"),
            ("集体讨论", "已集体讨论决定" if self.collective_discussion else "未集体讨论"),
            ("送达日期", fmt(self.service_date) or "—"),
            ("涉嫌犯罪", "是" if self.suspected_crime else "否"),
        ]

    @property
    def editable(self):
        return self.state in EDITABLE

    def scan_attachment(self):
        return self.get(self.scan) if self.scan else None

    def return_reason(self):
        """The reason of the latest return for correction, while the filing awaits correction."""
        if self.state != "returned":
            return ""
        for entry in reversed(self.history):
            if entry.action == "return":
                return entry.comment
        return ""


def filing_limit(settings):
    """The filing time limit in working days (setting ``portal.filing_limit_workdays``)."""
    return int(settings.get("portal.filing_limit_workdays", DEFAULT_LIMIT_WORKDAYS))


def overrides(request):
    return getattr(request.root, "calendar_overrides", None)


def today():
    return local_date(now())


def filing_workdays_so_far(filing, request):
    """Working days from the decision to today, for a filing not yet submitted."""
    if filing.decision_date is None:
        return None
    return workdays_between(filing.decision_date, today(), overrides(request))


def timeliness(filing, request):
    """``(working days, limit)``: so far, before the first submission; as they were then, after."""
    if filing.submitted_date is None:
        return filing_workdays_so_far(filing, request), filing_limit(request.registry.settings)
    return filing.filing_workdays, filing.filing_limit


def new_name(tenant):
    while True:
        name = f"pf-{now():%Y%m%d}-{secrets.token_hex(3)}"
        if name not in tenant:
            return name


def store_scan(filing, request, files):
    """Attach the uploaded scan (if one was chosen) and make it the filing's current scan."""
    for name in attach_files(filing, files, request, SCAN_KIND):
        filing.scan = name


def create(township, request, data):
    """A township's officer drafts a filing from the form; it is saved as a draft, not yet sent."""
    filing = PenaltyFiling(township.code, data["title"], creator=request.login)
    filing.update(data)
    township.add(new_name(township), filing)
    store_scan(filing, request, data["scan"])
    record(filing, request, "create", "新建草稿")
    return filing


def edit_refusal(filing, request):
    return "" if filing.editable else f"当前状态为“{filing.state_title}”，不能修改"


def change(filing, request, data):
    """The township changes a draft, or corrects a returned filing before submitting it again."""
    filing.update(data)
    store_scan(filing, request, data["scan"])
    record(filing, request, "edit", "修改")
    return "已保存修改。确认无误后请点击“报送”。"


def submit(filing, request):
    """Submit (or, after a return, submit again) to the chosen department; returns the entry.

    The first submission takes the township's number and measures timeliness; a resubmission
    keeps both. The department becomes the recipient and has :data:`RECORD_WORKDAYS` to record.
    """
    name = "resubmit" if filing.state == "returned" else "submit"
    WORKFLOW.check(filing, request, name)
    township = filing.__parent__
    department = request.root["tenants"][filing.department]
    day = today()
    if not filing.number:
        filing.number = next_number(township, township.doc_code + "备", day.year)
    if filing.submitted_date is None:
        filing.submitted_date = day
        filing.filing_limit = filing_limit(request.registry.settings)
        filing.filing_workdays = workdays_between(filing.decision_date, day, overrides(request))
        filing.filed_late = filing.filing_workdays > filing.filing_limit
    for unit in filing.units_in("recipient"):
        if unit != department.code:
            filing.unrelate("recipient", unit)
    filing.relate("recipient", department.code)
    due = add_workdays_ex(day, RECORD_WORKDAYS, overrides(request))
    filing.set_due(
        due.date,
        awaiting=[department.code],
        waiting_for=f"等待{department.title}备案",
        provisional=due.provisional,
    )
    entry = WORKFLOW.fire(filing, request, name)
    return f"已{entry.title}，文号 {filing.number}，{filing.waiting_for}"


def return_for_correction(filing, request, reason):
    """The department sends the filing back with its reason; the township's move."""
    WORKFLOW.check(filing, request, "return")
    township = filing.__parent__
    filing.set_due(
        None,
        awaiting=[township.code],
        waiting_for=f"退回补正：等待{township.title}修改后重新报送",
    )
    WORKFLOW.fire(filing, request, "return", reason)
    return f"已退回{township.title}补正"


def record_filing(filing, request):
    """The department records the filing; the clock stops."""
    WORKFLOW.check(filing, request, "record")
    filing.set_due(None)
    WORKFLOW.fire(filing, request, "record")
    return f"已备案：{filing.number}"


GROUP = "处罚决定备案"
MEASURES = (
    Measure("filings.filed", "报送备案", GROUP, "duty", "乡镇（街道）报送的处罚决定备案（按首次报送月份）"),
    Measure(
        "filings.filed_on_time", "按时报送", GROUP, "", "自决定之日起在报送时限内首次报送（按首次报送月份）"
    ),
    Measure("filings.filed_late", "逾期报送", GROUP, "late", "超过报送时限才首次报送（按首次报送月份）"),
    Measure(
        "filings.returned",
        "被退回补正",
        GROUP,
        "",
        "被业务主管部门退回补正的备案（按退回月份；同一件同月退回多次计一件）",
    ),
    Measure(
        "filings.received", "收到备案", GROUP, "duty", "业务主管部门收到、须备案的处罚决定（按首次报送月份）"
    ),
    Measure("filings.recorded", "已备案", GROUP, "", "业务主管部门予以备案（按备案月份）"),
    Measure("filings.pending", "待备案", GROUP, "open", "已报送、部门尚未备案或退回（按首次报送月份）"),
)


def figures(filing):
    """What a filing counts in the supervisor's overview (portal.supervision): the township's
    timeliness and returns, the department's receipt and record."""
    if filing.submitted_date is None:
        return
    township, day = filing.owner, filing.submitted_date
    yield "filings.filed", township, day
    yield ("filings.filed_late" if filing.filed_late else "filings.filed_on_time"), township, day
    for entry in filing.history:
        if entry.action == "return":
            yield "filings.returned", township, entry.when
        elif entry.action == "record":
            yield "filings.recorded", entry.unit, entry.when
    yield "filings.received", filing.department, day
    if filing.state in ("submitted", "resubmitted"):
        yield "filings.pending", filing.department, day


def includeme(config):
    from .flow import FILINGS

    config.add_figures(ITEM_TYPE, MEASURES, figures)
    config.scan(".")
    FILINGS.include(config)
