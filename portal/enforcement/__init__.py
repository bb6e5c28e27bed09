"""Applications to the court for enforcement (申请人民法院强制执行), 昌府办字〔2024〕52号 (四)5.

"当事人不履行行政决定的，属地乡镇（街道）应依法强制执行或向区人民法院申请强制执行." A township has no
power to enforce a penalty decision itself; when the party neither performs it nor seeks
reconsideration or sues, the township applies to the 区人民法院 (行政强制法 art. 53):

1. it reminds the party in writing (催告, art. 54) and records the reminder on the penalty filing's
   page, with the day it was served: this makes the application (:class:`CourtApplication`, in
   the township's folder, linked to the filing);
2. ten working days after the reminder was served, and once the periods for reconsideration
   (60 days) and lawsuit (six months) have expired, it may apply, within three months of that
   expiry (:mod:`.dates` computes the window from the filing's service date); it applies with its
   materials (art. 55), and the application reaches the court;
3. the court accepts it (受理, within five working days, art. 56) or refuses to (不予受理), and rules
   within seven working days of acceptance (art. 57; thirty days when it hears the parties, art.
   58): 准予执行 or 不准予执行; against a refusal the township may ask the higher court for review
   within fifteen days of receiving it;
4. the township records the outcome (执行完毕, 终结执行..., or that the party performed after the
   reminder) and the application is closed.

The filing's page shows the window (:func:`filing_panel`); the ``portal-deadlines`` run tells the
township when the window opens and warns it :data:`WARN_WORKDAYS` working days before it closes
(:func:`check_windows`), besides the due panels every item gets from its clock. The court sees only
the applications sent to it; the township's members and the 司法局's supervisors see its own.

Every step is a function of ``(item, request[, data])``, callable without a page.
"""

import datetime

from hypatia.query import Eq
from pyramid.renderers import render
from substanced.content import content

from ..calendar import add_workdays_ex, local_date
from ..filings import PenaltyFiling
from ..flows import FlowItem, attach_files, fmt
from ..items import ItemRecorded, Transition, Workflow, WorkflowError, now, reindex
from ..items.uploads import attach, make_attachment
from ..notifications import notify_units
from ..supervision.figures import Measure
from .dates import REMINDER_WORKDAYS, period_end, warning_day, window

ITEM_TYPE = "court_application"
TYPE_TITLE = "申请人民法院强制执行"
#: The setting naming the court townships apply to (the 区人民法院's unit code).
COURT_SETTING = "portal.enforcement_court"
DEFAULT_COURT = "cj-fy"
#: Working days before the window closes from which the deadline run warns the township, once.
WARN_WORKDAYS = 10
#: 行政强制法 art. 56: working days (art. 69) the court has to accept an application.
ACCEPT_WORKDAYS = 5
#: Art. 57: working days from acceptance to the ruling.
RULING_WORKDAYS = 7
#: Art. 58: days from acceptance to the ruling when the court hears the parties (calendar days).
HEARING_DAYS = 30
#: Arts. 56 and 58: days to ask the higher court for review of a refusal (calendar days).
REVIEW_DAYS = 15

#: Penalties with nothing to perform: a decision of only these is never enforced.
NOTHING_TO_ENFORCE = frozenset({"警告", "通报批评"})
#: How the reminder was served (民事诉讼法's ways of service, as 行政强制法 art. 38 refers to them).
SERVICE_METHODS = ("直接送达", "留置送达", "邮寄送达", "委托送达", "电子送达", "公告送达")
GRANTED, DENIED = "准予执行", "不准予执行"
RULINGS = (GRANTED, DENIED)
#: What the township may record as the outcome, by the state the application is in.
OUTCOMES = {
    "reminded": ("当事人已履行", "不再申请强制执行"),
    "granted": ("执行完毕", "部分执行", "终结执行", "执行和解", "当事人已履行"),
    "denied": ("已向上一级人民法院申请复议", "不再申请强制执行", "当事人已履行"),
    "not_accepted": ("已向上一级人民法院申请复议", "不再申请强制执行", "当事人已履行"),
}
#: Outcomes that need a note saying why or how.
EXPLAINED = frozenset({"不再申请强制执行", "部分执行", "终结执行", "执行和解"})

