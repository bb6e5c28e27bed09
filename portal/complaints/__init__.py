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
from ..items import Item, Transition, Workflow, now

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
class Complaint(Item):
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

    def __init__(self, owner, title="", creator="", **fields):
        super().__init__(owner, title, creator)
        for name, value in fields.items():
            setattr(self, name, value)

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


def includeme(config):
    from .views import nav_url

    config.add_item_type("complaint", "举报投诉信访")
    config.add_nav_link(80, "举报投诉", nav_url)
    config.scan(".")
