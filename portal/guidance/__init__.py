"""业务指导与培训 (guidance and training), 昌府办字〔2024〕52号 (三)3 and (四)1.

A department records what it does to guide the townships' enforcement officers: centralised
trainings, on-site coaching, discussions and consultations (集中培训、上门辅导、座谈、咨询), and the
enforcement work it invites them into (现场检查、调查取证、应急处置、案卷制作). An activity
(:class:`GuidanceActivity`) has a date and time, a kind, a topic, the townships taking part, the
people taking part and its materials. It is arranged (已安排), then held (已举办, with who came and
the sign-in sheets, slides and photos) or cancelled (已取消). The townships taking part see it (the
``participant`` relation), and so does the supervisor, as everything sent.

A township may ask a department for guidance (:class:`GuidanceRequest`): a topic, what it needs, the
kind and dates it would like. The department answers by arranging an activity; the request then
links to it, the activity links back, and the request is closed. The seed sets no time for this
answer: the request waits in the department's to-do list with no due date, and its page says how
long it has been waiting (calendar and working days), which the supervisor reads too.

Every function here that changes an item takes ``(item, request, ...)`` and needs no view.
"""

from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from substanced.content import content

from ..calendar import local_date, workdays_between
from ..flows import Action, Flow, FlowItem, attach_files, fmt
from ..items import Transition, Workflow, now, record
from ..supervision.figures import Measure
from .forms import (
    ANY_KIND,
    FIELD_WORK,
    KIND_LABELS,
    KINDS,
    ActivitySchema,
    CancelSchema,
    HoldSchema,
    MaterialsSchema,
    RequestSchema,
    RescheduleSchema,
    WithdrawSchema,
    kind_label,
)
from .views import activity_list_values, links, request_list_values

__all__ = ["KINDS", "FIELD_WORK", "ANY_KIND"]

ACTIVITY_WORKFLOW = Workflow(
    initial="planned",
    states={"planned": "已安排", "held": "已举办", "cancelled": "已取消"},
    transitions=[
        Transition("hold", "登记举办情况", ["planned"], "held"),
        Transition("cancel", "取消", ["planned"], "cancelled"),
    ],
    final=["held", "cancelled"],
)

REQUEST_WORKFLOW = Workflow(
    initial="submitted",
    states={"submitted": "待部门安排", "scheduled": "已安排指导", "withdrawn": "已撤回"},
    transitions=[
        Transition("schedule", "安排指导", ["submitted"], "scheduled"),
        Transition("withdraw", "撤回", ["submitted"], "withdrawn"),
    ],
    final=["scheduled", "withdrawn"],
)

#: Who in a township hears of an activity or of the answer to its request.
TOWNSHIP_ROLES = {"officer", "liaison"}
#: Who in a department hears of a township's request.
DEPARTMENT_ROLES = {"liaison"}


