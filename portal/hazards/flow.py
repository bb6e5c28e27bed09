"""The forms and pages of hazard notices, declared on the flow kit."""

import colander

from ..flows import (
    Action,
    Flow,
    choice_node,
    date_node,
    datetime_node,
    files_node,
    flag_node,
    fmt,
    not_before,
    not_in_future,
    text_node,
    units_node,
)
from ..items import now
from ..views import CSRFSchema
from . import (
    ACK_HOURS,
    HAZARD_KINDS,
    URGENCIES,
    HazardNotice,
    acknowledge,
    acknowledge_refusal,
    call_meeting,
    close,
    handling_refusal,
    record_joint_action,
    respond,
    respond_refusal,
    send,
)


def codes(value):
    """Ticked units, kept in a stable order."""
    return tuple(sorted(value)) if isinstance(value, (set, frozenset, list, tuple)) else value


class HazardSchema(CSRFSchema):
    """What a township writes when it finds a major safety hazard."""

    title = text_node("标题", 100, description="例如：关于某加油站储油罐渗漏的重大安全隐患通报")
    departments = units_node(
        "通报部门",
        kinds=("department",),
        preparer=codes,
        description="隐患所属行业的区级业务主管部门，可选择多个",
    )
    location = text_node("隐患地点", 200, description="乡镇（街道）、村（社区）、门牌号或单位名称")
    hazard_kind = choice_node("隐患类别（行业）", HAZARD_KINDS)
    found_at = datetime_node("发现时间", validator=not_in_future)
    findings = text_node(
        "发现的情况", 5000, textarea=True, description="隐患的具体情况、涉及人员和范围、可能造成的后果"
    )
    onsite_measures = text_node(
        "现场已采取的措施",
        3000,
        textarea=True,
        description="如：疏散人员、设置警戒区、责令停止作业、切断电源气源；尚未采取措施的，请写明原因",
    )
    urgency = choice_node("紧急程度", URGENCIES)
    files = files_node("附件（现场照片等）")


FIELDS = (
    "title",
    "departments",
    "location",
    "hazard_kind",
    "found_at",
    "findings",
    "onsite_measures",
    "urgency",
)

INTRO = (
    f"在执法活动中发现重大安全隐患的，请立即通报隐患所属行业的区级业务主管部门（可选择多个）。"
    f"“保存并发送”即送达各部门：各部门须在通报后 {ACK_HOURS} 小时内确认收悉"
    f"（按小时连续计算，夜间和节假日不停止），未确认的每小时催办一次；"
    "确认后由部门研判分析、提出处置建议并采取措施，本单位在通报页面查看。"
    "双方均可提议召开专题会议，并登记联合执法行动；隐患整改完毕后由本单位办结。"
)


class RespondSchema(CSRFSchema):
    analysis = text_node(
        "研判分析", 5000, required=False, textarea=True, description="对隐患性质、风险程度的分析"
    )
    suggestions = text_node(
        "处置建议", 5000, required=False, textarea=True, description="对通报单位的处置建议"
    )
    measures = text_node(
        "采取的措施", 5000, required=False, textarea=True, description="本部门已经或正在采取的措施"
    )
    files = files_node("附件")

    def validator(self, node, value):
        if not (value["analysis"] or value["suggestions"] or value["measures"]):
            error = colander.Invalid(node)
            error["analysis"] = "请至少填写研判分析、处置建议或采取的措施中的一项"
            raise error


@colander.deferred
def after_found(node, kw):
    return not_before(kw["item"].found_at, "隐患发现时间")


@colander.deferred
def done_after_found(node, kw):
    return colander.All(not_in_future, not_before(kw["item"].found_at, "隐患发现时间"))


class MeetingSchema(CSRFSchema):
    held_at = datetime_node("会议时间", now_default=False, validator=after_found)
    place = text_node("会议地点", 200)
    topic = text_node("会议议题", 1000, textarea=True, description="研究的案情、需商讨的对策")


