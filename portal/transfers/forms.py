"""The transfer's forms: the draft, a material upload, the extension notice, and the steps that take
a comment or a reason. deform on colander, with Chinese messages throughout."""

import datetime

import colander
import deform

from ..calendar import SHANGHAI
from ..items import now
from ..items.uploads import UploadError, check_upload, max_bytes, read_field_upload
from ..views import CSRFSchema
from ..views.fields import ChineseDate, ChineseTime
from ..views.forms import CHOOSE_AGAIN, PortalForm, UploadStore

#: What the sender's unit kind sends to.
RECEIVER_KIND = {"township": "department", "department": "township"}


def strip(value):
    return value.strip() if isinstance(value, str) else value


def text(title, required, rows=None, **kw):
    if rows:
        kw["widget"] = deform.widget.TextAreaWidget(rows=rows)
    return colander.SchemaNode(colander.String(), title=title, preparer=strip, missing_msg=required, **kw)


def flag(title, description=""):
    return colander.SchemaNode(
        colander.Boolean(),
        title=title,
        description=description,
        widget=deform.widget.CheckboxWidget(),
        missing=False,
    )


def receivers(request, sender):
    """``[(code, title)]`` of the units ``sender`` may send to: a township's departments, or a
    department's townships."""
    kind = RECEIVER_KIND.get(sender.kind)
    return [
        (tenant.code, tenant.title)
        for tenant in sorted(request.root["tenants"].values(), key=lambda t: t.code)
        if tenant.kind == kind
    ]


def found_moment(value):
    """The aware moment of the finding, or None when no time was given."""
    if value["found_time"] is None:
        return None
    return datetime.datetime.combine(value["found_date"], value["found_time"], tzinfo=SHANGHAI)


@colander.deferred
def check_draft(node, kw):
    """Checks across fields: the finding not in the future, the time of an urgent finding, the
    measures of an ongoing violation, and a receiver already told that cannot change."""
    item = kw.get("item")

    def validator(form, value):
        error = colander.Invalid(form, "请按提示修改")
        current = now()
        if value["found_date"] > current.date():
            error["found_date"] = "发现日期不能晚于今天"
        moment = found_moment(value)
        if moment is not None and moment > current:
            error["found_time"] = "发现时间不能晚于现在"
        if value["urgent"] and moment is None:
            error["found_time"] = "情况紧急的，须填写发现违法行为的时间（24小时的移送时限由此起算）"
        if value["ongoing"] and not value["measures"]:
            error["measures"] = "违法行为正在进行的，请写明已责令停止或采取的制止措施"
        told = item is not None and item.receiver in (
            *item.units_in("cc"),
            *item.units_in("consultee"),
        )
        if told and value["receiver"] != item.receiver:
            error["receiver"] = "已告知或征求同意的接收单位不能更改；如需移送其他单位，请撤销本移送后重新起草"
        if error.children:
            raise error

    return validator


class TransferSchema(CSRFSchema):
    """A case transfer as the seed (四)2 lists it: who receives it, the case, the flags."""

    validator = check_draft

    receiver = colander.SchemaNode(
        colander.String(),
        title="接收单位（有管辖权的一方）",
        widget=colander.deferred(
            lambda node, kw: deform.widget.SelectWidget(values=[("", "请选择"), *kw["receivers"]])
        ),
        validator=colander.deferred(
            lambda node, kw: colander.OneOf(
                [code for code, _ in kw["receivers"]], msg_err="请从列表中选择接收单位"
            )
        ),
        missing_msg="请选择接收单位",
    )
    title = text(
        "案件名称",
        "请填写案件名称",
        validator=colander.Length(max=200, max_err="案件名称最多 200 个字"),
        description="例如：某某公司无照经营案",
    )
    party = text(
        "当事人",
        "请填写当事人",
        validator=colander.Length(max=200, max_err="当事人最多 200 个字"),
        description="单位名称或个人姓名",
    )
    found_date = colander.SchemaNode(
        ChineseDate(),
        title="发现违法行为的日期",
        description="5个工作日的移送期限自次日起算",
        widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
        missing_msg="请填写发现违法行为的日期",
    )
    found_time = colander.SchemaNode(
        ChineseTime(),
        title="发现违法行为的时间",
        description="情况紧急的必填：须在此后24小时内移送",
        widget=deform.widget.TextInputWidget(attributes={"type": "time"}),
        missing=None,
    )
    facts = text(
        "基本违法事实",
        "请填写基本违法事实的书面说明",
        rows=5,
        validator=colander.Length(max=5000, max_err="最多 5000 个字"),
    )
    urgent = flag("情况紧急", "须在发现违法行为后24小时内移送")
    ongoing = flag("违法行为正在进行", "保存后即告知接收单位；请写明已责令停止或采取的制止措施")
    measures = text(
        "已采取的制止措施",
        "",
        rows=3,
        missing="",
        validator=colander.Length(max=2000, max_err="最多 2000 个字"),
    )
    major = flag(
        "重大疑难案件",
        "乡镇（街道）移送区级部门的重大疑难案件，须先征得该部门同意后才能移送",
    )

    def after_bind(self, node, kw):
        # Only a township asks a department's consent for a major or difficult case.
        if kw["sender"].kind != "township":
            del self["major"]


