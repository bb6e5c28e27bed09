"""Accountability (责任追究), 昌府办字〔2024〕52号 三(三).

"区司法局要强化对综合行政执法协作配合责任的刚性约束，制定并落实乡镇（街道）和区级各行政执法部门之间的责任追究
制度……对区级行政执法部门不按照职责分工履行职责，拒不履行业务指导、技术支撑、信息共享、执法协助等协作配合义务的，
按规定追究有关部门和人员责任。"

A supervisor of the 区司法局 (the role ``supervisor`` in a unit of kind ``supervisor``) records a
decision against a township or a department, in the 司法局's name: the facts, the duty the unit did
not meet (:data:`DUTIES`), the items on the portal that show it (by their numbers, each one the
supervisor can see and that concerns the unit), the measure (:data:`MEASURES`), a person of the unit
held to account if one is named, and the date by which the unit must have rectified (整改期限,
required for 责令整改). The unit concerned is the decision's ``recipient``: it sees the decision, and
its leaders or unit admin report its rectification (整改情况, text and files). The supervisor then
closes the decision (办结) or sends it back for more rectification (退回重新整改, with a new date).

The clock: until the unit reports, the decision awaits the unit, due on the rectification date
(``set_due``), so the home page's panels, reminders and overdue marks work as for every item; once
it reported, the decision awaits the 司法局 (no date).

For the supervision figures the decision keeps plain attributes: :attr:`AccountabilityDecision.unit`,
``duty``, ``measure``, ``decided_at``, ``rectified_at``, ``closed_at`` and ``related_numbers``.

Every step is a function ``(item, request[, data])``, usable without a page.
"""

import re

from hypatia.query import Eq
from persistent.list import PersistentList
from persistent.mapping import PersistentMapping
from substanced.content import content

from ..calendar import local_date
from ..flows import FlowItem, actor, attach_files, close_by_owner, fmt
from ..items import Transition, Workflow, WorkflowError, now
from ..items.numbering import parse_number
from ..supervision.figures import Measure

#: The kind of the units whose supervisors decide (the 区司法局, ``extra_kinds = ["supervisor"]``).
SUPERVISOR_KIND = "supervisor"
#: The kinds of the units held to account: townships and streets, district departments.
ACCOUNTABLE_KINDS = ("department", "township")

#: The duties of the implementation opinion a unit may be held to account for.
DUTIES = (
    "未按期答复协作请求",
    "未按期移送案件",
    "拒不履行协作职责",
    "未按期报送备案",
    "未签收规范性文件",
    "未落实会商事项",
    "其他",
)
OTHER_DUTY = "其他"
#: The measures, mildest first.
MEASURES = ("约谈", "通报", "责令整改", "追究责任")
#: The measure that cannot go without a rectification date.
ORDER_TO_RECTIFY = "责令整改"

#: How many items one decision may cite, and how far ahead its rectification date may lie.
RELATED_MAX = 20
RECTIFY_MAX_DAYS = 365

#: Who in the unit concerned answers (and hears of the decision and its review).
ANSWERERS = frozenset({"leader", "deputy", "unit_admin"})
#: Who at the 区司法局 hears that the unit reported its rectification.
SUPERVISORS = frozenset({"supervisor"})

WORKFLOW = Workflow(
    initial="rectifying",
    states={
        "rectifying": "待整改",
        "submitted": "整改情况待审核",
        "returned": "已退回，重新整改",
        "closed": "已办结",
    },
    transitions=[
        Transition("rectify", "报送整改情况", ["rectifying", "returned"], "submitted"),
        Transition("send_back", "退回重新整改", ["submitted"], "returned"),
        Transition("close", "办结", ["rectifying", "submitted", "returned"], "closed"),
    ],
    final=["closed"],
)

#: The states in which the unit owes its rectification.
RECTIFYING_STATES = ("rectifying", "returned")


# Document numbers ---------------------------------------------------------------------------------

