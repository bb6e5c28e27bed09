"""Collaboration requests (执法协作文书), 昌府办字〔2024〕52号 (三)2.

A township asks a department for a determination (认定), a technical appraisal (技术鉴定) or a
consultation opinion (咨询意见). The department's clock starts when the request reaches it (送达, the
township's send): a written answer is due **3 working days after receipt** (自收到之日起), whether or
not anyone has signed for it yet. Signing (签收) is recorded, who and when, and moves no clock.
For a technical appraisal or a complex case the
department may extend, with a reason and a new due date. When the matter is urgent or evidence may be
lost, the department sends staff to the site at once and records who went and when (现场处置).

Whether the answer came late, and by how many working days, is computed once when it is given and
kept: later calendar changes do not rewrite history.
"""

import datetime

from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from substanced.content import content

from ..calendar import add_workdays_ex, local_date, workdays_between, year_has_data
from ..flows import FlowItem, attach_files, fmt
from ..supervision.figures import Measure
from ..items import Transition, Workflow, WorkflowError, now, record, reindex

#: What a township may ask for.
KINDS = ("认定", "技术鉴定", "咨询意见")
#: The kind a department may always extend; other kinds only when the case is complex.
APPRAISAL = "技术鉴定"
#: Working days a department has to answer, counted from receipt.
ANSWER_WORKDAYS = 3

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "sent": "已发送，待签收",
        "received": "已签收，待答复",
        "answered": "已答复",
        "closed": "已办结",
    },
    transitions=[
        Transition("send", "发送", ["draft"], "sent"),
        Transition("receive", "签收", ["sent"], "received"),
        Transition("answer", "书面答复", ["received"], "answered"),
        Transition("close", "办结", ["answered"], "closed"),
    ],
    final=["closed"],
)


