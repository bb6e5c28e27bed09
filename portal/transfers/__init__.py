"""Case transfers (案件移送), seed (四)2: a township and a department send each other cases.

A transfer is drafted by an officer of the sending unit, approved by its leader and sent in the
unit's name with three materials (移送函, 案源材料, 初步证据). It is due 5 working days after the
violation was found (10 at most, with a notice to the receiver before the due date; 24 hours when
urgent). A violation still going on is told to the receiver at once. A township's major or difficult
case needs the department's consent (征求同意) before it goes. The receiver answers within 5 working
days of receipt (受理 / 不予受理): its clock starts when the transfer reaches it (送达, the send), with
the office-hours rule, whether or not anyone signs; signing (签收) is recorded and moves no clock.
Both sides post progress, and the case is closed.

The steps are :data:`WORKFLOW` transitions; consent, extension and progress are events that leave
the state alone (:data:`EVENTS`). Every step keeps the clock (``due``, ``awaiting``, ``waiting_for``)
right through :func:`update_clock`, so the catalog answers what is due and whose move it is. Each step
is a function ``(item, request, comment)``, callable without a page; the pages are declared on the
flow kit in :mod:`.flow`, the forms in :mod:`.forms`, who may do what in ``policies/transfers.csv``.
"""

import math

from substanced.content import content

from ..calendar import SHANGHAI, add_hours, add_workdays_ex, local_date, workdays_between
from ..flows import FlowItem, attach_files, fmt
from ..items import Transition, Workflow, WorkflowError, now, record, reindex
from ..items.numbering import next_number
from ..items.uploads import UploadError
from ..supervision.figures import Measure
from ..views.forms import CHOOSE_AGAIN

#: Working days from the finding to the transfer, and the longest period after a notice.
TRANSFER_DAYS = 5
TRANSFER_MAX_DAYS = 10
#: Hours within which an urgent case must go.
URGENT_HOURS = 24
#: Working days from receipt to the written answer.
ANSWER_DAYS = 5

#: The material slots: (slot, the kind recorded on the attachment, what belongs in it).
MATERIALS = (
    ("letter", "移送函", "涉嫌违法案件移送函，以本单位名义出具"),
    ("source", "案源材料", "现场检查记录、现场照片、举报投诉材料等"),
    ("evidence", "初步证据", "初步证明违法行为事实情况的相关证据材料"),
)
MATERIAL_KINDS = {slot: kind for slot, kind, _ in MATERIALS}
#: The draft's fields, as the transfer stores them; the leader's approval covers them all, with the
#: materials: a change after it asks it again.
FIELDS = APPROVED_FIELDS = (
    "receiver",
    "title",
    "party",
    "found_date",
    "found_at",
    "facts",
    "urgent",
    "ongoing",
    "measures",
    "major",
)

#: Where the sender may still change the transfer or its materials, and tell the receiver things.
BEFORE_SENDING = ("draft", "awaiting_approval", "approved")
#: Where both sides post progress.
IN_HAND = ("sent", "received", "accepted", "declined")

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "awaiting_approval": "待领导审批",
        "approved": "已批准，待移送",
        "sent": "已移送，待签收",
        "received": "已签收，待答复",
        "accepted": "已受理，办理中",
        "declined": "不予受理",
        "closed": "已结案",
        "withdrawn": "已撤销",
    },
    transitions=[
        Transition("submit", "报送领导审批", ["draft"], "awaiting_approval"),
        Transition("approve", "批准移送", ["awaiting_approval"], "approved"),
        Transition("reject", "退回修改", ["awaiting_approval"], "draft"),
        Transition("send", "移送", ["approved"], "sent"),
        Transition("sign", "签收", ["sent"], "received"),
        Transition("accept", "受理", ["received"], "accepted"),
        Transition("decline", "不予受理", ["received"], "declined"),
        Transition("close", "结案", ["accepted"], "closed"),
        Transition("close_declined", "结案", ["declined"], "closed"),
        Transition("withdraw", "撤销移送", BEFORE_SENDING, "withdrawn"),
    ],
    final=["closed", "withdrawn"],
)


def consent_pending(item):
    return item.needs_consent and item.consent == "requested"


