"""Pages of coordination meetings: the calling unit's form, the meeting page with its invited
units, minutes and action items, the action item page, the listings and the routine-meeting record."""

import datetime

import colander
from pyramid.httpexceptions import HTTPForbidden

from ..flows import (
    Action,
    Flow,
    choice_node,
    date_node,
    datetime_node,
    files_node,
    fmt,
    now_local,
    text_node,
    unit_node,
    unit_title,
    units_node,
)
from ..views import CSRFSchema
from . import (
    KINDS,
    MEETING_AHEAD_DAYS,
    ROUTINE,
    SEED_PARTICIPANTS,
    CoordinationMeeting,
    MeetingAction,
    action_problem,
    add_action,
    cancel_meeting,
    complete_action,
    half_last_day,
    half_of,
    half_title,
    is_last_month,
    minutes_problem,
    record_minutes,
    send_meeting,
    sign_meeting,
    sign_problem,
)
from .halfyears import department_record, meeting_record, routine_meetings

# The meeting's form -------------------------------------------------------------------------------


@colander.deferred
def meeting_time(node, kw):
    """From today (a meeting called by telephone this morning is recorded) up to a year ahead."""

    def validate(node, value):
        today = now_local().date()
        day = value.date()
        if day < today:
            raise colander.Invalid(node, f"会议时间不能早于今天（{fmt(today)}）")
        latest = today + datetime.timedelta(days=MEETING_AHEAD_DAYS)
        if day > latest:
            raise colander.Invalid(node, f"会议时间不能晚于 {fmt(latest)}（最多提前一年安排）")

    return validate


class MeetingSchema(CSRFSchema):
    """What the calling unit writes on the meeting notice."""

    kind = choice_node(
        "会议类别", KINDS, description="例行会议由区级部门召集，原则上每半年 1 次；专题会议根据工作需要召开"
    )
    title = text_node("会议名称", 100, description="例如：2026年下半年行政执法协调会商例行会议")
    starts_at = datetime_node("会议时间", now_default=False, validator=meeting_time)
    place = text_node("会议地点", 100, description="例如：区市监局三楼会议室")
    agenda = text_node("会议议题", 5000, textarea=True, description="拟研究的问题，一项一行")
    invitees = units_node("参会单位", description="被邀请的单位签收会议通知；区司法局等相关单位可视情邀请")
    attendees = text_node("参加人员", 500, textarea=True, default=SEED_PARTICIPANTS)
    origin = text_node(
        "会议来源",
        200,
        required=False,
        description="专题会议因重大安全隐患通报、职责争议等召开的，填写其编号或简要说明",
    )
    files = files_node("会议材料")

    def validator(self, node, value):
        request = self.bindings["request"]
        tenant = request.root["tenants"].get(request.acting_unit)
        if value["kind"] == ROUTINE and (tenant is None or tenant.kind != "department"):
            error = colander.Invalid(node)
            error["kind"] = "例行会议由区级部门召集；乡镇（街道）可会同区级部门召开专题会议，请选择“专题会议”"
            raise error


MEETING_FIELDS = ("kind", "title", "starts_at", "place", "agenda", "invitees", "attendees", "origin")
MEETING_INTRO = (
    "例行会议由区级部门召集，原则上每半年召开 1 次：到 6 月、12 月仍未召集的，平台提醒本单位联系人；"
    "半年过去仍未召开的，记入例会记录。专题会议根据工作需要适时召开（如重大安全隐患通报后）。"
    "发出通知后，各参会单位签收会议通知，签收截止为会议开始时间；会后由召集单位记录会议纪要，"
    "并逐项添加议定事项（落实单位、完成期限），平台跟踪到落实。"
)


# The meeting's actions ----------------------------------------------------------------------------


class MinutesSchema(CSRFSchema):
    minutes_text = text_node(
        "会议纪要", 20000, textarea=True, description="会议研究的问题、形成的意见和议定事项"
    )
    attended = text_node("实际参会人员", 2000, required=False, textarea=True, description="单位、姓名、职务")
    files = files_node("纪要文件", description="盖章的会议纪要扫描件等")


