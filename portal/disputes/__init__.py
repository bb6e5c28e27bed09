"""Jurisdiction disputes (职责分工争议), 昌府办字〔2024〕52号 (四)6.

"区级业务主管部门与乡镇（街道）发生职责分工争议的，由双方在对违法行为先予协同处置的前提下，按照统一效能、
权责一致、不推诿、不扯皮原则进行协商解决。不能协调解决的，由司法局介入协调解决。"

A township or a department opens a dispute naming the other side (a department names a township,
a township a department), the violation it is about, the facts and which side holds the case now.
The other side is its ``recipient``; both act alike from then on.

1. **First the violation is handled together (先予协同处置).** Either side records the interim
   handling: when, who took part, what was done, with what result. Until one such record exists
   the dispute goes no further: statements, meetings, an agreement and escalation are refused,
   and the page says why.
2. **Negotiation (协商).** Each side files its statement (陈述意见: whose duty and on what basis);
   either may call a special coordination meeting (:func:`portal.meetings.call_meeting`). One side
   records an agreement naming the responsible unit; the other confirms it (协商一致, which closes
   the dispute) or rejects it, with its reasons (back to negotiation).
3. **Decision (裁决).** Unresolved, either side escalates (提请裁决) to the 区司法局 (the units of
   kind ``supervisor``, made ``consultee``), which reads both statements and the interim record,
   may ask either side for more by a date (补充材料; the side asked answers), and decides: the unit
   responsible, with its reasons. The decision binds both and closes the dispute.

Either ending names the responsible unit and starts its next step: when the responsible unit is not
the one holding the case, the holder transfers the case to it (案件移送: the page offers the holder
the transfer form, and tells the responsible unit it is coming); otherwise the responsible unit goes
on handling the case itself. Both sides are told.

The seed sets no time limit for any of this. The portal shows how long each dispute has been open
(calendar days from the day it was opened, the opening day not counted), on the page, the listing,
the home page's panel of the sides and the supervisor's listing; the only clock is the date the
司法局 sets for more material (``set_due``: due panels, reminders and overdue marks as for any item).

Every step is a function ``(item, request[, data])`` usable without a view (the demo script calls
them); creation is :func:`open_dispute` (the flow's form does the same).
"""

from hypatia.query import Any, Eq
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from pyramid.httpexceptions import HTTPForbidden
from substanced.content import content

from ..calendar import local_date
from ..flows import FlowItem, actor, attach_files, fmt
from ..items import Transition, Workflow, WorkflowError, now, record
from ..supervision.figures import Measure

#: The kind of the units that decide disputes (the 区司法局, ``extra_kinds = ["supervisor"]``).
ARBITER_KIND = "supervisor"
#: Which kind of unit a dispute names as the other side, by the kind of the unit that opens it.
OTHER_KIND = {"township": "department", "department": "township"}
#: How far ahead the 司法局 may set the date for more material.
MORE_MAX_DAYS = 90

#: Who hears that a dispute concerns their unit, and of its ending: the liaison and the leaders.
ALERTED = frozenset({"liaison", "leader", "deputy"})
#: Who handles the case day to day: told of the other side's interim handling and statements.
HANDLERS = frozenset({"liaison", "officer"})
#: Who commits the unit (records, confirms or rejects an agreement, escalates): told of those steps.
DECIDERS = frozenset({"liaison", "leader", "deputy"})
#: Who decides at the 区司法局.
SUPERVISORS = frozenset({"supervisor"})

WORKFLOW = Workflow(
    initial="interim",
    states={
        "interim": "待登记先行处置情况",
        "negotiating": "协商中",
        "agreeing": "协商意见待对方确认",
        "escalated": "已提请司法局裁决",
        "supplementing": "司法局要求补充材料",
        "agreed": "已协商一致",
        "decided": "已裁决",
    },
    transitions=[
        Transition("interim", "登记先行处置情况", ["interim"], "negotiating"),
        Transition("propose", "记录协商一致意见", ["negotiating"], "agreeing"),
        Transition("confirm", "确认协商一致", ["agreeing"], "agreed"),
        Transition("reject", "不同意协商意见", ["agreeing"], "negotiating"),
        Transition("escalate", "提请裁决", ["negotiating", "agreeing"], "escalated"),
        Transition("request_more", "要求补充材料", ["escalated", "supplementing"], "supplementing"),
        Transition("answer", "补充材料", ["supplementing"], "supplementing"),
        Transition("answer_last", "补充材料", ["supplementing"], "escalated", action="answer"),
        Transition("decide", "裁决", ["escalated", "supplementing"], "decided"),
    ],
    final=["agreed", "decided"],
)