NO_URGENT_EXTENSION = "情况紧急的案件须在发现后24小时内移送，不能延期"


class Event:
    """A step that leaves the state alone (consent, extension notice, progress): taken in one of
    ``sources`` when it ``applies(item)``; ``rule(item)`` says in its own words why not, or ""."""

    def __init__(self, name, title, sources, applies=lambda item: True, rule=lambda item: ""):
        self.name = name
        self.title = title
        self.sources = tuple(sources)
        self.applies = applies
        self.rule = rule

    def refusal(self, item):
        """Why the event cannot be taken now, or ""."""
        reason = self.rule(item)
        if reason:
            return reason
        if item.state not in self.sources or not self.applies(item):
            return f"“{item.title}”当前状态为“{item.state_title}”，不能{self.title}"
        return ""


EVENTS = {
    event.name: event
    for event in (
        Event(
            "request_consent",
            "征求接收单位同意",
            BEFORE_SENDING,
            lambda item: item.needs_consent and item.consent in ("", "refused"),
        ),
        Event("consent", "同意接收", BEFORE_SENDING, consent_pending),
        Event("refuse_consent", "不同意接收", BEFORE_SENDING, consent_pending),
        Event(
            "notify_extension",
            "告知延期移送",
            BEFORE_SENDING,
            rule=lambda item: NO_URGENT_EXTENSION if item.urgent else "",
        ),
        Event("progress", "通报进展", IN_HAND),
    )
}


@content("Case Transfer", icon="glyphicon glyphicon-transfer")
class CaseTransfer(FlowItem):
    """One case sent from a township to a department, or from a department to a township."""

    item_type = "case_transfer"
    type_title = "案件移送"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "party", "facts", "measures")

    receiver = ""
    party = ""
    facts = ""
    found_date = None
    #: The moment of the finding (urgent cases: their 24 hours run from it), aware.
    found_at = None
    urgent = False
    ongoing = False
    measures = ""
    #: The measures last told to the receiver as an ongoing violation ("" = not told).
    ongoing_told = ""
    major = False
    #: The receiver's consent to a major or difficult case: "", requested, given, refused.
    consent = ""
    #: The transfer's own deadline (a date, or an aware datetime when urgent).
    transfer_due = None
    transfer_due_provisional = False
    #: The later due date told to the receiver (extension notice), if any.
    extended_due = None
    sent_at = None
    sent_late = False
    late_by = 0
    #: When the transfer reached the receiver (送达, the send): its 5 working days run from here.
    received_at = None
    #: When and by whom the receiver signed for it (签收); no clock depends on it.
    signed_at = None
    signed_by = ""
    answer_due = None
    answer_due_provisional = False
    answered_at = None
    answered_late = False
    answer_late_by = 0
    decline_reason = ""
    result = ""
    #: The fields and materials as the leader approved them (:meth:`approval_fingerprint`).
    approved_as = None

    @property
    def needs_consent(self):
        """A township's major or difficult case needs the department's consent first."""
        return bool(self.major)

    @property
    def late_unit(self):
        return "小时" if self.urgent else "个工作日"

    @property
    def overdue(self):
        """Whether the step awaited now is past its due date (or hour)."""
        if self.due is None or not self.is_open:
            return False
        moment = now()
        return moment > self.due if hasattr(self.due, "hour") else moment.date() > self.due

    @property
    def consent_text(self):
        """Where the receiver's consent to a major or difficult case stands ("" when none is needed)."""
        if not self.needs_consent:
            return ""
        receiver = self.unit_name(self.receiver)
        return {
            "": f"尚未征求{receiver}同意",
            "requested": f"已征求{receiver}同意，等待答复",
            "given": f"{receiver}已同意接收",
            "refused": f"{receiver}不同意接收",
        }[self.consent]

    def form_values(self, names):
        """The draft form has the time of the finding apart from its date."""
        found_time = self.found_at.astimezone(SHANGHAI).time() if self.found_at else None
        return {**super().form_values(names), "found_time": found_time}

    def materials(self):
        """``[(slot, kind, hint, [attachments])]`` for the three material slots."""
        files = self.attachments()
        return [(slot, kind, hint, [f for f in files if f.kind == kind]) for slot, kind, hint in MATERIALS]

    def missing_materials(self):
        return [kind for _, kind, _, files in self.materials() if not files]

    def approval_fingerprint(self):
        """What the leader approves: the fields and every material, as they are now."""
        fields = tuple(repr(getattr(self, name)) for name in APPROVED_FIELDS)
        files = sorted(
            (f.kind, f.__name__ or "", f.filename, f.size, f.uploaded.isoformat()) for f in self.attachments()
        )
        return fields + tuple(files)

    @property
    def changed_since_approval(self):
        return self.approved_as != self.approval_fingerprint()

    def notices(self, entry, request):
        return notices(self, entry, request)

    def progress_posts(self):
        return [entry for entry in self.history if entry.action == "progress"]


