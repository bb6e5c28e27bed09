"""Complaints, reports and petitions (举报投诉信访), 昌府办字〔2024〕52号 (四)3.

First-contact responsibility (首问负责制): the unit that receives a complaint first registers it and
is responsible for it. Clearly outside its remit, it tells the person which organ to turn to (告知).
Otherwise it verifies (核实), then: no violation, it answers the person (答复); a penalty is due, it
opens a case (立案); a matter for the other side, it transfers it with written material (移送): a
department to a township, a township to a department. The receiver signs for it (签收). A transfer is
either a case transfer (its formal steps are the case-transfer flow's) or a management referral.

The seed sets no deadline for complaints: the pages show when it was received and how long it is open.
"""

from substanced.content import content

from ..calendar import local_date
from ..flows import FlowItem, attach_files, fmt
from ..items import Transition, Workflow, now
from ..supervision.figures import Measure

#: How the complaint came in.
CHANNELS = ("来信", "来电", "来访", "网络", "12345热线", "其他")
#: What a transfer is meant to become.
TRANSFER_KINDS = {"case": "案件移送", "management": "管理移交"}
#: Who a unit may transfer to: the other side of the district.
TRANSFER_TARGETS = {"department": "township", "township": "department"}

WORKFLOW = Workflow(
    initial="registered",
    states={
        "registered": "已登记",
        "verifying": "核实中",
        "closed_told": "已告知（不属本单位职责）",
        "closed_answered": "已答复办结",
        "case_opened": "已立案",
        "transferred": "已移送，待签收",
        "acknowledged": "已移送，对方已签收",
    },
    transitions=[
        Transition("verify", "开始核实", ["registered"], "verifying"),
        Transition("tell", "告知其向有权机关反映", ["registered", "verifying"], "closed_told"),
        Transition("answer", "答复反映人", ["verifying"], "closed_answered"),
        Transition("open_case", "立案", ["verifying"], "case_opened"),
        Transition("transfer", "移送", ["verifying"], "transferred"),
        Transition("acknowledge", "签收", ["transferred"], "acknowledged"),
    ],
    final=["closed_told", "closed_answered", "case_opened", "acknowledged"],
)


@content("Complaint", icon="glyphicon glyphicon-bullhorn")
class Complaint(FlowItem):
    """A complaint, report or petition, registered by the unit that received it first."""

    item_type = "complaint"
    type_title = "举报投诉信访"
    workflow = WORKFLOW
    searchable_fields = (
        "title",
        "number",
        "content",
        "person_name",
        "answer_text",
        "told_organ",
        "case_number",
        "transfer_note",
    )

    channel = ""
    person_name = ""
    person_phone = ""
    anonymous = False
    content = ""
    received_at = None
    told_organ = ""
    told_note = ""
    answer_text = ""
    case_number = ""
    case_date = None
    transfer_to = ""
    transfer_kind = ""
    transfer_note = ""
    transferred_at = None
    acknowledged_at = None
    closed_at = None

    @property
    def transfer_kind_title(self):
        return TRANSFER_KINDS.get(self.transfer_kind, "")

    def days_open(self, today=None):
        """Calendar days from receipt to closing (or to today while it is open)."""
        end = self.closed_at or today or now()
        return (local_date(end) - local_date(self.received_at)).days

    def close(self):
        """The complaint is done with: its days stop counting and no unit is awaited."""
        self.closed_at = now()
        self.set_due(None)

    @property
    def complainant(self):
        who = "匿名" if self.anonymous else self.person_name
        return f"{who} （{self.person_phone}）" if self.person_phone else who

    def describe(self, request):
        return [
            ("首问受理单位", self.owner_title, "portal-owner"),
            ("来源渠道", self.channel, "portal-channel"),
            ("收到时间", fmt(self.received_at), "portal-received"),
            ("反映人", self.complainant, "portal-complainant"),
            ("反映内容", self.content, "portal-content"),
        ]


# The steps of a complaint, as its pages take them ------------------------------------------------


def registered(item, request, data=None):
    """Registered by the unit that received it first: that unit is awaited to deal with it."""
    item.set_due(None, awaiting=[item.owner], waiting_for=f"等待{item.owner_title}核实处理")


def verify(item, request):
    WORKFLOW.fire(item, request, "verify")
    return "已开始核实"


def tell(item, request, data):
    """Clearly not the unit's remit: the person was told which organ to turn to (``told_organ``)."""
    WORKFLOW.check(item, request, "tell")
    item.told_organ, item.told_note = data["told_organ"], data.get("told_note", "")
    item.close()
    WORKFLOW.fire(item, request, "tell", f"告知向{item.told_organ}反映。{item.told_note}".strip())
    return "已记录告知情况，办结"