#: Every state before the end.
OPEN_STATES = ("interim", "negotiating", "agreeing", "escalated", "supplementing")
#: The states of the negotiation between the sides.
NEGOTIATION_STATES = ("negotiating", "agreeing")
#: The states in which the 司法局 has the dispute.
ARBITRATION_STATES = ("escalated", "supplementing")

#: What the page and every refusal of a negotiation step say until the interim handling is recorded.
INTERIM_FIRST = (
    "双方须先对违法行为协同处置，并登记先行处置情况（何时、由谁、采取了什么措施）；"
    "登记之前不能陈述意见、提议召开会议、记录协商一致意见或提请裁决"
)


def _clause(text):
    """A text to go inside a sentence: without its closing full stop."""
    return text.rstrip("。；;. ")


def arbiters_of(root):
    """The codes of the units that decide disputes (kind ``supervisor``), in code order."""
    return [code for code, tenant in sorted(root["tenants"].items()) if ARBITER_KIND in tenant.kinds]


def other_sides(request):
    """``[(code, title)]`` of the units the acting unit may name as the other side: departments
    for a township, townships for a department; never a unit that decides disputes."""
    tenants = request.root["tenants"]
    mine = tenants.get(request.acting_unit or "")
    kind = OTHER_KIND.get(mine.kind if mine is not None else "")
    if kind is None or ARBITER_KIND in mine.kinds:
        return []
    return [
        (code, tenant.title)
        for code, tenant in sorted(tenants.items())
        if tenant.kind == kind and ARBITER_KIND not in tenant.kinds and code != mine.code
    ]


def opening_refusal(request):
    """Why the acting unit cannot open a dispute, or ``""``."""
    tenant = request.root["tenants"].get(request.acting_unit or "")
    if tenant is None:
        return "请以乡镇（街道）或区级部门的身份提出职责分工争议"
    if ARBITER_KIND in tenant.kinds:
        return f"{tenant.title}负责裁决职责分工争议，不能作为争议一方"
    if tenant.kind not in OTHER_KIND:
        return "职责分工争议只在乡镇（街道）与区级部门之间提出"
    return ""