def compute_transfer_due(item, overrides):
    """``(due, provisional)``: 24 hours from the finding if urgent, else 5 working days (or the
    later date told to the receiver)."""
    if item.urgent and item.found_at is not None:
        return add_hours(item.found_at, URGENT_HOURS), False
    due = add_workdays_ex(item.found_date, TRANSFER_DAYS, overrides=overrides)
    if item.extended_due is not None and item.extended_due > due.date:
        return item.extended_due, due.provisional
    return due.date, due.provisional


def update_clock(item, request):
    """Set the item's clock for its state: when the next step is due and whose move it is."""
    sender, receiver = item.owner, item.receiver
    sender_title, receiver_title = item.unit_name(sender), item.unit_name(receiver)
    state = item.state
    if state in BEFORE_SENDING:
        waiting = {
            "draft": f"等待{sender_title}报送领导审批",
            "awaiting_approval": f"等待{sender_title}主要领导审批",
            "approved": f"等待{sender_title}移送",
        }[state]
        awaiting = [sender]
        if consent_pending(item):
            awaiting.append(receiver)
            waiting += f"；等待{receiver_title}答复是否同意接收"
        item.set_due(item.transfer_due, awaiting, waiting, item.transfer_due_provisional)
    elif state == "sent":
        item.set_due(
            item.answer_due,
            [receiver],
            f"等待{receiver_title}签收并书面答复是否受理",
            item.answer_due_provisional,
        )
    elif state == "received":
        item.set_due(
            item.answer_due,
            [receiver],
            f"等待{receiver_title}书面答复是否受理",
            item.answer_due_provisional,
        )
    elif state == "accepted":
        item.set_due(None, [receiver], f"{receiver_title}办理中，办结后由其结案")
    elif state == "declined":
        item.set_due(None, [sender], f"{receiver_title}不予受理，等待{sender_title}结案")
    else:
        item.set_due(None)


def lateness(due, moment, urgent, overrides):
    """``(late, by)``: whether ``moment`` is past ``due``, and by how many hours (urgent, rounded
    up) or working days."""
    if due is None:
        return False, 0
    if urgent and hasattr(due, "hour"):
        seconds = (moment - due).total_seconds()
        return seconds > 0, max(0, math.ceil(seconds / 3600))
    day = local_date(moment)
    if day <= due:
        return False, 0
    return True, workdays_between(due, day, overrides)


# Steps ------------------------------------------------------------------------------------------


def after_save(item, request):
    """After the sender saves the draft: the deadline again, and an ongoing violation told at once."""
    overrides = request.root.calendar_overrides
    item.transfer_due, item.transfer_due_provisional = compute_transfer_due(item, overrides)
    if item.ongoing and item.measures != item.ongoing_told:
        item.relate("cc", item.receiver)
        item.ongoing_told = item.measures
        update_clock(item, request)
        record(item, request, "notify_ongoing", "告知正在进行的违法行为", item.measures)
    else:
        update_clock(item, request)
        reindex(item, request)


def check_event(item, name):
    event = EVENTS[name]
    refusal = event.refusal(item)
    if refusal:
        raise WorkflowError(refusal)
    return event


def fire(item, request, name, comment="", **details):
    """A workflow transition, with the clock set for the new state before it is recorded (so its
    notifications say what is awaited now, not what was awaited before)."""
    return WORKFLOW.fire(item, request, name, comment, before_record=update_clock, **details)


