"""Penalty-decision filings (行政处罚决定抄告备案): a township files its decision with the department.

After a township decides a penalty in a matter delegated to it, it files the decision in writing
with the competent department (实施意见 (三)1). A :class:`PenaltyFiling` carries what a penalty
decision states (行政处罚法 art. 59) and the scanned decision. The township's officer drafts and
submits it (报送); the department's liaison records it (备案) or returns it for correction (退回补正)
with a reason, and the township edits and submits it again.

"及时": the portal counts the working days from the decision to the first submission against the
setting ``portal.filing_limit_workdays`` (default 5) and keeps the result on the item for good.
"""

from substanced.content import content

from ..calendar import add_workdays_ex, local_date, workdays_between
from ..items import Item, Transition, Workflow, now
from ..items.numbering import next_number

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
class PenaltyFiling(Item):
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
        self.crime_flag = bool(self.suspected_crime)

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
    return WORKFLOW.fire(filing, request, name)


def return_for_correction(filing, request, reason):
    """The department sends the filing back with its reason; the township's move."""
    WORKFLOW.check(filing, request, "return")
    township = filing.__parent__
    filing.set_due(
        None,
        awaiting=[township.code],
        waiting_for=f"退回补正：等待{township.title}修改后重新报送",
    )
    return WORKFLOW.fire(filing, request, "return", reason)


def record_filing(filing, request):
    """The department records the filing; the clock stops."""
    WORKFLOW.check(filing, request, "record")
    filing.set_due(None)
    return WORKFLOW.fire(filing, request, "record")


def includeme(config):
    from .views import listing_url

    config.add_item_type(ITEM_TYPE, TYPE_TITLE)
    config.add_nav_link(20, "处罚决定备案", listing_url)
    config.scan(".")
