"""Obstruction of officers (阻碍执法), 昌府办字〔2024〕52号 (四)5.

"对以暴力、威胁等手段阻碍综合行政执法人员依法执行公务的，公安机关应及时依法查处；构成犯罪的，依法追究刑事
责任。" An officer of a township (or of a district department) who meets violence or threats while
enforcing records the incident: when (not in the future), where, what enforcement was under way,
who obstructed (the persons known, a description of the others), what happened, the officers
present and those injured, the evidence (photos and statements attached, the body-camera video
described). Submitting it reports it to public security (昌江公安分局) at once: there is no draft,
as an attack on an officer is not a document to polish.

Public security's clock runs in **hours** from that moment: its liaison acknowledges (接报) within
:data:`ACK_HOURS` hour, nights and holidays included. The seed says "及时"; the police keep a duty
desk around the clock, and a report on the portal usually follows a 110 call made at the scene, so
one hour is this portal's reading, one constant to change. Until public security acknowledges, the
``portal-deadlines`` run reminds its liaison every :data:`REMIND_EVERY` (its leaders too once the
hour has passed) and, past the deadline, marks the report overdue once, as for every item.

Public security then records its handling, as often as there is something new: 出警 (officers sent),
受理 (case accepted), 立案调查, and the result (处理结果: 治安管理处罚, 刑事立案, 不予处理 with its reasons,
其他处理). The reporting unit reads every update on the report's page and closes the report (办结).
The reporting unit and the 区司法局's supervisors see the report; the police see only the reports
addressed to them; the procuratorate, the court and every other unit see nothing.

Every step is a function taking ``(item, request)`` (and the form's ``data``), so a script can do
what a person does without a page.
"""

import datetime

from hypatia.query import Eq
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from pyramid.httpexceptions import HTTPForbidden
from substanced.content import content

from ..calendar import SHANGHAI, add_hours
from ..flows import FlowItem, actor, close_by_owner, attach_files, fmt, span
from ..items import Transition, Workflow, WorkflowError, now, record
from ..notifications import notify_units
from ..supervision.figures import Measure

#: Hours public security has to acknowledge (接报) a report, counted from the moment it was
#: submitted (clock time: nights, weekends and holidays count; the police are on duty at all hours).
ACK_HOURS = 1
#: How often the ``portal-deadlines`` run reminds public security of a report not acknowledged.
REMIND_EVERY = datetime.timedelta(minutes=30)

#: The extra kind of the units that are public security organs (``tenants/*.toml``).
POLICE_KIND = "police"

#: How the officers were obstructed.
MEANS = (
    ("暴力", "暴力（殴打、推搡、撕扯、投掷物品等）"),
    ("威胁", "威胁（言语、持械、以自伤自残相威胁等）"),
    ("暴力和威胁", "暴力和威胁"),
    ("其他", "其他方法（聚众围堵、拦截执法车辆、抢夺执法装备等）"),
)

#: What public security records: a step of its handling, or its result.
STEPS = (
    ("出警", "出警（民警到达现场）"),
    ("受理", "受理（受案登记）"),
    ("立案", "立案调查"),
    ("结果", "处理结果"),
)
RESULT_STEP = "结果"
#: The results public security may record.
OUTCOMES = (
    ("治安管理处罚", "治安管理处罚"),
    ("刑事立案", "刑事立案"),
    ("不予处理", "不予处理（须写明理由）"),
    ("其他处理", "其他处理（批评教育、调解等）"),
)
NO_ACTION = "不予处理"

#: Who in public security hears of a report (the liaison acknowledges it), and of its reminders
#: once the hour has passed (its leaders too).
POLICE_ALERTED = frozenset({"liaison"})
POLICE_ESCALATED = frozenset({"liaison", "leader", "deputy"})
#: Who in the reporting unit hears of public security's handling.
REPORTER_ROLES = frozenset({"officer", "liaison"})
#: Who in the reporting unit hears that one of its officers was obstructed (besides the reporter).
UNIT_LEADERS = frozenset({"leader", "deputy"})