def send_refusal(item, request):
    """Why an approved transfer cannot be sent yet (its page shows the button disabled with it), or ""."""
    missing = item.missing_materials()
    if missing:
        return f"尚缺以下移送材料，不能移送：{'、'.join(missing)}。请先上传。"
    if item.state == "approved" and item.changed_since_approval:
        return CHANGED_SINCE_APPROVAL
    if item.needs_consent and item.consent != "given":
        return f"重大疑难案件须先征得{item.unit_name(item.receiver)}同意后才能移送" + (
            "（对方已不同意接收）" if item.consent == "refused" else ""
        )
    return ""


CHANGED_SINCE_APPROVAL = "领导批准后移送材料或内容有变更，须重新报送领导审批后才能移送"


def submit(item, request, comment=""):
    return fire(item, request, "submit", comment)


def reject(item, request, comment):
    return fire(item, request, "reject", comment)


def withdraw(item, request, comment):
    return fire(item, request, "withdraw", comment)


def approve(item, request, comment=""):
    """The leader approves the transfer as it is now: its fields and materials are what will go."""
    WORKFLOW.check(item, request, "approve")
    item.approved_as = item.approval_fingerprint()
    return fire(item, request, "approve", comment)


def back_to_approval(item, request, why):
    """A change after approval: the transfer waits for the leader's approval again."""
    item.state = "awaiting_approval"
    item.approved_as = None
    update_clock(item, request)
    return record(
        item,
        request,
        "reapproval",
        "重新报送领导审批",
        f"{why}，须重新审批",
        state_from="approved",
        state_to="awaiting_approval",
    )


def send(item, request, comment=""):
    """Send in the unit's name: only approved, with all three materials and any consent needed."""
    WORKFLOW.check(item, request, "send")
    refusal = send_refusal(item, request)
    if refusal == CHANGED_SINCE_APPROVAL:
        back_to_approval(item, request, "领导批准后移送材料或内容有变更")
    if refusal:
        raise WorkflowError(refusal)
    moment = now()
    item.sent_at = moment
    item.sent_late, item.late_by = lateness(
        item.transfer_due, moment, item.urgent, request.root.calendar_overrides
    )
    sender = request.root["tenants"][item.owner]
    item.number = next_number(sender, sender.doc_code + "移", moment.year)
    item.relate("recipient", item.receiver)
    start_answer_clock(item, moment, request)
    return fire(item, request, "send", comment)


def office_close(request):
    """The ``portal.office_close`` rule (parsed at start by :mod:`portal.requests`), or None."""
    return getattr(request.registry, "portal_office_close", None)


def start_answer_clock(item, received_at, request):
    """Receipt (送达) starts the receiver's 5 working days, with the office-hours rule."""
    item.received_at = received_at
    due = add_workdays_ex(
        received_at,
        ANSWER_DAYS,
        overrides=request.root.calendar_overrides,
        office_close=office_close(request),
    )
    item.answer_due, item.answer_due_provisional = due.date, due.provisional
    return due


def sign(item, request, comment=""):
    """The receiver's liaison signs for it: recorded, who and when; the clock runs from receipt."""
    WORKFLOW.check(item, request, "sign")
    item.signed_at = now()
    item.signed_by = request.login
    return fire(item, request, "sign", comment)


def accept(item, request, comment=""):
    return answer(item, request, "accept", comment)


def decline(item, request, reason):
    return answer(item, request, "decline", reason)


def answer(item, request, name, comment=""):
    """Accept (受理) or decline (不予受理); an answer after the due date is recorded as late."""
    WORKFLOW.check(item, request, name)
    item.answered_at = now()
    item.answered_late, item.answer_late_by = lateness(
        item.answer_due, item.answered_at, False, request.root.calendar_overrides
    )
    if name == "decline":
        item.decline_reason = comment
    return fire(item, request, name, comment)


def close(item, request, result):
    """The receiver closes an accepted case, with its result."""
    WORKFLOW.check(item, request, "close")
    item.result = result
    return fire(item, request, "close", result)


