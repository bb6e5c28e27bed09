"""Pages of complaints: registration by the unit that received it, the outcomes its officers
record, the receiver's acknowledgment of a transfer, and the listing."""

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from substanced.interfaces import IRoot

from ..items import now, record
from ..items.numbering import next_number, parse_number
from ..flows import (
    FORM_ERROR,
    LocalDateTime,
    WorkflowViews,
    attach_files,
    date_node,
    datetime_widget,
    files_node,
    item_macros,
    listing_view,
    not_before,
    not_in_future,
    now_local,
    text_node,
    unit_nav_link,
    unit_title,
)
from ..tenants import Tenant
from ..views import CSRFSchema, portal_view
from ..views.forms import PortalForm
from . import CHANNELS, TRANSFER_KINDS, TRANSFER_TARGETS, WORKFLOW, Complaint

PHONE_PATTERN = r"^[0-9+][0-9 \-]{4,19}$"


class ComplaintSchema(CSRFSchema):
    """What the first unit to receive a complaint writes down."""

    channel = colander.SchemaNode(
        colander.String(),
        title="来源渠道",
        widget=deform.widget.SelectWidget(values=[("", "请选择"), *((c, c) for c in CHANNELS)]),
        validator=colander.OneOf(CHANNELS, msg_err="请选择来源渠道"),
        missing_msg="请选择来源渠道：来信、来电、来访、网络、12345热线或其他",
    )
    received_at = colander.SchemaNode(
        LocalDateTime(),
        title="收到时间",
        widget=datetime_widget(),
        default=colander.deferred(lambda node, kw: now_local()),
        validator=not_in_future,
        missing_msg="请填写收到时间",
    )
    anonymous = colander.SchemaNode(
        colander.Boolean(),
        title="匿名",
        missing=False,
        widget=deform.widget.CheckboxWidget(),
        description="匿名举报可不填姓名和电话",
    )
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
    transfer_kind = colander.SchemaNode(
        colander.String(),
        title="移送性质",
        widget=deform.widget.SelectWidget(values=[("", "请选择"), *TRANSFER_KINDS.items()]),
        validator=colander.OneOf(list(TRANSFER_KINDS), msg_err="请选择案件移送或管理移交"),
        missing_msg="请选择移送性质：案件移送或管理移交",
        description="案件移送的移送函、领导审批和受理答复，在“案件移送”中办理；此处记录移送意向并交接材料",
    )
    transfer_note = text_node("移送说明", 2000, textarea=True, description="核实情况和移送理由")
    files = files_node("书面材料")


# Registration ------------------------------------------------------------------------------------