def answer(item, request, data):
    """Verified, no violation: the person is answered (``answer_text``)."""
    WORKFLOW.check(item, request, "answer")
    item.answer_text = data["answer_text"]
    item.close()
    WORKFLOW.fire(item, request, "answer", data["answer_text"])
    return "已记录答复，办结"


def open_case(item, request, data):
    """Verified, a penalty is due: a case is opened (``case_number``, ``case_date``)."""
    WORKFLOW.check(item, request, "open_case")
    item.case_number, item.case_date = data["case_number"], data["case_date"]
    item.close()
    comment = f"立案编号 {item.case_number}，立案日期 {item.case_date:%Y-%m-%d}"
    WORKFLOW.fire(item, request, "open_case", comment)
    return f"已立案：{item.case_number}"


def transfer(item, request, data):
    """A matter for the other side: transferred with written material (``transfer_to``,
    ``transfer_kind``, ``transfer_note``, ``files``); the receiver is awaited to sign for it."""
    WORKFLOW.check(item, request, "transfer")
    receiver = item.unit_name(data["transfer_to"])
    item.transfer_to, item.transfer_kind = data["transfer_to"], data["transfer_kind"]
    item.transfer_note, item.transferred_at = data["transfer_note"], now()
    attach_files(item, data.get("files", ()), request, "移送材料")
    item.relate("recipient", data["transfer_to"])
    item.set_due(None, awaiting=[data["transfer_to"]], waiting_for=f"等待{receiver}签收")
    comment = f"{item.transfer_kind_title}至{receiver}：{item.transfer_note}"
    WORKFLOW.fire(item, request, "transfer", comment)
    return f"已移送{receiver}，等待签收"


def acknowledge(item, request):
    """The receiver signs for the transfer: the complaint is done with on the first unit's side."""
    WORKFLOW.check(item, request, "acknowledge")
    item.acknowledged_at = now()
    item.close()
    WORKFLOW.fire(item, request, "acknowledge")
    return f"已签收{item.owner_title}移送的材料"


GROUP = "举报投诉"
MEASURES = (
    Measure("complaints.received", "首问受理", GROUP, "", "最先收到并登记受理的举报投诉信访（按收到月份）"),
    Measure(
        "complaints.told", "告知另行反映", GROUP, "", "不属本单位职责、已告知向有权机关反映（按办结月份）"
    ),
    Measure("complaints.answered", "答复办结", GROUP, "", "经核实无违法、已答复反映人（按办结月份）"),
    Measure("complaints.case_opened", "立案查处", GROUP, "", "经核实应予处罚、已立案（按办结月份）"),
    Measure("complaints.transferred", "移送对方", GROUP, "", "移送乡镇（街道）或部门处理（按移送月份）"),
    Measure(
        "complaints.open", "核实处理中", GROUP, "open", "已登记、尚未告知、答复、立案或移送（按收到月份）"
    ),
    Measure("complaints.transfers_received", "收到移送", GROUP, "", "对方移送来的举报投诉（按移送月份）"),
    Measure(
        "complaints.transfers_unsigned", "移送未签收", GROUP, "open", "对方移送来、尚未签收的（按移送月份）"
    ),
)
#: The outcome each closing state stands for.
OUTCOME_MEASURES = {
    "closed_told": "complaints.told",
    "closed_answered": "complaints.answered",
    "case_opened": "complaints.case_opened",
}


def figures(complaint):
    """What a complaint counts in the supervisor's overview (portal.supervision): for the unit
    that received it first, by outcome; for the unit it was transferred to, its receipt."""
    unit = complaint.owner
    yield "complaints.received", unit, complaint.received_at
    if complaint.state in OUTCOME_MEASURES:
        yield OUTCOME_MEASURES[complaint.state], unit, complaint.closed_at
    elif complaint.state in ("registered", "verifying"):
        yield "complaints.open", unit, complaint.received_at
    if complaint.transferred_at is not None:
        receiver = complaint.transfer_to
        yield "complaints.transferred", unit, complaint.transferred_at
        yield "complaints.transfers_received", receiver, complaint.transferred_at
        if complaint.state == "transferred":
            yield "complaints.transfers_unsigned", receiver, complaint.transferred_at


def includeme(config):
    from .flow import FLOW

    config.add_figures(Complaint.item_type, MEASURES, figures)
    config.scan(".")
    FLOW.include(config)
