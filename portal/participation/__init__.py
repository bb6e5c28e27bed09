"""Participation notices (参与通知), 昌府办字〔2024〕52号 (三)2.

A department that carries out a special inspection, an administrative approval or an administrative
confirmation (专项监督检查、行政审批、行政确认) and needs the township of the place to take part sends
it a written notice (书面通知): what, when, where, which people, materials and cooperation it needs,
whom to contact. The township signs for it (签收) and confirms who will attend (names, positions,
phones), or says it cannot, with its reasons; the department sees the answer. After the event the
department records how it went (完成). A notice no longer needed is withdrawn (撤销), with a reason.

"情况紧急的也可先电话通知": when it is urgent, the department may phone first. It records the call (who
called whom, when, what was said); the notice then stands as "电话已通知，待补书面通知" until the
department completes the written fields and sends them. The written notice is due **one working day
after the call** (add_workdays_ex from the call's moment, with the office-hours rule): the department's
due panel shows it, ``portal-deadlines`` marks it overdue, and the page and the listing flag it in red.
A written notice sent after that is marked as sent late, once and for good.

The seed sets no time for the township's answer. The portal asks for it **by the end of the first
working day after the notice reaches the township (自收到之日起), or by the event's start if that comes
first**: the department needs to know who comes in time to plan, and an answer after the start is of
no use (see ``docs/participation.md``).

Every step is a function ``(item, request[, data])`` usable without a view (a demo script calls them).
"""

import datetime
import re

from substanced.content import content

from ..calendar import SHANGHAI, add_workdays_ex, local_date
from ..flows import FlowItem, attach_files, fmt
from ..items import Transition, Workflow, WorkflowError, now
from ..items.numbering import next_number, parse_number
from ..supervision.figures import Measure

#: What a department may ask a township to take part in.
KINDS = ("专项监督检查", "行政审批", "行政确认")
#: Working days from an urgent call to the written notice.
WRITTEN_WORKDAYS = 1
#: Working days from receipt to the township's answer (unless the event starts sooner).
REPLY_WORKDAYS = 1
#: At most this many people on one confirmation.
MAX_ATTENDEES = 50
#: A send is refused only when the start lies this much before now (the form checked it already).
START_GRACE = datetime.timedelta(minutes=1)

#: The flags of the page and the listing.
PHONE_OVERDUE_FLAG = "电话通知后逾期未补书面通知"
WRITTEN_LATE_FLAG = "书面通知逾期补发"

WORKFLOW = Workflow(
    initial="draft",
    states={
        "draft": "草稿",
        "phoned": "电话已通知，待补书面通知",
        "sent": "已发送，待签收",
        "received": "已签收，待确认参加",
        "confirmed": "已确认参加",
        "declined": "乡镇（街道）无法参加",
        "completed": "已完成",
        "cancelled": "已撤销",
    },
    transitions=[
        Transition("send", "发送", ["draft"], "sent"),
        Transition("phone", "电话通知", ["draft"], "phoned"),
        Transition("send_written", "补发书面通知", ["phoned"], "sent"),
        Transition("receive", "签收", ["sent"], "received"),
        Transition("confirm", "确认参加", ["received", "confirmed", "declined"], "confirmed"),
        Transition("decline", "无法参加", ["received", "confirmed"], "declined"),
        Transition("complete", "完成", ["sent", "received", "confirmed", "declined"], "completed"),
        Transition("cancel", "撤销", ["phoned", "sent", "received", "confirmed", "declined"], "cancelled"),
    ],
    final=["completed", "cancelled"],
)

#: The written notice's fields (the creation form, the draft's edit form).
NOTICE_FIELDS = (
    "title",
    "township",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "needs_people",
    "needs_materials",
    "needs_cooperation",
    "contact_person",
    "contact_phone",
)
#: What the township is asked for: at least one of them.
NEEDS = ("needs_people", "needs_materials", "needs_cooperation")
#: The fields completed after a phone call (the township is the one phoned).
WRITTEN_FIELDS = tuple(name for name in NOTICE_FIELDS if name != "township")
#: The fields of the phone call's record.
PHONE_FIELDS = ("title", "township", "kind", "called_at", "caller", "callee", "phone_said")


# Phone numbers and attendees ---------------------------------------------------------------------

_PHONE = re.compile(r"^\+?[0-9][0-9 ()（）\-－转]*[0-9]$")
PHONE_HINT = "例如 0798-8388888 或 13807980000"


def phone_problem(text):
    """Why ``text`` is not a telephone number, or ``""``."""
    digits = sum(char.isdigit() for char in text)
    if not _PHONE.match(text) or not 7 <= digits <= 20:
        return f"“{text}”不是有效的电话号码，{PHONE_HINT}"
    return ""


