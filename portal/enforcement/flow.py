"""The forms and pages of enforcement applications, declared on the flow kit; the reminder is an
action of the penalty filing's page (registered on it by :func:`portal.enforcement.includeme`)."""

import colander
import deform
from pyramid.renderers import get_renderer

from ..flows import (
    Action,
    FilesWidget,
    Flow,
    choice_node,
    date_node,
    files_node,
    flag_node,
    fmt,
    not_before,
    not_in_future,
    text_node,
)
from ..views import CSRFSchema
from . import (
    ACCEPT_WORKDAYS,
    DENIED,
    EXPLAINED,
    HEARING_DAYS,
    OUTCOMES,
    REVIEW_DAYS,
    RULING_WORKDAYS,
    RULINGS,
    SERVICE_METHODS,
    CourtApplication,
    accept,
    apply,
    apply_refusal,
    court_refusal,
    hearing,
    item_dates,
    not_accept,
    outcome_refusal,
    overrides_of,
    record_outcome,
    remind_step,
    reminder_refusal,
    rule,
    today,
)
from .dates import REMINDER_WORKDAYS

DATES_TEMPLATE = "portal.enforcement:templates/dates.pt"


def _invalid(node, field, message):
    error = colander.Invalid(node)
    error[field] = message
    raise error


# The reminder (on the filing) ----------------------------------------------------------------------


@colander.deferred
def reminder_date_check(node, kw):
    """Served after the decision was, and after the time the decision gave the party to perform."""
    filing = kw["item"]
    checks = [not_in_future, not_before(filing.service_date, "决定书送达日期")]
    deadline = filing.performance_deadline

    def after_deadline(node, value):
        if deadline is not None and value is not None and value <= deadline:
            raise colander.Invalid(
                node,
                f"履行期限 {fmt(deadline)} 届满后当事人仍未履行的，才需催告：催告书送达日期须晚于履行期限",
            )

    return colander.All(*checks, after_deadline)


class ReminderSchema(CSRFSchema):
    """The written reminder (催告书) served on the party, 行政强制法 arts. 35 and 54."""

    reminder_number = text_node(
        "催告书文号", 100, required=False, description="选填，例如：鱼山镇催〔2026〕3号"
    )
    served_date = date_node("催告书送达日期", validator=reminder_date_check)
    method = choice_node("送达方式", SERVICE_METHODS)
    note = text_node(
        "当事人的陈述、申辩",
        5000,
        required=False,
        textarea=True,
        description="当事人收到催告书后提出的陈述、申辩及本机关的复核意见；没有的可不填",
    )
    files = files_node(
        "催告书及送达回证",
        missing=colander.required,
        missing_msg="请上传催告书及送达回证（扫描件）",
        widget=FilesWidget(choose_again=True),
    )


def reminder_intro(filing, request):
    return (
        "当事人在法定期限内不申请行政复议、不提起行政诉讼，又不履行行政处罚决定的，本机关申请人民法院强制执行前，"
        "应当书面催告当事人履行（行政强制法第五十四条）。"
        f"催告书送达 {REMINDER_WORKDAYS} 个工作日后当事人仍未履行，且复议、诉讼期限均已届满的，"
        "方可向区人民法院申请强制执行，并须在复议、诉讼期限届满之日起三个月内申请（第五十三条）。"
        "登记后生成一份“申请人民法院强制执行”，平台据送达日期计算申请期间，在期限届满前提醒。"
    )


# Applying ---------------------------------------------------------------------------------------


def ticked(node, message):
    """A tick box that must be ticked (checked with the other fields, not after them)."""
    node.validator = colander.Function(bool, message)
    return node


def subject_default(item):
    """What the application asks to enforce, as the decision says it."""
    if item.fine_amount is not None:
        return f"罚款 {item.fine_amount:,.2f} 元"
    return "、".join(item.penalty_kinds)


def party_opinion_default(item):
    return item.reminder_note or "当事人收到催告书后未提出陈述、申辩，逾期仍未履行"


class ApplySchema(CSRFSchema):
    """The application and its materials, 行政强制法 art. 55."""

    subject = text_node(
        "申请执行的标的",
        1000,
        textarea=True,
        default=colander.deferred(lambda node, kw: subject_default(kw["item"])),
        description="例如：罚款 5,000.00 元；加处罚款的，写明金额和计算方法",
    )
    party_opinion = text_node(
        "当事人的意见",
        5000,
        textarea=True,
        default=colander.deferred(lambda node, kw: party_opinion_default(kw["item"])),
        description="当事人的陈述、申辩和本机关催告的情况",
    )
    signed = ticked(
        flag_node(
            "强制执行申请书已由本机关负责人签名并加盖本机关印章",
            "行政强制法第五十五条：申请书须经行政机关负责人签名、加盖印章",
        ),
        "申请书须经本机关负责人签名并加盖印章后才能申请；请核实后勾选",
    )
    letter = files_node(
        "强制执行申请书",
        "负责人签名并加盖印章后的扫描件（一个文件）",
        widget=FilesWidget(input_name="letter", multiple=False, choose_again=True),
        missing=colander.required,
        missing_msg="请上传强制执行申请书（负责人签名、加盖印章后的扫描件）",
    )
    files = files_node(
        "其他材料",
        "作出决定的事实、理由和依据，申请强制执行标的情况等；可一次选择多个文件。"
        "备案中的处罚决定书扫描件和已登记的催告书会一并送交法院，无需重复上传",
    )