def parse_office_close(value):
    """The ``portal.office_close`` setting (``"17:30"``) as a time; empty means no office-hours rule."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise ValueError(f"portal.office_close must be HH:MM (e.g. 17:30), not {value!r}") from None


def office_close(request):
    """The office-hours rule parsed at start (see :func:`includeme`)."""
    return request.registry.portal_office_close


@content("Collaboration Request", icon="glyphicon glyphicon-question-sign")
class CollaborationRequest(FlowItem):
    """A township's written request to a department, with the department's clock and answer."""

    item_type = "collab_request"
    type_title = "执法协作请求"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "kind", "facts", "question", "answer_text")

    kind = ""
    department = ""
    facts = ""
    question = ""
    urgent = False
    evidence_at_risk = False
    sent_at = None
    #: When the request reached the department (送达): its clock runs from here.
    received_at = None
    #: When and by whom the department signed for it (签收); no clock depends on it.
    signed_at = None
    signed_by = ""
    answer_text = ""
    answered_at = None
    #: The due date the answer was measured against.
    answer_due = None
    answered_late = False
    late_by_workdays = 0
    closed_at = None

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        self.extensions = PersistentList()
        self.onsite_visits = PersistentList()

    @property
    def needs_onsite(self):
        """Urgent or evidence at risk: the department is expected on site at once."""
        return bool(self.urgent or self.evidence_at_risk)

    @property
    def flags(self):
        return [
            flag for flag, on in (("情况紧急", self.urgent), ("证据可能灭失", self.evidence_at_risk)) if on
        ]

    def start_answer_clock(self, received_at, overrides=None, office_close=None):
        """Receipt starts the department's clock: the answer is due 3 working days later."""
        self.received_at = received_at
        due = add_workdays_ex(received_at, ANSWER_WORKDAYS, overrides, office_close)
        self.set_due(
            due.date,
            awaiting=[self.department],
            waiting_for=self._waiting("书面答复" if self.signed_at else "签收并书面答复"),
            provisional=due.provisional,
        )
        return due

    def record_signing(self, signed_at, login):
        """The department signed for it: recorded, and the clock left as it runs."""
        self.signed_at = signed_at
        self.signed_by = login
        self.set_due(
            self.due,
            awaiting=[self.department],
            waiting_for=self._waiting("书面答复"),
            provisional=self.due_provisional,
        )

    def extend(self, new_due, reason, overrides=None, **who):
        """Move the due date later, keeping a record of the old one and why."""
        self.extensions.append(
            PersistentMapping(old_due=self.due, new_due=new_due, reason=reason, when=now(), **who)
        )
        self.set_due(
            new_due,
            awaiting=[self.department],
            waiting_for=self._waiting("书面答复"),
            provisional=not year_has_data(new_due.year, overrides),
        )

    def record_answer(self, text, answered_at, overrides=None):
        """Keep the answer and, once and for all, whether it was late and by how many working days."""
        self.answer_text = text
        self.answered_at = answered_at
        self.answer_due = self.due
        self.answered_late = local_date(answered_at) > self.due
        self.late_by_workdays = max(workdays_between(self.due, answered_at, overrides), 0)

    def record_onsite(self, staff, arrived_at, **who):
        self.onsite_visits.append(PersistentMapping(staff=staff, arrived_at=arrived_at, when=now(), **who))

    def notices(self, entry, request):
        """Who hears of a step (see :mod:`portal.notifications`): the department's liaison when the
        request arrives, the township's people when the department answers, extends or comes on
        site; nobody for a unit's own routine steps (drafting, signing, closing)."""
        township, title = self.owner_title, f"《{self.title}》"
        department = self.department_title
        if entry.action == "send":
            text = (
                f"{township}向{department}请求{self.kind}：{title}（{self.number}），"
                f"请于 {self.due:%Y-%m-%d} 前书面答复"
            )
            return [([self.department], {"liaison"}, text)]
        to_township = {
            "answer": f"{department}已书面答复{township}的请求{title}，待查阅后办结",
            "extend": f"{department}延长了{title}的答复期限：{entry.comment}",
            "onsite": f"{department}已派员到场处置{title}：{entry.comment}",
        }
        if entry.action in to_township:
            return [([self.owner], {"officer", "liaison"}, to_township[entry.action])]
        return []

    def _waiting(self, what):
        return f"等待{self.department_title}{what}"

    @property
    def department_title(self):
        return self.unit_name(self.department)

    def describe(self, request):
        signed = fmt(self.signed_at) or "尚未签收（不影响答复期限）"
        return [
            ("请求单位", self.owner_title),
            ("被请求部门", self.department_title),
            ("请求类别", self.kind, "portal-kind"),
            ("案件基本事实", self.facts, "portal-facts"),
            ("请求事项", self.question, "portal-question"),
            ("发送时间", fmt(self.sent_at)),
            ("送达时间", fmt(self.received_at), "portal-received"),
            ("签收时间", signed if self.received_at else "", "portal-signed"),
        ]


# The steps of a request, as its pages take them (each checks that it may happen now) -------------


def send(item, request):
    """The township sends: the request reaches the department, whose 3 working days start now."""
    WORKFLOW.check(item, request, "send")
    item.sent_at = now()
    item.relate("recipient", item.department)
    item.start_answer_clock(item.sent_at, request.root.calendar_overrides, office_close(request))
    WORKFLOW.fire(item, request, "send")
    return f"已发送给{item.department_title}，答复期限 {item.due:%Y-%m-%d}"


def receive(item, request):
    """The department signs for it: who and when are recorded, the clock runs on."""
    WORKFLOW.check(item, request, "receive")
    item.record_signing(now(), request.login)
    WORKFLOW.fire(item, request, "receive")
    return f"已签收，请于 {item.due:%Y-%m-%d} 前书面答复"


def answer(item, request, data):
    """The department answers in writing (``answer_text``, ``files``); lateness is kept for good."""
    WORKFLOW.check(item, request, "answer")
    item.record_answer(data["answer_text"], now(), request.root.calendar_overrides)
    attach_files(item, data.get("files", ()), request, "答复材料")
    item.set_due(None, awaiting=[item.owner], waiting_for=f"等待{item.owner_title}查阅答复并办结")
    WORKFLOW.fire(item, request, "answer", data["answer_text"])
    if item.answered_late:
        return f"已答复。答复期限为 {item.answer_due:%Y-%m-%d}，逾期 {item.late_by_workdays} 个工作日"
    return "已按期书面答复"