_SEPARATORS = re.compile(r"[\s,，;；]+")
ATTENDEES_HINT = (
    "每行一人，依次填写姓名、职务、联系电话，用空格分隔，例如：张三 综合行政执法队队员 13807980000"
)


def parse_attendees(text):
    """``[(name, position, phone)]`` from one person a line; ``ValueError`` says what is wrong."""
    people = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = _SEPARATORS.split(line.strip())
        if len(parts) < 3:
            raise ValueError(f"第{number}行“{line.strip()}”：请依次填写姓名、职务、联系电话，用空格分隔")
        name, position, phone = parts[0], " ".join(parts[1:-1]), parts[-1]
        if len(name) > 20:
            raise ValueError(f"第{number}行：姓名“{name}”过长（最多 20 个字）")
        if len(position) > 50:
            raise ValueError(f"第{number}行：职务最多 50 个字")
        problem = phone_problem(phone)
        if problem:
            raise ValueError(f"第{number}行：{problem}")
        people.append((name, position, phone))
    if not people:
        raise ValueError("请至少填写一名参加人员")
    if len(people) > MAX_ATTENDEES:
        raise ValueError(f"参加人员最多 {MAX_ATTENDEES} 人")
    return people


# The item ----------------------------------------------------------------------------------------


@content("Participation Notice", icon="glyphicon glyphicon-calendar")
class ParticipationNotice(FlowItem):
    """A department's notice asking one township to take part, with the township's answer."""

    item_type = "participation_notice"
    type_title = "参与通知"
    workflow = WORKFLOW
    searchable_fields = (
        "title",
        "number",
        "kind",
        "place",
        "needs_people",
        "needs_materials",
        "needs_cooperation",
        "phone_said",
        "outcome",
    )

    township = ""
    kind = ""
    #: The event's start and (optional) end, aware.
    starts_at = None
    ends_at = None
    place = ""
    needs_people = ""
    needs_materials = ""
    needs_cooperation = ""
    contact_person = ""
    contact_phone = ""
    #: The urgent phone call, when there was one: when, who called, who answered, what was said.
    called_at = None
    caller = ""
    callee = ""
    phone_said = ""
    phoned_by = ""
    #: The written notice was due by this date after the call.
    written_due = None
    #: The written notice came after ``written_due`` (set once, when it is sent).
    written_late = False
    #: When the written notice reached the township (送达, the send): its answer's clock runs from here.
    sent_at = None
    #: When and by whom the township signed for it; no clock depends on it.
    signed_at = None
    signed_by = ""
    #: What the township's answer was due by (a date, or the event's start), and when it came.
    reply_due = None
    replied_at = None
    replied_late = False
    #: ``[(name, position, phone)]`` the township confirmed.
    attendees = ()
    attendance_note = ""
    decline_reason = ""
    outcome = ""
    completed_at = None
    cancel_reason = ""

    # texts ---------------------------------------------------------------------------------------

    @property
    def township_title(self):
        return self.unit_name(self.township)

    @property
    def when_text(self):
        if self.starts_at is None:
            return ""
        if self.ends_at is None:
            return fmt(self.starts_at)
        same_day = local_date(self.starts_at) == local_date(self.ends_at)
        end = self.ends_at.astimezone(SHANGHAI).strftime("%H:%M") if same_day else fmt(self.ends_at)
        return f"{fmt(self.starts_at)} 至 {end}"

    @property
    def phoned(self):
        return self.called_at is not None

    @property
    def phone_record(self):
        """The call in one line: when, who called whom at which township, what was said."""
        who = f"{self.caller}电话通知{self.township_title}{self.callee}"
        return f"{fmt(self.called_at)} {who}：{self.phone_said}"

    @property
    def phone_overdue(self):
        """An urgent call whose written notice is past due: marked by the overdue run, or seen so."""
        if self.state != "phoned" or self.written_due is None:
            return False
        marked = getattr(self, "overdue_notified_for", None) == self.written_due
        return marked or local_date(now()) > self.written_due

    @property
    def flags(self):
        return [
            flag
            for flag, on in ((PHONE_OVERDUE_FLAG, self.phone_overdue), (WRITTEN_LATE_FLAG, self.written_late))
            if on
        ]

    @property
    def due_title(self):
        return "补发书面通知期限" if self.state == "phoned" else "确认期限"

    def describe(self, request):
        signed = (
            f"{self.signed_by} {fmt(self.signed_at)}"
            if self.signed_at
            else ("尚未签收" if self.sent_at and self.is_open else "")
        )
        contact = " ".join(part for part in (self.contact_person, self.contact_phone) if part)
        return [
            ("类别", self.kind),
            ("通知单位", self.owner_title),
            ("参与单位", self.township_title),
            ("时间", self.when_text),
            ("地点", self.place),
            ("需派出的人员", self.needs_people),
            ("需准备的材料", self.needs_materials),
            ("需配合的事项", self.needs_cooperation),
            ("联系人", contact),
            ("书面通知送达", fmt(self.sent_at)),
            ("签收", signed),
        ]

    def sections(self, request):
        phone = []
        if self.phoned:
            phone.append(self.phone_record)
            if self.state == "phoned":
                phone.append(f"书面通知应于 {fmt(self.written_due)} 前补发")
            elif self.sent_at:
                late = "（逾期补发）" if self.written_late else ""
                phone.append(f"书面通知已于 {fmt(self.sent_at)} 补发{late}")
        reply = []
        if self.replied_at:
            timing = f"逾期（确认期限 {fmt(self.reply_due)}）" if self.replied_late else "按期"
            reply.append(f"{fmt(self.replied_at)} 答复，{timing}")
        attendees = [f"{name}（{position}，{phone}）" for name, position, phone in self.attendees]
        if attendees and self.attendance_note:
            attendees.append(f"备注：{self.attendance_note}")
        return [
            ("电话通知", phone),
            ("参加人员", attendees if self.state != "declined" else []),
            ("无法参加的原因", [self.decline_reason] if self.state == "declined" else []),
            ("答复情况", reply),
            ("完成情况", [self.outcome, f"{fmt(self.completed_at)} 登记"] if self.completed_at else []),
            ("撤销原因", [self.cancel_reason] if self.state == "cancelled" else []),
        ]

    # who hears of what ---------------------------------------------------------------------------

    def notices(self, entry, request):
        """The township's liaison hears of a written notice and of a withdrawal; the department's
        officers and liaison hear of the township's answer. The call itself, signing and the
        record of the outcome tell nobody (the township was phoned; the rest is routine)."""
        department, township = self.owner_title, self.township_title
        title = f"《{self.title}》"
        if entry.action in ("send", "send_written"):
            text = (
                f"{department}通知{township}参加{self.kind}：{title}（{self.number}），"
                f"时间 {self.when_text}，地点 {self.place}；请{asked(self)}"
            )
            return [([self.township], {"liaison"}, text)]
        if entry.action == "cancel":
            return [
                ([self.township], {"liaison", "officer"}, f"{department}已撤销{title}：{self.cancel_reason}")
            ]
        if entry.action == "confirm":
            names = "、".join(name for name, _, _ in self.attendees)
            text = f"{township}已确认参加{title}，参加人员：{names}"
            return [([self.owner], {"officer", "liaison"}, text)]
        if entry.action == "decline":
            text = f"{township}无法参加{title}：{self.decline_reason}"
            return [([self.owner], {"officer", "liaison"}, text)]
        return []


