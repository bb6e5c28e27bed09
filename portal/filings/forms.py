"""The filing form and the return form: deform on colander, with Chinese messages throughout."""

import decimal

import colander
import deform

from ..items.numbering import parse_number
from ..items.uploads import UploadError, check_upload, max_bytes, read_field_upload
from ..views import CSRFSchema
from ..views.fields import ChineseDate, not_in_future
from ..views.forms import CHOOSE_AGAIN, PortalForm, UploadStore
from . import (
    FIELDS,
    FINE,
    PARTY_TYPES,
    PENALTY_KINDS,
    citizen_id_valid,
    looks_like_citizen_id,
    looks_like_uscc,
    uscc_valid,
)

#: What the scanned decision may be.
SCAN_TYPES = {"application/pdf", "image/png", "image/jpeg"}
AMOUNT = r"^\d{1,12}(\.\d{1,2})?$"


def strip(value):
    return value.strip() if isinstance(value, str) else value


def upper(value):
    return value.strip().upper() if isinstance(value, str) else value


def text(title, required, **kw):
    return colander.SchemaNode(colander.String(), title=title, preparer=strip, missing_msg=required, **kw)


def long_text(title, required, rows=4, **kw):
    return text(title, required, widget=deform.widget.TextAreaWidget(rows=rows), **kw)


def date(title, required=None, **kw):
    """A date field (the browser's date picker); optional unless ``required`` gives its message."""
    if required is None:
        kw.setdefault("missing", None)
    return colander.SchemaNode(
        ChineseDate(),
        title=title,
        widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
        missing_msg=required or "请填写日期",
        **kw,
    )


USCC_CHECK = "统一社会信用代码校验码不正确，请逐位核对（最后一位为校验码；代码中不使用 I、O、S、V、Z）"


def check_party_id(node, value):
    # An ID number with a wrong check digit is explained by the check across fields, by party type.
    if citizen_id_valid(value) or uscc_valid(value) or looks_like_citizen_id(value):
        return
    if looks_like_uscc(value):
        raise colander.Invalid(node, USCC_CHECK)
    raise colander.Invalid(node, "请填写 18 位公民身份号码（个人）或统一社会信用代码（法人、其他组织）")


def check_decision_number(node, value):
    if parse_number(value) is None:
        raise colander.Invalid(
            node,
            "决定书文号格式不正确，应为“机关代字〔年份〕序号号”，"
            "例如 鱼山镇罚决〔2026〕3号（六角括号〔〕，序号不加“第”、不补零）",
        )


@colander.deferred
def check_scan(node, kw):
    """The scan must be a PDF or an image, its content what its name says, within the size limit."""
    limit = max_bytes(kw["request"].registry.settings)

    def validator(node, value):
        filename, data = read_field_upload(value)
        try:
            mimetype = check_upload(filename, data, limit)
        except UploadError as error:
            raise colander.Invalid(node, f"{error}。{CHOOSE_AGAIN}") from error
        if mimetype not in SCAN_TYPES:
            raise colander.Invalid(
                node, f"决定书扫描件须为 PDF 文件或图片（.pdf、.png、.jpg）。{CHOOSE_AGAIN}"
            )

    return validator