@content("Guidance Activity", icon="glyphicon glyphicon-education")
class GuidanceActivity(FlowItem):
    """A training, coaching, discussion, consultation or field work a department organised."""

    item_type = "guidance_activity"
    type_title = "业务指导培训"
    workflow = ACTIVITY_WORKFLOW
    searchable_fields = ("title", "number", "kind", "place", "people", "outline", "attendance", "summary")

    kind = ""
    #: When it is (or was) to start; an aware datetime.
    starts_at = None
    place = ""
    #: The townships taking part (codes).
    participants = ()
    people = ""
    outline = ""
    held_at = None
    attendance = ""
    summary = ""
    cancel_reason = ""
    #: ``(unit, name)`` of the township's request this activity answers, if any.
    answers = None

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        self.reschedules = PersistentList()

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def when(self):
        """When it took place (held), else when it is planned."""
        return self.held_at or self.starts_at

    @property
    def document_year(self):
        """The year it counts in (the catalog's ``year``): the year it was held, or is planned."""
        return local_date(self.when).year if self.when is not None else None

    def describe(self, request):
        return [
            ("形式", self.kind_label),
            ("时间", fmt(self.starts_at)),
            ("地点", self.place),
            ("组织单位", self.owner_title),
            ("参加单位", self.units_titles(self.participants)),
            ("参加人员", self.people),
            ("内容", self.outline),
            ("实际举办时间", fmt(self.held_at)),
            ("实到人员", self.attendance),
            ("举办情况", self.summary),
            ("取消理由", self.cancel_reason),
        ]

    def sections(self, request):
        return [
            (
                "时间调整",
                [
                    f"{fmt(change['old'])} 改为 {fmt(change['new'])}"
                    + (f"，地点：{change['place']}" if change.get("place") else "")
                    + f"。理由：{change['reason']}"
                    for change in self.reschedules
                ],
            )
        ]

    def _announcement(self):
        place = f"在{self.place}" if self.place else ""
        if self.kind in FIELD_WORK:
            what = f"{place}开展{self.kind}《{self.title}》（{self.number}），邀请本单位执法人员参加"
        else:
            what = (
                f"{place}举办{self.kind}《{self.title}》（{self.number}），本单位为参加单位，请安排人员参加"
            )
        return f"{self.owner_title}定于 {fmt(self.starts_at)} {what}"

    def notices(self, entry, request):
        """The townships taking part hear when an activity is arranged, moved or cancelled (a
        township whose request it answers hears it from its request); holding it, adding materials:
        the department's own steps, nobody."""
        units = list(self.participants)
        if entry.action == "create":
            if self.answers:
                units = [unit for unit in units if unit != self.answers[0]]
            return [(units, TOWNSHIP_ROLES, self._announcement())] if units else []
        if entry.action == "reschedule":
            text = f"{self.owner_title}调整了《{self.title}》（{self.number}）：{entry.comment}"
            return [(units, TOWNSHIP_ROLES, text)]
        if entry.action == "cancel":
            text = (
                f"{self.owner_title}取消了原定 {fmt(self.starts_at)} 的《{self.title}》（{self.number}）："
                f"{entry.comment}"
            )
            return [(units, TOWNSHIP_ROLES, text)]
        return []


@content("Guidance Request", icon="glyphicon glyphicon-hand-up")
class GuidanceRequest(FlowItem):
    """A township's request to one department for guidance."""

    item_type = "guidance_request"
    type_title = "业务指导申请"
    workflow = REQUEST_WORKFLOW
    searchable_fields = ("title", "number", "needs", "preferred_kind", "withdraw_reason")

    department = ""
    needs = ""
    preferred_kind = ""
    preferred_from = None
    preferred_to = None
    #: ``(unit, name)`` of the activity arranged in answer.
    activity = None
    closed_at = None
    withdraw_reason = ""

    @property
    def department_title(self):
        return self.unit_name(self.department)

    @property
    def preferred_kind_label(self):
        return kind_label(self.preferred_kind)

    @property
    def preferred_dates(self):
        if self.preferred_from is None:
            return ""
        if self.preferred_to is None or self.preferred_to == self.preferred_from:
            suffix = "" if self.preferred_to else " 起"
            return f"{fmt(self.preferred_from)}{suffix}"
        return f"{fmt(self.preferred_from)} 至 {fmt(self.preferred_to)}"

    def waited(self, request, moment=None):
        """How long it waited, from when it was made until it was closed (or now): ``3 天（2 个工作日）``."""
        end = self.closed_at or moment or now()
        days = (local_date(end) - local_date(self.created)).days
        workdays = workdays_between(self.created, end, request.root.calendar_overrides)
        return f"{days} 天（{workdays} 个工作日）"

    def describe(self, request):
        waiting = []
        if self.is_open:
            waiting = [("已等待", f"{self.waited(request)}，自 {fmt(self.created)} 提出")]
        elif self.state == "scheduled":
            waiting = [("提出至安排", self.waited(request))]
        return [
            ("申请单位", self.owner_title),
            ("被申请部门", self.department_title),
            ("希望的形式", self.preferred_kind_label),
            ("希望日期", self.preferred_dates),
            ("需要指导的内容", self.needs),
            *waiting,
            ("撤回理由", self.withdraw_reason),
        ]

    def notices(self, entry, request):
        """The department's liaison hears of a request and of its withdrawal; the township's
        officers and liaison hear what was arranged for them."""
        title = f"《{self.title}》"
        if entry.action == "create":
            text = (
                f"{self.owner_title}申请业务指导：{title}（{self.number}），希望的形式：{kind_label(self.preferred_kind)}，"
                f"希望日期：{self.preferred_dates}。请安排指导活动"
            )
            return [([self.department], DEPARTMENT_ROLES, text)]
        if entry.action == "withdraw":
            text = f"{self.owner_title}撤回了业务指导申请{title}：{entry.comment}"
            return [([self.department], DEPARTMENT_ROLES, text)]
        if entry.action == "schedule":
            text = f"{self.department_title}已就本单位的业务指导申请{title}安排{entry.comment}"
            return [([self.owner], TOWNSHIP_ROLES, text)]
        return []


