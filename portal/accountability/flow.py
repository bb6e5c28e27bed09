"""The forms and pages of accountability decisions, declared on the flow kit."""

import datetime

import colander
from pyramid.httpexceptions import HTTPForbidden

from ..flows import (
    Action,
    Flow,
    choice_node,
    date_node,
    files_node,
    fmt,
    text_node,
    unit_node,
)
from ..items import now
from ..items.uploads import ACCEPTED
from ..views import CSRFSchema
from . import (
    ACCOUNTABLE_KINDS,
    DUTIES,
    MEASURES,
    ORDER_TO_RECTIFY,
    OTHER_DUTY,
    RECTIFY_MAX_DAYS,
    AccountabilityDecision,
    before_record,
    close,
    decision_refusal,
    is_supervisor,
    number_problem,
    rectify,
    rectify_refusal,
    review_refusal,
    send_back,
    split_numbers,
    unrelated_numbers,
)

NAV_TITLE = "责任追究"


def invalid(node, **messages):
    error = colander.Invalid(node)
    for name, message in messages.items():
        error[name] = message
    raise error


@colander.deferred
def rectify_due_validator(node, kw):
    """From today up to :data:`RECTIFY_MAX_DAYS` ahead."""

    def validate(node, value):
        if value is None:
            return
        today = now().date()
        if value < today:
            raise colander.Invalid(node, f"{node.title}不能早于今天（{fmt(today, with_time=False)}）")
        if value > today + datetime.timedelta(days=RECTIFY_MAX_DAYS):
            raise colander.Invalid(node, f"{node.title}最长为一年，请核对日期")

    return validate


@colander.deferred
def numbers_validator(node, kw):
    """Every number typed names an item the person may see."""
    request = kw["request"]

    def validate(node, value):
        problem = number_problem(request, value)
        if problem:
            raise colander.Invalid(node, problem)

    return validate


@colander.deferred
def decision_validator(node, kw):
    """What depends on more than one field: the measure's date, the other duty, the person, and
    whether the items cited concern the unit."""
    request = kw["request"]

    def validate(form, value):
        messages = {}
        if value["measure"] == ORDER_TO_RECTIFY and value["rectify_due"] is None:
            messages["rectify_due"] = "措施为“责令整改”的，请填写整改期限"
        if value["duty"] == OTHER_DUTY and not value["duty_note"]:
            messages["duty_note"] = "未履行的职责选择“其他”的，请说明是哪项职责"
        if value["person_post"] and not value["person_name"]:
            messages["person_name"] = "填写了职务，请同时填写被追究人员的姓名"
        if value["person_name"] and not value["person_post"]:
            messages["person_post"] = "请填写被追究人员的职务"
        unrelated = unrelated_numbers(request, split_numbers(value["related_numbers"]), value["unit"])
        if unrelated:
            unit = request.root["tenants"][value["unit"]].title
            messages["related_numbers"] = (
                f"“{'”“'.join(unrelated)}”与{unit}无关：请引用该单位发出、接收、参与或被抄送的事项"
            )
        if messages:
            invalid(form, **messages)

    return validate


class DecisionSchema(CSRFSchema):
    """What the supervisor records: the unit, the facts, the duty, the items, the measure."""

    validator = decision_validator

    title = text_node("标题", 100, description="例如：关于区市监局未按期答复执法协作请求的责任追究决定")
    unit = unit_node(
        "被追究单位",
        kinds=ACCOUNTABLE_KINDS,
        description="未履行协作配合职责的乡镇（街道）或区级行政执法部门",
    )
    person_name = text_node(
        "被追究人员姓名", 50, required=False, description="同时追究有关人员责任的填写；只追究单位的不填"
    )
    person_post = text_node("被追究人员职务", 100, required=False, description="例如：执法大队大队长")
    duty = choice_node("未履行的职责", DUTIES)
    duty_note = text_node(
        "职责说明", 500, required=False, description="选择“其他”时必填；其他职责可作补充说明"
    )
    facts = text_node(
        "事实",
        5000,
        textarea=True,
        description="何时、何事，应当履行的职责和依据，未履行的情况及造成的后果",
    )
    related_numbers = text_node(
        "涉及事项编号",
        2000,
        required=False,
        textarea=True,
        validator=numbers_validator,
        description=(
            "平台上相关事项的编号（协作请求、案件移送、处罚决定备案、法规文件、会商议定事项等），"
            "例如 鱼山镇协〔2026〕3号；多个编号用换行、逗号或顿号分开"
        ),
    )
    measure = choice_node("追究措施", MEASURES)
    rectify_due = date_node(
        "整改期限",
        missing=None,
        validator=rectify_due_validator,
        description="措施为“责令整改”的必填；被追究单位须在此日期前报送整改情况",
    )
    files = files_node(
        "附件", description=f"调查材料、约谈记录、通报文件等，可一次选择多个文件。可上传：{ACCEPTED}"
    )


FIELDS = (
    "title",
    "unit",
    "person_name",
    "person_post",
    "duty",
    "duty_note",
    "facts",
    "measure",
    "rectify_due",
)

INTRO = (
    "乡镇（街道）或区级行政执法部门不按照职责分工履行协作配合职责的，由区司法局按规定追究有关单位和人员的责任"
    "（昌府办字〔2024〕52号 三(三)）。“提交”即作出决定并通知被追究单位：该单位的领导和单位管理员收到通知，"
    "须在整改期限前在决定页面报送整改情况；区司法局审核后办结，或退回重新整改。"
    "涉及事项编号须是平台上已有、与被追究单位有关的事项，决定页面会链接到这些事项。"
    "决定只有区司法局督查人员、系统管理员和被追究单位可以查看。"
)