# Clocks ------------------------------------------------------------------------------------------


def _overrides(request):
    return getattr(request.root, "calendar_overrides", None)


def _office_close(request):
    """The office-hours rule (``portal.office_close``), as collaboration requests read it."""
    return getattr(request.registry, "portal_office_close", None)


def end_of(day):
    return datetime.datetime.combine(day, datetime.time(23, 59), SHANGHAI)


def reply_due(received_at, starts_at, overrides=None, office_close=None):
    """``(due, provisional)`` of the township's answer: the end of the first working day after
    receipt, or the event's start if that comes first (then an aware date-time)."""
    due = add_workdays_ex(received_at, REPLY_WORKDAYS, overrides, office_close)
    if starts_at is not None and starts_at < end_of(due.date):
        return starts_at.astimezone(SHANGHAI), False
    return due.date, due.provisional


def is_late(moment, due):
    """Whether ``moment`` lies after ``due`` (a date counts to its end)."""
    if due is None:
        return False
    if isinstance(due, datetime.datetime):
        return moment > due
    return local_date(moment) > due


def _waiting(item, what):
    return f"等待{item.township_title}{what}"


def _awaiting_township(item, what):
    waiting = _waiting(item, what)
    item.set_due(
        item.reply_due, awaiting=[item.township], waiting_for=waiting, provisional=item.due_provisional
    )


# Steps -------------------------------------------------------------------------------------------


def _check(item, request, name):
    """The state and permission check of ``name``, before anything on the item changes."""
    WORKFLOW.check(item, request, name)