# What people do ----------------------------------------------------------------------------------


def open_activity(item, request, data):
    """A new activity reaches the townships taking part (and, answering a request, links to it)."""
    item.participants = tuple(sorted(data["participants"]))
    for unit in item.participants:
        item.relate("participant", unit)
    answered = data.get("answering")
    if answered is not None:
        item.answers = (answered.owner, answered.__name__)


def submit_request(item, request, data):
    """A township's request reaches its department at once, and waits in its to-do list (no due
    date: the seed sets none)."""
    item.relate("recipient", item.department)
    item.set_due(None, awaiting=[item.department], waiting_for=f"等待{item.department_title}安排业务指导")


def hold(item, request, held_at, attendance, summary="", files=()):
    """The department records that the activity took place: when, who came, what was done."""
    item.held_at = held_at
    item.attendance = attendance
    item.summary = summary
    attach_files(item, files, request, "举办材料")
    ACTIVITY_WORKFLOW.fire(item, request, "hold", f"{fmt(held_at)} 举办")
    return item


def reschedule(item, request, starts_at, reason, place=None):
    """The department moves a planned activity (or changes its place); the townships are told."""
    change = PersistentMapping(
        old=item.starts_at, new=starts_at, reason=reason, when=now(), login=request.login
    )
    if place is not None and place != item.place:
        change["place"] = place
        item.place = place
    item.reschedules.append(change)
    item.starts_at = starts_at
    where = f"，地点：{item.place}" if change.get("place") else ""
    record(
        item,
        request,
        "reschedule",
        "调整时间",
        f"{fmt(change['old'])} 改为 {fmt(starts_at)}{where}。理由：{reason}",
    )
    return item


def add_materials(item, request, files, note=""):
    """More sign-in sheets, slides or photos for an activity."""
    names = attach_files(item, files, request, "活动材料")
    record(
        item,
        request,
        "materials",
        "补充材料",
        "、".join(str(name) for name in names) + (f"。{note}" if note else ""),
    )
    return item


def cancel(item, request, reason):
    item.cancel_reason = reason
    ACTIVITY_WORKFLOW.fire(item, request, "cancel", reason)
    return item


def schedule(guidance_request, request, data):
    """The department answers a township's request by arranging an activity (``data`` as the
    activity form gives it). The activity is the department's, numbered as any other; the two link
    to each other and the request is closed. Returns the activity."""
    REQUEST_WORKFLOW.check(guidance_request, request, "schedule")
    department = request.root["tenants"][guidance_request.department]
    activity = ACTIVITIES.create(department, request, {**data, "answering": guidance_request})
    guidance_request.activity = (activity.owner, activity.__name__)
    guidance_request.closed_at = now()
    guidance_request.set_due(None)
    REQUEST_WORKFLOW.fire(
        guidance_request,
        request,
        "schedule",
        f"{activity.kind_label}《{activity.title}》（{activity.number}），时间 {fmt(activity.starts_at)}",
    )
    return activity


def withdraw(guidance_request, request, reason):
    """The township no longer needs the guidance it asked for."""
    guidance_request.withdraw_reason = reason
    guidance_request.closed_at = now()
    guidance_request.set_due(None)
    REQUEST_WORKFLOW.fire(guidance_request, request, "withdraw", reason)
    return guidance_request


# The flows ---------------------------------------------------------------------------------------


def _schedule_refusal(item, request):
    tenant = request.root["tenants"].get(item.department)
    if request.acting_unit != item.department or not request.permits(tenant, "create:guidance_activity"):
        return f"只有{item.department_title}可以安排指导活动"
    return ""