@colander.deferred
def action_due(node, kw):
    meeting = kw["item"]

    def validate(node, value):
        problem = action_problem(meeting, value)
        if problem:
            raise colander.Invalid(node, problem)

    return validate


class ActionSchema(CSRFSchema):
    title = text_node("议定事项", 200, description="一句话写明要做什么，例如：联合开展校园周边食品安全检查")
    owner_unit = unit_node("落实单位", others=False)
    due_date = date_node("完成期限", validator=action_due)
    detail = text_node("具体要求", 2000, required=False, textarea=True)


class CancelSchema(CSRFSchema):
    reason = text_node("取消理由", 500, textarea=True)


SIGN = Action(
    "sign",
    "签收会议通知",
    act=lambda item, request: sign_meeting(item, request),
    allowed=sign_problem,
)
MINUTES = Action(
    "minutes",
    "记录会议纪要",
    act=lambda item, request, data: record_minutes(
        item, request, data["minutes_text"], data["attended"], data["files"]
    ),
    schema=MinutesSchema(),
    transition="minutes",
    allowed=minutes_problem,
    intro="会后由召集单位记录会议纪要（可上传纪要文件）。参会单位收到通知，按纪要要求贯彻落实。"
    "保存后在会议页面逐项添加议定事项。",
)


def _add_action(item, request, data):
    action = add_action(item, request, data["title"], data["owner_unit"], data["due_date"], data["detail"])
    return f"已添加议定事项 {action.number}，已通知{action.owner_unit_title}于 {fmt(action.due_date)} 前落实"


ADD_ACTION = Action(
    "add_action",
    "添加议定事项",
    act=_add_action,
    schema=ActionSchema(),
    allowed=lambda item, request: "" if item.state == "minuted" else "记录会议纪要后才能添加议定事项",
    intro=lambda item, request: (
        f"会议纪要的议定事项逐项添加：写明落实单位（参会单位或本单位）和完成期限（不早于会议日期 "
        f"{fmt(item.meeting_day)}，最迟为会议后一年）。落实单位收到通知，须在期限内报告落实情况；"
        "到期未报告的，平台提醒并标记超期。"
    ),
    primary=False,
)
CANCEL = Action(
    "cancel",
    "取消会议",
    act=lambda item, request, data: cancel_meeting(item, request, data["reason"]),
    schema=CancelSchema(),
    transition="cancel",
    intro="取消后，已收到通知的参会单位会收到取消通知。取消的例行会议不计入本半年的例行会议。",
    primary=False,
)


def meeting_page_values(item, request):
    """The invited units with their signing, and the action items, for the meeting page."""
    invited = [(unit_title(request, code), item.signatures.get(code)) for code in item.invited()]
    actions = [(action, request.permits(action, "view")) for action in item.action_items()]
    return {"invited": invited, "action_rows": actions, "fmt": fmt}


class MeetingFlow(Flow):
    """The meetings' listing also says where the acting department stands with its routine meetings."""

    def listing_view(self, context, request):
        values = super().listing_view(context, request)
        tenant = values["tenant"]
        values["routine"] = None
        if tenant is not None and tenant.kind == "department":
            values["routine"] = routine_status(request, tenant)
        values["shows_record"] = bool(record_codes(request))
        return values


def routine_status(request, tenant):
    """The acting department's routine meetings this half-year, and its flagged half-years."""
    today = now_local().date()
    current = half_of(today)
    held = routine_meetings(request.root, owner=tenant.code).get(tenant.code, {}).get(current, [])
    record = meeting_record(request.root)
    flags = record.flags(tenant.code) if record is not None else []
    return {
        "half": half_title(current),
        "held": held,
        "last_day": fmt(half_last_day(current)),
        "urgent": not held and is_last_month(today),
        "flags": [(half_title(half), fmt(note.flagged_at, False)) for half, note in reversed(flags)],
    }