#: Who in the township hears of the court's steps and the window's warnings.
TOWNSHIP_ROLES = frozenset({"officer", "liaison"})
#: Who in the court hears of an application and its outcome.
COURT_ROLES = frozenset({"liaison", "officer"})

WORKFLOW = Workflow(
    initial="reminded",
    states={
        "reminded": "已催告，待申请",
        "applied": "已申请，待法院受理",
        "accepted": "法院已受理，待裁定",
        "granted": "裁定准予执行",
        "denied": "裁定不准予执行",
        "not_accepted": "法院不予受理",
        "closed": "已办结",
    },
    transitions=[
        Transition("apply", "申请强制执行", ["reminded"], "applied"),
        Transition("accept", "受理", ["applied"], "accepted"),
        Transition("not_accept", "不予受理", ["applied"], "not_accepted"),
        Transition("hearing", "听取意见", ["accepted"], "accepted"),
        Transition("grant", "裁定准予执行", ["accepted"], "granted", action="rule"),
        Transition("deny", "裁定不准予执行", ["accepted"], "denied", action="rule"),
        Transition("close", "登记执行结果", list(OUTCOMES), "closed", action="outcome"),
    ],
    final=["closed"],
)


def court_code(settings):
    return settings.get(COURT_SETTING) or DEFAULT_COURT


def overrides_of(request):
    return getattr(request.root, "calendar_overrides", None)


def today():
    return local_date(now())


def enforceable(filing):
    """Whether the decision imposes anything to perform (not only a warning)."""
    return bool(set(filing.penalty_kinds) - NOTHING_TO_ENFORCE)


def end_text(end, what=""):
    """A period's last day as the pages write it, saying when a holiday moved it."""
    if end is None:
        return ""
    text = fmt(end.date)
    if end.moved:
        text += f"（{fmt(end.nominal)} 为法定节假日或休息日，顺延至其后第一个工作日）"
    if end.provisional:
        text += "（该年度节假日数据未录入，按周一至周五推算）"
    return text