#: Brackets people type instead of the 六角括号 of a document number (``[2026]``, ``（2026）``).
_BRACKETS = str.maketrans("[［(（【]］)）】", "〔〔〔〔〔〕〕〕〕〕")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def split_numbers(text):
    """The document numbers typed in ``text`` (one a line, or apart by commas, 顿号 or spaces),
    their brackets made the 六角括号 of a number, each once, in the order typed."""
    numbers = []
    for part in _SEPARATORS.split(text or ""):
        number = part.translate(_BRACKETS)
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def numbered_items(request, number):
    """The items numbered ``number`` the person may see, as the unit they act as (one, or a
    regulation and its library copy)."""
    from ..items.catalog import portal_catalog, visible_items

    catalog = portal_catalog(request)
    count, result = visible_items(request, Eq(catalog["number"], number), sort_index=None)
    return sorted(result.all(), key=lambda item: item.created) if count else []


def concerns(item, unit):
    """Whether ``unit`` made, received, took part in or was told of ``item`` (supervision aside)."""
    return bool(set(item.relations_of(unit)) - {"supervisor", "none"})


def number_problem(request, text):
    """Why the numbers typed in ``text`` cannot be cited, or ``""``."""
    numbers = split_numbers(text)
    if len(numbers) > RELATED_MAX:
        return f"最多填写 {RELATED_MAX} 个事项编号（现有 {len(numbers)} 个）"
    malformed = [number for number in numbers if parse_number(number) is None]
    if malformed:
        return (
            f"“{'”“'.join(malformed)}”不是平台事项编号的格式，"
            "请按事项页面上的编号填写，例如 鱼山镇协〔2026〕3号"
        )
    unknown = [number for number in numbers if not numbered_items(request, number)]
    if unknown:
        return (
            f"未找到编号为“{'”“'.join(unknown)}”的事项：请核对编号（只能引用本单位可以查看的事项，"
            "其他单位尚未发送的草稿不能引用）"
        )
    return ""


def unrelated_numbers(request, numbers, unit):
    """The numbers among ``numbers`` none of whose items concerns ``unit``."""
    return [
        number
        for number in numbers
        if not any(concerns(item, unit) for item in numbered_items(request, number))
    ]


# The decision -------------------------------------------------------------------------------------


def is_supervisor(request):
    """Whether the person acts as a unit that decides (the 区司法局) and may record a decision."""
    tenant = request.root["tenants"].get(request.acting_unit or "")
    return (
        tenant is not None
        and SUPERVISOR_KIND in tenant.kinds
        and request.permits(tenant, f"create:{AccountabilityDecision.item_type}")
    )