def check_filing(form, value):
    """Checks across fields: the party's number by party type, the fine, the order of the dates."""
    error = colander.Invalid(form, "请按各项下方的红色提示修改")
    # The field itself accepts an ID number or a credit code; every ID number also has the form of
    # a credit code, so only a person's number needs a further check.
    party_id = value["party_id"]
    if value["party_type"] == "个人" and not citizen_id_valid(party_id):
        error["party_id"] = (
            "公民身份号码校验位不正确，请核对（最后一位为校验码）"
            if looks_like_citizen_id(party_id)
            else "当事人为个人时，请填写 18 位公民身份号码"
        )
    elif not (citizen_id_valid(party_id) or uscc_valid(party_id)):
        error["party_id"] = USCC_CHECK
    fined = FINE in value["penalty_kinds"]
    if fined and value["fine_amount"] is None:
        error["fine_amount"] = "处罚种类选择了“罚款”，请填写罚款金额（元）"
    elif not fined and value["fine_amount"] is not None:
        error["fine_amount"] = "未选择“罚款”处罚种类，请勿填写罚款金额（或勾选“罚款”）"
    decided = value["decision_date"]
    deadline = value["performance_deadline"]
    if deadline is not None and deadline < decided:
        error["performance_deadline"] = "履行期限不能早于决定日期"
    if value["case_filing_date"] is not None and value["case_filing_date"] > decided:
        error["case_filing_date"] = "立案日期不能晚于决定日期"
    if value["service_date"] is not None and value["service_date"] < decided:
        error["service_date"] = "送达日期不能早于决定日期"
    if error.children:
        raise error


class FilingSchema(CSRFSchema):
    """A penalty decision as 行政处罚法 art. 59 lists its contents, and the scanned decision."""

    department = colander.SchemaNode(
        colander.String(),
        title="备案部门（业务主管部门）",
        widget=colander.deferred(
            lambda node, kw: deform.widget.SelectWidget(values=[("", "请选择"), *kw["departments"]])
        ),
        validator=colander.deferred(
            lambda node, kw: colander.OneOf(
                [code for code, _ in kw["departments"]], msg_err="请选择区级业务主管部门"
            )
        ),
        missing_msg="请选择向哪个部门备案",
    )
    title = text(
        "案件名称",
        "请填写案件名称",
        validator=colander.Length(max=200, max_err="案件名称最多 200 个字"),
        description="例如：某某公司销售过期食品案",
    )
    party_type = colander.SchemaNode(
        colander.String(),
        title="当事人类型",
        oid="party_type",
        widget=deform.widget.RadioChoiceWidget(values=[(t, t) for t in PARTY_TYPES], inline=True),
        validator=colander.OneOf(PARTY_TYPES, msg_err="请选择当事人类型"),
        missing_msg="请选择当事人类型",
    )
    party_name = text("当事人名称或姓名", "请填写当事人名称或姓名")
    party_id = colander.SchemaNode(
        colander.String(),
        title="公民身份号码或统一社会信用代码",
        description="个人填 18 位公民身份号码；法人、其他组织填 18 位统一社会信用代码",
        preparer=upper,
        validator=check_party_id,
        missing_msg="请填写公民身份号码或统一社会信用代码",
    )
    party_address = text("当事人地址", "请填写当事人地址")
    facts = long_text("违法事实", "请填写违反法律、法规、规章的事实")
    evidence = long_text("证据", "请填写认定违法事实的证据")
    legal_basis = long_text("处罚依据", "请填写作出行政处罚的法律依据", rows=3)
    penalty_kinds = colander.SchemaNode(
        colander.Set(),
        title="处罚种类（可多选）",
        widget=deform.widget.CheckboxChoiceWidget(
            values=[(kind, kind) for kind in PENALTY_KINDS], inline=True
        ),
        validator=colander.Length(min=1, min_err="请至少选择一种处罚种类"),
        missing_msg="请至少选择一种处罚种类",
    )
    fine_amount = text(
        "罚款金额（元）",
        "",
        missing=None,
        validator=colander.Regex(AMOUNT, "请填写金额（元），例如 5000 或 5000.50"),
        description="选择“罚款”时必填",
    )
    performance = long_text(
        "履行方式",
        "请填写处罚的履行方式",
        rows=2,
        description="例如：自收到本决定书之日起十五日内到指定银行缴纳罚款",
    )
    performance_deadline = date("履行期限", description="没有履行期限的（如警告）可不填")
    reconsideration = text(
        "申请行政复议的途径和期限",
        "请填写申请行政复议的途径和期限",
        default="自收到本决定书之日起六十日内，向有管辖权的行政复议机关申请行政复议",
    )
    litigation = text(
        "提起行政诉讼的途径和期限",
        "请填写提起行政诉讼的途径和期限",
        default="自收到本决定书之日起六个月内，向有管辖权的人民法院提起行政诉讼",
    )
    deciding_organ = text(
        "作出决定的行政机关",
        "请填写作出决定的行政机关",
        default=colander.deferred(lambda node, kw: kw["township"].title),
    )
    decision_number = text(
        "决定书文号",
        "请填写决定书文号",
        validator=check_decision_number,
        description="例如：鱼山镇罚决〔2026〕3号",
    )
    decision_date = date("决定日期", "请填写作出决定的日期", validator=not_in_future)
    case_filing_date = date("立案日期", validator=not_in_future, description="选填")
    legal_review = colander.SchemaNode(
        colander.Boolean(),
        title="已进行法制审核（行政处罚法第五十八条）",
        widget=deform.widget.CheckboxWidget(),
        missing=False,
    )
    collective_discussion = colander.SchemaNode(
        colander.Boolean(),
        title="已经负责人集体讨论决定（行政处罚法第五十七条）",
        widget=deform.widget.CheckboxWidget(),
        missing=False,
    )
    service_date = date("送达日期", validator=not_in_future, description="选填")
    suspected_crime = colander.SchemaNode(
        colander.Boolean(),
        title="涉嫌犯罪",
        description="案件涉嫌犯罪的，应依法移送公安机关，不得以罚代刑",
        widget=deform.widget.CheckboxWidget(),
        missing=False,
    )
    crime_note = long_text("涉嫌犯罪说明", "", rows=2, missing="", description="选填：涉嫌的罪名、移送情况")
    scan = colander.SchemaNode(
        deform.FileData(),
        title="处罚决定书扫描件",
        description="PDF 文件或图片（.pdf、.png、.jpg），须加盖印章",
        widget=colander.deferred(
            lambda node, kw: deform.widget.FileUploadWidget(
                UploadStore(), accept="application/pdf,image/png,image/jpeg"
            )
        ),
        validator=check_scan,
        missing_msg=f"请上传处罚决定书扫描件。{CHOOSE_AGAIN}",
    )