class JointActionSchema(CSRFSchema):
    action_date = date_node("行动日期", validator=done_after_found)
    units = units_node("参与单位", others=False, preparer=codes, description="参加联合执法的单位，包括本单位")
    actions_taken = text_node("行动情况", 5000, textarea=True, description="检查、查封、责令整改等开展的工作")
    result = text_node("行动结果", 3000, textarea=True)
    files = files_node("附件")


class CloseSchema(CSRFSchema):
    removed = flag_node("隐患已整改完毕", "隐患整改完毕后才能办结")
    note = text_node("整改情况", 3000, textarea=True, description="整改措施、完成时间、复查情况")
    files = files_node("附件（整改后照片等）")

    def validator(self, node, value):
        if not value["removed"]:
            error = colander.Invalid(node)
            error["removed"] = "隐患整改完毕后才能办结；请核实后勾选“隐患已整改完毕”"
            raise error


def respond_intro(item, request):
    return (
        "向通报单位反馈本部门对隐患的研判分析、处置建议和采取的措施（至少填写一项）。"
        "可以多次反馈，每次都会通知通报单位。"
    )


def meeting_intro(item, request):
    return (
        "通报单位和被通报部门均可提议召开专题会议，研究案情、商讨对策、组织联合执法"
        "（昌府办字〔2024〕52号 (三)2）。"
        f"登记后，{item.owner_title}和各被通报部门均可在通报页面看到，其他单位会收到通知。"
    )


def close_intro(item, request):
    waiting = item.unacknowledged if item.state == "notified" else []
    note = f"尚有{item.units_titles(waiting)}未确认收悉；" if waiting else ""
    return f"{note}隐患整改完毕后办结。办结后不再计算确认收悉期限、不再催办，各部门会收到办结通知。"


ACTIONS = (
    Action("acknowledge", "确认收悉", act=acknowledge, transition="acknowledge", allowed=acknowledge_refusal),
    Action(
        "respond",
        "反馈研判分析和处置措施",
        act=respond,
        schema=RespondSchema(),
        allowed=respond_refusal,
        intro=respond_intro,
        button="提交",
    ),
    Action(
        "call_meeting",
        "提议召开专题会议",
        act=call_meeting,
        schema=MeetingSchema(),
        allowed=handling_refusal,
        intro=meeting_intro,
        button="登记",
        primary=False,
    ),
    Action(
        "joint_action",
        "登记联合执法行动",
        act=record_joint_action,
        schema=JointActionSchema(),
        allowed=handling_refusal,
        intro="登记针对本隐患开展的联合执法行动：日期、参与单位、行动情况和结果。",
        button="登记",
        primary=False,
    ),
    Action(
        "close",
        "办结",
        act=close,
        schema=CloseSchema(),
        transition="close",
        intro=close_intro,
        heading="办结隐患通报",
        primary=False,
    ),
)


def page_values(item, request):
    moment = now()
    return {
        "clock": item.clock(moment),
        "ack_rows": item.ack_rows(moment) if item.sent_at else [],
        "ack_hours": ACK_HOURS,
    }


FLOW = Flow(
    HazardNotice,
    slug="hazard",
    listing="hazards",
    nav_title="隐患通报",
    nav_order=35,
    number_word="隐",
    name_prefix="hz",
    schema=HazardSchema,
    fields=FIELDS,
    heading="通报重大安全隐患",
    intro=INTRO,
    list_intro=(
        f"乡镇（街道）发现重大安全隐患，立即通报区级业务主管部门；部门须在 {ACK_HOURS} 小时内确认收悉，"
        "并研判分析、采取措施。"
    ),
    files_kind="现场材料",
    send=send,
    created_message="已保存草稿；核对无误后请点击“发送”，发送即通报各部门",
    columns=(
        ("通报单位", lambda item, request: item.owner_title),
        ("通报部门", lambda item, request: item.units_titles(item.departments)),
        ("发现时间", lambda item, request: fmt(item.found_at)),
    ),
    actions=ACTIONS,
    item_template="portal.hazards:templates/item.pt",
    draft_state="draft",
    page_values=page_values,
    due_title="确认收悉期限",
)
