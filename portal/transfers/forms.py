"""The transfer's forms, from the kit's fields: the draft, a material upload, the extension notice,
and the comment or reason a step takes."""

import datetime

import colander
import deform

from ..calendar import SHANGHAI
from ..flows import date_node, flag_node, text_node, time_node, unit_node
from ..items import now
from ..items.uploads import UploadError, check_upload, max_bytes, read_field_upload
from ..views import CSRFSchema
from ..views.forms import CHOOSE_AGAIN, UploadStore

#: What the sender's unit kind sends to.
RECEIVER_KIND = {"township": "department", "department": "township"}


def sender_kind(request, item=None):
    """The kind of the sending unit: the draft's owner, or the unit drafting a new one."""
    tenant = request.root["tenants"].get(item.owner if item is not None else request.acting_unit)
    return tenant.kind if tenant is not None else ""


def receiving_kinds(request):
    """A township sends to the departments, a department to the townships."""
    return (RECEIVER_KIND.get(sender_kind(request)),)


@colander.deferred
def check_draft(node, kw):
    """Checks across fields: the finding not in the future, the time of an urgent finding, the
    measures of an ongoing violation, and a receiver already told that cannot change."""
    item = kw.get("item")

    def validator(form, value):
        error = colander.Invalid(form, "请按提示修改")
        if value["found_date"] > now().date():
            error["found_date"] = "发现日期不能晚于今天"
        moment = value["found_at"]
        if moment is not None and moment > now():
            error["found_time"] = "发现时间不能晚于现在"
        if value["urgent"] and moment is None:
            error["found_time"] = "情况紧急的，须填写发现违法行为的时间（24小时的移送时限由此起算）"
        if value["ongoing"] and not value["measures"]:
            error["measures"] = "违法行为正在进行的，请写明已责令停止或采取的制止措施"
        told = item is not None and item.receiver in (*item.units_in("cc"), *item.units_in("consultee"))
        if told and value["receiver"] != item.receiver:
            error["receiver"] = "已告知或征求同意的接收单位不能更改；如需移送其他单位，请撤销本移送后重新起草"
        if error.children:
            raise error

    return validator


class TransferSchema(CSRFSchema):
    """A case transfer as the seed (四)2 lists it: who receives it, the case, the flags.

    Its value is what the transfer stores: the moment of the finding (``found_at``) from its date and
    time, no measures unless the violation is ongoing, and ``major`` false where it is not asked.
    """

    validator = check_draft

    receiver = unit_node("接收单位", kinds=receiving_kinds, description="有管辖权的一方")
    title = text_node("案件名称", 200, description="例如：某某公司无照经营案")
    party = text_node("当事人", 200, description="单位名称或个人姓名")
    found_date = date_node("发现违法行为的日期", description="5个工作日的移送期限自次日起算")
    found_time = time_node(
        "发现违法行为的时间", required=False, description="情况紧急的必填：须在此后24小时内移送"
    )
    facts = text_node("基本违法事实", 5000, textarea=True, description="基本违法事实的书面说明")
    urgent = flag_node("情况紧急", "须在发现违法行为后24小时内移送")
    ongoing = flag_node("违法行为正在进行", "保存后即告知接收单位；请写明已责令停止或采取的制止措施")
    measures = text_node("已采取的制止措施", 2000, required=False, textarea=True)
    major = flag_node(
        "重大疑难案件",
        "乡镇（街道）移送区级部门的重大疑难案件，须先征得该部门同意后才能移送",
    )

    def preparer(self, value):
        if value is colander.null:
            return value
        found_at = None
        if value["found_time"] is not None:
            found_at = datetime.datetime.combine(value["found_date"], value["found_time"], tzinfo=SHANGHAI)
        return {
            **value,
            "found_at": found_at,
            "measures": value["measures"] if value["ongoing"] else "",
            "major": value.get("major", False),
        }

    def after_bind(self, node, kw):
        # Only a township asks a department's consent for a major or difficult case.
        if sender_kind(kw["request"], kw.get("item")) != "township":
            del self["major"]


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
    """One file for one of the three material slots (the slot is the form's own, in its address)."""

    upload = colander.SchemaNode(
        deform.FileData(),
        title="选择文件",
        description="PDF、Word、Excel 文件或图片",
        widget=colander.deferred(lambda node, kw: deform.widget.FileUploadWidget(UploadStore())),
        validator=check_material,
        missing_msg="请选择要上传的文件",
    )


class ExtensionSchema(CSRFSchema):
    """The notice to the receiver that the transfer comes later, with the reason."""

    new_due = date_node("新的移送期限", description="自发现违法行为之日起最长不超过10个工作日")
    reason = text_node("延期理由", 2000, textarea=True, description="如调查核实等客观原因")


def comment_schema(label, required):
    """The form of a step: its comment, or the reason it requires (``label`` says which)."""
    comment = text_node(label, 5000, required=required, textarea=True, name="comment")
    comment.widget = deform.widget.TextAreaWidget(rows=3)
    schema = CSRFSchema()
    schema.add(comment)
    return schema