@portal_view(
    context=Tenant,
    name="new-complaint",
    renderer="portal.requests:templates/form.pt",
    permission="create:complaint",
)
def new_complaint(context, request):
    """The unit that received a complaint first registers it and is responsible for it."""
    schema = ComplaintSchema().bind(request=request, item=None)
    form = PortalForm(schema, formid="complaint-form", buttons=(deform.Button("register", "登记"),))
    page = {
        "heading": "登记举报投诉信访",
        "item": None,
        "error": "",
        "intro": "首问负责：最先收到举报、投诉或信访的单位负责登记受理。登记后核实处理：不属本单位职责的告知"
        "反映人向有权机关反映；经核实无违法的答复反映人；应予处罚的立案；需要对方处理的移送。",
    }
    if request.method != "POST":
        return {**page, "form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render(), "error": FORM_ERROR}
    number = next_number(context, f"{context.doc_code}诉", now().year)
    _, year, sequence = parse_number(number)
    item = Complaint(
        context.code,
        data["title"],
        request.login,
        number=number,
        channel=data["channel"],
        received_at=data["received_at"],
        anonymous=data["anonymous"],
        person_name=data["person_name"],
        person_phone=data["person_phone"],
        content=data["content"],
    )
    context.add(f"complaint-{year}-{sequence}", item)
    attach_files(item, data["files"], request, "来信来访材料")
    item.set_due(None, awaiting=[context.code], waiting_for=f"等待{context.title}核实处理")
    record(item, request, "register", "登记")
    request.session.flash(f"已登记，登记号 {number}")
    return HTTPFound(location=request.resource_url(item))


# The item page and its outcomes ------------------------------------------------------------------


class ComplaintViews(WorkflowViews):
    workflow = WORKFLOW

    @portal_view(context=Complaint, renderer="templates/item.pt", permission="view")
    def page(self):
        item, request = self.context, self.request
        return {
            "item": item,
            "macros": item_macros(),
            "owner_title": unit_title(request, item.owner),
            "transfer_title": unit_title(request, item.transfer_to) if item.transfer_to else "",
            "transitions": WORKFLOW.available(item, request),
            "forms": {"tell", "answer", "open_case", "transfer"},
        }

    @portal_view(context=Complaint, name="verify", request_method="POST", permission="verify")
    def verify(self):
        def verify():
            WORKFLOW.fire(self.context, self.request, "verify")
            return "已开始核实"

        return self.fire("verify", verify)

    @portal_view(context=Complaint, name="acknowledge", request_method="POST", permission="acknowledge")
    def acknowledge(self):
        item = self.context

        def acknowledge():
            item.acknowledged_at = now()
            item.close()
            WORKFLOW.fire(item, self.request, "acknowledge")
            return f"已签收{unit_title(self.request, item.owner)}移送的材料"

        return self.fire("acknowledge", acknowledge)

    def outcome(self, name, schema, heading, intro, act):
        """A form that records an outcome and makes the transition ``name``."""
        return self.form_action(
            schema,
            name,
            WORKFLOW.transitions[name].title,
            heading,
            intro,
            lambda: self.state_refusal(name),
            act,
        )

    @portal_view(
        context=Complaint, name="tell", renderer="portal.requests:templates/form.pt", permission="tell"
    )
    def tell(self):
        item, request = self.context, self.request

        def act(data):
            item.told_organ, item.told_note = data["told_organ"], data["told_note"]
            item.close()
            WORKFLOW.fire(
                item, request, "tell", f"告知向{data['told_organ']}反映。{data['told_note']}".strip()
            )
            return "已记录告知情况，办结"

        return self.outcome(
            "tell",
            TellSchema(),
            "告知向有权机关反映",
            "明显不属于本单位职责的，告知反映人向有权机关反映，并记录告知情况。",
            act,
        )

    @portal_view(
        context=Complaint, name="answer", renderer="portal.requests:templates/form.pt", permission="answer"
    )
    def answer(self):
        item, request = self.context, self.request

        def act(data):
            item.answer_text = data["answer_text"]
            item.close()
            WORKFLOW.fire(item, request, "answer", data["answer_text"])
            return "已记录答复，办结"

        return self.outcome(
            "answer", AnswerSchema(), "答复反映人", "经核实未发现违法行为的，答复反映人。", act
        )

    @portal_view(
        context=Complaint,
        name="open_case",
        renderer="portal.requests:templates/form.pt",
        permission="open_case",
    )
    def open_case(self):
        item, request = self.context, self.request

        def act(data):
            item.case_number, item.case_date = data["case_number"], data["case_date"]
            item.close()
            WORKFLOW.fire(
                item,
                request,
                "open_case",
                f"立案编号 {data['case_number']}，立案日期 {data['case_date']:%Y-%m-%d}",
            )
            return f"已立案：{data['case_number']}"

        return self.outcome(
            "open_case",
            OpenCaseSchema(),
            "立案",
            "经核实应予行政处罚的，立案查处，并记录立案编号和日期。",
            act,
        )

    @portal_view(
        context=Complaint,
        name="transfer",
        renderer="portal.requests:templates/form.pt",
        permission="transfer",
    )
    def transfer(self):
        item, request = self.context, self.request

        def act(data):
            receiver = unit_title(request, data["transfer_to"])
            item.transfer_to, item.transfer_kind = data["transfer_to"], data["transfer_kind"]
            item.transfer_note, item.transferred_at = data["transfer_note"], now()
            attach_files(item, data["files"], request, "移送材料")
            item.relate("recipient", data["transfer_to"])
            item.set_due(None, awaiting=[data["transfer_to"]], waiting_for=f"等待{receiver}签收")
            WORKFLOW.fire(
                item,
                request,
                "transfer",
                f"{TRANSFER_KINDS[data['transfer_kind']]}至{receiver}：{data['transfer_note']}",
            )
            return f"已移送{receiver}，等待签收"

        return self.outcome(
            "transfer",
            TransferSchema(),
            "移送",
            "需要由对方处理的，连同书面材料移送：部门移送给乡镇（街道），乡镇（街道）移送给部门。",
            act,
        )


# The listing -------------------------------------------------------------------------------------


@portal_view(context=IRoot, name="complaints", renderer="templates/list.pt", permission="view")
def listing(context, request):
    return listing_view(request, "complaint")


#: The navigation link to the listing, for anyone acting as a unit.
nav_url = unit_nav_link("/@@complaints")
