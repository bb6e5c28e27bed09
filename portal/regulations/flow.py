"""The regulations flow on the kit: the department's form, the document's page and its actions
(publish, sign, remind, change the draft), and the list."""

import datetime

import colander
import deform

from ..flows import (
    Action,
    FilesWidget,
    Flow,
    choice_node,
    date_node,
    files_node,
    text_node,
    townships,
    unit_title,
)
from ..items import now
from ..items.numbering import parse_number
from ..views import CSRFSchema
from . import (
    ALL_TOWNSHIPS,
    CATEGORIES,
    DRAFT_SAVED,
    FIELDS,
    SIGN_WORKDAYS,
    Regulation,
    change_draft,
    create,
    remind,
    remind_refusal,
    send,
    sign,
    sign_refusal,
)

#: Regulations still in force may be old (行政处罚法 1996); a date before the republic is a typo.
OLDEST_REGULATION = datetime.date(1949, 10, 1)
#: Every township, or the ones ticked.
RECIPIENTS_MISSING = "请选择接收单位：全部乡镇（街道），或至少一个乡镇（街道）"


def issuing_number_valid(node, value):
    if parse_number(value) is None:
        raise colander.Invalid(
            node,
            "发文字号格式不正确：应为“机关代字〔年份〕序号号”，例如 昌府办字〔2024〕52号"
            "（用六角括号〔〕，序号前不加“第”、不补零）",
        )


@colander.deferred
def recipient_choices(node, kw):
    return deform.widget.CheckboxChoiceWidget(
        values=[(ALL_TOWNSHIPS, "全部乡镇（街道）"), *townships(kw["request"])], inline=True
    )


@colander.deferred
def recipients_valid(node, kw):
    codes = {ALL_TOWNSHIPS, *(code for code, _ in townships(kw["request"]))}
    return colander.All(
        colander.Length(min=1, min_err=RECIPIENTS_MISSING),
        colander.Function(lambda chosen: set(chosen) <= codes, "接收单位只能是本区的乡镇（街道）"),
    )


class RegulationSchema(CSRFSchema):
    """What a department fills in to publish a regulation or normative document."""

    category = choice_node("类别", CATEGORIES)
    title = text_node("标题", 200)
    issuing_number = text_node(
        "发文字号",
        100,
        required=False,
        validator=issuing_number_valid,
        description="选填。如 昌府办字〔2024〕52号；本平台另按本单位发文顺序编号",
    )
    issuing_organ = text_node(
        "发文机关",
        100,
        default=colander.deferred(lambda node, kw: unit_title(kw["request"], kw["request"].acting_unit)),
    )
    issue_date = date_node(
        "印发日期", earliest=OLDEST_REGULATION, default=colander.deferred(lambda node, kw: now().date())
    )
    effective_date = date_node("施行日期", description="选填", earliest=OLDEST_REGULATION, missing=None)
    body = text_node("正文", 20_000, required=False, textarea=True, description="可填写正文，也可只上传文件")
    recipients = colander.SchemaNode(
        colander.Set(),
        title="接收单位",
        description="选择“全部乡镇（街道）”，或勾选具体的乡镇（街道）",
        widget=recipient_choices,
        validator=recipients_valid,
        missing_msg=RECIPIENTS_MISSING,
    )
    files = files_node("文件", widget=FilesWidget(input_name="upload", choose_again=True))

    def validator(self, node, value):
        item = self.bindings.get("item")
        if not value["body"] and not value["files"] and not (item is not None and item.attachments()):
            raise colander.Invalid(node, "请填写正文，或上传文件")


def draft_values(regulation, request):
    """The draft's fields, as the form shows them for a change."""
    values = {name: getattr(regulation, name) for name in FIELDS}
    values["recipients"] = set(regulation.chosen_recipients)
    values["effective_date"] = values["effective_date"] or colander.null
    return values


def draft_intro(regulation, request):
    files = "、".join(file.filename for file in regulation.attachments())
    return "发布前可以修改。" + (f"已上传的文件：{files}。如需补充，可在下方再选择文件。" if files else "")


PUBLISH = Action("publish", "发布", act=send, transition="publish")
SIGN = Action("sign", "签收", act=sign, allowed=sign_refusal)
REMIND = Action("remind", "催办未签收单位", act=remind, allowed=remind_refusal, primary=False)
EDIT = Action(
    "edit",
    "修改草稿",
    act=change_draft,
    schema=RegulationSchema(),
    allowed=lambda item, request: "" if item.state == "draft" else "文件已发布，不能再修改",
    intro=draft_intro,
    formid="regulation-form",
    buttons=[("publish", "发布"), ("save", "保存草稿")],
    values=draft_values,
    primary=False,
)


def page_values(regulation, request):
    """The document's page: who published it, who has signed, the library's copy."""
    entry = regulation.library_entry
    return {
        "rows": [
            (unit_title(request, unit), regulation.signatures.get(unit)) for unit in regulation.recipients()
        ],
        "mine": regulation.signatures.get(request.acting_unit),
        "library_url": request.resource_url(entry) if entry is not None else None,
        "sign_workdays": SIGN_WORKDAYS,
    }


REGULATIONS = Flow(
    Regulation,
    slug="regulation",
    listing="regulations",
    nav_title="法规文件",
    nav_order=20,
    schema=RegulationSchema,
    create=create,
    send=send,
    send_button=("publish", "发布"),
    created_message=DRAFT_SAVED,
    heading="发布法规文件",
    intro=(
        "以本单位的名义向乡镇（街道）下发法律、法规、规章、规范性文件或执法动态信息。"
        f"点击“发布”后，接收单位即可看到并须在 {SIGN_WORKDAYS} 个工作日内签收，文件同时存入共享资料库，"
        "全部单位均可查阅；点击“保存草稿”则暂不下发，可稍后在文件页面发布。"
    ),
    list_intro="区级部门下发的法律、法规、规范性文件和执法动态信息。接收单位请及时签收；"
    "发布单位可在文件页面查看签收情况并催办。",
    actions=[SIGN, PUBLISH, EDIT, REMIND],
    item_template="portal.regulations:templates/regulation.pt",
    list_template="portal.regulations:templates/listing.pt",
    page_values=page_values,
)