@content("Jurisdiction Dispute", icon="glyphicon glyphicon-random")
class JurisdictionDispute(FlowItem):
    """A dispute between a township and a department about whose duty a matter is."""

    item_type = "jurisdiction_dispute"
    type_title = "职责分工争议"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "matter", "facts")

    other_side = ""
    matter = ""
    found_date = None
    facts = ""
    #: The side that holds the case (its materials) now: it transfers the case if the other is
    #: found responsible.
    holder = ""
    #: The units that decide (the 司法局), once escalated.
    arbiters = ()
    #: The side whose agreement awaits the other's confirmation (while ``agreeing``).
    proposal = None
    #: The unit found responsible, how (``agreement`` or ``decision``) and when.
    responsible = ""
    concluded_by = ""
    closed_at = None

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        self.interim = PersistentList()
        self.statements = PersistentList()
        self.meetings = PersistentList()
        self.agreements = PersistentList()
        self.escalations = PersistentList()
        self.requests = PersistentList()
        self.decision = None

    # the sides ------------------------------------------------------------------------------------

    @property
    def sides(self):
        return (self.owner, self.other_side)

    def is_side(self, unit):
        return unit in self.sides

    def opposite(self, unit):
        return self.other_side if unit == self.owner else self.owner

    @property
    def arbiters_title(self):
        return self.units_titles(self.arbiters) if self.arbiters else "区司法局"

    def stated(self, unit):
        return [statement for statement in self.statements if statement["unit"] == unit]

    def open_requests(self, unit=None):
        """The 司法局's requests for more not yet answered (of ``unit`` when given)."""
        return [r for r in self.requests if not r["answered"] and (unit is None or r["side"] == unit)]

    # how long -------------------------------------------------------------------------------------

    def days_open(self, today=None):
        """Calendar days from the day the dispute was opened (not counted) to today, or to the day
        it was closed."""
        end = local_date(self.closed_at) if self.closed_at is not None else (today or now().date())
        return max((end - local_date(self.created)).days, 0)

    def open_text(self, today=None):
        """``已历时5天`` (open) or ``历时5天`` (closed); ``不足1天`` on the day it was opened."""
        days = self.days_open(today)
        span = f"{days}天" if days else "不足1天"
        return f"历时{span}" if self.closed_at is not None else f"已历时{span}"

    # the clock ------------------------------------------------------------------------------------

    def update_clock(self):
        """Who the dispute waits for now (no deadline but the 司法局's date for more material)."""
        state = self.state
        if state not in OPEN_STATES:
            self.set_due(None)
        elif state == "interim":
            self.set_due(
                None, awaiting=self.sides, waiting_for="等待双方先行协同处置违法行为，并登记先行处置情况"
            )
        elif state == "negotiating":
            silent = [code for code in self.sides if not self.stated(code)]
            if silent:
                self.set_due(
                    None, awaiting=silent, waiting_for=f"等待{self.units_titles(silent)}提交陈述意见"
                )
            else:
                self.set_due(
                    None,
                    awaiting=self.sides,
                    waiting_for="双方协商中：可提议召开会议、记录协商一致意见，协商不成的提请司法局裁决",
                )
        elif state == "agreeing":
            other = self.opposite(self.proposal["unit"])
            self.set_due(None, awaiting=[other], waiting_for=f"等待{self.unit_name(other)}确认协商意见")
        elif state == "escalated":
            self.set_due(None, awaiting=self.arbiters, waiting_for=f"等待{self.arbiters_title}裁决")
        elif state == "supplementing":
            waiting = self.open_requests()
            units = [code for code in self.sides if any(r["side"] == code for r in waiting)]
            self.set_due(
                min(r["due_date"] for r in waiting),
                awaiting=units,
                waiting_for=f"等待{self.units_titles(units)}按{self.arbiters_title}要求补充材料",
            )

    # what people read -----------------------------------------------------------------------------

    def describe(self, request):
        return [
            ("提出争议单位", self.owner_title),
            ("争议对方", self.unit_name(self.other_side)),
            ("涉及的违法行为", self.matter),
            ("发现违法行为的日期", fmt(self.found_date, with_time=False)),
            ("基本事实和争议焦点", self.facts),
            ("案件目前办理单位", self.unit_name(self.holder)),
            ("历时", f"{self.open_text()}（{fmt(self.created)} 提出）", "portal-days-open"),
            ("结果", self.conclusion_text(), "portal-conclusion"),
        ]

    def conclusion_text(self):
        if not self.responsible:
            return ""
        how = "经裁决" if self.concluded_by == "decision" else "经双方协商一致"
        return f"{fmt(self.closed_at)} {how}，由{self.unit_name(self.responsible)}负责（对双方均有约束力）"

    def sections(self, request):
        return [
            ("先行协同处置", [self.interim_text(entry) for entry in self.interim]),
            ("专题会议", [self.meeting_text(meeting) for meeting in self.meetings]),
            ("协商意见", [self.agreement_text(agreement) for agreement in self.agreements]),
            ("提请裁决", [self.escalation_text(escalation) for escalation in self.escalations]),
            ("补充材料", [line for r in self.requests for line in self.request_lines(r)]),
            ("裁决", [self.decision_text()] if self.decision else []),
        ]

    def _by(self, entry):
        return f"{self.unit_name(entry['unit'])} {entry.get('name', '')}".strip()

    def interim_text(self, entry):
        text = (
            f"{fmt(entry['handled_at'])} {self.units_titles(entry['units'])}处置；"
            f"参与人员：{_clause(entry['people'])}；采取的措施：{_clause(entry['measures'])}"
        )
        if entry["result"]:
            text += f"；结果和现状：{_clause(entry['result'])}"
        return f"{text}（{self._by(entry)} {fmt(entry['at'])} 登记）"

    def statement_text(self, statement):
        text = statement["opinion"]
        if statement["basis"]:
            text += f"\n依据：{statement['basis']}"
        return text

    def meeting_text(self, meeting):
        return (
            f"{self.unit_name(meeting['unit'])}提议召开专题会议：{fmt(meeting['held_at'])}，"
            f"地点：{meeting['place']}，议题：{meeting['topic']}"
            f"（{meeting.get('name', '')} {fmt(meeting['at'])} 登记，会议通知 {meeting['meeting_number']}）"
        )

    def agreement_text(self, agreement):
        text = (
            f"{self._by(agreement)} {fmt(agreement['at'])} 记录："
            f"由{self.unit_name(agreement['responsible'])}负责。{agreement['content']}"
        )
        answer = agreement.get("answer")
        if answer == "confirmed":
            text += f"——{agreement['answered_by']} {fmt(agreement['answered_at'])} 确认，协商一致"
        elif answer == "rejected":
            text += (
                f"——{agreement['answered_by']} {fmt(agreement['answered_at'])} 不同意："
                f"{agreement['answer_reason']}"
            )
        elif answer == "lapsed":
            text += f"——未经确认，{agreement['answered_by']} {fmt(agreement['answered_at'])} 提请裁决"
        else:
            text += f"——等待{self.unit_name(self.opposite(agreement['unit']))}确认"
        return text

    def escalation_text(self, escalation):
        return (
            f"{self._by(escalation)} {fmt(escalation['at'])} 提请{self.arbiters_title}裁决："
            f"{escalation['reason']}"
        )

    def request_lines(self, entry):
        lines = [
            f"{self._by(entry)} {fmt(entry['at'])} 要求{self.unit_name(entry['side'])}"
            f"于 {fmt(entry['due_date'], with_time=False)} 前补充：{entry['content']}"
        ]
        if entry.get("lapsed"):
            lines.append(f"{self.unit_name(entry['side'])}未补充，{fmt(entry['answered_at'])} 已裁决")
        elif entry["answered"]:
            lines.append(
                f"{self.unit_name(entry['side'])} {entry['answer_name']} {fmt(entry['answered_at'])} 补充："
                f"{entry['answer']}"
            )
        return lines

    def decision_text(self):
        decision = self.decision
        text = (
            f"{self._by(decision)} {fmt(decision['at'])} 裁决："
            f"由{self.unit_name(decision['responsible'])}负责。理由：{decision['reasons']}"
        )
        if decision["requirements"]:
            text += f"\n后续要求：{decision['requirements']}"
        return text

    def statement_columns(self):
        """Both sides' statements side by side: ``[(title, [texts])]``, the opener first."""
        return [
            (
                self.unit_name(code),
                [(self.statement_text(s), f"{s.get('name', '')} {fmt(s['at'])}") for s in self.stated(code)],
            )
            for code in self.sides
        ]

    def next_step(self, unit):
        """What the ending asks of ``unit``: ``(text, kind)`` with kind ``transfer`` (the holder must
        transfer the case), ``receive`` (the responsible unit waits for it), ``handle`` (the
        responsible unit holds the case) or ``""`` (a reader)."""
        if not self.responsible:
            return None
        responsible, holder = self.unit_name(self.responsible), self.unit_name(self.holder)
        if unit == self.holder and unit != self.responsible:
            return (
                f"{responsible}为责任单位，案件目前由本单位办理：请将案件移送{responsible}"
                "（案件移送须经本单位主要领导批准，移送函和材料齐全；对方自收到之日起5个工作日内书面答复是否接收）。",
                "transfer",
            )
        if unit == self.responsible and unit != self.holder:
            return (
                f"本单位为责任单位。案件目前由{holder}办理，{holder}将向本单位移送案件："
                "收到移送后请在5个工作日内书面答复是否接收，接收后依法查处。",
                "receive",
            )
        if unit == self.responsible:
            return ("本单位为责任单位，案件由本单位办理：请依法继续查处，不得推诿。", "handle")
        if self.responsible != self.holder:
            return (f"由{responsible}负责；{holder}须将案件移送{responsible}。", "")
        return (f"由{responsible}负责并继续办理本案。", "")

    # notifications --------------------------------------------------------------------------------

    def notices(self, entry, request):
        """Who hears of each step: the other side of what one side does, the 司法局's supervisors
        of an escalation and of each answer, the side asked for more, and both sides (each told
        its own next step) of the ending. Nobody hears of a unit's own routine steps."""
        title, action = f"《{self.title}》（{self.number}）", entry.action
        actor = entry.unit
        other = [self.opposite(actor)] if self.is_side(actor) else []
        if action == "create":
            text = (
                f"{self.owner_title}就{title}提出职责分工争议，认为应由本单位负责。"
                "请先与对方协同处置违法行为并登记先行处置情况，再陈述意见、协商解决"
            )
            return [(other, ALERTED | HANDLERS, text)]
        if action == "interim":
            return [
                (
                    other,
                    HANDLERS,
                    f"{entry.unit_title}登记了职责分工争议{title}的先行处置情况：{entry.comment}",
                )
            ]
        if action == "statement":
            text = f"{entry.unit_title}就职责分工争议{title}提交了陈述意见，请查看"
            if other and not self.stated(other[0]):
                text += "，并提交本单位的陈述意见"
            return [(other, DECIDERS | HANDLERS, text)]
        if action == "propose":
            text = (
                f"{entry.unit_title}就职责分工争议{title}记录了协商意见：{_clause(entry.comment)}。"
                "请确认或说明不同意的理由"
            )
            return [(other, DECIDERS, text)]
        if action == "reject":
            return [
                (other, DECIDERS, f"{entry.unit_title}不同意职责分工争议{title}的协商意见：{entry.comment}")
            ]
        if action == "escalate":
            return [
                (
                    list(self.arbiters),
                    SUPERVISORS,
                    f"{entry.unit_title}就职责分工争议{title}提请裁决：{entry.comment}",
                ),
                (other, DECIDERS, f"{entry.unit_title}已将职责分工争议{title}提请{self.arbiters_title}裁决"),
            ]
        if action == "request_more":
            asked = self.requests[-1]
            text = (
                f"{entry.unit_title}要求本单位就职责分工争议{title}补充材料：{_clause(asked['content'])}。"
                f"请于 {fmt(asked['due_date'], with_time=False)} 前补充"
            )
            return [([asked["side"]], DECIDERS | HANDLERS, text)]
        if action in ("answer", "answer_last"):
            return [
                (
                    list(self.arbiters),
                    SUPERVISORS,
                    f"{entry.unit_title}就职责分工争议{title}补充了材料，请查看",
                )
            ]
        if action in ("confirm", "decide"):
            how = "裁决" if action == "decide" else "协商一致"
            return [
                ([code], ALERTED | HANDLERS, f"职责分工争议{title}已{how}：{self.next_step(code)[0]}")
                for code in self.sides
            ]
        return []