WORKFLOW = Workflow(
    initial="reported",
    states={
        "reported": "已报告，待公安机关接报",
        "acknowledged": "公安机关已接报，处理中",
        "handled": "公安机关已反馈处理结果",
        "closed": "已办结",
    },
    transitions=[
        Transition("acknowledge", "接报", ["reported"], "acknowledged"),
        # The first result moves the report on; other updates are recorded without a transition.
        Transition("conclude", "反馈处理结果", ["acknowledged"], "handled", action="handle"),
        Transition("close", "办结", ["reported", "acknowledged", "handled"], "closed"),
    ],
    final=["closed"],
)

#: States in which public security records its handling.
HANDLING_STATES = ("acknowledged", "handled")


def police_units(request):
    """``[(code, title)]`` of the district's public security organs, in code order."""
    return [
        (code, tenant.title)
        for code, tenant in sorted(request.root["tenants"].items())
        if POLICE_KIND in tenant.kinds and code != request.acting_unit
    ]


def is_police(request, unit=None):
    tenant = request.root["tenants"].get(unit or request.acting_unit or "")
    return tenant is not None and POLICE_KIND in tenant.kinds


@content("Obstruction Report", icon="glyphicon glyphicon-alert")
class ObstructionReport(FlowItem):
    """An enforcement unit's report of officers obstructed by violence or threats."""

    item_type = "obstruction_report"
    type_title = "阻碍执法报告"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "location", "duty", "persons", "description", "account")

    police = ""
    occurred_at = None
    location = ""
    duty = ""
    means = ""
    persons = ""
    description = ""
    account = ""
    officers = ""
    injured = False
    injuries = ""
    damage = ""
    called_110 = False
    video = ""
    #: When the report was submitted: it reached public security then, and its hour runs from here.
    sent_at = None
    #: When public security must have acknowledged (aware, Asia/Shanghai).
    ack_due = None
    #: {at, login, name, late} once public security acknowledged.
    acknowledgement = None
    closed_at = None
    close_note = ""

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        #: Public security's updates: {step, happened_at, outcome, detail, reasons, case_number, at, ...}.
        self.updates = PersistentList()
        #: The deadline run's reminders: {count, last}.
        self.reminders = PersistentMapping()

    # who is where ---------------------------------------------------------------------------------

    @property
    def police_title(self):
        return self.unit_name(self.police)

    @property
    def results(self):
        return [update for update in self.updates if update["step"] == RESULT_STEP]

    @property
    def flags(self):
        flags = ["执法人员受伤"] if self.injured else []
        if any(update["outcome"] == "刑事立案" for update in self.results):
            flags.append("已刑事立案")
        return flags

    def update_clock(self):
        """Who the report waits for now: public security, to acknowledge by the deadline; then
        to record its handling; once a result is in, the reporting unit, to close it."""
        if self.state == "reported":
            self.set_due(self.ack_due, awaiting=[self.police], waiting_for=f"等待{self.police_title}接报")
        elif self.state == "acknowledged":
            self.set_due(
                None,
                awaiting=[self.police],
                waiting_for=f"等待{self.police_title}反馈出警、受理和处理结果",
            )
        elif self.state == "handled":
            self.set_due(
                None, awaiting=[self.owner], waiting_for=f"公安机关已反馈处理结果，等待{self.owner_title}办结"
            )
        else:
            self.set_due(None)

    # the steps ------------------------------------------------------------------------------------

    def start_clock(self, sent_at):
        """The report reaches public security: it must acknowledge within ``ACK_HOURS`` hours."""
        self.sent_at = sent_at.astimezone(SHANGHAI)
        self.ack_due = add_hours(self.sent_at, ACK_HOURS)
        # The portal-deadlines run's one-off reminder a working day ahead is not for an hour clock:
        # this flow reminds every half hour itself (remind_unacknowledged).
        self.reminded_for = self.ack_due
        self.relate("recipient", self.police)
        self.update_clock()

    def record_acknowledgement(self, when, login, name):
        self.acknowledgement = PersistentMapping(
            at=when, login=login, name=name, late=bool(self.ack_due and when > self.ack_due)
        )

    def record_update(self, when, data, **who):
        self.updates.append(
            PersistentMapping(
                unit=self.police,
                at=when,
                step=data["step"],
                happened_at=data["happened_at"],
                outcome=data.get("outcome") or "",
                detail=data["detail"],
                reasons=data.get("reasons") or "",
                case_number=data.get("case_number") or "",
                **who,
            )
        )

    # the deadline run -----------------------------------------------------------------------------

    def needs_reminder(self, moment):
        """Whether public security, not yet acknowledging, was told nothing of the report for
        ``REMIND_EVERY``: not sent it, not reminded, not told it is overdue."""
        if self.state != "reported" or self.sent_at is None:
            return False
        told = [self.sent_at, *(entry.when for entry in self.history if entry.action == "overdue")]
        if self.reminders:
            told.append(self.reminders["last"])
        return moment - max(told) >= REMIND_EVERY

    def mark_reminded(self, moment):
        self.reminders["count"] = self.reminders.get("count", 0) + 1
        self.reminders["last"] = moment

    # what people read -----------------------------------------------------------------------------

    def describe(self, request):
        return [
            ("报告单位", self.owner_title),
            ("报告公安机关", self.police_title),
            ("发生时间", fmt(self.occurred_at)),
            ("发生地点", self.location),
            ("正在执行的公务", self.duty),
            ("阻碍方式", dict(MEANS).get(self.means, self.means)),
            ("阻碍人员", self.persons),
            ("体貌特征和人数", self.description),
            ("事件经过", self.account),
            ("在场执法人员", self.officers),
            ("执法人员受伤情况", self.injuries if self.injured else "无人受伤"),
            ("财物损毁情况", self.damage),
            ("现场报警", "已当场拨打110报警" if self.called_110 else ""),
            ("视频资料", self.video),
            ("接报", self.acknowledgement_text()),
            ("办结情况", self.closing_text()),
        ]

    def acknowledgement_text(self):
        ack = self.acknowledgement
        if ack is None:
            return ""
        after = span(ack["at"] - self.sent_at)
        text = f"{self.police_title} {ack['name']} {fmt(ack['at'])} 接报（报告后{after}）"
        return text + ("，超过接报期限" if ack["late"] else "")

    def closing_text(self):
        if self.closed_at is None:
            return ""
        return f"{fmt(self.closed_at)} 办结。{self.close_note}"

    def sections(self, request):
        return [("公安机关处理情况", [self.update_text(update) for update in self.updates])]

    def update_text(self, update):
        step = dict(STEPS).get(update["step"], update["step"])
        head = f"{fmt(update['happened_at'])} {step}"
        if update["outcome"]:
            head += f"：{update['outcome']}"
        parts = [head, update["detail"]]
        if update["reasons"]:
            parts.append(f"不予处理的理由：{update['reasons']}")
        if update["case_number"]:
            parts.append(f"案件编号：{update['case_number']}")
        who = f"{self.unit_name(update['unit'])} {update.get('name', '')}".strip()
        return "；".join(parts) + f"（{who} {fmt(update['at'])} 登记）"

    def clock(self, moment):
        """The hour clock for the page: reported, due, and how long is left (or how late it is)."""
        if self.sent_at is None:
            return None
        left, css = "", ""
        if self.state == "reported":
            remaining = self.ack_due - moment
            if remaining.total_seconds() < 0:
                left, css = f"已超期{span(-remaining)}", "overdue"
            else:
                left, css = f"还有{span(remaining)}", "due-soon"
        reminders = (
            f"已催办 {self.reminders['count']} 次，最近 {fmt(self.reminders['last'])}"
            if self.reminders
            else ""
        )
        return {
            "sent": fmt(self.sent_at),
            "due": fmt(self.ack_due),
            "left": left,
            "css": css,
            "reminders": reminders,
        }

    def notices(self, entry, request):
        """Who hears of a step: public security's liaison when the report arrives (and when it is
        closed), the reporting unit's leaders when one of its officers was obstructed, the
        reporting unit's officers and liaison when public security records its handling.
        Acknowledging tells nobody: the unit reads it on the page."""
        unit, title = self.owner_title, f"《{self.title}》"
        if entry.action == "create":
            hurt = "，有执法人员受伤" if self.injured else ""
            text = (
                f"{unit}报告阻碍执法：{title}（{self.number}），{fmt(self.occurred_at)} 在{self.location}"
                f"执法时遭{self.means}阻碍{hurt}。请于 {fmt(self.ack_due)} 前接报，并及时出警、依法查处"
            )
            told = f"本单位执法人员执法时遭阻碍：{title}（{self.number}），已报告{self.police_title}"
            return [([self.police], POLICE_ALERTED, text), ([self.owner], UNIT_LEADERS, told)]
        if entry.action in ("handle", "conclude"):
            text = f"{self.police_title}反馈了阻碍执法报告{title}的处理情况：{entry.comment}"
            return [([self.owner], REPORTER_ROLES, text)]
        if entry.action == "close":
            text = f"{unit}已办结阻碍执法报告{title}（{self.number}）。{entry.comment}"
            return [([self.police], POLICE_ALERTED, text)]
        return []