@content("Court Application", icon="glyphicon glyphicon-briefcase")
class CourtApplication(FlowItem):
    """A township's application to the court for the enforcement of one penalty decision."""

    item_type = ITEM_TYPE
    type_title = TYPE_TITLE
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "party_name", "decision_number", "case_number", "subject")

    #: The penalty filing in the same township's folder.
    filing_name = ""
    court = ""
    # the reminder (催告)
    reminder_number = ""
    reminder_served = None
    reminder_method = ""
    reminder_note = ""
    # the application (申请)
    applied_at = None
    subject = ""
    party_opinion = ""
    # the court's steps
    accepted_on = None
    case_number = ""
    hearing_reason = ""
    ruling = ""
    ruling_date = None
    ruling_number = ""
    ruling_reason = ""
    #: When the ruling (or the refusal to accept) reached the township: its review period runs from it.
    ruling_received = None
    # the outcome
    outcome = ""
    outcome_date = None
    outcome_note = ""
    #: The deadline run's one-off notices: the window's opening day and close date they were for.
    opened_notified_for = None
    warned_for = None

    # the decision ---------------------------------------------------------------------------------

    def filing(self):
        """The penalty filing this application enforces (None if it is gone)."""
        folder = self.__parent__
        found = folder.get(self.filing_name) if folder is not None else None
        return found if isinstance(found, PenaltyFiling) else None

    def window(self, overrides=None):
        """The application window (:class:`.dates.Window`), or None without a service date."""
        if self.service_date is None:
            return None
        return window(self.service_date, self.reminder_served, overrides)

    @property
    def court_title(self):
        return self.unit_name(self.court)

    # the clock ------------------------------------------------------------------------------------

    def accept_due(self, overrides=None):
        return add_workdays_ex(self.applied_at, ACCEPT_WORKDAYS, overrides)

    def ruling_due(self, overrides=None):
        if self.hearing_reason:
            return period_end(self.accepted_on + datetime.timedelta(days=HEARING_DAYS), overrides)
        return add_workdays_ex(self.accepted_on, RULING_WORKDAYS, overrides)

    def review_end(self, overrides=None):
        """The last day to ask the higher court for review of a refusal (15 days from receipt)."""
        if self.ruling_received is None:
            return None
        start = local_date(self.ruling_received)
        return period_end(start + datetime.timedelta(days=REVIEW_DAYS), overrides)

    def update_clock(self, overrides=None, day=None):
        """Who the application waits for, and by when, in its present state (as of ``day``, by
        default today: before the window opens it says from when the township may apply)."""
        township, court = self.owner_title, self.court_title
        day = day or today()
        if self.state == "reminded":
            dates = self.window(overrides)
            if dates is None:
                self.set_due(None, [self.owner], f"等待{township}申请人民法院强制执行")
                return
            closes = dates.closes
            when = (
                f"可于 {fmt(dates.opens)} 起申请，{fmt(closes.date)} 前"
                if dates.opens and day < dates.opens
                else f"{fmt(closes.date)} 前"
            )
            self.set_due(
                closes.date,
                [self.owner],
                f"等待{township}向{court}申请强制执行（{when}）",
                provisional=closes.provisional,
            )
        elif self.state == "applied":
            due = self.accept_due(overrides)
            self.set_due(due.date, [self.court], f"等待{court}受理", provisional=due.provisional)
        elif self.state == "accepted":
            due = self.ruling_due(overrides)
            self.set_due(due.date, [self.court], f"等待{court}作出执行裁定", provisional=due.provisional)
        elif self.state == "granted":
            self.set_due(None, [self.owner], f"裁定准予执行：等待{township}登记执行结果")
        elif self.state in ("denied", "not_accepted"):
            end = self.review_end(overrides)
            self.set_due(
                end.date if end else None,
                [self.owner],
                f"{self.state_title}：{township}不服的，可向上一级人民法院申请复议；等待{township}登记结果",
                provisional=bool(end and end.provisional),
            )
        else:
            self.set_due(None)

    # what people read -----------------------------------------------------------------------------

    def describe(self, request):
        deadline = f"（{fmt(self.performance_deadline)} 前）" if self.performance_deadline else ""
        fine = f"{self.fine_amount:,.2f} 元" if self.fine_amount is not None else ""
        return [
            ("申请人", self.owner_title),
            ("申请法院", self.court_title),
            ("被执行人", f"{self.party_name}（{self.party_type}）" if self.party_name else ""),
            ("公民身份号码或统一社会信用代码", self.party_id),
            ("被执行人地址", self.party_address),
            ("行政处罚决定书", f"{self.decision_number}（{fmt(self.decision_date)} 作出）"),
            ("处罚种类", "、".join(self.penalty_kinds)),
            ("罚款金额", fine),
            ("履行方式和期限", self.performance + deadline),
            ("决定书送达日期", fmt(self.service_date), "portal-service-date"),
        ]

    def sections(self, request):
        return [
            ("催告", [self.reminder_text()]),
            ("申请", [self.application_text()]),
            ("法院受理和裁定", [self.acceptance_text(), self.hearing_text(), self.ruling_text()]),
            ("执行结果", [self.outcome_text()]),
        ]

    def reminder_text(self):
        if self.reminder_served is None:
            return ""
        number = f"催告书 {self.reminder_number}，" if self.reminder_number else "催告书"
        note = f"；当事人陈述、申辩：{self.reminder_note}" if self.reminder_note else ""
        return f"{number}于 {fmt(self.reminder_served)} {self.reminder_method}{note}"

    def application_text(self):
        if self.applied_at is None:
            return ""
        return (
            f"{fmt(self.applied_at)} 向{self.court_title}申请强制执行。申请执行标的：{self.subject}；"
            f"当事人的意见：{self.party_opinion}"
        )

    def acceptance_text(self):
        if self.accepted_on is not None:
            return f"{fmt(self.accepted_on)} 受理，案号 {self.case_number}"
        if self.state == "not_accepted" or (self.ruling_date and not self.ruling):
            return f"{fmt(self.ruling_date)} 裁定不予受理：{self.ruling_reason}"
        return ""

    def hearing_text(self):
        if not self.hearing_reason:
            return ""
        return (
            "听取被执行人和行政机关的意见（行政强制法第五十八条），裁定期限延至受理后三十日："
            + self.hearing_reason
        )

    def ruling_text(self):
        if not self.ruling:
            return ""
        number = f"（{self.ruling_number}）" if self.ruling_number else ""
        reason = f"：{self.ruling_reason}" if self.ruling_reason else ""
        return f"{fmt(self.ruling_date)} 裁定{self.ruling}{number}{reason}"

    def outcome_text(self):
        if not self.outcome:
            return ""
        note = f"：{self.outcome_note}" if self.outcome_note else ""
        return f"{fmt(self.outcome_date)} {self.outcome}{note}"

    def notices(self, entry, request):
        """The court hears of an application and of its outcome; the township of the court's steps.
        Recording the reminder tells nobody (the township's own step)."""
        title, township, court = f"《{self.title}》", self.owner_title, self.court_title
        if entry.action == "apply":
            text = (
                f"{township}申请强制执行：{title}（{self.number}），被执行人 {self.party_name}，"
                f"行政处罚决定书 {self.decision_number}。请于 {fmt(self.due)} 前受理（行政强制法第五十六条）"
            )
            return [([self.court], COURT_ROLES, text)]
        to_township = {
            "accept": f"{court}已受理{title}（案号 {self.case_number}），裁定期限 {fmt(self.due)}",
            "not_accept": f"{court}裁定不予受理{title}：{self.ruling_reason}",
            "hearing": f"{court}决定就{title}听取被执行人和行政机关的意见，裁定期限 {fmt(self.due)}",
            "grant": f"{court}裁定准予执行{title}，请执行后登记执行结果",
            "deny": f"{court}裁定不准予执行{title}：{self.ruling_reason}",
        }
        if entry.action in ("not_accept", "deny") and self.due:
            to_township[entry.action] += f"。不服的，可于 {fmt(self.due)} 前向上一级人民法院申请复议"
        if entry.action in to_township:
            return [([self.owner], TOWNSHIP_ROLES, to_township[entry.action])]
        if entry.action == "close" and self.applied_at is not None:
            return [([self.court], COURT_ROLES, f"{township}登记了{title}的执行结果：{self.outcome_text()}")]
        return []


