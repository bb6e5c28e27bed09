"""The flow of complaints: registration by the unit that received it, the outcomes its officers
record, the receiver's acknowledgment of a transfer, and the declaration that gives them their
pages (see :mod:`portal.flows`)."""

import colander
import deform

from ..flows import (
    Action,
    Flow,
    choice_node,
    date_node,
    datetime_node,
    files_node,
    flag_node,
    fmt,
    not_before,
    not_in_future,
    text_node,
)
from ..views import CSRFSchema
from . import (
    CHANNELS,
    TRANSFER_KINDS,
    TRANSFER_TARGETS,
    WORKFLOW,
    Complaint,
    acknowledge,
    answer,
    open_case,
    registered,
    tell,
    transfer,
    verify,
)

PHONE_PATTERN = r"^[0-9+][0-9 \-]{4,19}$"

# Schemas -----------------------------------------------------------------------------------------


class ComplaintSchema(CSRFSchema):
    """What the first unit to receive a complaint writes down."""

    channel = choice_node(
        "来源渠道", CHANNELS, missing_msg="请选择来源渠道：来信、来电、来访、网络、12345热线或其他"
    )
    received_at = datetime_node("收到时间", validator=not_in_future)
    anonymous = flag_node("匿名", "匿名举报可不填姓名和电话")
    person_name = text_node("反映人姓名", 50, required=False)
    person_phone = colander.SchemaNode(
        colander.String(),
        title="联系电话",
        missing="",
        validator=colander.Regex(PHONE_PATTERN, "请填写正确的联系电话，例如 13800000000 或 0798-8600000"),
    )
    title = text_node("事项摘要", 100, description="一句话概括反映的问题，例如：某小区夜间施工噪声扰民")
    content = text_node("反映内容", 5000, textarea=True)
    files = files_node("材料附件")

    def validator(self, node, value):
        if value["anonymous"]:
            return
        error = colander.Invalid(node)
        if not value["person_name"]:
            error["person_name"] = "请填写反映人姓名；匿名举报请勾选“匿名”"
        if not value["person_phone"]:
            error["person_phone"] = "请填写联系电话；匿名举报请勾选“匿名”"
        if error.children:
            raise error


class TellSchema(CSRFSchema):
    told_organ = text_node("告知其反映的有权机关", 100, description="例如：区人社局劳动保障监察大队")
    told_note = text_node(
        "告知情况", 1000, required=False, textarea=True, description="何时、以何种方式告知，反映人的意见"
    )


class AnswerSchema(CSRFSchema):
    answer_text = text_node(
        "答复内容", 5000, textarea=True, description="核实情况，以及未发现违法行为的结论和依据"
    )


@colander.deferred
def after_received(node, kw):
    """A case is opened on or after the day the complaint came in."""
    return colander.All(not_in_future, not_before(kw["item"].received_at, "收到举报投诉的日期"))


class OpenCaseSchema(CSRFSchema):
    case_number = text_node("立案编号", 50, description="例如：昌市监立〔2026〕15号")
    case_date = date_node("立案日期", validator=after_received)


def transfer_targets(request):
    """``[(code, title)]`` of the units the acting unit may transfer to: the other side."""
    tenants = request.root["tenants"]
    acting = tenants.get(request.acting_unit)
    wanted = TRANSFER_TARGETS.get(acting.kind) if acting is not None else None
    return [(t.code, t.title) for t in sorted(tenants.values(), key=lambda t: t.code) if t.kind == wanted]


@colander.deferred
def target_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "请选择"), *transfer_targets(kw["request"])])


@colander.deferred
def target_validator(node, kw):
    return colander.OneOf(
        [code for code, _ in transfer_targets(kw["request"])],
        msg_err="请选择接收单位：部门移送给乡镇（街道），乡镇（街道）移送给部门",
    )


class TransferSchema(CSRFSchema):
    transfer_to = colander.SchemaNode(
        colander.String(),
        title="接收单位",
        widget=target_widget,
        validator=target_validator,
        missing_msg="请选择接收单位",
    )
    transfer_kind = choice_node(
        "移送性质",
        list(TRANSFER_KINDS.items()),
        missing_msg="请选择移送性质：案件移送或管理移交",
        description="案件移送的移送函、领导审批和受理答复，在“案件移送”中办理；此处记录移送意向并交接材料",
    )
    transfer_note = text_node("移送说明", 2000, textarea=True, description="核实情况和移送理由")
    files = files_node("书面材料")


# The item page's actions -------------------------------------------------------------------------


def outcome(name, act, schema, heading, intro):
    """A form that records an outcome and makes the transition ``name`` (its button says so)."""
    title = WORKFLOW.transitions[name].title
    return Action(name, title, act, schema=schema, transition=name, heading=heading, intro=intro)


ACTIONS = (
    Action("verify", "开始核实", verify, transition="verify"),
    outcome(
        "tell",
        tell,
        TellSchema(),
        "告知向有权机关反映",
        "明显不属于本单位职责的，告知反映人向有权机关反映，并记录告知情况。",
    ),
    outcome("answer", answer, AnswerSchema(), "答复反映人", "经核实未发现违法行为的，答复反映人。"),
    outcome(
        "open_case",
        open_case,
        OpenCaseSchema(),
        "立案",
        "经核实应予行政处罚的，立案查处，并记录立案编号和日期。",
    ),
    outcome(
        "transfer",
        transfer,
        TransferSchema(),
        "移送",
        "需要由对方处理的，连同书面材料移送：部门移送给乡镇（街道），乡镇（街道）移送给部门。",
    ),
    Action("acknowledge", "签收", acknowledge, transition="acknowledge"),
)


FLOW = Flow(
    Complaint,
    slug="complaint",
    listing="complaints",
    nav_title="举报投诉",
    nav_order=80,
    number_word="诉",
    name_prefix="complaint",
    schema=ComplaintSchema,
    fields=("title", "channel", "received_at", "anonymous", "person_name", "person_phone", "content"),
    heading="登记举报投诉信访",
    intro=(
        "首问负责：最先收到举报、投诉或信访的单位负责登记受理。登记后核实处理：不属本单位职责的告知"
        "反映人向有权机关反映；经核实无违法的答复反映人；应予处罚的立案；需要对方处理的移送。"
    ),
    list_intro="首问负责：最先收到举报、投诉或信访的单位登记受理，核实后告知、答复、立案或移送。",
    files_kind="来信来访材料",
    create_button="登记",
    create_name="register",
    created_message="已登记；登记号见上方，可告知反映人",
    before_record=registered,
    columns=(
        ("渠道", lambda item, request: item.channel),
        ("首问受理单位", lambda item, request: item.owner_title),
        ("收到日期", lambda item, request: fmt(item.received_at, with_time=False)),
        ("已历时", lambda item, request: f"{item.days_open()} 天"),
    ),
    due_column=False,
    actions=ACTIONS,
    item_template="portal.complaints:templates/item.pt",
)
