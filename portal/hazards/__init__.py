"""Major safety hazard notices (重大安全隐患通报), 昌府办字〔2024〕52号 (三)2.

A township (乡镇/街道) that finds a major safety hazard in its enforcement work tells the competent
district department(s) at once (应及时通报相关区级业务主管部门): what was found, where, of which kind,
when, the measures already taken on site, how urgent it is, with photos.

The notice is urgent by nature, so its clock runs in **hours**, not working days: it reaches every
department when the township sends it (送达 = the send), and each department must acknowledge it
(确认收悉) within :data:`ACK_HOURS` hours of that moment, nights and holidays included. The law says
only 及时 / 立即; two hours is this portal's reading, one constant to change. Until a department
acknowledges, the ``portal-deadlines`` run reminds it every :data:`REMIND_EVERY` (at most once an
hour per department, however often the run is repeated) and, past the deadline, the run marks the
notice overdue once, as for every item.

After acknowledging, a department records its analysis (研判分析), suggestions (处置建议) and the measures
it took (采取的措施), as often as it has something new; the township sees them. Either side may call a
special meeting (专题会议) from the notice, and a joint enforcement action (联合执法行动) may be recorded
against it. The township closes the notice (办结) once the hazard is removed (整改完毕), with a note.

Every step is a function taking ``(item, request)`` (and the form's ``data``), so a script can do
what a person does without a page.
"""

import datetime

from hypatia.query import Eq
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from substanced.content import content

from ..calendar import SHANGHAI, add_hours
from ..flows import FlowItem, actor, close_by_owner, fmt, span
from ..items import Transition, Workflow, WorkflowError, now, record
from ..notifications import notify_units
from ..supervision.figures import Measure

#: Hours a department has to acknowledge a notice, counted from the moment it was sent (clock
#: time: nights, weekends and holidays count, as a hazard does not wait). The seed's "及时".
ACK_HOURS = 2
#: How often the ``portal-deadlines`` run reminds a department that has not acknowledged.
REMIND_EVERY = datetime.timedelta(hours=1)

#: The hazard's kind or industry (行业领域).
HAZARD_KINDS = (
    "安全生产",
    "消防安全",
    "危险化学品",
    "燃气",
    "特种设备",
    "建筑施工",
    "道路交通",
    "食品药品",
    "地质灾害",
    "防汛防台",
    "生态环境",
    "公共卫生",
    "其他",
)
#: How urgent the township judges it; every notice has the same acknowledgement clock.
URGENCIES = (
    ("特急", "特急（危及人身安全，须立即处置）"),
    ("紧急", "紧急（须尽快研判处置）"),
    ("一般", "一般（须及时研判）"),
)

#: Who in a department hears of a notice and its reminders: the liaison acknowledges it; a major
#: hazard is also for the leaders at once.
ALERTED = frozenset({"liaison", "leader", "deputy"})
#: Who in the township hears of the departments' analysis and measures.
TOWNSHIP_HANDLERS = frozenset({"officer", "liaison"})
#: Who hears of a special meeting called (the seed's participants: 分管领导, the offices in charge).
MEETING_ROLES = frozenset({"deputy", "liaison", "officer"})

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "notified": "已通报，待确认收悉",
        "handling": "已确认收悉，处置中",
        "closed": "已办结",
    },
    transitions=[
        Transition("send", "通报", ["draft"], "notified"),
        # A department acknowledges; the last one to do so moves the notice on.
        Transition("acknowledge", "确认收悉", ["notified"], "notified"),
        Transition("acknowledge_last", "确认收悉", ["notified"], "handling", action="acknowledge"),
        Transition("close", "办结", ["notified", "handling"], "closed"),
    ],
    final=["closed"],
)

#: States in which the notice is being handled (analysis, meetings, joint actions).
OPEN_STATES = ("notified", "handling")