@content("Accountability Decision", icon="glyphicon glyphicon-flag")
class AccountabilityDecision(FlowItem):
    """A decision of the 区司法局 holding a unit to account for a duty of collaboration not met."""

    item_type = "accountability_decision"
    type_title = "责任追究决定"
    workflow = WORKFLOW
    searchable_fields = ("title", "number", "person_name", "facts", "duty", "duty_note", "measure")

    #: The unit held to account (a unit code, as the kit's unit fields give it).
    unit = ""
    person_name = ""
    person_post = ""
    facts = ""
    duty = ""
    duty_note = ""
    measure = ""
    #: The date by which the unit must have rectified (the latest set, after a return), or None.
    rectify_due = None
    #: The numbers of the items the decision cites, as typed (normalised), in order.
    related_numbers = ()
    decided_at = None
    #: When the unit last reported its rectification.
    rectified_at = None
    closed_at = None
    close_note = ""

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator, **fields)
        #: The unit's reports and the supervisor's returns, in order: {kind, at, text, due, login, name}.
        self.exchanges = PersistentList()

    @property
    def unit_title(self):
        return self.unit_name(self.unit)

    @property
    def person(self):
        if not self.person_name:
            return ""
        return f"{self.person_name}（{self.person_post}）" if self.person_post else self.person_name

    @property
    def duty_text(self):
        if self.duty == OTHER_DUTY:
            return f"其他：{self.duty_note}" if self.duty_note else OTHER_DUTY
        return f"{self.duty}（{self.duty_note}）" if self.duty_note else self.duty

    @property
    def rectifications(self):
        return [entry for entry in self.exchanges if entry["kind"] == "rectify"]

    def update_clock(self):
        """Who the decision waits for: the unit, to rectify by the date; then the 司法局, to review."""
        if self.state in RECTIFYING_STATES:
            again = "重新" if self.state == "returned" else ""
            self.set_due(
                self.rectify_due,
                awaiting=[self.unit],
                waiting_for=f"等待{self.unit_title}{again}报送整改情况",
            )
        elif self.state == "submitted":
            self.set_due(
                None,
                awaiting=[self.owner],
                waiting_for=f"{self.unit_title}已报送整改情况，等待{self.owner_title}审核",
            )
        else:
            self.set_due(None)

    def add_exchange(self, kind, text, due=None, files=(), **who):
        self.exchanges.append(
            PersistentMapping(kind=kind, at=now(), text=text, due=due, files=tuple(files), **who)
        )

    # what people read -----------------------------------------------------------------------------

    def describe(self, request):
        return [
            ("作出决定单位", self.owner_title),
            ("被追究单位", self.unit_title),
            ("被追究人员", self.person),
            ("未履行的职责", self.duty_text),
            ("事实", self.facts),
            ("追究措施", self.measure),
            ("整改期限", fmt(self.rectify_due, with_time=False)),
            ("决定时间", fmt(self.decided_at)),
            ("办结情况", self.closing_text()),
        ]

    def closing_text(self):
        if self.closed_at is None:
            return ""
        return f"{fmt(self.closed_at)} 办结。{self.close_note}"

    def exchange_text(self, entry):
        who = f"{entry.get('name', '')} {fmt(entry['at'])}".strip()
        files = f"（附件：{'、'.join(entry['files'])}）" if entry["files"] else ""
        if entry["kind"] == "rectify":
            return f"{self.unit_title}报送整改情况：{entry['text']}{files}（{who}）"
        due = f"，新的整改期限 {fmt(entry['due'], with_time=False)}" if entry["due"] else ""
        return f"{self.owner_title}退回重新整改：{entry['text']}{due}（{who}）"

    def exchange_lines(self):
        """整改情况: the unit's reports and the supervisor's returns, in order."""
        return [self.exchange_text(entry) for entry in self.exchanges]

    def related(self, request):
        """``[{number, items: [{url, title, type}]}]`` for the item page: each number cited, with
        the items it names that the person may see (none: the number alone, without a link)."""
        return [
            {
                "number": number,
                "items": [
                    {"url": request.resource_url(item), "title": item.title, "type": item.type_title}
                    for item in numbered_items(request, number)
                ],
            }
            for number in self.related_numbers
        ]

    def notices(self, entry, request):
        """Who hears of a step: the unit's leaders and unit admin of the decision, its return and its
        closing; the 司法局's supervisors of the unit's report."""
        title = f"《{self.title}》（{self.number}）"
        if entry.action == "create":
            due = f"，整改期限 {fmt(self.rectify_due, with_time=False)}" if self.rectify_due else ""
            person = f"，被追究人员：{self.person}" if self.person else ""
            text = (
                f"{self.owner_title}对本单位作出责任追究决定{title}：{self.duty_text}，"
                f"措施：{self.measure}{person}{due}。请按要求整改，并由单位领导或单位管理员在平台报送整改情况"
            )
            return [([self.unit], ANSWERERS, text)]
        if entry.action == "rectify":
            text = f"{self.unit_title}报送了责任追究决定{title}的整改情况，请审核后办结或退回重新整改"
            return [([self.owner], SUPERVISORS, text)]
        if entry.action == "send_back":
            due = f"，新的整改期限 {fmt(self.rectify_due, with_time=False)}" if self.rectify_due else ""
            text = (
                f"{self.owner_title}退回了责任追究决定{title}的整改情况，"
                f"请重新整改{due}。理由：{entry.comment}"
            )
            return [([self.unit], ANSWERERS, text)]
        if entry.action == "close":
            text = f"{self.owner_title}已办结责任追究决定{title}。{entry.comment}"
            return [([self.unit], ANSWERERS, text)]
        return []


# The steps, callable without a page ---------------------------------------------------------------


def decision_refusal(request):
    """Why the acting unit cannot record a decision, or ``""``."""
    if not is_supervisor(request):
        return "只有区司法局的督查人员可以作出责任追究决定"
    return ""