def has_started(item, moment=None):
    return item.starts_at is not None and (moment or now()) >= item.starts_at


def asked(item):
    """What the township is asked to do now that the written notice reached it."""
    if item.reply_due is None:
        return "签收书面通知（活动已开始，无需再确认参加人员）"
    return f"签收并于 {fmt(item.reply_due)} 前确认参加人员"


def _deliver(item, request):
    """The written notice reaches the township: its answer's clock starts (自收到之日起)."""
    moment = now()
    item.sent_at = moment
    item.relate("recipient", item.township)
    overrides, close = _overrides(request), _office_close(request)
    if has_started(item, moment):
        # Written after the event it was phoned for: only the signing is awaited.
        due = add_workdays_ex(moment, REPLY_WORKDAYS, overrides, close)
        item.reply_due = None
        waiting = _waiting(item, "签收书面通知")
        item.set_due(due.date, awaiting=[item.township], waiting_for=waiting, provisional=due.provisional)
        return
    due, provisional = reply_due(moment, item.starts_at, overrides, close)
    item.reply_due = due
    waiting = _waiting(item, "签收并确认参加人员")
    item.set_due(due, awaiting=[item.township], waiting_for=waiting, provisional=provisional)


def send(item, request):
    """The department sends its written notice (a draft); returns the message for the page."""
    _check(item, request, "send")
    if item.starts_at is None or item.starts_at < now().replace(second=0, microsecond=0) - START_GRACE:
        raise WorkflowError(f"活动开始时间 {fmt(item.starts_at)} 已过，请修改开始时间后再发送")
    _deliver(item, request)
    WORKFLOW.fire(item, request, "send")
    return f"已发送给{item.township_title}，请其{asked(item)}"


def record_phone_call(tenant, request, data):
    """The department records an urgent phone call: a new notice, awaiting its written form.

    ``data``: the :data:`PHONE_FIELDS`. The township stands as recipient at once (it was told),
    and the department's written notice is due one working day after the call.
    """
    number = next_number(tenant, f"{tenant.doc_code}参", now().year)
    _, year, sequence = parse_number(number)
    item = ParticipationNotice(
        tenant.code, creator=request.login, number=number, **{name: data[name] for name in PHONE_FIELDS}
    )
    tenant.add(f"pn-{year}-{sequence}", item)
    _check(item, request, "phone")
    item.phoned_by = request.login
    item.relate("recipient", item.township)
    due = add_workdays_ex(item.called_at, WRITTEN_WORKDAYS, _overrides(request), _office_close(request))
    item.written_due = due.date
    item.set_due(
        due.date,
        awaiting=[item.owner],
        waiting_for=f"等待{item.owner_title}补发书面通知",
        provisional=due.provisional,
    )
    WORKFLOW.fire(item, request, "phone", item.phone_record)
    return item


def send_written(item, request, data):
    """After the call, the department completes the written notice and sends it (also after the
    event, which may have begun on the strength of the call)."""
    _check(item, request, "send_written")
    for name in WRITTEN_FIELDS:
        setattr(item, name, data[name])
    attach_files(item, data.get("files", ()), request, "书面通知")
    item.written_late = item.phone_overdue
    _deliver(item, request)
    late = f"（电话通知后逾期补发，应于 {fmt(item.written_due)} 前补发）" if item.written_late else ""
    WORKFLOW.fire(item, request, "send_written", f"书面通知补发{late}")
    return f"书面通知已发送给{item.township_title}{late}，请其{asked(item)}"


def receive(item, request):
    """The township signs for the written notice: recorded, the clock left as it runs (once the
    event has begun there is nothing more to confirm: the department's outcome is awaited)."""
    from ..people import display_name

    _check(item, request, "receive")
    item.signed_at = now()
    item.signed_by = display_name(request.user) if request.user is not None else request.login
    if has_started(item):
        item.set_due(None, awaiting=[item.owner], waiting_for=f"等待{item.owner_title}登记完成情况")
        WORKFLOW.fire(item, request, "receive")
        return "已签收"
    _awaiting_township(item, "确认参加人员")
    WORKFLOW.fire(item, request, "receive")
    return f"已签收，请于 {fmt(item.reply_due)} 前确认参加人员"


def _record_reply(item):
    """The township's first answer: when, and whether it came after its due time (kept for good)."""
    if item.replied_at is None:
        item.replied_at = now()
        item.replied_late = is_late(item.replied_at, item.reply_due)


