"""The filing form and the return form, from the kit's fields, with Chinese messages throughout."""

import colander
import deform

from ..flows import (
    FilesWidget,
    choice_node,
    date_node,
    files_node,
    flag_node,
    not_in_future,
    strip,
    text_node,
    unit_node,
    unit_title,
)
from ..items.numbering import parse_number
from ..items.uploads import UploadError, check_upload, max_bytes
from ..views import CSRFSchema
from ..views.forms import CHOOSE_AGAIN
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


def upper(value):
    value = strip(value)
    return value.upper() if isinstance(value, str) else value


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

    def validator(node, files):
        for filename, data in files:
            try:
                mimetype = check_upload(filename, data, limit)
            except UploadError as error:
                raise colander.Invalid(node, f"{error}。{CHOOSE_AGAIN}") from error
            if mimetype not in SCAN_TYPES:
                raise colander.Invalid(
                    node, f"决定书扫描件须为 PDF 文件或图片（.pdf、.png、.jpg）。{CHOOSE_AGAIN}"
                )

    return validator


def scan_node(required=True):
    """The scanned decision: one file; when a filing is changed, the one attached stays unless
    another is chosen."""
    description = "PDF 文件或图片（.pdf、.png、.jpg），须加盖印章"
    return files_node(
        "处罚决定书扫描件",
        description if required else "不重新上传则保留原扫描件。" + description,
        widget=FilesWidget(
            input_name="upload", multiple=False, accept="application/pdf,image/png,image/jpeg"
        ),
        validator=check_scan,
        missing=colander.required if required else (),
        missing_msg=f"请上传处罚决定书扫描件。{CHOOSE_AGAIN}",
    )


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

    department = unit_node(
        "备案部门（业务主管部门）", kinds=("department",), missing_msg="请选择向哪个部门备案"
    )
    title = text_node("案件名称", 200, description="例如：某某公司销售过期食品案")
    party_type = choice_node(
        "当事人类型",
        PARTY_TYPES,
        oid="party_type",
        widget=deform.widget.RadioChoiceWidget(values=[(t, t) for t in PARTY_TYPES], inline=True),
    )
    party_name = text_node("当事人名称或姓名", 200)
    party_id = text_node(
        "公民身份号码或统一社会信用代码",
        200,
        description="个人填 18 位公民身份号码；法人、其他组织填 18 位统一社会信用代码",
        preparer=upper,
        validator=check_party_id,
    )
    party_address = text_node("当事人地址", 200)
    facts = text_node("违法事实", 20_000, textarea=True, missing_msg="请填写违反法律、法规、规章的事实")
    evidence = text_node("证据", 20_000, textarea=True, missing_msg="请填写认定违法事实的证据")
    legal_basis = text_node("处罚依据", 20_000, textarea=True, missing_msg="请填写作出行政处罚的法律依据")
    penalty_kinds = colander.SchemaNode(
        colander.Set(),
        title="处罚种类（可多选）",
        widget=deform.widget.CheckboxChoiceWidget(
            values=[(kind, kind) for kind in PENALTY_KINDS], inline=True
        ),
        validator=colander.Length(min=1, min_err="请至少选择一种处罚种类"),
        missing_msg="请至少选择一种处罚种类",
    )
    fine_amount = text_node(
        "罚款金额（元）",
        20,
        required=False,
        missing=None,
        validator=colander.Regex(AMOUNT, "请填写金额（元），例如 5000 或 5000.50"),
        description="选择“罚款”时必填",
    )
    performance = text_node(
        "履行方式",
        20_000,
        textarea=True,
        missing_msg="请填写处罚的履行方式",
        description="例如：自收到本决定书之日起十五日内到指定银行缴纳罚款",
    )
    performance_deadline = date_node("履行期限", missing=None, description="没有履行期限的（如警告）可不填")
    reconsideration = text_node(
        "申请行政复议的途径和期限",
        200,
        default="自收到本决定书之日起六十日内，向有管辖权的行政复议机关申请行政复议",
    )
    litigation = text_node(
        "提起行政诉讼的途径和期限",
        200,
        default="自收到本决定书之日起六个月内，向有管辖权的人民法院提起行政诉讼",
    )
    deciding_organ = text_node(
        "作出决定的行政机关",
        200,
        default=colander.deferred(lambda node, kw: unit_title(kw["request"], kw["request"].acting_unit)),
    )
    decision_number = text_node(
        "决定书文号", 200, validator=check_decision_number, description="例如：鱼山镇罚决〔2026〕3号"
    )
    decision_date = date_node("决定日期", validator=not_in_future, missing_msg="请填写作出决定的日期")
    case_filing_date = date_node("立案日期", validator=not_in_future, missing=None, description="选填")
    legal_review = flag_node("已进行法制审核（行政处罚法第五十八条）")
    collective_discussion = flag_node("已经负责人集体讨论决定（行政处罚法第五十七条）")
    service_date = date_node("送达日期", validator=not_in_future, missing=None, description="选填")
    suspected_crime = flag_node("涉嫌犯罪", "案件涉嫌犯罪的，应依法移送公安机关，不得以罚代刑")
    crime_note = text_node(
        "涉嫌犯罪说明", 20_000, required=False, textarea=True, description="选填：涉嫌的罪名、移送情况"
    )
    scan = scan_node()

    def validator(self, node, value):
        check_filing(node, value)


class CorrectionSchema(FilingSchema):
    """The same form for a draft or a returned filing: the scan attached stays unless replaced."""

    scan = scan_node(required=False)


def filing_values(filing, request):
    """The form's values from a stored filing (the scan is not a form value)."""
    values = {name: getattr(filing, name) for name in FIELDS}
    values["penalty_kinds"] = set(filing.penalty_kinds)
    values["fine_amount"] = str(filing.fine_amount) if filing.fine_amount is not None else None
    return {key: (colander.null if value is None else value) for key, value in values.items()}


class ReturnSchema(CSRFSchema):
    """The department's reason for returning a filing, which the township reads before it edits."""

    reason = text_node(
        "退回理由",
        2000,
        textarea=True,
        description="请写明需要补正的内容，乡镇（街道）将据此修改后重新报送",
        missing_msg="请填写退回补正的理由",
    )