# The steps, callable without a page ---------------------------------------------------------------


def report_refusal(request):
    """Why the acting unit cannot report an obstruction, or ``""``: public security itself does not
    report to public security."""
    if is_police(request):
        return "公安机关不通过本平台向公安机关报告阻碍执法"
    return ""


def before_record(item, request, data):
    """The new report reaches public security now (the kit calls this before recording the
    creation, so the notices see the report addressed and its clock started)."""
    refusal = report_refusal(request)
    if refusal:
        raise HTTPForbidden(refusal)
    if not is_police(request, item.police):
        raise WorkflowError("请选择报告的公安机关")
    item.start_clock(now())


def acknowledge_refusal(item, request):
    """Why the acting unit cannot acknowledge now, or ``""``."""
    if request.acting_unit != item.police:
        return "只有报告的公安机关可以接报"
    return ""


def acknowledge(item, request):
    """Public security acknowledges the report (接报); it owes its handling from now on."""
    WORKFLOW.check(item, request, "acknowledge")
    refusal = acknowledge_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    when = now()
    item.record_acknowledgement(when, **actor(request))
    late = item.acknowledgement["late"]
    comment = f"报告后{span(when - item.sent_at)}接报" + ("，超过接报期限" if late else "")
    WORKFLOW.fire(
        item, request, "acknowledge", comment, before_record=lambda item, request: item.update_clock()
    )
    return (
        "已接报（超过接报期限）。请及时出警、依法查处，并反馈处理情况"
        if late
        else "已接报。请及时出警、依法查处，并反馈处理情况"
    )