MEETING_FLOW = MeetingFlow(
    CoordinationMeeting,
    slug="meeting",
    listing="meetings",
    nav_title="协调会商",
    nav_order=50,
    number_word="会",
    name_prefix="mt",
    schema=MeetingSchema,
    fields=MEETING_FIELDS,
    heading="召集协调会商会议",
    intro=MEETING_INTRO,
    list_intro="例行会议由区级部门召集，原则上每半年召开 1 次；专题会议根据工作需要适时召开。",
    files_kind="会议材料",
    send=send_meeting,
    created_message="已保存草稿；核对无误后请点击“发送”，向参会单位发出会议通知",
    columns=(
        ("类别", lambda item, request: item.kind_title),
        ("会议时间", lambda item, request: fmt(item.starts_at)),
        ("召集单位", lambda item, request: item.owner_title),
        (
            "签收",
            lambda item, request: f"{len(item.invited()) - len(item.unsigned())}/{len(item.invited())}",
        ),
    ),
    actions=(SIGN, MINUTES, ADD_ACTION, CANCEL),
    item_template="portal.meetings:templates/meeting.pt",
    list_template="portal.meetings:templates/list.pt",
    draft_state="draft",
    page_values=meeting_page_values,
    due_title="签收截止（会议开始）",
)


# The action items ---------------------------------------------------------------------------------


class CompleteSchema(CSRFSchema):
    evidence = text_node("落实情况", 5000, textarea=True, description="做了什么、结果如何")
    files = files_node("佐证材料", description="照片、检查记录、整改报告等")


COMPLETE = Action(
    "complete",
    "报告落实情况",
    act=lambda item, request, data: complete_action(item, request, data["evidence"], data["files"]),
    schema=CompleteSchema(),
    transition="complete",
    intro=lambda item, request: (
        f"议定事项由{item.owner_unit_title}落实，完成期限 {fmt(item.due_date)}。"
        "报告落实情况并上传佐证材料后，交办单位收到通知，事项办结。"
    ),
)


def action_page_values(item, request):
    meeting = item.meeting
    shown = meeting is not None and request.permits(meeting, "view")
    return {"meeting": meeting if shown else None}


ACTION_FLOW = Flow(
    MeetingAction,
    slug="meeting-action",
    listing="meeting-actions",
    nav_title=None,
    nav_order=None,
    number_word="办",
    name_prefix="ma",
    schema=None,
    fields=(
        "title",
        "detail",
        "owner_unit",
        "due_date",
        "meeting_name",
        "meeting_number",
        "meeting_title",
    ),
    heading="会议议定事项",
    list_intro="协调会商会议纪要的议定事项，由落实单位在完成期限前报告落实情况。",
    files_kind="会议纪要附件",
    columns=(
        ("所属会议", lambda item, request: item.meeting_number),
        ("交办单位", lambda item, request: item.owner_title),
        ("落实单位", lambda item, request: item.owner_unit_title),
    ),
    actions=(COMPLETE,),
    item_template="portal.meetings:templates/action.pt",
    page_values=action_page_values,
    due_title="完成期限",
)


# The routine-meeting record -----------------------------------------------------------------------


def record_codes(request):
    """The departments whose record the person may read: their own; every one for a supervisor."""
    tenants = request.root["tenants"]
    return [
        code
        for code, tenant in sorted(tenants.items())
        if tenant.kind == "department" and request.permits(tenant, "meeting_record")
    ]


def record_page(context, request):
    """Half-year by half-year, whether each department held its routine meeting."""
    codes = record_codes(request)
    if not codes:
        raise HTTPForbidden("例会记录仅供区级部门和区司法局查看")
    halves, rows = department_record(request.root, codes)
    return {
        "halves": [(half, half_title(half)) for half in halves],
        "rows": rows,
        "current": half_of(now_local().date()),
        "fmt": fmt,
        "unit_title": lambda code: unit_title(request, code),
    }