def apply_intro(item, request):
    dates = item.window(overrides_of(request))
    closes = f"，须于 {fmt(dates.closes.date)} 前申请" if dates else ""
    return (
        f"向{item.court_title}申请强制执行{closes}（行政强制法第五十三条）。"
        "申请应当提供：强制执行申请书、行政决定书及作出决定的事实理由和依据、当事人的意见及催告情况、"
        "申请强制执行标的情况（第五十五条）。"
        f"提交后申请即送达{item.court_title}，法院应在 {ACCEPT_WORKDAYS} 个工作日内受理（第五十六条）。"
    )


# The court --------------------------------------------------------------------------------------


@colander.deferred
def accepted_check(node, kw):
    item = kw["item"]
    return colander.All(not_in_future, not_before(item.applied_at, "申请日期"))


class AcceptSchema(CSRFSchema):
    accepted_on = date_node(
        "受理日期", validator=accepted_check, default=colander.deferred(lambda node, kw: today())
    )
    case_number = text_node("案号", 100, description="例如：（2026）赣0202行审12号")


@colander.deferred
def ruled_check(node, kw):
    item = kw["item"]
    start = item.accepted_on or item.applied_at
    return colander.All(not_in_future, not_before(start, "受理日期" if item.accepted_on else "申请日期"))


class NotAcceptSchema(CSRFSchema):
    ruling_date = date_node(
        "裁定日期", validator=ruled_check, default=colander.deferred(lambda node, kw: today())
    )
    reason = text_node("不予受理的理由", 5000, textarea=True)
    files = files_node("不予受理裁定书")


class HearingSchema(CSRFSchema):
    reason = text_node(
        "需要听取意见的情形",
        3000,
        textarea=True,
        description="明显缺乏事实根据、明显缺乏法律法规依据，或其他明显违法并损害被执行人合法权益的情形",
    )


class RuleSchema(CSRFSchema):
    ruling = choice_node(
        "裁定结果",
        RULINGS,
        oid="ruling",
        widget=deform.widget.RadioChoiceWidget(values=[(r, r) for r in RULINGS], inline=True),
    )
    ruling_date = date_node(
        "裁定日期", validator=ruled_check, default=colander.deferred(lambda node, kw: today())
    )
    ruling_number = text_node("裁定书文号", 100, required=False, description="选填")
    reason = text_node(
        "理由", 5000, required=False, textarea=True, description="裁定不准予执行的，须写明理由"
    )
    files = files_node("执行裁定书")

    def validator(self, node, value):
        if value["ruling"] == DENIED and not value["reason"]:
            _invalid(node, "reason", "裁定不准予执行的，请写明理由（行政强制法第五十八条）")


def rule_refusal(item, request):
    if item.state != "accepted":
        return f"“{item.title}”当前状态为“{item.state_title}”，受理后才能登记执行裁定"
    return court_refusal(item, request)


def rule_intro(item, request):
    return (
        f"法院应自受理之日起 {RULING_WORKDAYS} 个工作日内作出是否执行的裁定（行政强制法第五十七条）；"
        f"听取被执行人和行政机关意见的，自受理之日起 {HEARING_DAYS} 日内（第五十八条）。"
        "裁定登记后，申请单位收到通知。"
    )


def not_accept_intro(item, request):
    return (
        f"不予受理的，申请单位可自收到裁定之日起 {REVIEW_DAYS} 日内向上一级人民法院申请复议"
        "（行政强制法第五十六条）。"
        "登记后申请单位收到通知，复议期限从登记之日起计算。"
    )


def hearing_intro(item, request):
    return (
        "法院发现行政决定有明显缺乏事实根据、明显缺乏法律法规依据等情形的，在作出裁定前可以听取被执行人和行政机关的意见"
        f"（行政强制法第五十八条）；裁定期限随之改为自受理之日起 {HEARING_DAYS} 日（末日为节假日的顺延）。"
    )


# The outcome -------------------------------------------------------------------------------------


def outcome_choices(kw):
    return OUTCOMES.get(kw["item"].state, ())


@colander.deferred
def outcome_date_check(node, kw):
    item = kw["item"]
    return colander.All(not_in_future, not_before(item.reminder_served, "催告书送达日期"))