#: The decision's fields an application reads from its filing, with their value without one.
DECISION_FIELDS = {
    "party_type": "",
    "party_name": "",
    "party_id": "",
    "party_address": "",
    "decision_number": "",
    "decision_date": None,
    "service_date": None,
    "penalty_kinds": (),
    "fine_amount": None,
    "performance": "",
    "performance_deadline": None,
    "deciding_organ": "",
}


def _decision_field(name, default):
    def get(self):
        filing = self.filing()
        return getattr(filing, name, default) if filing is not None else default

    return property(get, doc=f"The filing's ``{name}``.")


# The decision's fields (party, decision number, dates...) are read from the filing, as it stands.
for _name, _default in DECISION_FIELDS.items():
    setattr(CourtApplication, _name, _decision_field(_name, _default))


def application_of(filing):
    """The enforcement application made from ``filing``'s reminder, or None."""
    name = getattr(filing, "court_application", "")
    found = filing.__parent__.get(name) if name and filing.__parent__ is not None else None
    return found if isinstance(found, CourtApplication) else None


def _refuse(reason):
    if reason:
        raise WorkflowError(reason)


# The township: the reminder, on the filing -------------------------------------------------------


def reminder_refusal(filing, request):
    """Why no reminder can be recorded on ``filing`` now, or ``""``."""
    if filing.state == "draft":
        return "处罚决定备案报送后，才能登记催告"
    existing = application_of(filing)
    if existing is not None:
        return f"本案已于 {fmt(existing.reminder_served)} 登记催告（{existing.number}），请在该申请页面办理"
    if not enforceable(filing):
        return "本决定只有警告、通报批评，没有需要当事人履行的义务，无需申请强制执行"
    if filing.service_date is None:
        return "请先在处罚决定备案中填写送达日期：复议、诉讼和申请强制执行的期限都从送达之日起计算"
    dates = window(filing.service_date, None, overrides_of(request))
    if today() > dates.closes.date:
        return f"申请强制执行的期限已于 {fmt(dates.closes.date)} 届满（行政强制法第五十三条），不能再申请"
    return ""


