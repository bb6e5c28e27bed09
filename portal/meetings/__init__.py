"""Coordination meetings (协调会商), 昌府办字〔2024〕52号 (四)4 and (三)2.

Two kinds of meeting: the routine meeting (例行会议), called by each district department, in
principle once every half-year; the special meeting (专题会议), called when needed: by a department
for its own reasons, after a major safety hazard notice (a township may then call it jointly with
the department), or after a dispute. The meeting's ``origin`` says where it came from (a hazard
notice's number, say), so another flow calls one with :func:`call_meeting`.

The calling unit invites units (``participant``): the seed's participants are the department's
deputy and the responsible section's head, the townships' enforcement heads and staff, and, as
needed, the 区司法局 and other units. Each invited unit signs for the notice (签收); the units not yet
signed are awaited, due when the meeting starts. After the meeting the calling unit records the
minutes (会议纪要) and adds their action items (议定事项), each a :class:`MeetingAction` of its own:
owned by the meeting's unit, with the unit that carries it out as ``recipient``, due on its due
date. The owner unit marks it done with evidence. Overdue action items reach the deadline panels,
reminders and overdue marks like any other item.

Half-years are calendar half-years (1 January to 30 June, 1 July to 31 December): the seed's
"每半年" is a calendar period, not a count of working days. See :mod:`.halfyears` for the reminder in
June and December and the flag on every half-year that passed without a routine meeting.
"""

import datetime

from BTrees.OOBTree import OOBTree
from persistent.list import PersistentList
from substanced.content import content

from ..calendar import SHANGHAI, local_date
from ..flows import FlowItem, attach_files, fmt
from ..items import Transition, Workflow, WorkflowError, now, record
from ..people import display_name
from ..supervision.figures import Measure

#: The kinds of meeting: (value, title).
ROUTINE, SPECIAL = "routine", "special"
KINDS = ((ROUTINE, "例行会议"), (SPECIAL, "专题会议"))
KIND_TITLES = dict(KINDS)
#: Who attends, as the seed says (四)4; the form's default for "参加人员".
SEED_PARTICIPANTS = (
    "区级业务主管部门分管领导、责任科室负责人；乡镇（街道）综合行政执法机构负责人、有关业务人员；"
    "视情邀请区司法局及其他相关单位"
)
#: How far ahead a meeting may be called, and an action item's due date set after the meeting.
MEETING_AHEAD_DAYS = 366
ACTION_MAX_DAYS = 366
#: The roles told of an invitation, and who signs for it (policies/meetings.csv).
INVITEE_ROLES = {"liaison", "officer", "deputy", "leader", "supervisor"}
#: The roles that carry out a unit's action items and call its meetings.
WORKER_ROLES = {"liaison", "officer"}

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "called": "已发出会议通知",
        "minuted": "已形成会议纪要",
        "cancelled": "已取消",
    },
    transitions=[
        Transition("send", "发出会议通知", ["draft"], "called"),
        Transition("minutes", "记录会议纪要", ["called"], "minuted"),
        Transition("cancel", "取消会议", ["draft", "called"], "cancelled"),
    ],
    final=["minuted", "cancelled"],
)

ACTION_WORKFLOW = Workflow(
    initial="open",
    states={"open": "待落实", "done": "已落实"},
    transitions=[Transition("complete", "报告落实情况", ["open"], "done")],
    final=["done"],
)


# Half-years ---------------------------------------------------------------------------------------


def half_of(day):
    """The half-year of a date or moment: ``(2026, 2)`` for 2026-12-07."""
    day = local_date(day)
    return day.year, 1 if day.month <= 6 else 2


def half_title(half):
    year, part = half
    return f"{year}年{'上' if part == 1 else '下'}半年"


def half_first_day(half):
    year, part = half
    return datetime.date(year, 1 if part == 1 else 7, 1)


def half_last_day(half):
    year, part = half
    return datetime.date(year, 6, 30) if part == 1 else datetime.date(year, 12, 31)