def _schedule_intro(item, request):
    return (
        f"答复{item.owner_title}的业务指导申请《{item.title}》：希望的形式为{kind_label(item.preferred_kind)}，"
        f"希望日期 {item.preferred_dates}。安排后申请即办结，申请和活动页面互相链接，"
        f"{item.owner_title}收到通知；参加单位须包括{item.owner_title}，也可以邀请其他乡镇（街道）一同参加。"
    )


def _act_schedule(item, request, data):
    activity = schedule(item, request, data)
    return f"已安排{activity.kind_label}《{activity.title}》（{activity.number}），申请已办结"


def _act_hold(item, request, data):
    hold(item, request, data["held_at"], data["attendance"], data["summary"], data["files"])
    return "已登记举办情况"


def _act_reschedule(item, request, data):
    reschedule(item, request, data["starts_at"], data["reason"], data["place"])
    return f"已调整为 {fmt(item.starts_at)}，参加单位已收到通知"


def _act_materials(item, request, data):
    add_materials(item, request, data["files"], data["note"])
    return "已补充材料"


def _act_cancel(item, request, data):
    cancel(item, request, data["reason"])
    return "已取消，参加单位已收到通知"


def _act_withdraw(item, request, data):
    withdraw(item, request, data["reason"])
    return "已撤回，部门已收到通知"


def _only_planned(item, request):
    return "" if item.state == "planned" else f"“{item.title}”{item.state_title}，不能再调整时间"


def _not_cancelled(item, request):
    return "" if item.state != "cancelled" else f"“{item.title}”已取消，不能再补充材料"


HOLD = Action(
    "hold",
    "登记举办情况",
    schema=HoldSchema(),
    transition="hold",
    intro="活动举办后登记：实际举办时间、实到人员（按签到表），上传签到表、课件、照片。登记后计入本单位和参加单位的年度指导培训记录。",
    button="登记",
    act=_act_hold,
)
RESCHEDULE = Action(
    "reschedule",
    "调整时间",
    schema=RescheduleSchema(),
    allowed=_only_planned,
    intro="改期或改地点：参加单位会收到通知，页面保留原定时间和调整理由。",
    button="调整",
    primary=False,
    act=_act_reschedule,
)
MATERIALS = Action(
    "materials",
    "补充材料",
    schema=MaterialsSchema(),
    allowed=_not_cancelled,
    intro="补充上传签到表、课件、照片等材料，参加单位可以查看和下载。",
    button="上传",
    primary=False,
    act=_act_materials,
)
CANCEL = Action(
    "cancel",
    "取消",
    schema=CancelSchema(),
    transition="cancel",
    intro="取消尚未举办的活动：参加单位会收到通知和取消理由。",
    button="确认取消",
    primary=False,
    act=_act_cancel,
)
SCHEDULE = Action(
    "schedule",
    "安排指导活动",
    schema=ActivitySchema(),
    transition="schedule",
    allowed=_schedule_refusal,
    intro=_schedule_intro,
    button="安排",
    act=_act_schedule,
)
WITHDRAW = Action(
    "withdraw",
    "撤回申请",
    schema=WithdrawSchema(),
    transition="withdraw",
    intro="不再需要指导的，可以在部门安排之前撤回；部门联系人会收到通知和撤回理由。",
    button="撤回",
    primary=False,
    act=_act_withdraw,
)

ITEM_TEMPLATE = "portal.guidance:templates/item.pt"
LIST_TEMPLATE = "portal.guidance:templates/list.pt"