# The steps, callable without a page ---------------------------------------------------------------


def _refuse(reason):
    if reason:
        raise WorkflowError(reason)


def _permit(item, request, action, title):
    if not request.permits(item, action):
        raise HTTPForbidden(f"当前单位无权{title}")


def open_dispute(tenant, request, data):
    """``tenant`` opens a dispute naming ``data["other_side"]``; returns it. ``data``: title,
    other_side, matter, found_date, facts, holder (``self`` or ``other``), files."""
    from .flow import FLOW

    if not request.permits(tenant, f"create:{JurisdictionDispute.item_type}"):
        raise HTTPForbidden("当前单位无权提出职责分工争议")
    _refuse(opening_refusal(request))
    if data["other_side"] not in dict(other_sides(request)):
        raise WorkflowError("争议对方须为区级部门（乡镇、街道提出时）或乡镇（街道）（区级部门提出时）")
    return FLOW.create(tenant, request, data)


def start(item, request, data):
    """The new dispute reaches the other side: it becomes the recipient, both are awaited."""
    item.holder = item.owner if data.get("holder", "self") == "self" else item.other_side
    item.relate("recipient", item.other_side)
    item.update_clock()


def side_refusal(item, request):
    """Steps of the sides: only while open, by one of the two sides."""
    if item.state not in OPEN_STATES:
        return f"“{item.title}”{item.state_title}，不能再办理"
    if not item.is_side(request.acting_unit):
        return "只有争议双方可以办理"
    return ""