def remind(filing, request, data):
    """The township records the written reminder served on the party (``served_date``,
    ``method``, ``reminder_number``, ``note``, ``files``): the application is made, in the
    township's folder, its window computed. Returns the application."""
    from .flow import FLOW

    _refuse(reminder_refusal(filing, request))
    township = filing.__parent__
    values = {
        "title": f"申请强制执行：{filing.title}"[:200],
        "filing_name": filing.__name__,
        "court": court_code(request.registry.settings),
        "reminder_number": data.get("reminder_number", ""),
        "reminder_served": data["served_date"],
        "reminder_method": data["method"],
        "reminder_note": data.get("note", ""),
        "files": data.get("files", ()),
    }

    def prepare(item):
        filing.court_application = item.__name__
        item.update_clock(overrides_of(request))

    item = FLOW.create(township, request, values, prepare=prepare)
    return item


def remind_step(filing, request, data):
    """The filing page's action: record the reminder; the message says when the window opens."""
    item = remind(filing, request, data)
    dates = item.window(overrides_of(request))
    return (
        f"已登记催告（{item.number}）。催告书送达后 {REMINDER_WORKDAYS} 个工作日届满于 "
        f"{fmt(dates.reminder_end.date)}；{dates.status(today())[1]}"
    )


# The township: applying ---------------------------------------------------------------------------


def apply_refusal(item, request):
    """Why the application cannot be made today, or ``""``: the window, with its dates."""
    dates = item.window(overrides_of(request))
    if dates is None:
        return "处罚决定书的送达日期未填写，无法计算申请期限"
    key, text = dates.status(today())
    if key == "not-yet":
        why = []
        if today() <= dates.expired:
            why.append(f"复议、诉讼期限 {fmt(dates.expired)} 届满")
        if dates.reminder_end and today() <= dates.reminder_end.date:
            why.append(f"催告书送达后 {REMINDER_WORKDAYS} 个工作日（{fmt(dates.reminder_end.date)}）届满")
        return f"申请期间尚未开始：须待{'、'.join(why)}之后，可于 {fmt(dates.opens)} 起申请"
    if key in ("closed", "empty"):
        return text + "（行政强制法第五十三条：自复议、诉讼期限届满之日起三个月内申请）"
    return ""


def copy_decision_scan(item, filing, request):
    """A copy of the filing's scanned decision among the application's materials, for the court."""
    scan = filing.scan_attachment()
    if scan is None:
        return
    with scan.blob.open("r") as f:
        data = f.read()
    attach(
        item,
        make_attachment(
            scan.filename, data, request.registry.settings, kind="行政处罚决定书", uploaded_by=request.login
        ),
    )