def confirm(item, request, data):
    """The township confirms who will attend (``data["attendees"]``: one person a line)."""
    _check(item, request, "confirm")
    people = parse_attendees(data["attendees"])
    item.attendees = tuple(people)
    item.attendance_note = data.get("note", "")
    item.decline_reason = ""
    _record_reply(item)
    item.set_due(None, awaiting=[item.owner], waiting_for=f"等待{item.owner_title}在活动结束后登记完成情况")
    comment = "、".join(f"{name}（{position}，{phone}）" for name, position, phone in people)
    WORKFLOW.fire(item, request, "confirm", comment)
    return f"已确认参加人员 {len(people)} 名，{item.owner_title}可在通知页面查看"


def decline(item, request, data):
    """The township cannot take part, and says why."""
    _check(item, request, "decline")
    item.decline_reason = data["reason"]
    item.attendees = ()
    _record_reply(item)
    item.set_due(
        None, awaiting=[item.owner], waiting_for=f"等待{item.owner_title}查阅；活动结束后登记完成情况"
    )
    WORKFLOW.fire(item, request, "decline", data["reason"])
    return f"已告知{item.owner_title}无法参加及原因"


def complete(item, request, data):
    """After the event, the department records how it went; the notice is done with."""
    _check(item, request, "complete")
    item.outcome = data["outcome"]
    item.completed_at = now()
    attach_files(item, data.get("files", ()), request, "完成情况材料")
    item.set_due(None)
    WORKFLOW.fire(item, request, "complete", data["outcome"])
    return "已登记完成情况，通知已办结"


def cancel(item, request, data):
    """The department withdraws the notice (the event is called off), with the reason."""
    _check(item, request, "cancel")
    item.cancel_reason = data["reason"]
    item.set_due(None)
    WORKFLOW.fire(item, request, "cancel", data["reason"])
    return f"已撤销，{item.township_title}将收到通知"


# Rules of the item page ------------------------------------------------------------------------


def before_start(item, request):
    """The township answers before the event starts."""
    if has_started(item):
        return f"活动已于 {fmt(item.starts_at)} 开始，不能再确认或更改参加情况"
    return ""


def after_start(item, request):
    """The outcome is recorded once the event has begun."""
    if item.starts_at is not None and not has_started(item):
        return f"活动开始（{fmt(item.starts_at)}）后才能登记完成情况；活动取消的，请“撤销”通知"
    return ""


GROUP = "参与通知"
MEASURES = (
    Measure("participation.sent", "发出书面通知", GROUP, "", "部门发出的书面参与通知（按送达月份）"),
    Measure(
        "participation.phoned", "电话通知", GROUP, "duty", "先行电话通知、须补发书面通知的（按通话月份）"
    ),
    Measure(
        "participation.written_late",
        "逾期补发书面通知",
        GROUP,
        "late",
        "电话通知后超过期限才补发书面通知（按补发月份）",
    ),
    Measure(
        "participation.received", "收到通知", GROUP, "duty", "乡镇（街道）收到的书面参与通知（按送达月份）"
    ),
    Measure(
        "participation.replied_on_time",
        "按期答复",
        GROUP,
        "",
        "期限内确认参加人员或说明无法参加（按答复月份）",
    ),
    Measure("participation.replied_late", "逾期答复", GROUP, "late", "超过答复期限才答复（按答复月份）"),
    Measure(
        "participation.declined",
        "无法参加",
        GROUP,
        "refused",
        "答复无法参加的（拒不履行；按答复无法参加的月份）",
    ),
    Measure(
        "participation.unanswered",
        "未答复",
        GROUP,
        "refused",
        "活动已完成、乡镇（街道）始终未答复的（拒不履行；按完成月份）",
    ),
)


def figures(notice):
    """What a participation notice counts in the supervisor's overview (portal.supervision)."""
    department, township = notice.owner, notice.township
    if notice.called_at is not None:
        yield "participation.phoned", department, notice.called_at
    if notice.sent_at is None:
        return
    yield "participation.sent", department, notice.sent_at
    if notice.written_late:
        yield "participation.written_late", department, notice.sent_at
    yield "participation.received", township, notice.sent_at
    if notice.replied_at is not None:
        late = "participation.replied_late" if notice.replied_late else "participation.replied_on_time"
        yield late, township, notice.replied_at
    elif notice.state == "completed" and notice.reply_due is not None:
        yield "participation.unanswered", township, notice.completed_at
    if notice.decline_reason:
        declined = [entry.when for entry in notice.history if entry.action == "decline"]
        yield "participation.declined", township, declined[-1] if declined else notice.replied_at


def includeme(config):
    from .views import FLOW, register_views

    config.add_figures(ParticipationNotice.item_type, MEASURES, figures)

    FLOW.include(config)
    register_views(config)
    config.scan(".")