def negotiation_refusal(item, request):
    """Statements: by a side, only after the interim handling, until the dispute ends."""
    refusal = side_refusal(item, request)
    if refusal:
        return refusal
    if item.state == "interim":
        return INTERIM_FIRST
    return ""


def meeting_refusal(item, request):
    """Meetings of the sides: during the negotiation."""
    refusal = negotiation_refusal(item, request)
    if refusal:
        return refusal
    if item.state in ARBITRATION_STATES:
        return f"已提请{item.arbiters_title}裁决，双方不再自行协商"
    return ""


def record_interim(item, request, data):
    """A side records the interim handling (the first record opens the negotiation)."""
    _refuse(side_refusal(item, request))
    _permit(item, request, "interim", "登记先行处置情况")
    unit = request.acting_unit
    units = {"both": item.sides, "self": (unit,), "other": (item.opposite(unit),)}[data["by"]]
    entry = PersistentMapping(
        unit=unit,
        at=now(),
        handled_at=data["handled_at"],
        units=tuple(units),
        people=data["people"],
        measures=data["measures"],
        result=data.get("result", ""),
        **actor(request),
    )
    item.interim.append(entry)
    attach_files(item, data.get("files", ()), request, "先行处置材料")
    comment = f"{fmt(entry['handled_at'])} {item.units_titles(entry['units'])}：{entry['measures']}"
    if item.state == "interim":
        WORKFLOW.fire(
            item, request, "interim", comment, before_record=lambda item, request: item.update_clock()
        )
        return "已登记先行处置情况。双方现在可以陈述意见、协商解决"
    record(item, request, "interim", "登记先行处置情况", comment)
    return "已登记先行处置情况"