def apply(item, request, data):
    """The township applies (``subject``, ``party_opinion``, ``signed``, ``letter``, ``files``):
    the application with its materials reaches the court, whose five working days start."""
    WORKFLOW.check(item, request, "apply")
    _refuse(apply_refusal(item, request))
    if not data.get("signed"):
        raise WorkflowError("强制执行申请书须经本机关负责人签名并加盖印章（行政强制法第五十五条）")
    item.subject = data["subject"]
    item.party_opinion = data["party_opinion"]
    attach_files(item, data.get("letter", ()), request, "强制执行申请书")
    attach_files(item, data.get("files", ()), request, "申请材料")
    filing = item.filing()
    if filing is not None:
        copy_decision_scan(item, filing, request)
    item.applied_at = now()
    item.relate("recipient", item.court)
    overrides = overrides_of(request)
    WORKFLOW.fire(
        item,
        request,
        "apply",
        f"申请执行标的：{item.subject}",
        before_record=lambda i, r: i.update_clock(overrides),
    )
    return f"已向{item.court_title}申请强制执行，法院应于 {fmt(item.due)} 前受理"


# The court ---------------------------------------------------------------------------------------


def court_refusal(item, request):
    if request.acting_unit != item.court:
        return "只有受理申请的人民法院可以办理"
    return ""


def accept(item, request, data):
    """The court accepts the application (``accepted_on``, ``case_number``); seven working days
    to rule start."""
    WORKFLOW.check(item, request, "accept")
    _refuse(court_refusal(item, request))
    item.accepted_on = data["accepted_on"]
    item.case_number = data["case_number"]
    overrides = overrides_of(request)
    WORKFLOW.fire(
        item,
        request,
        "accept",
        f"案号 {item.case_number}",
        before_record=lambda i, r: i.update_clock(overrides),
    )
    return f"已受理，请于 {fmt(item.due)} 前作出执行裁定"


def not_accept(item, request, data):
    """The court refuses to accept the application (``ruling_date``, ``reason``, ``files``)."""
    WORKFLOW.check(item, request, "not_accept")
    _refuse(court_refusal(item, request))
    item.ruling_date = data["ruling_date"]
    item.ruling_reason = data["reason"]
    item.ruling_received = now()
    attach_files(item, data.get("files", ()), request, "不予受理裁定书")
    overrides = overrides_of(request)
    WORKFLOW.fire(
        item, request, "not_accept", data["reason"], before_record=lambda i, r: i.update_clock(overrides)
    )
    return "已登记不予受理，申请单位会收到通知"


def hearing(item, request, data):
    """The court hears the parties before ruling (art. 58): thirty days from acceptance to rule."""
    WORKFLOW.check(item, request, "hearing")
    _refuse(court_refusal(item, request))
    if item.hearing_reason:
        raise WorkflowError("已登记听取意见，裁定期限已延至受理后三十日")
    item.hearing_reason = data["reason"]
    overrides = overrides_of(request)
    WORKFLOW.fire(
        item, request, "hearing", data["reason"], before_record=lambda i, r: i.update_clock(overrides)
    )
    return f"已登记听取意见，裁定期限 {fmt(item.due)}"


def rule(item, request, data):
    """The court rules (``ruling``: 准予执行 or 不准予执行, ``ruling_date``, ``ruling_number``,
    ``reason``, ``files``)."""
    name = "grant" if data["ruling"] == GRANTED else "deny"
    WORKFLOW.check(item, request, name)
    _refuse(court_refusal(item, request))
    if data["ruling"] == DENIED and not data.get("reason"):
        raise WorkflowError("裁定不准予执行的，请写明理由")
    item.ruling = data["ruling"]
    item.ruling_date = data["ruling_date"]
    item.ruling_number = data.get("ruling_number", "")
    item.ruling_reason = data.get("reason", "")
    item.ruling_received = now()
    attach_files(item, data.get("files", ()), request, "执行裁定书")
    overrides = overrides_of(request)
    WORKFLOW.fire(
        item, request, name, item.ruling_text(), before_record=lambda i, r: i.update_clock(overrides)
    )
    return f"已登记裁定：{item.ruling}，申请单位会收到通知"


# The township: the outcome ------------------------------------------------------------------------


def outcome_refusal(item, request):
    if request.acting_unit != item.owner:
        return "只有申请单位可以登记执行结果"
    return ""


