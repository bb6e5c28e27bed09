"""The transfer's pages, declared on the flow kit: the draft form, the item page with its steps (each
a form on the page: a comment, or the reason it requires), its three material uploads and the
listing. Who may take each step is the Casbin action of the same name (``policies/transfers.csv``)."""

import deform

from ..flows import Action, Flow, fmt
from ..items import WorkflowError
from ..items.uploads import read_field_upload
from . import (
    EVENTS,
    FIELDS,
    MATERIAL_KINDS,
    MATERIALS,
    CaseTransfer,
    accept,
    add_material,
    after_save,
    approve,
    close,
    close_declined,
    consent,
    decline,
    notify_extension,
    post_progress,
    refuse_consent,
    reject,
    request_consent,
    send,
    send_refusal,
    sign,
    submit,
    upload_refusal,
    withdraw,
)
from .forms import ExtensionSchema, MaterialSchema, TransferSchema, comment_schema


def step(name, title, label, do, required=False, **kw):
    """A step taken with a comment (``label``), or with the reason it ``required``: ``do(item,
    request, comment)``. A workflow transition is checked by its state, an event by its rule."""

    def act(item, request, data):
        do(item, request, data["comment"])
        return f"已{title}"

    if name in EVENTS:
        kw["allowed"] = lambda item, request: EVENTS[name].refusal(item)
    else:
        kw["transition"] = name
    return Action(name, title, act, schema=comment_schema(label, required), inline=True, **kw)


def extend(item, request, data):
    notify_extension(item, request, data["new_due"], data["reason"])
    return f"已告知{item.unit_name(item.receiver)}延期移送，移送期限延至{fmt(data['new_due'])}"


def upload(item, request, data):
    """A file into the material slot the form names in its address (``?slot=letter``)."""
    kind = MATERIAL_KINDS.get(request.params.get("slot", ""))
    if kind is None:
        raise WorkflowError("请选择材料类别后再上传")
    return add_material(item, request, kind, *read_field_upload(data["upload"]))


def upload_intro(item, request):
    hints = {slot: f"{kind}：{hint}。" for slot, kind, hint in MATERIALS}
    return hints.get(request.params.get("slot", ""), "") + "三类材料齐全后方可移送。"


class MaterialUpload(Action):
    """The upload of a material: its button is not named as its file field (``upload``)."""

    def button_of(self):
        return deform.Button("save_material", self.button)


UPLOAD = MaterialUpload(
    "upload",
    "上传移送材料",
    upload,
    schema=MaterialSchema(),
    allowed=lambda item, request: upload_refusal(item),
    intro=upload_intro,
    listed=False,
)

ACTIONS = (
    step("submit", "报送领导审批", "报送说明（选填）", submit),
    step("approve", "批准移送", "审批意见（选填）", approve),
    step("reject", "退回修改", "退回修改的理由", reject, required=True, primary=False),
    step("request_consent", "征求接收单位同意", "征求意见说明（选填）", request_consent),
    step("consent", "同意接收", "意见（选填）", consent),
    step("refuse_consent", "不同意接收", "不同意接收的理由", refuse_consent, required=True, primary=False),
    step("send", "以本单位名义移送", "移送说明（选填）", send, blocked=send_refusal),
    Action(
        "notify_extension",
        "告知接收单位延期移送",
        extend,
        schema=ExtensionSchema(),
        allowed=lambda item, request: EVENTS["notify_extension"].refusal(item),
        inline=True,
        primary=False,
    ),
    step("sign", "签收", "签收说明（选填）", sign),
    step("accept", "受理", "受理意见（选填）", accept),
    step("decline", "不予受理", "不予受理的理由", decline, required=True, primary=False),
    step("progress", "通报进展", "进展情况", post_progress, required=True),
    step("close", "结案", "处理结果", close, required=True),
    step("close_declined", "结案", "结案说明（选填）", close_declined),
    step("withdraw", "撤销移送", "撤销的理由", withdraw, required=True, primary=False),
    UPLOAD,
)


def material_form(item, request, slot, kind):
    """The upload form of one material slot, on the item page."""
    return UPLOAD.inline_form(
        item,
        request,
        formid=f"upload-{slot}",
        action=request.resource_url(item, "@@upload", query={"slot": slot}),
        buttons=(deform.Button("save_material", f"上传{kind}"),),
    )


def page_values(item, request):
    """The transfer page's own: both units with their liaison offices, and the material slots."""
    tenants = request.root["tenants"]
    may_upload = UPLOAD.offered(item, request)
    return {
        "sender": tenants[item.owner],
        "receiver": tenants.get(item.receiver),
        "materials": [
            {
                "slot": slot,
                "kind": kind,
                "hint": hint,
                "files": files,
                "form": material_form(item, request, slot, kind) if may_upload else None,
            }
            for slot, kind, hint, files in item.materials()
        ],
        "fmt": fmt,
    }


FLOW = Flow(
    CaseTransfer,
    slug="transfer",
    formid="case-transfer",
    listing="transfers",
    nav_title="案件移送",
    nav_order=70,
    number_word="移",
    numbered=False,
    name_prefix="ct",
    schema=TransferSchema,
    fields=FIELDS,
    heading="起草案件移送",
    intro=(
        "移送以本单位的名义进行（不得以内设机构名义移送），由本单位案件移送联系部门办理。"
        "保存草稿后，请上传移送函、案源材料和初步证据，再报送本单位主要领导审批；批准后方可移送。"
        "期限：发现违法行为后5个工作日内移送；确需延长的，须在期限届满前告知接收单位，最长不超过10个工作日；"
        "情况紧急的，24小时内移送；违法行为正在进行的，保存草稿即告知接收单位。"
    ),
    list_intro=(
        "乡镇（街道）与区级业务主管部门之间相互移送的案件：本单位移送的、移送给本单位的，"
        "以及已告知或征求本单位意见的。"
    ),
    create_button="保存草稿",
    created_message="已保存移送草稿。请上传移送材料，然后报送领导审批。",
    after_save=after_save,
    not_editable="“{item.state_title}”的移送不能修改",
    columns=(
        ("移送单位", lambda item, request: item.owner_title),
        ("接收单位", lambda item, request: item.unit_name(item.receiver)),
    ),
    actions=ACTIONS,
    draft_state="draft",
    item_template="portal.transfers:templates/transfer.pt",
    list_template="portal.transfers:templates/listing.pt",
    page_values=page_values,
)


def includeme(config):
    FLOW.include(config)