def extend_refusal(item, request):
    """Why the answer's due date cannot be extended now, or ``""``."""
    if item.state != "received":
        return f"“{item.title}”当前状态为“{item.state_title}”，签收后、答复前才能延期"
    return ""


def extend(item, request, data):
    """The department moves the due date later (``new_due``, ``reason``, ``complex_case``)."""
    refusal = extend_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    old_due = item.due
    item.extend(
        data["new_due"],
        data["reason"],
        request.root.calendar_overrides,
        complex_case=data.get("complex_case", False),
        login=request.login,
        unit=request.acting_unit,
    )
    change = f"答复期限由 {old_due:%Y-%m-%d} 延至 {data['new_due']:%Y-%m-%d}，理由：{data['reason']}"
    record(item, request, "extend", "延期", change)
    return f"已延期至 {data['new_due']:%Y-%m-%d}"


def onsite_refusal(item, request):
    """Why staff on site cannot be recorded now, or ``""``."""
    if not item.needs_onsite:
        return "该请求未标注“情况紧急”或“证据可能灭失”，无需登记现场处置"
    if item.state not in ("sent", "received"):
        return f"“{item.title}”当前状态为“{item.state_title}”，不能再登记现场处置"
    return ""


def onsite(item, request, data):
    """The department records the staff it sent on site (``staff``, ``arrived_at``, ``note``)."""
    refusal = onsite_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    note = data.get("note", "")
    item.record_onsite(
        data["staff"], data["arrived_at"], note=note, login=request.login, unit=request.acting_unit
    )
    arrival = f"{data['staff']}于 {data['arrived_at']:%Y-%m-%d %H:%M} 到达现场。{note}".strip()
    record(item, request, "onsite", "现场处置", arrival)
    return "已登记现场处置"


def close(item, request):
    """The township, having read the answer, closes the request."""
    WORKFLOW.check(item, request, "close")
    item.closed_at = now()
    item.set_due(None)
    WORKFLOW.fire(item, request, "close")
    return "已办结"


def clocks_from_receipt(root, registry):
    """Evolution step: requests sent before the clock ran from receipt, and not signed for yet, get
    the clock they should have had, from the moment they were sent."""
    catalog = root["catalogs"]["portal"]
    objectmap = root.__objectmap__
    for docid in catalog["item_type"].applyEq("collab_request"):
        item = objectmap.object_for(docid)
        if item is None or item.state != "sent" or item.due is not None:
            continue
        sent = item.sent_at or item.created
        item.start_answer_clock(sent, root.calendar_overrides, getattr(registry, "portal_office_close", None))
        reindex(item)


GROUP = "协作请求"
MEASURES = (
    Measure("requests.received", "收到请求", GROUP, "duty", "部门收到的协作请求（按送达月份）"),
    Measure("requests.on_time", "按期答复", GROUP, "", "期限内书面答复（按答复月份）"),
    Measure("requests.late", "逾期答复", GROUP, "late", "超过答复期限才答复（按答复月份）"),
    Measure("requests.extended", "延期", GROUP, "", "办理中延长过答复期限的请求（按送达月份）"),
    Measure("requests.open", "未答复", GROUP, "open", "已送达、尚未答复的请求（按送达月份）"),
    Measure("requests.sent", "发出请求", GROUP, "", "乡镇（街道）发出的协作请求（按发送月份）"),
)


def figures(item):
    """What a collaboration request counts in the supervisor's overview (portal.supervision)."""
    if item.sent_at is not None:
        yield "requests.sent", item.owner, item.sent_at
    if item.received_at is None:
        return
    yield "requests.received", item.department, item.received_at
    if item.extensions:
        yield "requests.extended", item.department, item.received_at
    if item.answered_at is not None:
        late = "requests.late" if item.answered_late else "requests.on_time"
        yield late, item.department, item.answered_at
    elif item.state in ("sent", "received"):
        yield "requests.open", item.department, item.received_at


def includeme(config):
    config.add_evolution_step(clocks_from_receipt, name="portal.requests.clocks_from_receipt")
    config.add_figures("collab_request", MEASURES, figures)
    config.registry.portal_office_close = parse_office_close(
        config.registry.settings.get("portal.office_close")
    )
    from .flow import FLOW

    config.scan(".")
    FLOW.include(config)