@content("Hazard Notice", icon="glyphicon glyphicon-warning-sign")
class HazardNotice(FlowItem):
    """A township's notice of a major safety hazard to one or several departments."""

    item_type = "hazard_notice"
    type_title = "重大安全隐患通报"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "location", "hazard_kind", "findings", "onsite_measures")

    departments = ()
    location = ""
    hazard_kind = ""
    found_at = None
    findings = ""
    onsite_measures = ""
    urgency = ""
    #: When the notice was sent: it reached the departments then, and their clock runs from here.
    sent_at = None
    #: When every department must have acknowledged (aware, Asia/Shanghai).
    ack_due = None
    closed_at = None
    close_note = ""

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        #: unit code -> {at, login, name, late}
        self.acknowledgements = PersistentMapping()
        #: unit code -> {count, last}: the deadline run's reminders.
        self.reminders = PersistentMapping()
        self.responses = PersistentList()
        self.meetings = PersistentList()
        self.joint_actions = PersistentList()

    # who is where ---------------------------------------------------------------------------------

    @property
    def unacknowledged(self):
        """The departments that have not acknowledged yet, in the notice's order."""
        return [code for code in self.departments if code not in self.acknowledgements]

    def involved(self, unit):
        return unit == self.owner or unit in self.departments

    @property
    def flags(self):
        return [self.urgency] if self.urgency in ("特急", "紧急") else []

    def update_clock(self):
        """Who the notice waits for now: the departments not yet acknowledged, by the deadline;
        once all have, those that have recorded no analysis yet; then the township, to close it."""
        if self.state not in OPEN_STATES:
            self.set_due(None)
            return
        waiting = self.unacknowledged
        if waiting:
            self.set_due(
                self.ack_due, awaiting=waiting, waiting_for=f"等待{self.units_titles(waiting)}确认收悉"
            )
            return
        answered = {response["unit"] for response in self.responses}
        silent = [code for code in self.departments if code not in answered]
        if silent:
            self.set_due(
                None,
                awaiting=silent,
                waiting_for=f"等待{self.units_titles(silent)}研判分析、提出处置建议并采取措施",
            )
        else:
            self.set_due(
                None, awaiting=[self.owner], waiting_for=f"隐患整改完毕后，等待{self.owner_title}办结"
            )

    # the steps ------------------------------------------------------------------------------------

    def start_clock(self, sent_at):
        """The notice reaches its departments: each must acknowledge within ``ACK_HOURS`` hours."""
        self.sent_at = sent_at.astimezone(SHANGHAI)
        self.ack_due = add_hours(self.sent_at, ACK_HOURS)
        # The portal-deadlines run's one-off reminder a working day ahead is not for an hour clock:
        # this flow reminds hourly itself (remind_unacknowledged).
        self.reminded_for = self.ack_due
        for code in self.departments:
            self.relate("recipient", code)
        self.update_clock()

    def record_acknowledgement(self, unit, when, login, name):
        self.acknowledgements[unit] = PersistentMapping(
            at=when, login=login, name=name, late=bool(self.ack_due and when > self.ack_due)
        )

    def record_response(self, unit, when, analysis, suggestions, measures, **who):
        self.responses.append(
            PersistentMapping(
                unit=unit, at=when, analysis=analysis, suggestions=suggestions, measures=measures, **who
            )
        )

    def call_meeting(self, request, held_at, place, topic):
        """The acting unit calls a special meeting (专题会议) on this notice; returns its record.

        The meeting itself is a coordination meeting of the acting unit (:mod:`portal.meetings`),
        its notice sent at once to the other units of the notice, its origin this notice's number;
        the record on the notice keeps its path."""
        from ..meetings import call_meeting

        unit = request.acting_unit
        if not self.involved(unit):
            raise WorkflowError("只有通报单位和被通报部门可以提议召开专题会议")
        if self.state not in OPEN_STATES:
            raise WorkflowError(f"“{self.title}”当前状态为“{self.state_title}”，不能提议召开专题会议")
        called = call_meeting(
            request.root["tenants"][unit],
            request,
            title=f"专题会议：{topic}"[:100],
            starts_at=held_at,
            place=place,
            invitees=[code for code in (self.owner, *self.departments) if code != unit],
            agenda=topic,
            origin=f"重大安全隐患通报 {self.number}《{self.title}》",
        )
        meeting = PersistentMapping(
            unit=unit,
            at=now(),
            held_at=held_at,
            place=place,
            topic=topic,
            meeting_path=request.resource_path(called),
            meeting_number=called.number,
            **actor(request),
        )
        self.meetings.append(meeting)
        record(
            self,
            request,
            "meeting",
            "提议召开专题会议",
            f"会议时间 {fmt(held_at)}，地点：{place}，议题：{topic}",
        )
        return meeting

    def record_joint_action(self, unit, when, action_date, units, actions_taken, result, **who):
        self.joint_actions.append(
            PersistentMapping(
                unit=unit,
                at=when,
                action_date=action_date,
                units=tuple(units),
                actions_taken=actions_taken,
                result=result,
                **who,
            )
        )

    # the deadline run -----------------------------------------------------------------------------

    def departments_to_remind(self, moment):
        """The departments not yet acknowledged and told nothing of it within the hour: not sent
        it, not reminded, not told it is overdue (the run's overdue mark tells the awaiting units)."""
        if self.state != "notified" or self.sent_at is None:
            return []
        marked = [entry.when for entry in self.history if entry.action == "overdue"]
        due = []
        for code in self.unacknowledged:
            told = [self.sent_at, *marked]
            if code in self.reminders:
                told.append(self.reminders[code]["last"])
            if moment - max(told) >= REMIND_EVERY:
                due.append(code)
        return due

    def mark_reminded(self, code, moment):
        count = self.reminders[code]["count"] if code in self.reminders else 0
        self.reminders[code] = PersistentMapping(count=count + 1, last=moment)

    # what people read -----------------------------------------------------------------------------

    def describe(self, request):
        return [
            ("通报单位", self.owner_title),
            ("通报部门", self.units_titles(self.departments)),
            ("隐患地点", self.location),
            ("隐患类别（行业）", self.hazard_kind),
            ("紧急程度", dict(URGENCIES).get(self.urgency, self.urgency)),
            ("发现时间", fmt(self.found_at)),
            ("发现的情况", self.findings),
            ("现场已采取的措施", self.onsite_measures),
            ("办结情况", self.closing_text()),
        ]

    def closing_text(self):
        if self.closed_at is None:
            return ""
        return f"{fmt(self.closed_at)} 隐患整改完毕，办结。{self.close_note}"

    def sections(self, request):
        return [
            ("研判分析与处置措施", [self.response_text(r) for r in self.responses]),
            ("专题会议", [self.meeting_text(m) for m in self.meetings]),
            ("联合执法行动", [self.joint_action_text(a) for a in self.joint_actions]),
        ]

    def response_text(self, response):
        parts = [
            f"{label}：{response[key]}"
            for label, key in (
                ("研判分析", "analysis"),
                ("处置建议", "suggestions"),
                ("采取的措施", "measures"),
            )
            if response[key]
        ]
        who = f"{self.unit_name(response['unit'])} {response.get('name', '')}".strip()
        return f"{who}（{fmt(response['at'])}）—— " + "；".join(parts)

    def meeting_text(self, meeting):
        return (
            f"{self.unit_name(meeting['unit'])}提议召开专题会议：{fmt(meeting['held_at'])}，"
            f"地点：{meeting['place']}，议题：{meeting['topic']}"
            f"（{meeting.get('name', '')} {fmt(meeting['at'])} 登记"
            + (f"，会议通知 {meeting['meeting_number']}" if meeting.get("meeting_number") else "")
            + "）"
        )

    def joint_action_text(self, action):
        return (
            f"{fmt(action['action_date'], with_time=False)} 联合执法，"
            f"参与单位：{self.units_titles(action['units'])}；"
            f"行动情况：{action['actions_taken']}；结果：{action['result']}"
            f"（{self.unit_name(action['unit'])} {action.get('name', '')} 登记）"
        )

    def clock(self, moment):
        """The hours clock for the page: sent, due, and how long is left (or how late it is)."""
        if self.sent_at is None:
            return None
        left, css = "", ""
        if self.state == "notified":
            remaining = self.ack_due - moment
            if remaining.total_seconds() < 0:
                left, css = f"已超期{span(-remaining)}", "overdue"
            else:
                left, css = f"还有{span(remaining)}", "due-soon"
        return {
            "sent": fmt(self.sent_at),
            "due": fmt(self.ack_due),
            "elapsed": span(moment - self.sent_at),
            "left": left,
            "css": css,
        }

    def ack_rows(self, moment):
        """One row per department: whether and when it acknowledged, and its reminders."""
        rows = []
        for code in self.departments:
            ack = self.acknowledgements.get(code)
            if ack is not None:
                status = (
                    f"已确认收悉 {fmt(ack['at'])}（通报后{span(ack['at'] - self.sent_at)}，{ack['name']}）"
                )
                css = "overdue" if ack["late"] else ""
                if ack["late"]:
                    status += "，超过确认期限"
            elif self.state != "notified":
                status, css = "未确认收悉", ""
            elif moment > self.ack_due:
                status, css = f"未确认收悉，已超期{span(moment - self.ack_due)}", "overdue"
            else:
                status, css = f"未确认收悉，还有{span(self.ack_due - moment)}", "due-soon"
            reminded = self.reminders.get(code)
            reminders = f"已催办 {reminded['count']} 次，最近 {fmt(reminded['last'])}" if reminded else ""
            rows.append(
                {
                    "code": code,
                    "title": self.unit_name(code),
                    "status": status,
                    "css": css,
                    "reminders": reminders,
                }
            )
        return rows

    def notices(self, entry, request):
        """Who hears of a step: the departments' liaisons and leaders when the notice arrives (and
        when it is closed, their liaisons), the township's handlers when a department records its
        analysis, every other unit involved when a meeting is called or a joint action recorded.
        Drafting and acknowledging tell nobody: the township sees acknowledgements on the page."""
        township, title = self.owner_title, f"《{self.title}》"
        others = [code for code in (self.owner, *self.departments) if code != entry.unit]
        if entry.action == "send":
            text = (
                f"{township}通报重大安全隐患：{title}（{self.number}），地点：{self.location}。"
                f"请于 {fmt(self.ack_due)} 前确认收悉，并及时研判分析、采取措施"
            )
            return [(list(self.departments), ALERTED, text)]
        if entry.action == "respond":
            text = f"{entry.unit_title}就{township}通报的重大安全隐患{title}反馈了研判分析和处置措施，请查看"
            return [([self.owner], TOWNSHIP_HANDLERS, text)]
        if entry.action == "meeting":
            text = f"{entry.unit_title}就重大安全隐患{title}提议召开专题会议：{entry.comment}"
            return [(others, MEETING_ROLES, text)]
        if entry.action == "joint_action":
            text = f"{entry.unit_title}登记了重大安全隐患{title}的联合执法行动：{entry.comment}"
            return [(others, TOWNSHIP_HANDLERS, text)]
        if entry.action == "close":
            text = f"{township}已办结重大安全隐患通报{title}：隐患已整改完毕。{entry.comment}"
            return [(list(self.departments), {"liaison"}, text)]
        return []