def close_declined(item, request, comment=""):
    """The sender closes a transfer the receiver declined."""
    return fire(item, request, "close_declined", comment)


def request_consent(item, request, comment=""):
    check_event(item, "request_consent")
    item.consent = "requested"
    item.relate("consultee", item.receiver)
    update_clock(item, request)
    return record(item, request, "request_consent", "征求接收单位同意", comment)


def consent(item, request, comment=""):
    return answer_consent(item, request, "consent", comment)


def refuse_consent(item, request, reason):
    return answer_consent(item, request, "refuse_consent", reason)


def answer_consent(item, request, name, comment=""):
    event = check_event(item, name)
    item.consent = "given" if name == "consent" else "refused"
    update_clock(item, request)
    return record(item, request, name, event.title, comment)


def notify_extension(item, request, new_due, reason):
    """Tell the receiver, before the due date, that the transfer will come later (10 days at most)."""
    check_event(item, "notify_extension")
    today = local_date(now())
    if today > item.transfer_due:
        raise WorkflowError(
            f"已超过移送期限（{item.transfer_due:%Y-%m-%d}），延期须在期限届满前告知，请尽快移送"
        )
    if new_due <= item.transfer_due:
        raise WorkflowError(f"新的移送期限应晚于当前期限（{item.transfer_due:%Y-%m-%d}）")
    overrides = request.root.calendar_overrides
    if workdays_between(item.found_date, new_due, overrides) > TRANSFER_MAX_DAYS:
        raise WorkflowError(
            f"移送期限最长不超过10个工作日（自发现违法行为之日 {item.found_date:%Y-%m-%d} 起算）"
        )
    item.extended_due = new_due
    item.transfer_due, item.transfer_due_provisional = compute_transfer_due(item, overrides)
    item.relate("cc", item.receiver)
    update_clock(item, request)
    return record(
        item,
        request,
        "notify_extension",
        "告知延期移送",
        f"{reason}（移送期限延至{new_due:%Y-%m-%d}）",
        new_due=new_due,
    )


def post_progress(item, request, text):
    check_event(item, "progress")
    return record(item, request, "progress", "通报进展", text)


def upload_refusal(item):
    """Why no material can be added now, or ""."""
    return "" if item.state in BEFORE_SENDING else f"“{item.state_title}”的移送不能再上传材料"


def add_material(item, request, kind, filename, data):
    """A file into one of the material slots (``kind``), only before the transfer is sent; a file
    added after the leader's approval sends the transfer back to the leader. Returns what to say."""
    if upload_refusal(item):
        raise WorkflowError(upload_refusal(item))
    try:
        (name,) = attach_files(item, [(filename, data)], request, kind)
    except UploadError as error:
        raise WorkflowError(f"{error}。{CHOOSE_AGAIN}") from error
    filename = item[name].filename
    record(item, request, "upload", f"上传{kind}", filename)
    if item.state == "approved":
        back_to_approval(item, request, f"领导批准后上传了{kind}“{filename}”")
        return f"已上传{kind}：{filename}。移送材料已变更，已重新报送领导审批"
    return f"已上传{kind}：{filename}"


# Who hears of each step: the people who must act next, in a plain sentence ----------------------

#: The sending unit's people who carry a transfer on (draft, send, close a declined one).
HANDLERS = ("officer", "liaison")