def handle_refusal(item, request):
    """Why the acting unit cannot record handling now, or ``""``."""
    if request.acting_unit != item.police:
        return "只有报告的公安机关可以反馈处理情况"
    if item.state == "reported":
        return "请先接报，再反馈处理情况"
    if item.state not in HANDLING_STATES:
        return f"“{item.title}”当前状态为“{item.state_title}”，不能再反馈处理情况"
    return ""


def handle(item, request, data):
    """Public security records a step of its handling or its result (again, whenever there is more);
    the first result moves the report on to the reporting unit, which closes it."""
    refusal = handle_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    if not request.permits(item, "handle"):
        raise HTTPForbidden("当前单位无权反馈处理情况")
    item.record_update(now(), data, **actor(request))
    attach_files(item, data.get("files", ()), request, "公安机关法律文书")
    text = item.update_text(item.updates[-1])
    if data["step"] == RESULT_STEP and item.state == "acknowledged":
        WORKFLOW.fire(
            item, request, "conclude", text, before_record=lambda item, request: item.update_clock()
        )
    else:
        item.update_clock()
        record(item, request, "handle", "反馈处理情况", text)
    return f"已登记处理情况，{item.owner_title}可以看到"


def close(item, request, data):
    """The reporting unit closes the report; every clock stops."""
    return close_by_owner(item, request, data, "报告单位", "办结材料")