class RectifySchema(CSRFSchema):
    text = text_node(
        "整改情况",
        5000,
        textarea=True,
        description="针对决定指出的问题采取了哪些措施、结果如何，建立或完善了哪些制度",
    )
    files = files_node(
        "整改材料",
        description=f"整改报告、制度文件、相关事项的办理材料等，可一次选择多个文件。可上传：{ACCEPTED}",
    )


@colander.deferred
def current_due(node, kw):
    """The date set so far, while it has not passed."""
    due = kw["item"].rectify_due
    return due if due is not None and due >= now().date() else colander.null


@colander.deferred
def send_back_validator(node, kw):
    item = kw["item"]

    def validate(form, value):
        if value["rectify_due"] is not None:
            return
        if item.rectify_due is not None and item.rectify_due < now().date():
            invalid(form, rectify_due="原整改期限已过，请填写新的整改期限")
        if item.measure == ORDER_TO_RECTIFY:
            invalid(form, rectify_due="措施为“责令整改”的，请填写新的整改期限")

    return validate


class SendBackSchema(CSRFSchema):
    validator = send_back_validator

    note = text_node("退回理由", 2000, textarea=True, description="整改不到位之处，以及还须做什么")
    rectify_due = date_node(
        "新的整改期限",
        missing=None,
        default=current_due,
        validator=rectify_due_validator,
        description="被追究单位须在此日期前重新报送整改情况；不填则沿用原期限（原期限已过的须重填）",
    )


class CloseSchema(CSRFSchema):
    note = text_node("办结意见", 2000, textarea=True, description="整改是否到位、追究措施的落实情况")
    files = files_node("附件")


def rectify_intro(item, request):
    due = f"请在 {fmt(item.rectify_due, with_time=False)} 前报送。" if item.rectify_due else ""
    again = "区司法局已退回，请针对退回理由重新整改后报送。" if item.state == "returned" else ""
    return (
        f"{again}报送本单位针对《{item.title}》的整改情况，可附整改材料。{due}"
        f"报送后由{item.owner_title}审核：整改到位的办结，不到位的退回重新整改。"
    )


def send_back_intro(item, request):
    return f"{item.unit_title}须针对退回理由重新整改并报送；可设定新的整改期限，到期未报送的标记为超期。"


def close_intro(item, request):
    if item.rectifications:
        note = f"{item.unit_title}已报送整改情况。"
    else:
        note = (
            f"{item.unit_title}尚未报送整改情况；"
            "确需办结的（如约谈、通报已完成，无需整改），请在办结意见中写明。"
        )
    return f"{note}办结后不再计算整改期限，{item.unit_title}会收到办结通知。"


ACTIONS = (
    Action(
        "rectify",
        "报送整改情况",
        act=rectify,
        schema=RectifySchema(),
        transition="rectify",
        allowed=rectify_refusal,
        intro=rectify_intro,
        button="报送",
    ),
    Action(
        "close",
        "办结",
        act=close,
        schema=CloseSchema(),
        transition="close",
        allowed=review_refusal,
        intro=close_intro,
        heading="办结责任追究决定",
    ),
    Action(
        "send_back",
        "退回重新整改",
        act=send_back,
        schema=SendBackSchema(),
        transition="send_back",
        allowed=review_refusal,
        intro=send_back_intro,
        button="退回",
        primary=False,
    ),
)


def page_values(item, request):
    return {"related": item.related(request), "exchanges": item.exchange_lines()}


def nav_link(request):
    """责任追究 for the supervisors, and for a unit that may see a decision (its own)."""
    from ..items.catalog import visible_items

    if request.login is None:
        return None
    url = request.application_url + "/@@accountability"
    if is_supervisor(request):
        return url
    count, _ = visible_items(request, types=[AccountabilityDecision.item_type], sort_index=None)
    return url if count else None


class AccountabilityFlow(Flow):
    def new_view(self, context, request):
        refusal = decision_refusal(request)
        if refusal:
            raise HTTPForbidden(refusal)
        return super().new_view(context, request)


FLOW = AccountabilityFlow(
    AccountabilityDecision,
    slug="accountability",
    listing="accountability",
    nav_title=None,
    nav_order=85,
    number_word="责",
    name_prefix="ad",
    schema=DecisionSchema,
    fields=FIELDS,
    heading="作出责任追究决定",
    intro=INTRO,
    list_intro=(
        "区司法局对不按职责分工履行协作配合职责的单位和人员追究责任：约谈、通报、责令整改、追究责任；"
        "被追究单位报送整改情况，区司法局审核后办结。"
    ),
    files_kind="决定材料",
    create_button="作出决定并通知被追究单位",
    create_name="decide",
    create_title="作出责任追究决定",
    created_message=lambda item, request: (
        f"已作出决定并通知{item.unit_title}"
        + (f"，整改期限 {fmt(item.rectify_due, with_time=False)}" if item.rectify_due else "")
    ),
    before_record=before_record,
    columns=(
        ("被追究单位", lambda item, request: item.unit_title),
        ("未履行的职责", lambda item, request: item.duty),
        ("措施", lambda item, request: item.measure),
        ("决定时间", lambda item, request: fmt(item.decided_at, with_time=False)),
    ),
    actions=ACTIONS,
    item_template="portal.accountability:templates/item.pt",
    page_values=page_values,
    due_title="整改期限",
)