def previous_half(half):
    year, part = half
    return (year, 1) if part == 2 else (year - 1, 2)


def next_half(half):
    year, part = half
    return (year, 2) if part == 1 else (year + 1, 1)


def halves_between(first, last):
    """The half-years from ``first`` to ``last``, both included (empty if ``first`` is later)."""
    halves = []
    half = first
    while half <= last:
        halves.append(half)
        half = next_half(half)
    return halves


def is_last_month(day):
    """June and December: the month in which a department without a routine meeting is reminded."""
    return local_date(day).month in (6, 12)


# The meeting --------------------------------------------------------------------------------------


@content("Coordination Meeting", icon="glyphicon glyphicon-comment")
class CoordinationMeeting(FlowItem):
    """A routine or special meeting: who is invited and has signed, the minutes, the action items."""

    item_type = "coordination_meeting"
    type_title = "协调会商会议"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "place", "agenda", "origin", "minutes")

    kind = ROUTINE
    starts_at = None
    place = ""
    agenda = ""
    attendees = SEED_PARTICIPANTS
    #: The units chosen on the form; once sent they are the ``participant`` relation too.
    invitees = ()
    #: Where a special meeting came from: a hazard notice's number, a dispute, free text.
    origin = ""
    sent_at = None
    minutes = ""
    attended = ""
    minuted_at = None
    cancel_reason = ""
    cancelled_at = None

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        #: unit code -> (login, name, when) of the person who signed for the unit.
        self.signatures = OOBTree()
        #: The names of its action items, in the order they were added (in the same unit).
        self.action_names = PersistentList()

    @property
    def kind_title(self):
        return KIND_TITLES.get(self.kind, self.kind)

    @property
    def is_routine(self):
        return self.kind == ROUTINE

    @property
    def half(self):
        return half_of(self.starts_at)

    @property
    def held(self):
        """Whether it counts as held for its half-year: called and not cancelled."""
        return self.state in ("called", "minuted")

    @property
    def meeting_day(self):
        return local_date(self.starts_at)

    def invited(self):
        """The invited units: the ``participant`` relation once sent, the form's choice before."""
        return self.units_in("participant") or tuple(self.invitees)

    def unsigned(self):
        return tuple(unit for unit in self.invited() if unit not in self.signatures)

    def action_items(self):
        """Its action items, in the order they were added."""
        tenant = self.__parent__
        found = [tenant.get(name) for name in self.action_names] if tenant is not None else []
        return [item for item in found if item is not None]

    def describe(self, request):
        return [
            ("会议类别", self.kind_title),
            ("召集单位", self.owner_title),
            ("会议时间", fmt(self.starts_at)),
            ("会议地点", self.place),
            ("会议议题", self.agenda),
            ("参加人员", self.attendees),
            ("会议来源", self.origin),
        ]

    def sections(self, request):
        if self.state != "cancelled":
            return []
        return [("取消会议", [f"{fmt(self.cancelled_at)} 取消，理由：{self.cancel_reason}"])]

    # the clock ------------------------------------------------------------------------------------

    def update_clock(self):
        """Awaiting the units not yet signed, due when the meeting starts; then the minutes."""
        if self.state != "called":
            self.set_due(None)
            return
        unsigned = self.unsigned()
        if unsigned:
            self.set_due(
                self.starts_at,
                awaiting=unsigned,
                waiting_for=f"等待{self.units_titles(unsigned)}签收会议通知",
            )
        else:
            self.set_due(
                None,
                awaiting=[self.owner],
                waiting_for=f"等待{self.owner_title}召开会议并记录会议纪要",
            )

    # notifications --------------------------------------------------------------------------------

    def notices(self, entry, request):
        """Invited units hear of the notice, the minutes and a cancellation; signing, drafting and
        adding action items tell nobody here (each action item tells its own unit)."""
        invited = list(self.invited())
        what = f"{self.owner_title}召集的{self.kind_title}《{self.title}》"
        if entry.action == "send":
            text = (
                f"{self.owner_title}召集{self.kind_title}《{self.title}》（{self.number}），"
                f"定于 {fmt(self.starts_at)} 在{self.place}召开，请签收会议通知并派员参加"
            )
            return [(invited, INVITEE_ROLES, text)]
        if entry.action == "minutes":
            return [(invited, INVITEE_ROLES, f"{what}已形成会议纪要，请按纪要要求贯彻落实")]
        told = list(self.units_in("participant"))  # a draft's invitees never heard of it
        if entry.action == "cancel" and told:
            text = f"{what}（原定 {fmt(self.starts_at)}）已取消：{self.cancel_reason}"
            return [(told, INVITEE_ROLES, text)]
        return []