# The steps, callable without a page ---------------------------------------------------------------


def send(item, request):
    """The township sends the notice: it reaches every department now, whose hours start."""
    WORKFLOW.check(item, request, "send")
    if not item.departments:
        raise WorkflowError("请至少选择一个通报部门")
    WORKFLOW.fire(item, request, "send", before_record=lambda item, request: item.start_clock(now()))
    return (
        f"已通报{item.units_titles(item.departments)}。各部门须于 {fmt(item.ack_due)} 前确认收悉"
        f"（通报后 {ACK_HOURS} 小时内）"
    )


def acknowledge_refusal(item, request):
    """Why the acting unit cannot acknowledge now, or ``""``."""
    unit = request.acting_unit
    if unit not in item.departments:
        return "只有被通报的部门可以确认收悉"
    if unit in item.acknowledgements:
        return f"本单位已于 {fmt(item.acknowledgements[unit]['at'])} 确认收悉"
    return ""


def acknowledge(item, request):
    """The acting department acknowledges (确认收悉); it leaves the units the notice waits for."""
    WORKFLOW.check(item, request, "acknowledge")
    refusal = acknowledge_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    when = now()
    unit = request.acting_unit
    item.record_acknowledgement(unit, when, **actor(request))
    late = item.acknowledgements[unit]["late"]
    comment = f"通报后{span(when - item.sent_at)}确认收悉" + ("，超过确认期限" if late else "")
    name = "acknowledge" if item.unacknowledged else "acknowledge_last"
    WORKFLOW.fire(item, request, name, comment, before_record=lambda item, request: item.update_clock())
    return (
        "已确认收悉（超过确认期限）。请及时研判分析、采取措施"
        if late
        else "已确认收悉。请及时研判分析、采取措施"
    )