def file_statement(item, request, data):
    """A side files its statement (陈述意见); it may add to it later."""
    _refuse(negotiation_refusal(item, request))
    _permit(item, request, "statement", "陈述意见")
    unit = request.acting_unit
    item.statements.append(
        PersistentMapping(
            unit=unit, at=now(), opinion=data["opinion"], basis=data.get("basis", ""), **actor(request)
        )
    )
    attach_files(item, data.get("files", ()), request, "陈述意见材料")
    item.update_clock()
    record(item, request, "statement", "陈述意见", data["opinion"][:200])
    return "已提交陈述意见，对方和裁决时的司法局都可以看到"


def call_meeting(item, request, data):
    """A side calls a special coordination meeting on the dispute (a meeting of its own unit,
    its notice sent at once to the other side, and to the 司法局 if asked)."""
    from ..meetings import call_meeting as call

    _refuse(meeting_refusal(item, request))
    _permit(item, request, "call_meeting", "提议召开专题会议")
    unit = request.acting_unit
    invitees = [item.opposite(unit)]
    if data.get("invite_arbiters"):
        invitees.extend(arbiters_of(request.root))
    called = call(
        request.root["tenants"][unit],
        request,
        title=f"职责分工争议协调会：{item.title}"[:100],
        starts_at=data["held_at"],
        place=data["place"],
        invitees=invitees,
        agenda=data["topic"],
        origin=f"职责分工争议 {item.number}《{item.title}》",
    )
    meeting = PersistentMapping(
        unit=unit,
        at=now(),
        held_at=data["held_at"],
        place=data["place"],
        topic=data["topic"],
        meeting_path=request.resource_path(called),
        meeting_number=called.number,
        **actor(request),
    )
    item.meetings.append(meeting)
    record(
        item,
        request,
        "meeting",
        "提议召开专题会议",
        f"{fmt(data['held_at'])}，{data['place']}：{data['topic']}",
    )
    return f"已发出会议通知（{called.number}），{item.units_titles(invitees)}会收到通知"


def propose_refusal(item, request):
    refusal = meeting_refusal(item, request)
    if refusal:
        return refusal
    if item.state == "agreeing":
        return f"已有协商意见等待{item.unit_name(item.opposite(item.proposal['unit']))}确认"
    return ""


def propose_agreement(item, request, data):
    """A side records what both agreed (the responsible unit); the other side is to confirm it."""
    _refuse(propose_refusal(item, request))
    _permit(item, request, "propose", "记录协商一致意见")
    if data["responsible"] not in item.sides:
        raise WorkflowError("责任单位须为争议双方之一")
    agreement = PersistentMapping(
        unit=request.acting_unit,
        at=now(),
        responsible=data["responsible"],
        content=data["content"],
        **actor(request),
    )
    item.agreements.append(agreement)
    item.proposal = agreement
    attach_files(item, data.get("files", ()), request, "协商材料")
    comment = f"由{item.unit_name(agreement['responsible'])}负责。{agreement['content']}"
    WORKFLOW.fire(item, request, "propose", comment, before_record=lambda item, request: item.update_clock())
    return f"已记录协商意见，等待{item.unit_name(item.opposite(request.acting_unit))}确认"


def answer_refusal(item, request):
    """Confirming or rejecting an agreement is for the side that did not record it."""
    refusal = side_refusal(item, request)
    if refusal:
        return refusal
    if item.state == "agreeing" and item.proposal["unit"] == request.acting_unit:
        return f"协商意见由本单位记录，须由{item.unit_name(item.opposite(request.acting_unit))}确认"
    return ""


def _answer_proposal(item, request, answer, reason=""):
    from ..people import display_name

    proposal = item.proposal
    proposal["answer"] = answer
    proposal["answer_reason"] = reason
    proposal["answered_at"] = now()
    proposal["answered_by"] = f"{item.unit_name(request.acting_unit)} {display_name(request.user)}".strip()
    item.proposal = None


def _conclude(item, responsible, how):
    item.responsible = responsible
    item.concluded_by = how
    item.closed_at = now()
    item.set_due(None)