# Its action items ---------------------------------------------------------------------------------


@content("Meeting Action Item", icon="glyphicon glyphicon-check")
class MeetingAction(FlowItem):
    """One action item of a meeting's minutes (议定事项): who carries it out, by when, and how it was."""

    item_type = "meeting_action"
    type_title = "会议议定事项"
    workflow = ACTION_WORKFLOW
    searchable_fields = ("title", "number", "detail", "evidence", "meeting_title")

    detail = ""
    #: The unit that carries it out (``recipient``).
    owner_unit = ""
    due_date = None
    #: The meeting's name in the same unit, its number and title.
    meeting_name = ""
    meeting_number = ""
    meeting_title = ""
    evidence = ""
    completed_at = None

    @property
    def meeting(self):
        tenant = self.__parent__
        return tenant.get(self.meeting_name) if tenant is not None else None

    @property
    def owner_unit_title(self):
        return self.unit_name(self.owner_unit)

    def describe(self, request):
        return [
            ("交办单位", self.owner_title),
            ("落实单位", self.owner_unit_title),
            ("完成期限", fmt(self.due_date)),
            ("具体要求", self.detail),
        ]

    def sections(self, request):
        if not self.completed_at:
            return []
        late = self.completed_at.astimezone(SHANGHAI).date() > self.due_date
        when = f"{fmt(self.completed_at)} 报告落实{'（逾期）' if late else ''}"
        return [("落实情况", [self.evidence, when])]

    def notices(self, entry, request):
        """The unit that carries it out hears of it; the meeting's unit hears it was done."""
        if entry.action == "create":
            text = (
                f"{self.owner_title}会议《{self.meeting_title}》议定事项：{self.title}（{self.number}），"
                f"由{self.owner_unit_title}落实，请于 {fmt(self.due_date)} 前完成并报告落实情况"
            )
            return [([self.owner_unit], WORKER_ROLES, text)]
        if entry.action == "complete":
            text = f"{self.owner_unit_title}已报告议定事项《{self.title}》的落实情况：{self.evidence}"
            return [([self.owner], WORKER_ROLES, text)]
        return []


# Model functions: each callable without a view, taking (item, request) -----------------------------


def meeting_problem(starts_at, invitees, today=None):
    """Why a meeting with this start and these invitees cannot be sent, or ``""``."""
    today = today or now().date()
    if not invitees:
        return "请至少选择一个参会单位"
    if starts_at is None:
        return "请填写会议时间"
    day = local_date(starts_at)
    if day < today:
        return f"会议时间（{fmt(starts_at)}）已过，请修改会议时间后再发出通知"
    if day > today + datetime.timedelta(days=MEETING_AHEAD_DAYS):
        return "会议时间最多提前一年安排"
    return ""


def send_meeting(meeting, request):
    """Send the notice: the invited units become participants, awaited until the meeting starts."""
    problem = meeting_problem(meeting.starts_at, meeting.invitees)
    if problem:
        raise WorkflowError(problem)
    WORKFLOW.check(meeting, request, "send")
    for unit in meeting.invitees:
        meeting.relate("participant", unit)
    meeting.sent_at = now()

    WORKFLOW.fire(
        meeting,
        request,
        "send",
        f"参会单位：{meeting.units_titles(meeting.invitees)}",
        before_record=lambda item, request: item.update_clock(),
    )
    return f"已发出会议通知，等待{meeting.units_titles(meeting.invitees)}签收"