def before_record(item, request, data):
    """The new decision reaches the unit now: related, its numbers kept, its clock started (the kit
    calls this before recording the creation, so the notices see the decision as it is)."""
    refusal = decision_refusal(request)
    if refusal:
        raise WorkflowError(refusal)
    item.related_numbers = tuple(split_numbers(data.get("related_numbers", "")))
    item.decided_at = now()
    item.relate("recipient", item.unit)
    item.update_clock()


def rectify_refusal(item, request):
    """Why the acting unit cannot report its rectification now, or ``""``."""
    if request.acting_unit != item.unit:
        return f"只有被追究单位（{item.unit_title}）可以报送整改情况"
    return ""


def rectify(item, request, data):
    """The unit reports its rectification (again, after a return); the 司法局 reviews it."""
    WORKFLOW.check(item, request, "rectify")
    refusal = rectify_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    files = data.get("files", ())
    attach_files(item, files, request, "整改材料")
    item.rectified_at = now()
    # Whether the report came after its date is kept with it, once (the overview counts it).
    late = item.rectify_due is not None and local_date(item.rectified_at) > item.rectify_due
    item.add_exchange(
        "rectify",
        data["text"],
        due=item.rectify_due,
        files=[name for name, _ in files],
        late=late,
        **actor(request),
    )
    WORKFLOW.fire(
        item, request, "rectify", data["text"], before_record=lambda item, request: item.update_clock()
    )
    return f"已报送整改情况，等待{item.owner_title}审核"


def review_refusal(item, request):
    """Why the acting unit cannot review (send back or close) now, or ``""``."""
    if request.acting_unit != item.owner:
        return f"只有{item.owner_title}可以审核整改情况"
    return ""


def send_back(item, request, data):
    """The supervisor finds the rectification not enough: the unit rectifies again, by the new date
    (or the old one, when none is given)."""
    WORKFLOW.check(item, request, "send_back")
    refusal = review_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    if data.get("rectify_due"):
        item.rectify_due = data["rectify_due"]
    item.add_exchange("return", data["note"], due=data.get("rectify_due"), **actor(request))
    WORKFLOW.fire(
        item, request, "send_back", data["note"], before_record=lambda item, request: item.update_clock()
    )
    due = f"，整改期限 {fmt(item.rectify_due, with_time=False)}" if item.rectify_due else ""
    return f"已退回，{item.unit_title}须重新整改并报送{due}"


def close(item, request, data):
    """The supervisor closes the decision with a note; every clock stops."""
    refusal = review_refusal(item, request)
    if refusal:
        raise WorkflowError(refusal)
    close_by_owner(item, request, data, item.owner_title, "办结材料")
    return "已办结"


GROUP = "责任追究"
FIGURES = (
    Measure(
        "accountability.decided",
        "责任追究决定",
        GROUP,
        "",
        "区司法局对本单位作出的责任追究决定（按决定月份）",
    ),
    Measure(
        "accountability.rectified_late",
        "逾期报送整改",
        GROUP,
        "late",
        "超过整改期限才报送整改情况（按报送月份）",
    ),
    Measure(
        "accountability.rectifying", "整改中", GROUP, "open", "尚未报送或被退回重新整改的决定（按决定月份）"
    ),
    Measure("accountability.closed", "已办结", GROUP, "", "区司法局审核办结的决定（按办结月份）"),
)


def figures(item):
    """What a decision counts in the supervisor's overview and the unit's scorecard."""
    if item.decided_at is None:
        return
    yield "accountability.decided", item.unit, item.decided_at
    for entry in item.rectifications:
        if entry.get("late"):
            yield "accountability.rectified_late", item.unit, entry["at"]
    if item.state in RECTIFYING_STATES:
        yield "accountability.rectifying", item.unit, item.decided_at
    elif item.closed_at is not None:
        yield "accountability.closed", item.unit, item.closed_at


def includeme(config):
    from .flow import FLOW, NAV_TITLE, nav_link

    FLOW.include(config)
    config.add_figures("accountability_decision", FIGURES, figures)
    config.add_nav_link(FLOW.nav_order, NAV_TITLE, nav_link)
    config.scan(".")