def record_outcome(item, request, data):
    """The township records how it ended (``result``, ``outcome_date``, ``note``, ``files``)."""
    WORKFLOW.check(item, request, "close")
    _refuse(outcome_refusal(item, request))
    choices = OUTCOMES.get(item.state, ())
    if data["result"] not in choices:
        raise WorkflowError(f"当前状态为“{item.state_title}”，执行结果只能是：{'、'.join(choices)}")
    if data["result"] in EXPLAINED and not data.get("note"):
        raise WorkflowError(f"“{data['result']}”请写明情况")
    item.outcome = data["result"]
    item.outcome_date = data["outcome_date"]
    item.outcome_note = data.get("note", "")
    attach_files(item, data.get("files", ()), request, "执行结果材料")
    WORKFLOW.fire(item, request, "close", item.outcome_text(), before_record=lambda i, r: i.set_due(None))
    return f"已登记执行结果：{item.outcome}，本申请办结"


# The filing's page --------------------------------------------------------------------------------

PANEL_TEMPLATE = "portal.enforcement:templates/panel.pt"


def date_rows(dates):
    """``[(key, label, text)]``: the window's dates as the filing's and the application's pages
    show them."""
    if dates is None:
        return []
    rows = [
        ("service", "决定书送达日期", fmt(dates.service_date)),
        ("reconsideration", "申请行政复议期限届满（送达后60日）", end_text(dates.reconsideration)),
        ("lawsuit", "提起行政诉讼期限届满（送达后6个月）", end_text(dates.lawsuit)),
    ]
    if dates.reminder_served is not None:
        rows += [
            ("reminder", "催告书送达日期", fmt(dates.reminder_served)),
            ("reminder-end", f"催告期满（送达后{REMINDER_WORKDAYS}个工作日）", end_text(dates.reminder_end)),
            ("opens", "可以申请之日", fmt(dates.opens)),
        ]
    else:
        rows.append(("latest-reminder", "催告书最迟送达日期", fmt(dates.latest_reminder)))
    rows.append(("closes", "申请强制执行期限届满（复议、诉讼期限届满后3个月）", end_text(dates.closes)))
    return rows


def item_dates(item, request):
    """``(rows, status)`` of an application's page: its dates, and, while the township has yet to
    apply, where today stands in the window."""
    dates = item.window(overrides_of(request))
    status = dates.status(today()) if dates is not None and item.state == "reminded" else ("", "")
    return date_rows(dates), status


def filing_panel(filing, request):
    """The enforcement section of a penalty filing's page: the window's dates for everyone who
    sees the filing; the application and the reminder's action for those who may see or take them."""
    from .flow import REMINDER, dates_macros

    item = application_of(filing)
    if item is None and not enforceable(filing):
        return ""
    shown = item if item is not None and request.permits(item, "view") else None
    overrides = overrides_of(request)
    dates = None
    if filing.service_date is not None:
        dates = window(filing.service_date, shown.reminder_served if shown else None, overrides)
    rows = date_rows(dates)
    status = dates.status(today()) if dates is not None else ("", "")
    if item is not None and shown is None:
        # A reminder this person may not see: the decision's own dates only.
        rows = [row for row in rows if row[0] != "latest-reminder"]
        status = ("", "")
    offered = item is None and REMINDER.offered(filing, request)
    values = {
        "filing": filing,
        "application": shown,
        "rows": rows,
        "status": status,
        "remind_url": request.resource_url(filing, "@@" + REMINDER.name) if offered else "",
        "refusal": (
            REMINDER.refusal(filing, request)
            if item is None and request.permits(filing, REMINDER.permission)
            else ""
        ),
        "dates": dates_macros(),
    }
    return render(PANEL_TEMPLATE, values, request)


# The portal-deadlines run ------------------------------------------------------------------------