# The portal-deadlines run ------------------------------------------------------------------------


def remind_unacknowledged(root, request, moment):
    """Remind public security of each report it has not acknowledged, at most once every
    ``REMIND_EVERY``; past the deadline its leaders are reminded too.

    Run by ``portal-deadlines`` (see :func:`portal.deadlines.add_deadline_check`); repeating a run
    at the same moment reminds nobody twice. Overdue marks come from the run itself (``item.due``).
    """
    catalog = root["catalogs"]["portal"]
    policy = request.registry.policy_engine
    moment = moment.astimezone(SHANGHAI)
    counts = {"obstruction reminders": 0, "notifications": 0}
    query = Eq(catalog["item_type"], ObstructionReport.item_type) & Eq(catalog["state"], "reported")
    for item in list(query.execute().all()):
        if not item.needs_reminder(moment):
            continue
        item.mark_reminded(moment)
        late = moment > item.ack_due
        text = (
            f"催办：{item.owner_title}报告的阻碍执法《{item.title}》（{item.number}）已报告"
            f"{span(moment - item.sent_at)}，本单位尚未接报。接报期限 {fmt(item.ack_due)}"
            f"{'，已超期' if late else ''}，请立即接报并依法查处"
        )
        roles = POLICE_ESCALATED if late else POLICE_ALERTED
        counts["notifications"] += notify_units(root, policy, item, [item.police], text, roles=roles)
        counts["obstruction reminders"] += 1
    return {key: value for key, value in counts.items() if value}


GROUP = "阻碍执法"
MEASURES = (
    Measure(
        "obstruction.reported", "报告阻碍执法", GROUP, "", "执法人员被阻碍、向公安机关报告的（按报告月份）"
    ),
    Measure("obstruction.received", "收到报告", GROUP, "duty", "公安机关收到、须接报的报告（按报告月份）"),
    Measure("obstruction.ack_on_time", "按时接报", GROUP, "", f"报告后{ACK_HOURS}小时内接报（按接报月份）"),
    Measure("obstruction.ack_late", "超时接报", GROUP, "late", "超过接报期限才接报（按接报月份）"),
    Measure(
        "obstruction.unacknowledged", "未接报", GROUP, "open", "报告尚未办结、公安机关尚未接报（按报告月份）"
    ),
    Measure(
        "obstruction.never_acknowledged",
        "逾期未接报即办结",
        GROUP,
        "refused",
        "超过接报期限仍未接报、报告已办结的（拒不履行；按办结月份）",
    ),
)


def figures(report):
    """What an obstruction report counts in the supervisor's overview (portal.supervision)."""
    if report.sent_at is None:
        return
    police, ack = report.police, report.acknowledgement
    yield "obstruction.reported", report.owner, report.sent_at
    yield "obstruction.received", police, report.sent_at
    if ack is not None:
        yield ("obstruction.ack_late" if ack["late"] else "obstruction.ack_on_time"), police, ack["at"]
    elif report.state != "closed":
        yield "obstruction.unacknowledged", police, report.sent_at
    elif report.closed_at is not None and report.closed_at > report.ack_due:
        yield "obstruction.never_acknowledged", police, report.closed_at


def includeme(config):
    from .flow import FLOW

    config.add_figures(ObstructionReport.item_type, MEASURES, figures)
    FLOW.include(config)
    config.add_deadline_check("obstruction.unacknowledged", remind_unacknowledged)
    config.scan(".")