class OutcomeSchema(CSRFSchema):
    result = choice_node(
        "执行结果",
        (),
        widget=colander.deferred(
            lambda node, kw: deform.widget.SelectWidget(
                values=[("", "请选择"), *[(c, c) for c in outcome_choices(kw)]]
            )
        ),
        validator=colander.deferred(
            lambda node, kw: colander.OneOf(
                outcome_choices(kw), msg_err=f"请选择执行结果：{'、'.join(outcome_choices(kw))}"
            )
        ),
        missing_msg="请选择执行结果",
    )
    outcome_date = date_node(
        "日期", validator=outcome_date_check, default=colander.deferred(lambda node, kw: today())
    )
    note = text_node(
        "情况说明",
        5000,
        required=False,
        textarea=True,
        description="不再申请、部分执行、终结执行、执行和解的，须写明情况",
    )
    files = files_node("材料")

    def validator(self, node, value):
        if value["result"] in EXPLAINED and not value["note"]:
            _invalid(node, "note", f"“{value['result']}”须写明情况")


def outcome_intro(item, request):
    text = "登记后本申请办结，不再提醒。"
    if item.state == "reminded":
        return "催告后当事人已履行，或本机关决定不再申请强制执行的，在此登记。" + text
    if item.state == "granted":
        return "法院裁定准予执行后，登记执行的结果。" + text
    return (
        f"对{item.state_title}的裁定不服的，可自收到裁定之日起 {REVIEW_DAYS} 日内向上一级人民法院申请复议；"
        "在此登记是否申请复议。" + text
    )


# The declaration ---------------------------------------------------------------------------------

REMINDER = Action(
    "enforcement_reminder",
    "登记催告",
    act=remind_step,
    schema=ReminderSchema(),
    allowed=reminder_refusal,
    heading="登记催告（申请人民法院强制执行）",
    intro=reminder_intro,
    button="登记催告",
    listed=False,
)

ACTIONS = (
    Action(
        "apply",
        "申请强制执行",
        act=apply,
        schema=ApplySchema(),
        transition="apply",
        allowed=apply_refusal,
        intro=apply_intro,
        button="提交申请",
    ),
    Action(
        "accept",
        "受理",
        act=accept,
        schema=AcceptSchema(),
        transition="accept",
        allowed=court_refusal,
        intro=lambda item, request: (
            f"受理后，应自受理之日起 {RULING_WORKDAYS} 个工作日内作出执行裁定（行政强制法第五十七条）。"
        ),
    ),
    Action(
        "not_accept",
        "不予受理",
        act=not_accept,
        schema=NotAcceptSchema(),
        transition="not_accept",
        allowed=court_refusal,
        intro=not_accept_intro,
        primary=False,
    ),
    Action(
        "hearing",
        "听取意见",
        act=hearing,
        schema=HearingSchema(),
        transition="hearing",
        allowed=lambda item, request: (
            court_refusal(item, request) or ("已登记听取意见" if item.hearing_reason else "")
        ),
        intro=hearing_intro,
        button="登记",
        primary=False,
    ),
    Action(
        "rule",
        "登记执行裁定",
        act=rule,
        schema=RuleSchema(),
        allowed=rule_refusal,
        intro=rule_intro,
        button="登记裁定",
    ),
    Action(
        "outcome",
        "登记执行结果",
        act=record_outcome,
        schema=OutcomeSchema(),
        transition="close",
        allowed=outcome_refusal,
        intro=outcome_intro,
        button="登记",
        primary=False,
    ),
)

#: The application's fields, as :func:`portal.enforcement.remind` gives them.
FIELDS = (
    "title",
    "filing_name",
    "court",
    "reminder_number",
    "reminder_served",
    "reminder_method",
    "reminder_note",
)


def dates_macros():
    return get_renderer(DATES_TEMPLATE).implementation().macros


def page_values(item, request):
    rows, status = item_dates(item, request)
    filing = item.filing()
    return {
        "rows": rows,
        "status": status,
        "dates": dates_macros(),
        "filing": filing if filing is not None and request.permits(filing, "view") else None,
    }


def closes_column(item, request):
    dates = item.window(overrides_of(request))
    return fmt(dates.closes.date) if dates is not None else ""


FLOW = Flow(
    CourtApplication,
    slug="court-application",
    listing="court-applications",
    nav_title="申请执行",
    nav_order=60,
    schema=None,
    heading="申请人民法院强制执行",
    number_word="执",
    name_prefix="ca",
    fields=FIELDS,
    create_title="登记催告",
    list_intro=(
        "当事人不申请行政复议、不提起行政诉讼又不履行行政处罚决定的，乡镇（街道）催告后向区人民法院申请强制执行。"
        "催告在处罚决定备案页面登记；人民法院只看到向本院提出的申请。"
    ),
    files_kind="催告书及送达回证",
    columns=(
        ("被执行人", lambda item, request: item.party_name),
        ("申请法院", lambda item, request: item.court_title),
        ("申请期限届满", closes_column),
    ),
    actions=ACTIONS,
    item_template="portal.enforcement:templates/item.pt",
    page_values=page_values,
)