def check_windows(root, request, moment):
    """For every application awaiting the township's application: its clock brought in line with
    the filing (a corrected service date moves the window), a notice once when the window opens,
    and a warning once :data:`WARN_WORKDAYS` working days before it closes. Idempotent."""
    catalog = root["catalogs"]["portal"]
    policy = request.registry.policy_engine
    overrides = root.calendar_overrides
    day = local_date(moment)
    counts = {"enforcement windows opened": 0, "enforcement warnings": 0, "notifications": 0}
    query = Eq(catalog["item_type"], ITEM_TYPE) & Eq(catalog["state"], "reminded")
    for item in list(query.execute().all()):
        dates = item.window(overrides)
        if dates is None:
            continue
        clock = (item.due, item.waiting_for, item.due_provisional)
        item.update_clock(overrides, day)
        if (item.due, item.waiting_for, item.due_provisional) != clock:
            reindex(item, request)
        closes = dates.closes.date
        title = f"《{item.title}》（{item.number}）"
        if not dates.empty and dates.opens <= day <= closes and item.opened_notified_for != dates.opens:
            item.opened_notified_for = dates.opens
            text = (
                f"{title}申请强制执行的期间已开始：催告期满、复议和诉讼期限均已届满，"
                f"当事人仍未履行的，请于 {fmt(closes)} 前向{item.court_title}申请强制执行"
            )
            counts["notifications"] += notify_units(
                root, policy, item, [item.owner], text, roles=TOWNSHIP_ROLES
            )
            counts["enforcement windows opened"] += 1
        if warning_day(closes, WARN_WORKDAYS, overrides) <= day <= closes and item.warned_for != closes:
            item.warned_for = closes
            text = (
                f"{title}申请人民法院强制执行的期限将于 {fmt(closes)} 届满，逾期不能再申请"
                "（行政强制法第五十三条）。当事人仍未履行的，请及时申请；已履行的，请登记执行结果"
            )
            counts["notifications"] += notify_units(
                root, policy, item, [item.owner], text, roles=TOWNSHIP_ROLES
            )
            counts["enforcement warnings"] += 1
    return {key: value for key, value in counts.items() if value}


def on_filing_recorded(event):
    """A filing changed (its service date corrected): its application's clock follows."""
    filing = event.item
    if not isinstance(filing, PenaltyFiling):
        return
    item = application_of(filing)
    if item is not None and item.state == "reminded":
        item.update_clock(overrides_of(event.request))
        reindex(item, event.request)


GROUP = "申请强制执行"
MEASURES = (
    Measure(
        "enforcement.reminded", "催告", GROUP, "", "当事人逾期不履行、已书面催告的处罚决定（按催告送达月份）"
    ),
    Measure("enforcement.applied", "申请法院强制执行", GROUP, "", "向人民法院申请强制执行的（按申请月份）"),
    Measure("enforcement.granted", "裁定准予执行", GROUP, "", "人民法院裁定准予执行的（按收到裁定月份）"),
    Measure(
        "enforcement.refused",
        "不予受理或不准予执行",
        GROUP,
        "",
        "人民法院不予受理或裁定不准予执行的（按收到裁定月份）",
    ),
)


def figures(application):
    """What a court application counts for its township in the overview (portal.supervision)."""
    township = application.owner
    yield "enforcement.reminded", township, application.reminder_served or application.created
    if application.applied_at is None:
        return
    yield "enforcement.applied", township, application.applied_at
    if application.ruling_received is not None:
        # A ruling, or the refusal to accept (which sets no ruling).
        granted = application.ruling == GRANTED
        yield (
            ("enforcement.granted" if granted else "enforcement.refused"),
            township,
            application.ruling_received,
        )


def includeme(config):
    from ..filings.flow import FILINGS
    from .flow import FLOW, REMINDER

    config.add_figures(ITEM_TYPE, MEASURES, figures)
    FLOW.include(config)
    FILINGS.add_action(config, REMINDER)
    FILINGS.add_panel(config, "enforcement", filing_panel)
    config.add_subscriber(on_filing_recorded, ItemRecorded)
    config.add_deadline_check("enforcement.windows", check_windows)
    config.scan(".")