def notices(item, entry, request):
    """``[(units, roles, text)]`` for a step just recorded (see :mod:`portal.notifications`).

    A unit's own routine steps (drafting, uploading, signing, closing what it declined) tell nobody.
    """
    sender, receiver = item.owner, item.receiver
    s, r, t = item.unit_name(sender), item.unit_name(receiver), f"《{item.title}》"
    comment = entry.comment
    reason = f"：{comment}" if comment else ""
    to_sender = {
        "submit": ({"leader"}, f"{s}报送移送{t}，待主要领导审批"),
        "reapproval": ({"leader"}, f"{s}移送{t}批准后有变更（{comment}），待主要领导重新审批"),
        "approve": (HANDLERS, f"{s}移送{t}已获主要领导批准，待移送"),
        "reject": ({"officer"}, f"{s}移送{t}被主要领导退回修改{reason}"),
        "consent": (HANDLERS, f"{r}同意接收{s}移送的{t}，可以移送"),
        "refuse_consent": (HANDLERS, f"{r}不同意接收{s}移送的{t}{reason}"),
        "accept": (HANDLERS, f"{s}移送{t}已被{r}受理"),
        "decline": (HANDLERS, f"{s}移送{t}被{r}不予受理{reason}，待结案"),
        "close": (HANDLERS, f"{r}已对{s}移送的{t}结案{reason}"),
    }
    to_receiver = {
        "send": f"{s}向{r}移送{t}（{item.number}），请于 {fmt(item.answer_due)} 前书面答复是否受理",
        "notify_ongoing": f"{s}告知：{t}的违法行为正在进行，已采取措施：{item.measures}",
        "notify_extension": f"{s}告知：{t}将延期移送，{comment}",
        "request_consent": f"{s}就重大疑难案件{t}征求{r}意见，待答复是否同意接收{reason}",
        "withdraw": f"{s}已撤销移送{t}{reason}",
    }
    action = entry.action
    if action in to_sender:
        roles, text = to_sender[action]
        return [([sender], roles, text)]
    if action == "withdraw" and not (item.units_in("cc") or item.units_in("consultee")):
        return []
    if action in to_receiver:
        return [([receiver], {"liaison"}, to_receiver[action])]
    if action == "progress":
        other = receiver if entry.unit == sender else sender
        return [([other], HANDLERS, f"{entry.unit_title}通报{t}的进展：{comment}")]
    return []


def clocks_from_receipt(root, registry):
    """Evolution step: transfers sent before the clock ran from receipt, and not signed for yet, get
    the clock they should have had, from the moment they were sent."""
    from types import SimpleNamespace

    stand_in = SimpleNamespace(root=root, registry=registry)  # what the clock functions read
    catalog = root["catalogs"]["portal"]
    objectmap = root.__objectmap__
    for docid in catalog["item_type"].applyEq("case_transfer"):
        item = objectmap.object_for(docid)
        if item is None or item.state != "sent" or item.received_at is not None:
            continue
        start_answer_clock(item, item.sent_at or item.created, stand_in)
        update_clock(item, stand_in)
        reindex(item)


GROUP = "案件移送"
MEASURES = (
    Measure("transfers.sent", "移送案件", GROUP, "duty", "移出单位移送的案件（按移送月份）"),
    Measure("transfers.sent_late", "逾期移送", GROUP, "late", "发现后超过移送期限才移送（按移送月份）"),
    Measure("transfers.received", "收到移送", GROUP, "duty", "接收单位收到的移送（按送达月份）"),
    Measure("transfers.answered_on_time", "按期答复受理", GROUP, "", "期限内受理或不予受理（按答复月份）"),
    Measure("transfers.answered_late", "逾期答复受理", GROUP, "late", "超过期限才答复是否受理（按答复月份）"),
    Measure("transfers.declined", "不予受理", GROUP, "refused", "接收单位不予受理的移送（按答复月份）"),
    Measure("transfers.open", "待答复受理", GROUP, "open", "已送达、尚未答复是否受理（按送达月份）"),
)


def figures(item):
    """What a case transfer counts in the supervisor's overview (portal.supervision)."""
    if item.sent_at is None:
        return
    yield "transfers.sent", item.owner, item.sent_at
    if item.sent_late:
        yield "transfers.sent_late", item.owner, item.sent_at
    if item.received_at is None:
        return
    yield "transfers.received", item.receiver, item.received_at
    if item.answered_at is not None:
        late = "transfers.answered_late" if item.answered_late else "transfers.answered_on_time"
        yield late, item.receiver, item.answered_at
        if item.decline_reason or item.state == "declined":
            yield "transfers.declined", item.receiver, item.answered_at
    elif item.state in ("sent", "received"):
        yield "transfers.open", item.receiver, item.received_at


def includeme(config):
    config.add_evolution_step(clocks_from_receipt, name="portal.transfers.clocks_from_receipt")
    config.add_figures("case_transfer", MEASURES, figures)
    config.include(".flow")