def transfer_form(request, sender, item=None):
    schema = TransferSchema().bind(
        request=request, sender=sender, item=item, receivers=receivers(request, sender)
    )
    return PortalForm(
        schema,
        formid="case-transfer",
        buttons=(deform.Button("save", "保存草稿" if item is None else "保存修改"),),
    )


def appstruct_of(item):
    values = {
        "receiver": item.receiver,
        "title": item.title,
        "party": item.party,
        "found_date": item.found_date,
        "found_time": item.found_at.astimezone(SHANGHAI).time() if item.found_at else None,
        "facts": item.facts,
        "urgent": item.urgent,
        "ongoing": item.ongoing,
        "measures": item.measures,
        "major": item.major,
    }
    return {key: (colander.null if value is None else value) for key, value in values.items()}


@colander.deferred
def check_material(node, kw):
    limit = max_bytes(kw["request"].registry.settings)

    def validator(node, value):
        filename, data = read_field_upload(value)
        try:
            check_upload(filename, data, limit)
        except UploadError as error:
            raise colander.Invalid(node, f"{error}。{CHOOSE_AGAIN}") from error

    return validator


class MaterialSchema(CSRFSchema):
    """One file for one of the three material slots."""

    upload = colander.SchemaNode(
        deform.FileData(),
        title="选择文件",
        description="PDF、Word、Excel 文件或图片",
        widget=colander.deferred(lambda node, kw: deform.widget.FileUploadWidget(UploadStore())),
        validator=check_material,
        missing_msg="请选择要上传的文件",
    )


def material_form(request, item, slot, kind, counter=None):
    return PortalForm(
        MaterialSchema().bind(request=request),
        action=request.resource_url(item, "@@upload", query={"slot": slot}),
        formid=f"upload-{slot}",
        buttons=(deform.Button("save_material", f"上传{kind}"),),
        counter=counter,
    )


class ExtensionSchema(CSRFSchema):
    """The notice to the receiver that the transfer comes later, with the reason."""

    new_due = colander.SchemaNode(
        ChineseDate(),
        title="新的移送期限",
        description="自发现违法行为之日起最长不超过10个工作日",
        widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
        missing_msg="请填写新的移送期限",
    )
    reason = text(
        "延期理由",
        "请填写需要延长移送期限的理由（如调查核实等客观原因）",
        rows=3,
        validator=colander.Length(max=2000, max_err="最多 2000 个字"),
    )


def extension_form(request, item, counter=None):
    return PortalForm(
        ExtensionSchema().bind(request=request),
        action=request.resource_url(item, "@@notify_extension"),
        formid="notify_extension-form",
        buttons=(deform.Button("notify_extension", "告知接收单位延期移送"),),
        counter=counter,
    )


#: The steps that take words: name -> (button, what the words are, message when required or None).
STEPS = {
    "submit": ("报送领导审批", "报送说明（选填）", None),
    "approve": ("批准移送", "审批意见（选填）", None),
    "reject": ("退回修改", "退回理由", "请填写退回修改的理由"),
    "request_consent": ("征求接收单位同意", "征求意见说明（选填）", None),
    "consent": ("同意接收", "意见（选填）", None),
    "refuse_consent": ("不同意接收", "不同意的理由", "请填写不同意接收的理由"),
    "send": ("以本单位名义移送", "移送说明（选填）", None),
    "sign": ("签收", "签收说明（选填）", None),
    "accept": ("受理", "受理意见（选填）", None),
    "decline": ("不予受理", "不予受理的理由", "请填写不予受理的理由"),
    "progress": ("通报进展", "进展情况", "请填写进展情况"),
    "close": ("结案", "处理结果", "请填写案件的处理结果"),
    "close_declined": ("结案", "结案说明（选填）", None),
    "withdraw": ("撤销移送", "撤销理由", "请填写撤销的理由"),
}


def step_form(request, item, name, counter=None):
    """The form of one step: its comment, or the reason it requires, and its button."""
    button, label, required = STEPS[name]
    # A fresh node per form: colander shares class-level nodes between schema instances.
    comment = text(
        label,
        required or "",
        rows=3,
        validator=colander.Length(max=5000, max_err="最多 5000 个字"),
        name="comment",
        **({} if required else {"missing": ""}),
    )
    schema = CSRFSchema()
    schema.add(comment)
    return PortalForm(
        schema.bind(request=request),
        action=request.resource_url(item, f"@@{name}"),
        formid=f"{name}-form",
        buttons=(deform.Button(name, button),),
        counter=counter,
    )