def handling_refusal(item, request):
    """Analysis, meetings and joint actions: only while the notice is open, by a unit involved."""
    if item.state not in OPEN_STATES:
        return f"“{item.title}”当前状态为“{item.state_title}”，不能再登记"
    if not item.involved(request.acting_unit):
        return "只有通报单位和被通报部门可以登记"
    return ""


def respond_refusal(item, request):
    refusal = handling_refusal(item, request)
    if refusal:
        return refusal
    if request.acting_unit not in item.departments:
        return "只有被通报的部门可以反馈研判分析和处置措施"
    if request.acting_unit not in item.acknowledgements:
        return "请先确认收悉，再反馈研判分析和处置措施"
    return ""


def _refuse(reason):
    if reason:
        raise WorkflowError(reason)


def respond(item, request, data):
    """The department records its analysis, suggestions and measures (again, whenever it has more)."""
    from ..flows import attach_files

    _refuse(respond_refusal(item, request))
    item.record_response(
        request.acting_unit,
        now(),
        data.get("analysis", ""),
        data.get("suggestions", ""),
        data.get("measures", ""),
        **actor(request),
    )
    attach_files(item, data.get("files", ()), request, "研判处置材料")
    item.update_clock()
    record(item, request, "respond", "研判分析与处置", item.response_text(item.responses[-1]))
    return "已登记研判分析和处置措施，通报单位可以看到"