def confirm_agreement(item, request):
    """The other side confirms: 协商一致, the dispute is closed, the responsible unit named."""
    WORKFLOW.check(item, request, "confirm")
    _refuse(answer_refusal(item, request))
    responsible = item.proposal["responsible"]
    _answer_proposal(item, request, "confirmed")

    def conclude(item, request):
        _conclude(item, responsible, "agreement")

    WORKFLOW.fire(item, request, "confirm", f"由{item.unit_name(responsible)}负责", before_record=conclude)
    return f"已确认协商一致：由{item.unit_name(responsible)}负责。{item.next_step(request.acting_unit)[0]}"


def reject_agreement(item, request, data):
    """The other side does not agree, with its reasons: back to negotiation."""
    WORKFLOW.check(item, request, "reject")
    _refuse(answer_refusal(item, request))
    _answer_proposal(item, request, "rejected", data["reason"])
    WORKFLOW.fire(
        item, request, "reject", data["reason"], before_record=lambda item, request: item.update_clock()
    )
    return "已说明不同意的理由；双方可继续协商，协商不成的可提请裁决"


def escalate_refusal(item, request):
    """Escalation: by a side, after the interim handling, while the sides negotiate."""
    refusal = negotiation_refusal(item, request)
    if refusal:
        return refusal
    if item.state in ARBITRATION_STATES:
        return f"已提请{item.arbiters_title}裁决，等待裁决"
    return ""


def escalate_blocked(item, request):
    """What the escalating side must have done first: file its own statement."""
    if not item.stated(request.acting_unit):
        return "提请裁决前，请先提交本单位的陈述意见，供司法局裁决时查阅"
    return ""


def escalate(item, request, data):
    """A side escalates the unresolved dispute to the 区司法局 (an agreement awaiting confirmation
    lapses)."""
    _refuse(escalate_refusal(item, request) or escalate_blocked(item, request))
    WORKFLOW.check(item, request, "escalate")
    arbiters = arbiters_of(request.root)
    if not arbiters:
        raise WorkflowError("本区尚未设置负责裁决职责分工争议的司法行政单位，无法提请裁决")
    if item.proposal is not None:
        _answer_proposal(item, request, "lapsed")
    item.escalations.append(
        PersistentMapping(unit=request.acting_unit, at=now(), reason=data["reason"], **actor(request))
    )
    attach_files(item, data.get("files", ()), request, "提请裁决材料")

    def hand_over(item, request):
        item.arbiters = tuple(arbiters)
        for code in arbiters:
            item.relate("consultee", code)
        item.update_clock()

    WORKFLOW.fire(item, request, "escalate", data["reason"], before_record=hand_over)
    return f"已提请{item.arbiters_title}裁决；双方的陈述意见和先行处置情况一并提交"


def arbiter_refusal(item, request):
    if request.acting_unit not in item.arbiters:
        return "只有受理裁决的司法局可以办理"
    return ""


def request_more(item, request, data):
    """The 司法局 asks one side for more material, by a date (the side's clock)."""
    WORKFLOW.check(item, request, "request_more")
    _refuse(arbiter_refusal(item, request))
    if data["side"] not in item.sides:
        raise WorkflowError("只能要求争议双方补充材料")
    item.requests.append(
        PersistentMapping(
            unit=request.acting_unit,
            at=now(),
            side=data["side"],
            content=data["content"],
            due_date=data["due_date"],
            answered=False,
            answer="",
            **actor(request),
        )
    )
    due = fmt(data["due_date"], with_time=False)
    comment = f"要求{item.unit_name(data['side'])}于 {due} 前补充：{data['content']}"
    WORKFLOW.fire(
        item, request, "request_more", comment, before_record=lambda item, request: item.update_clock()
    )
    return f"已要求{item.unit_name(data['side'])}补充材料"


def supplement_refusal(item, request):
    refusal = side_refusal(item, request)
    if refusal:
        return refusal
    if not item.open_requests(request.acting_unit):
        return "司法局没有要求本单位补充材料"
    return ""


def answer_request(item, request, data):
    """The side asked answers every open request made of it."""
    from ..people import display_name

    WORKFLOW.check(item, request, "answer")
    _refuse(supplement_refusal(item, request))
    moment = now()
    for entry in item.open_requests(request.acting_unit):
        entry.update(
            answered=True, answer=data["content"], answered_at=moment, answer_name=display_name(request.user)
        )
    attach_files(item, data.get("files", ()), request, "补充材料")
    name = "answer" if item.open_requests() else "answer_last"
    WORKFLOW.fire(
        item, request, name, data["content"][:200], before_record=lambda item, request: item.update_clock()
    )
    return f"已补充材料，{item.arbiters_title}可以看到"