def filing_form(request, township, departments, editing=False):
    """The filing form for ``township``; when editing, the scan may be left as it is."""
    schema = FilingSchema(validator=check_filing).bind(
        request=request, township=township, departments=departments
    )
    if editing:
        # The bound schema is a copy: the class's own nodes stay as they are.
        schema["scan"].missing = None
        schema["scan"].description = "不重新上传则保留原扫描件。" + schema["scan"].description
    return PortalForm(
        schema,
        formid="penalty-filing",
        buttons=(deform.Button("save", "保存草稿" if not editing else "保存修改"),),
    )


def appstruct_of(filing):
    """The form's values from a stored filing (the scan is not a form value)."""
    values = {name: getattr(filing, name) for name in FIELDS}
    values["penalty_kinds"] = set(filing.penalty_kinds)
    values["fine_amount"] = str(filing.fine_amount) if filing.fine_amount is not None else None
    return {key: (colander.null if value is None else value) for key, value in values.items()}


def amount(text_value):
    return decimal.Decimal(text_value) if text_value is not None else None


class ReturnSchema(CSRFSchema):
    """The department's reason for returning a filing, which the township reads before it edits."""

    reason = colander.SchemaNode(
        colander.String(),
        title="退回理由",
        description="请写明需要补正的内容，乡镇（街道）将据此修改后重新报送",
        widget=deform.widget.TextAreaWidget(rows=4),
        preparer=strip,
        validator=colander.Length(max=2000, max_err="退回理由最多 2000 个字"),
        missing_msg="请填写退回补正的理由",
    )


def return_form(request):
    return PortalForm(
        ReturnSchema().bind(request=request),
        formid="return-filing",
        buttons=(deform.Button("return", "退回补正"),),
    )
