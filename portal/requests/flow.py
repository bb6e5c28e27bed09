"""The flow of collaboration requests: the township's form, the department's answer, extension and
on-site record, and the declaration that gives them their pages (see :mod:`portal.flows`)."""

import datetime

import colander

from ..flows import (
    Action,
    Flow,
    choice_node,
    date_node,
    datetime_node,
    files_node,
    flag_node,
    not_before,
    not_in_future,
    text_node,
    unit_node,
)
from ..views import CSRFSchema
from . import (
    APPRAISAL,
    KINDS,
    CollaborationRequest,
    answer,
    close,
    extend,
    extend_refusal,
    onsite,
    onsite_refusal,
    receive,
    send,
)

# Schemas -----------------------------------------------------------------------------------------


class RequestSchema(CSRFSchema):
    """What a township writes to a department."""

    title = text_node("标题", 100, description="例如：关于某超市销售疑似假冒食品的技术鉴定请求")
    department = unit_node("被请求部门", kinds=("department",), missing_msg="请选择被请求的区级部门")
    kind = choice_node("请求类别", KINDS, missing_msg="请选择请求类别：认定、技术鉴定或咨询意见")
    facts = text_node(
        "案件基本事实", 5000, textarea=True, description="时间、地点、当事人、发现的情况、已掌握的证据"
    )
    question = text_node(
        "请求事项", 2000, textarea=True, description="需要部门认定、鉴定或提出意见的具体问题"
    )
    urgent = flag_node("情况紧急", "部门须立即派员到现场")
    evidence_at_risk = flag_node("证据可能灭失", "部门须立即派员到现场")
    files = files_node("材料附件")


class AnswerSchema(CSRFSchema):
    answer_text = text_node(
        "书面答复", 5000, textarea=True, description="认定结论、鉴定意见或咨询意见，及其依据"
    )
    files = files_node("答复附件")


@colander.deferred
def after_current_due(node, kw):
    item = kw["item"]

    def validate(node, value):
        if item.due is not None and value <= item.due:
            raise colander.Invalid(node, f"新的答复期限必须晚于当前期限 {item.due:%Y-%m-%d}")

    return validate


class ExtendSchema(CSRFSchema):
    new_due = date_node("新的答复期限", validator=after_current_due)
    complex_case = flag_node("案情复杂", "技术鉴定以外的请求，只有案情复杂才可以延期")
    reason = text_node("延期理由", 1000, textarea=True)

    def validator(self, node, value):
        item = self.bindings["item"]
        if item.kind != APPRAISAL and not value["complex_case"]:
            error = colander.Invalid(node)
            error["complex_case"] = "只有技术鉴定或案情复杂的请求可以延期；案情复杂的，请勾选并说明理由"
            raise error


#: Urgent staff may arrive on a phone call and the township write the request afterwards.
ONSITE_GRACE = datetime.timedelta(days=1)


@colander.deferred
def after_request(node, kw):
    """Staff arrive after the request was written, or at most a day before (called first)."""
    return colander.All(
        not_in_future, not_before(kw["item"].created, "请求起草时间前一天", grace=ONSITE_GRACE)
    )


class OnsiteSchema(CSRFSchema):
    staff = text_node("到场人员", 200, description="姓名，多人用顿号分隔，例如：张三、李四")
    arrived_at = datetime_node("到场时间", validator=after_request)
    note = text_node("处置情况", 2000, required=False, textarea=True)


# The item page's actions -------------------------------------------------------------------------


def due_intro(item, request):
    return f"答复期限：{item.due:%Y-%m-%d}。" if item.due else ""


def extend_intro(item, request):
    if not item.due:
        return ""
    return (
        f"当前答复期限：{item.due:%Y-%m-%d}。技术鉴定或案情复杂的，可说明理由后延期；"
        "新的期限须晚于当前期限，请求单位可在页面上看到延期及理由。"
    )


def onsite_intro(item, request):
    return f"请求标注：{'、'.join(item.flags)}。请登记派员到场的人员和时间。"


ACTIONS = (
    Action("receive", "签收", receive, transition="receive"),
    Action(
        "answer",
        "书面答复",
        answer,
        schema=AnswerSchema(),
        transition="answer",
        button="提交书面答复",
        intro=due_intro,
    ),
    Action(
        "extend",
        "延期",
        extend,
        schema=ExtendSchema(),
        allowed=extend_refusal,
        heading="延长答复期限",
        intro=extend_intro,
        primary=False,
    ),
    Action(
        "onsite",
        "登记现场处置",
        onsite,
        schema=OnsiteSchema(),
        allowed=onsite_refusal,
        button="登记",
        intro=onsite_intro,
    ),
    Action("close", "办结", close, transition="close"),
)


FLOW = Flow(
    CollaborationRequest,
    slug="collab-request",
    listing="collab-requests",
    nav_title="协作请求",
    nav_order=30,
    number_word="协",
    name_prefix="cr",
    schema=RequestSchema,
    fields=("title", "department", "kind", "facts", "question", "urgent", "evidence_at_risk"),
    heading="新建协作请求",
    intro=(
        "向区级部门请求认定、技术鉴定或咨询意见。部门自收到请求之日起 3 个工作日内书面答复"
        "（发送即送达，是否签收不影响期限）；"
        "情况紧急或证据可能灭失的，部门须立即派员到现场。"
    ),
    list_intro=(
        "乡镇（街道）向区级部门请求认定、技术鉴定或咨询意见；部门自收到请求之日起 3 个工作日内书面答复。"
    ),
    files_kind="请求材料",
    send=send,
    columns=(
        ("类别", lambda item, request: item.kind),
        ("请求单位", lambda item, request: item.owner_title),
        ("被请求部门", lambda item, request: item.department_title),
    ),
    actions=ACTIONS,
    item_template="portal.requests:templates/item.pt",
    draft_state="draft",
    due_title="答复期限",
    edit_title="修改",
)