def call_meeting(tenant, request, **fields):
    """Call a meeting of ``tenant`` and send its notice at once; returns the meeting.

    ``fields``: ``title``, ``starts_at`` (an aware datetime), ``place``, ``invitees`` (unit codes),
    and optionally ``kind`` (``"special"`` unless given), ``agenda``, ``attendees``, ``origin``
    (e.g. a hazard notice's number) and ``files`` (``[(filename, bytes)]``).
    """
    from .views import MEETING_FIELDS, MEETING_FLOW

    defaults = {"kind": SPECIAL, "agenda": "", "attendees": SEED_PARTICIPANTS, "origin": "", "files": ()}
    data = {**defaults, **fields}
    data["invitees"] = tuple(sorted(set(data["invitees"]) - {tenant.code}))
    missing = [name for name in MEETING_FIELDS if name not in data]
    if missing:
        raise ValueError(f"call_meeting needs {missing}")
    problem = meeting_problem(data["starts_at"], data["invitees"])
    if problem:
        raise WorkflowError(problem)
    meeting = MEETING_FLOW.create(tenant, request, data)
    send_meeting(meeting, request)
    return meeting


def sign_meeting(meeting, request):
    """The acting unit signs for the notice; refused if not invited, or signed already."""
    problem = sign_problem(meeting, request)
    if problem:
        raise WorkflowError(problem)
    meeting.signatures[request.acting_unit] = (request.login, display_name(request.user), now())
    meeting.update_clock()
    record(meeting, request, "sign", "签收会议通知")
    return "已签收会议通知"


def sign_problem(meeting, request):
    unit = request.acting_unit
    if unit not in meeting.units_in("participant"):
        return "本单位不是参会单位，无需签收"
    if meeting.state != "called":
        return f"会议{meeting.state_title}，无需签收"
    signed = meeting.signatures.get(unit)
    if signed is not None:
        return f"本单位已由{signed[1]}于 {fmt(signed[2])} 签收，无需重复签收"
    return ""


def minutes_problem(meeting, request=None):
    """The minutes follow the meeting: not before its day."""
    if meeting.state == "called" and now().date() < meeting.meeting_day:
        return f"会议定于 {fmt(meeting.starts_at)} 召开，会后才能记录会议纪要"
    return ""


def record_minutes(meeting, request, minutes, attended="", files=()):
    """The calling unit records the minutes; the invited units are told to carry them out."""
    problem = minutes_problem(meeting)
    if problem:
        raise WorkflowError(problem)
    WORKFLOW.check(meeting, request, "minutes")
    meeting.minutes = minutes
    meeting.attended = attended
    meeting.minuted_at = now()
    attach_files(meeting, files, request, "会议纪要")
    WORKFLOW.fire(meeting, request, "minutes", before_record=lambda item, request: item.update_clock())
    return "已记录会议纪要；请逐项添加议定事项（落实单位和完成期限），平台跟踪落实"


def action_problem(meeting, due_date):
    """Why an action item due on ``due_date`` cannot be added to ``meeting``, or ``""``."""
    if meeting.state != "minuted":
        return "记录会议纪要后才能添加议定事项"
    if due_date < meeting.meeting_day:
        return f"完成期限不能早于会议日期（{fmt(meeting.meeting_day)}）"
    latest = meeting.meeting_day + datetime.timedelta(days=ACTION_MAX_DAYS)
    if due_date > latest:
        return f"完成期限不能晚于 {fmt(latest)}（会议后一年内）"
    return ""