def decide(item, request, data):
    """The 司法局 decides: the unit responsible, with reasons; binding on both, the dispute closed."""
    WORKFLOW.check(item, request, "decide")
    _refuse(arbiter_refusal(item, request))
    if data["responsible"] not in item.sides:
        raise WorkflowError("责任单位须为争议双方之一")
    item.decision = PersistentMapping(
        unit=request.acting_unit,
        at=now(),
        responsible=data["responsible"],
        reasons=data["reasons"],
        requirements=data.get("requirements", ""),
        **actor(request),
    )
    attach_files(item, data.get("files", ()), request, "裁决材料")
    for entry in item.open_requests():
        entry.update(answered=True, lapsed=True, answered_at=item.decision["at"])

    def conclude(item, request):
        _conclude(item, data["responsible"], "decision")

    comment = f"由{item.unit_name(data['responsible'])}负责。理由：{data['reasons']}"
    WORKFLOW.fire(item, request, "decide", comment, before_record=conclude)
    return f"已裁决：由{item.unit_name(data['responsible'])}负责，双方会收到通知"


# The home page ------------------------------------------------------------------------------------


def open_disputes(request, limit=20):
    """``(count, [dispute])``: the open disputes of the acting unit (a side, or the 司法局 asked to
    decide), or for a supervisor every open dispute; the longest open first."""
    from ..items.catalog import portal_catalog, visible_items

    unit = request.acting_unit
    if request.login is None or unit not in request.root["tenants"]:
        return 0, []
    catalog = portal_catalog(request)
    query = Eq(catalog["item_type"], JurisdictionDispute.item_type) & Eq(catalog["is_open"], True)
    policy = request.policy
    supervising = ARBITER_KIND in request.root["tenants"][unit].kinds and policy.permits(
        request.login, unit, ("supervisor", "none"), JurisdictionDispute.item_type, "view"
    )
    if not supervising:
        tokens = [f"{relation}:{unit}" for relation in ("owner", "recipient", "consultee")]
        query = query & Any(catalog["relations"], tokens)
    count, result = visible_items(request, query, sort_index="created", reverse=False, limit=limit)
    return count, (list(result.all()) if count else [])


def dispute_panel(request):
    """职责分工争议: the open disputes of the acting unit, with how long each has been open."""
    from pyramid.renderers import render

    count, disputes = open_disputes(request)
    if not count:
        return None
    unit = request.acting_unit
    rows = [
        {
            "url": request.resource_url(item),
            "number": item.number,
            "title": item.title,
            "sides": f"{item.owner_title} — {item.unit_name(item.other_side)}",
            "state": item.state_title,
            "open": item.open_text(),
            "waiting_for": item.waiting_for,
            "mine": unit in item.awaiting,
        }
        for item in disputes
    ]
    html = render(
        "portal.disputes:templates/panel.pt",
        {"rows": rows, "count": count, "url": request.application_url + "/@@disputes"},
        request,
    )
    return {"id": "disputes", "title": "职责分工争议", "html": html}


GROUP = "职责争议"
MEASURES = (
    Measure("disputes.sides", "涉及争议", GROUP, "", "本单位作为一方的职责分工争议（按提出月份）"),
    Measure("disputes.agreed", "协商解决", GROUP, "", "双方协商一致解决的（按解决月份）"),
    Measure("disputes.escalated", "提请裁决", GROUP, "", "协商不成、提请区司法局裁决的（按首次提请月份）"),
    Measure("disputes.responsible", "确定为责任单位", GROUP, "", "经协商或裁决由本单位负责的（按解决月份）"),
    Measure("disputes.open", "尚未解决", GROUP, "open", "尚未协商一致、也未裁决的（按提出月份）"),
)


def figures(dispute):
    """What a dispute counts, for each side, in the supervisor's overview (portal.supervision)."""
    for side in dispute.sides:
        yield "disputes.sides", side, dispute.created
        if dispute.escalations:
            yield "disputes.escalated", side, dispute.escalations[0]["at"]
        if dispute.state in OPEN_STATES:
            yield "disputes.open", side, dispute.created
        elif dispute.concluded_by == "agreement":
            yield "disputes.agreed", side, dispute.closed_at
    if dispute.responsible:
        yield "disputes.responsible", dispute.responsible, dispute.closed_at


def includeme(config):
    from .flow import FLOW

    config.add_figures(JurisdictionDispute.item_type, MEASURES, figures)
    FLOW.include(config)
    config.add_dashboard_panel(40, dispute_panel)
    config.scan(".")
