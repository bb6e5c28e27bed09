"""The forms and pages of obstruction reports, declared on the flow kit."""

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden

from ..flows import (
    Action,
    FilesWidget,
    Flow,
    choice_node,
    datetime_node,
    files_node,
    flag_node,
    fmt,
    listing_view,
    not_before,
    not_in_future,
    text_node,
)
from ..items import now
from ..items.uploads import ACCEPTED
from ..views import CSRFSchema
from . import (
    ACK_HOURS,
    MEANS,
    NO_ACTION,
    OUTCOMES,
    REMIND_EVERY,
    RESULT_STEP,
    STEPS,
    ObstructionReport,
    acknowledge,
    acknowledge_refusal,
    before_record,
    close,
    handle,
    handle_refusal,
    is_police,
    police_units,
    report_refusal,
)

REMIND_MINUTES = int(REMIND_EVERY.total_seconds() // 60)


@colander.deferred
def police_widget(node, kw):
    return deform.widget.SelectWidget(values=police_units(kw["request"]))


@colander.deferred
def police_validator(node, kw):
    codes = [code for code, _ in police_units(kw["request"])]
    message = "请从列表中选择公安机关" if codes else "本区尚未登记公安机关，请联系系统管理员"
    return colander.OneOf(codes, msg_err=message)


@colander.deferred
def police_default(node, kw):
    units = police_units(kw["request"])
    return units[0][0] if units else colander.null


def invalid(node, **messages):
    error = colander.Invalid(node)
    for name, message in messages.items():
        error[name] = message
    raise error


class ReportSchema(CSRFSchema):
    """What an officer writes after being obstructed: when, where, who, what, the evidence."""

    title = text_node("标题", 100, description="例如：关于执法人员在鱼山村拆除违法建筑时遭暴力阻碍的报告")
    police = choice_node(
        "报告的公安机关",
        (),
        missing_msg="请选择报告的公安机关",
        widget=police_widget,
        validator=police_validator,
        default=police_default,
    )
    occurred_at = datetime_node("发生时间", validator=not_in_future)
    location = text_node("发生地点", 200, description="乡镇（街道）、村（社区）、门牌号或标志性建筑")
    duty = text_node("正在执行的公务", 200, description="如：依法拆除违法建筑、暂扣占道经营物品、现场检查")
    means = choice_node("阻碍方式", MEANS)
    persons = text_node(
        "阻碍人员",
        2000,
        required=False,
        textarea=True,
        description="已知身份的：姓名、性别、身份证号码、住址、联系电话，与当事人的关系",
    )
    description = text_node(
        "体貌特征和人数",
        2000,
        required=False,
        textarea=True,
        description="身份不明的：人数、性别、大致年龄、身高、衣着等特征；阻碍人员和体貌特征至少填写一项",
    )
    account = text_node(
        "事件经过",
        5000,
        textarea=True,
        description="按时间顺序写明：执法人员如何表明身份、说明依据，对方如何阻碍（言行、所持器械），执法人员如何制止",
    )
    officers = text_node(
        "在场执法人员", 1000, textarea=True, description="姓名、执法证号；写明受到阻碍的人员"
    )
    injured = flag_node("有执法人员受伤")
    injuries = text_node(
        "受伤人员及伤情",
        2000,
        required=False,
        textarea=True,
        description="姓名、伤情、就医情况；勾选“有执法人员受伤”时必填",
    )
    damage = text_node(
        "财物损毁情况", 2000, required=False, textarea=True, description="执法车辆、执法记录仪等装备的损毁"
    )
    called_110 = flag_node("已当场拨打110报警")
    files = files_node(
        "现场照片", description=f"现场、伤情、损毁物品的照片，可一次选择多个文件。可上传：{ACCEPTED}"
    )
    statements = files_node(
        "陈述材料",
        description=f"执法人员陈述、证人证言、当事人陈述的笔录或扫描件，可一次选择多个文件。可上传：{ACCEPTED}",
        widget=FilesWidget(input_name="statements"),
    )
    video = text_node(
        "视频资料",
        200,
        required=False,
        description="执法记录仪编号、录像时段和存放位置（视频原件由本单位保存，公安机关调取时提供）",
    )

    def validator(self, node, value):
        messages = {}
        if not (value["persons"] or value["description"]):
            messages["description"] = "请填写阻碍人员的身份，或身份不明人员的体貌特征和人数"
        if value["injured"] and not value["injuries"]:
            messages["injuries"] = "已勾选“有执法人员受伤”，请填写受伤人员及伤情"
        if messages:
            invalid(node, **messages)


FIELDS = (
    "title",
    "police",
    "occurred_at",
    "location",
    "duty",
    "means",
    "persons",
    "description",
    "account",
    "officers",
    "injured",
    "injuries",
    "damage",
    "called_110",
    "video",
)

INTRO = (
    "执法人员在执法中遭到暴力、威胁等手段阻碍的，请如实登记事件情况（昌府办字〔2024〕52号 (四)5）。"
    f"“提交”即报告公安机关：公安机关须在报告后 {ACK_HOURS} 小时内接报（按小时连续计算，夜间和节假日不停止），"
    f"未接报的每 {REMIND_MINUTES} 分钟催办一次；接报后由公安机关出警、受理，依法查处，"
    "并在报告页面反馈处理情况和处理结果，本单位在页面查看，处理完毕后由本单位办结。"
    "情况紧急的，请先拨打110报警，再在此登记。"
    "本报告只有本单位、报告的公安机关和区司法局督查人员可以查看。"
)


def report_before_record(item, request, data):
    from ..flows import attach_files

    attach_files(item, data.get("statements", ()), request, "陈述材料")
    before_record(item, request, data)


@colander.deferred
def after_incident(node, kw):
    return colander.All(not_in_future, not_before(kw["item"].occurred_at, "事发时间"))


class HandleSchema(CSRFSchema):
    """What public security records of its handling."""

    step = choice_node("处理环节", STEPS)
    happened_at = datetime_node(
        "处理时间", validator=after_incident, description="出警到达现场、受案、立案或作出处理决定的时间"
    )
    outcome = choice_node("处理结果", OUTCOMES, missing="", description="处理环节为“处理结果”时选择")
    detail = text_node(
        "情况说明",
        3000,
        textarea=True,
        description="出警民警、现场处置、受案经过；处罚内容（如：行政拘留十日）或立案罪名等",
    )
    reasons = text_node(
        "不予处理的理由", 2000, required=False, textarea=True, description="处理结果为“不予处理”时必填"
    )
    case_number = text_node(
        "案件编号", 100, required=False, description="受案回执号、立案决定书或处罚决定书文号"
    )
    files = files_node(
        "法律文书", description=f"受案回执、处罚决定书、立案决定书等，可一次选择多个文件。可上传：{ACCEPTED}"
    )

    def validator(self, node, value):
        messages = {}
        if value["step"] == RESULT_STEP and not value["outcome"]:
            messages["outcome"] = "处理环节为“处理结果”，请选择处理结果"
        if value["outcome"] and value["step"] != RESULT_STEP:
            messages["outcome"] = "只有处理环节为“处理结果”时才选择处理结果；出警、受理、立案请不选"
        if value["outcome"] == NO_ACTION and not value["reasons"]:
            messages["reasons"] = "不予处理的，请写明理由"
        if messages:
            invalid(node, **messages)


class CloseSchema(CSRFSchema):
    note = text_node(
        "办结说明", 2000, textarea=True, description="处理结果的落实情况、执法人员伤情、后续执法安排等"
    )
    files = files_node("附件")


def handle_intro(item, request):
    return (
        f"向{item.owner_title}反馈出警、受理、立案和处理结果，可以多次反馈，每次都会通知报告单位。"
        "处理结果为治安管理处罚、刑事立案、不予处理（须写明理由）或其他处理；"
        "第一次反馈处理结果后，由报告单位办结。"
    )


def close_intro(item, request):
    if item.results:
        note = "公安机关已反馈处理结果。"
    else:
        note = "公安机关尚未反馈处理结果；确需办结的，请在办结说明中写明原因。"
    return f"{note}办结后不再计算接报期限、不再催办，{item.police_title}会收到办结通知。"


ACTIONS = (
    Action("acknowledge", "接报", act=acknowledge, transition="acknowledge", allowed=acknowledge_refusal),
    Action(
        "handle",
        "反馈处理情况",
        act=handle,
        schema=HandleSchema(),
        allowed=handle_refusal,
        intro=handle_intro,
        button="提交",
    ),
    Action(
        "close",
        "办结",
        act=close,
        schema=CloseSchema(),
        transition="close",
        intro=close_intro,
        heading="办结阻碍执法报告",
        primary=False,
    ),
)


def page_values(item, request):
    return {"clock": item.clock(now()), "ack_hours": ACK_HOURS}


def listing_values(request):
    """The kit's listing; public security, which receives reports, makes none."""
    values = listing_view(request, ObstructionReport.item_type)
    if is_police(request):
        values["can_create"] = False
    return values


class ObstructionFlow(Flow):
    def new_view(self, context, request):
        refusal = report_refusal(request)
        if refusal:
            raise HTTPForbidden(refusal)
        return super().new_view(context, request)


FLOW = ObstructionFlow(
    ObstructionReport,
    slug="obstruction-report",
    listing="obstruction-reports",
    nav_title="阻碍执法",
    nav_order=65,
    number_word="阻",
    name_prefix="ob",
    schema=ReportSchema,
    fields=FIELDS,
    heading="报告阻碍执法",
    intro=INTRO,
    list_intro=(
        f"执法人员遭暴力、威胁等阻碍的，报告公安机关；公安机关须在 {ACK_HOURS} 小时内接报，"
        "依法查处并反馈处理结果。"
    ),
    files_kind="现场照片",
    create_button="提交并报告公安机关",
    create_name="report",
    create_title="报告公安机关",
    created_message=lambda item, request: (
        f"已报告{item.police_title}。公安机关须于 {fmt(item.ack_due)} 前接报（报告后 {ACK_HOURS} 小时内）"
    ),
    before_record=report_before_record,
    columns=(
        ("报告单位", lambda item, request: item.owner_title),
        ("发生时间", lambda item, request: fmt(item.occurred_at)),
        ("公安机关", lambda item, request: item.police_title),
    ),
    actions=ACTIONS,
    item_template="portal.obstruction:templates/item.pt",
    page_values=page_values,
    listing_values=listing_values,
    due_title="接报期限",
)