def call_meeting(item, request, data):
    """Either side calls a special meeting on the notice (see :meth:`HazardNotice.call_meeting`)."""
    _refuse(handling_refusal(item, request))
    item.call_meeting(request, data["held_at"], data["place"], data["topic"])
    return "已登记专题会议提议，并通知了通报所涉其他单位"


def record_joint_action(item, request, data):
    """A joint enforcement action taken against the hazard."""
    from ..flows import attach_files

    _refuse(handling_refusal(item, request))
    item.record_joint_action(
        request.acting_unit,
        now(),
        data["action_date"],
        data["units"],
        data["actions_taken"],
        data["result"],
        **actor(request),
    )
    attach_files(item, data.get("files", ()), request, "联合执法材料")
    action = item.joint_actions[-1]
    record(
        item,
        request,
        "joint_action",
        "联合执法行动",
        f"{fmt(action['action_date'], with_time=False)}，参与单位：{item.units_titles(action['units'])}；"
        f"结果：{action['result']}",
    )
    return "已登记联合执法行动"


def close(item, request, data):
    """The township closes the notice once the hazard is removed; every clock stops."""
    return close_by_owner(item, request, data, "通报单位", "整改材料")


# The portal-deadlines run ------------------------------------------------------------------------


def remind_unacknowledged(root, request, moment):
    """Remind each department that has not acknowledged a notice, at most once an hour.

    Run by ``portal-deadlines`` (see :func:`portal.deadlines.add_deadline_check`); repeating a run
    at the same moment reminds nobody twice. Overdue marks come from the run itself (``item.due``).
    """
    catalog = root["catalogs"]["portal"]
    policy = request.registry.policy_engine
    moment = moment.astimezone(SHANGHAI)
    counts = {"hazard reminders": 0, "notifications": 0}
    query = Eq(catalog["item_type"], HazardNotice.item_type) & Eq(catalog["state"], "notified")
    for item in list(query.execute().all()):
        for code in item.departments_to_remind(moment):
            item.mark_reminded(code, moment)
            late = moment > item.ack_due
            text = (
                f"催办：{item.owner_title}通报的重大安全隐患《{item.title}》（{item.number}）已通报"
                f"{span(moment - item.sent_at)}，本单位尚未确认收悉。确认期限 {fmt(item.ack_due)}"
                f"{'，已超期' if late else ''}，请立即确认收悉并研判处置"
            )
            counts["notifications"] += notify_units(root, policy, item, [code], text, roles=ALERTED)
            counts["hazard reminders"] += 1
    # Nothing to say, nothing added to the run's summary line.
    return {key: value for key, value in counts.items() if value}


GROUP = "安全隐患通报"
MEASURES = (
    Measure("hazards.sent", "通报隐患", GROUP, "", "乡镇（街道）通报的重大安全隐患（按通报月份）"),
    Measure("hazards.received", "收到通报", GROUP, "duty", "部门收到、须确认收悉的通报（按通报月份）"),
    Measure(
        "hazards.ack_on_time", "按时确认收悉", GROUP, "", f"通报后{ACK_HOURS}小时内确认收悉（按确认月份）"
    ),
    Measure("hazards.ack_late", "超时确认收悉", GROUP, "late", "超过确认期限才确认收悉（按确认月份）"),
    Measure(
        "hazards.unacknowledged", "未确认收悉", GROUP, "open", "通报尚未办结、部门尚未确认收悉（按通报月份）"
    ),
    Measure(
        "hazards.never_acknowledged",
        "逾期未确认即办结",
        GROUP,
        "refused",
        "超过确认期限仍未确认收悉、通报已办结的（拒不履行；按办结月份）",
    ),
)


def figures(notice):
    """What a hazard notice counts in the supervisor's overview (portal.supervision)."""
    if notice.sent_at is None:
        return
    yield "hazards.sent", notice.owner, notice.sent_at
    for code in notice.departments:
        yield "hazards.received", code, notice.sent_at
        ack = notice.acknowledgements.get(code)
        if ack is not None:
            yield ("hazards.ack_late" if ack["late"] else "hazards.ack_on_time"), code, ack["at"]
        elif notice.state in OPEN_STATES:
            yield "hazards.unacknowledged", code, notice.sent_at
        elif notice.closed_at is not None and notice.closed_at > notice.ack_due:
            yield "hazards.never_acknowledged", code, notice.closed_at


def includeme(config):
    from .flow import FLOW

    config.add_figures(HazardNotice.item_type, MEASURES, figures)
    FLOW.include(config)
    config.add_deadline_check("hazards.unacknowledged", remind_unacknowledged)
    config.scan(".")