def add_action(meeting, request, title, owner_unit, due_date, detail="", files=()):
    """Add an action item of the minutes: its own item, awaiting ``owner_unit`` until ``due_date``."""
    from .views import ACTION_FLOW

    problem = action_problem(meeting, due_date)
    if problem:
        raise WorkflowError(problem)
    tenant = meeting.__parent__
    if owner_unit not in request.root["tenants"]:
        raise WorkflowError("请从列表中选择落实单位")
    data = {
        "title": title,
        "detail": detail,
        "owner_unit": owner_unit,
        "due_date": due_date,
        "meeting_name": meeting.__name__,
        "meeting_number": meeting.number,
        "meeting_title": meeting.title,
        "files": files,
    }

    def prepare(item):
        item.relate("recipient", owner_unit)
        item.set_due(due_date, awaiting=[owner_unit], waiting_for=f"等待{item.owner_unit_title}落实")

    item = ACTION_FLOW.create(tenant, request, data, prepare=prepare)
    meeting.action_names.append(item.__name__)
    record(
        meeting,
        request,
        "add_action",
        "添加议定事项",
        f"{title}（{item.owner_unit_title}，{fmt(due_date)} 前）",
    )
    return item


def complete_action(action, request, evidence, files=()):
    """The unit that carries it out reports it done, with evidence; its clock stops."""
    ACTION_WORKFLOW.check(action, request, "complete")
    action.evidence = evidence
    action.completed_at = now()
    attach_files(action, files, request, "佐证材料")
    ACTION_WORKFLOW.fire(
        action, request, "complete", evidence, before_record=lambda item, request: item.set_due(None)
    )
    return "已报告落实情况"


def cancel_meeting(meeting, request, reason):
    """The calling unit cancels the meeting; the invited units are told why."""
    WORKFLOW.check(meeting, request, "cancel")
    meeting.cancel_reason = reason
    meeting.cancelled_at = now()
    WORKFLOW.fire(meeting, request, "cancel", reason, before_record=lambda item, request: item.update_clock())
    return "会议已取消"


GROUP = "协调会商"
MEASURES = (
    Measure("meetings.routine", "召开例行会议", GROUP, "", "召开并记录会议纪要的例行会议（按会议月份）"),
    Measure("meetings.special", "召开专题会议", GROUP, "", "召开并记录会议纪要的专题会议（按会议月份）"),
    Measure("meetings.actions", "议定事项", GROUP, "duty", "会议纪要交由本单位落实的议定事项（按交办月份）"),
    Measure("meetings.actions_on_time", "按期落实", GROUP, "", "完成期限内报告落实（按报告月份）"),
    Measure("meetings.actions_late", "逾期落实", GROUP, "late", "超过完成期限才报告落实（按报告月份）"),
    Measure("meetings.actions_open", "待落实", GROUP, "open", "尚未报告落实的议定事项（按交办月份）"),
)


def meeting_figures(meeting):
    """A meeting counts for its unit once minuted, in the month it was held (portal.supervision)."""
    if meeting.state == "minuted":
        yield (
            ("meetings.routine" if meeting.is_routine else "meetings.special"),
            meeting.owner,
            meeting.starts_at,
        )


def action_figures(action):
    """An action item counts for the unit that carries it out (portal.supervision)."""
    unit = action.owner_unit
    yield "meetings.actions", unit, action.created
    if action.completed_at is None:
        yield "meetings.actions_open", unit, action.created
        return
    late = action.due_date is not None and local_date(action.completed_at) > action.due_date
    yield ("meetings.actions_late" if late else "meetings.actions_on_time"), unit, action.completed_at


def includeme(config):
    from substanced.interfaces import IRoot

    from .halfyears import check_routine_meetings
    from .views import ACTION_FLOW, MEETING_FLOW, record_page

    config.add_figures(CoordinationMeeting.item_type, MEASURES, meeting_figures)
    config.add_figures(MeetingAction.item_type, (), action_figures)
    MEETING_FLOW.include(config)
    ACTION_FLOW.include(config)
    config.add_deadline_check("meetings.routine", check_routine_meetings)
    config.add_view(
        record_page,
        context=IRoot,
        name="meeting-record",
        renderer="portal.meetings:templates/record.pt",
        permission="view",
        require_csrf=True,
    )
    config.scan(".")