ACTIVITIES = Flow(
    GuidanceActivity,
    slug="guidance-activity",
    listing="guidance",
    nav_title="指导培训",
    nav_order=45,
    number_word="训",
    name_prefix="ga",
    schema=ActivitySchema,
    fields=("title", "kind", "starts_at", "place", "participants", "people", "outline"),
    heading="登记指导培训活动",
    intro=(
        "登记本部门对乡镇（街道）的业务指导：集中培训、上门辅导、座谈、咨询，或邀请乡镇（街道）执法人员参加"
        "现场检查、调查取证、应急处置、案卷制作。登记后参加单位即收到通知并可查看；活动举办后请“登记举办情况”，"
        "上传签到表、课件、照片。平台不设办理期限。"
    ),
    list_intro="区级部门组织的培训、辅导和邀请乡镇（街道）参加的执法活动，以及乡镇（街道）的指导申请。",
    files_kind="活动材料",
    create_button="登记",
    created_message="已登记，参加单位已收到通知。活动举办后，请点击“登记举办情况”，填写实到人员并上传签到表、课件、照片",
    columns=[
        ("形式", lambda item, request: item.kind_label),
        ("时间", lambda item, request: fmt(item.when)),
        ("组织单位", lambda item, request: item.owner_title),
        ("参加单位", lambda item, request: item.units_titles(item.participants)),
    ],
    actions=[HOLD, RESCHEDULE, MATERIALS, CANCEL],
    item_template=ITEM_TEMPLATE,
    list_template=LIST_TEMPLATE,
    page_values=links,
    list_values=activity_list_values,
    before_record=open_activity,
)

REQUESTS = Flow(
    GuidanceRequest,
    slug="guidance-request",
    listing="guidance-requests",
    nav_title=None,
    nav_order=45,
    number_word="导",
    name_prefix="gr",
    schema=RequestSchema,
    fields=("title", "department", "needs", "preferred_kind", "preferred_from", "preferred_to"),
    heading="申请业务指导",
    intro=(
        "向区级部门申请业务指导（上门辅导、座谈、咨询、培训，或参加部门的执法活动）。提交即送达部门，"
        "部门以安排一次指导活动答复，安排后本单位收到通知，申请办结。实施意见未规定答复期限，"
        "平台不设期限，但在部门的待办中列出，并显示已等待的天数和工作日数。"
    ),
    list_intro="乡镇（街道）向区级部门提出的业务指导申请。",
    files_kind="申请材料",
    create_button="提交申请",
    created_message="已提交，等待部门安排指导活动",
    create_title="提出申请",
    columns=[
        ("申请单位", lambda item, request: item.owner_title),
        ("被申请部门", lambda item, request: item.department_title),
        ("希望的形式", lambda item, request: item.preferred_kind_label),
        ("等待时间", lambda item, request: item.waited(request) if item.state != "withdrawn" else ""),
    ],
    actions=[SCHEDULE, WITHDRAW],
    item_template=ITEM_TEMPLATE,
    list_template=LIST_TEMPLATE,
    page_values=links,
    list_values=request_list_values,
    before_record=submit_request,
)


GROUP = "业务指导"
MEASURES = (
    Measure(
        "guidance.held",
        "举办指导培训",
        GROUP,
        "",
        "部门举办的培训、辅导、座谈、咨询和邀请参加的执法活动（按举办月份）",
    ),
    Measure(
        "guidance.attended", "参加指导培训", GROUP, "", "乡镇（街道）作为参加单位的已举办活动（按举办月份）"
    ),
    Measure(
        "guidance.requests", "收到指导申请", GROUP, "", "乡镇（街道）向部门提出的业务指导申请（按提出月份）"
    ),
    Measure("guidance.scheduled", "已安排指导", GROUP, "", "部门已安排指导活动答复的申请（按安排月份）"),
    Measure("guidance.waiting", "待安排", GROUP, "open", "尚未安排、也未撤回的申请（按提出月份）"),
)


def activity_figures(activity):
    """A held activity counts for its department and every township taking part (portal.supervision)."""
    if activity.state != "held":
        return
    yield "guidance.held", activity.owner, activity.held_at
    for unit in activity.participants:
        yield "guidance.attended", unit, activity.held_at


def request_figures(asked):
    """A township's request counts for the department asked (portal.supervision)."""
    yield "guidance.requests", asked.department, asked.created
    if asked.state == "scheduled":
        yield "guidance.scheduled", asked.department, asked.closed_at
    elif asked.state == "submitted":
        yield "guidance.waiting", asked.department, asked.created


def includeme(config):
    config.add_figures(GuidanceActivity.item_type, MEASURES, activity_figures)
    config.add_figures(GuidanceRequest.item_type, (), request_figures)
    ACTIVITIES.include(config)
    REQUESTS.include(config)
    config.scan(".")
