"""The forms and pages of jurisdiction disputes, declared on the flow kit."""

import datetime

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
    unit_node,
)
from ..items import now
from ..meetings.views import meeting_time
from ..views import CSRFSchema
from . import (
    INTERIM_FIRST,
    MORE_MAX_DAYS,
    JurisdictionDispute,
    answer_refusal,
    answer_request,
    arbiter_refusal,
    call_meeting,
    confirm_agreement,
    decide,
    escalate,
    escalate_blocked,
    escalate_refusal,
    file_statement,
    meeting_refusal,
    negotiation_refusal,
    opening_refusal,
    other_sides,
    propose_agreement,
    propose_refusal,
    record_interim,
    reject_agreement,
    request_more,
    side_refusal,
    start,
    supplement_refusal,
)

# The opening form ---------------------------------------------------------------------------------


@colander.deferred
def other_side_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "请选择"), *other_sides(kw["request"])])


@colander.deferred
def other_side_validator(node, kw):
    codes = [code for code, _ in other_sides(kw["request"])]
    return colander.OneOf(codes, msg_err="请从列表中选择争议对方")


@colander.deferred
def may_open(node, kw):
    """A unit that decides disputes (the 司法局) is no side; nor is a unit of another kind."""
    request = kw["request"]

    def validate(form, value):
        reason = opening_refusal(request)
        if reason:
            error = colander.Invalid(form, reason)
            error["other_side"] = reason
            raise error

    return validate


class DisputeSchema(CSRFSchema):
    """What a side writes when it opens a dispute."""

    validator = may_open

    title = text_node("争议事项", 100, description="例如：关于某小区擅自改变房屋外立面行为查处职责的争议")
    other_side = unit_node(
        "争议对方",
        widget=other_side_widget,
        validator=other_side_validator,
        description="乡镇（街道）提出的，选择区级业务主管部门；区级部门提出的，选择乡镇（街道）",
    )
    matter = text_node(
        "涉及的违法行为",
        3000,
        textarea=True,
        description="违法行为的内容、地点、当事人，以及目前是否仍在继续",
    )
    found_date = date_node("发现违法行为的日期", validator=not_in_future)
    facts = text_node(
        "基本事实和争议焦点",
        5000,
        textarea=True,
        description="已查明的事实；双方对由谁负责的不同看法（本单位的理由在“陈述意见”中详细说明）",
    )
    holder = choice_node(
        "案件目前由哪一方办理",
        (("self", "本单位（案件材料在本单位）"), ("other", "争议对方")),
        description="确定责任单位后，案件不在责任单位的，由目前办理的一方移送",
    )
    files = files_node("附件（现场照片、检查记录等）")


FIELDS = ("title", "other_side", "matter", "found_date", "facts")

INTRO = (
    "区级业务主管部门与乡镇（街道）对某一违法行为由谁负责有争议的，在此提出（昌府办字〔2024〕52号 (四)6）。"
    "提出后，争议对方即可看到并收到通知。按照“先予协同处置”的要求，双方须先对违法行为共同处置，"
    "并登记先行处置情况（何时、由谁、采取了什么措施）；登记之后才能陈述意见、召开协调会、记录协商一致意见。"
    "协商不成的，任何一方可提请区司法局裁决，裁决对双方均有约束力。文件未规定办理时限，平台显示每件争议已历时的天数。"
)

# The forms of the steps ---------------------------------------------------------------------------


@colander.deferred
def handled_when(node, kw):
    return colander.All(not_in_future, not_before(kw["item"].found_date, "发现违法行为的日期"))


class InterimSchema(CSRFSchema):
    handled_at = datetime_node("处置时间", validator=handled_when)
    by = choice_node(
        "处置单位", (("both", "双方共同处置"), ("self", "本单位"), ("other", "争议对方")), default="both"
    )
    people = text_node(
        "参与处置人员",
        500,
        description="姓名、单位、职务，例如：鱼山镇 张某（执法队员）；区城管局 李某（中队长）",
    )
    measures = text_node(
        "采取的措施",
        5000,
        textarea=True,
        description="如：责令停止违法行为、现场检查取证、暂扣工具、设置警示、通知当事人",
    )
    result = text_node(
        "处置结果和现状", 3000, required=False, textarea=True, description="违法行为是否已停止"
    )
    files = files_node("附件（现场照片、笔录等）")


class StatementSchema(CSRFSchema):
    opinion = text_node(
        "陈述意见", 5000, textarea=True, description="本单位认为此事应由哪一方负责，理由是什么"
    )
    basis = text_node(
        "依据",
        3000,
        required=False,
        textarea=True,
        description="法律法规、“三定”规定、赋权事项清单、权责清单的条目等",
    )
    files = files_node("附件")


class MeetingSchema(CSRFSchema):
    held_at = datetime_node("会议时间", now_default=False, validator=meeting_time)
    place = text_node("会议地点", 200)
    topic = text_node("会议议题", 1000, textarea=True, description="需协商的职责分工问题")
    invite_arbiters = flag_node("邀请区司法局参加", "区司法局可参加协调会，了解争议情况")


def side_choices(item):
    return [(code, item.unit_name(code)) for code in item.sides]


def side_node(title, **kw):
    """One of the dispute's two sides, by name."""
    return choice_node(
        title,
        (),
        widget=colander.deferred(
            lambda node, bindings: deform.widget.SelectWidget(
                values=[("", "请选择"), *side_choices(bindings["item"])]
            )
        ),
        validator=colander.deferred(
            lambda node, bindings: colander.OneOf(
                [code for code, _ in side_choices(bindings["item"])], msg_err=f"请从争议双方中选择{title}"
            )
        ),
        missing_msg=f"请选择{title}",
        **kw,
    )


class ProposeSchema(CSRFSchema):
    responsible = side_node("责任单位", description="经协商，由哪一方负责查处本违法行为")
    content = text_node("协商一致的内容", 5000, textarea=True, description="分工、后续处理、案件移送安排等")
    files = files_node("附件（会议纪要等）")


class ReasonSchema(CSRFSchema):
    reason = text_node("不同意的理由", 3000, textarea=True)


class EscalateSchema(CSRFSchema):
    reason = text_node(
        "争议焦点和未能协商一致的原因",
        3000,
        textarea=True,
        description="司法局将同时看到双方的陈述意见和先行处置情况",
    )
    files = files_node("附件")


@colander.deferred
def more_due(node, kw):
    def validate(node, value):
        today = now().date()
        if value < today:
            raise colander.Invalid(node, f"补充期限不能早于今天（{fmt(today, with_time=False)}）")
        if value > today + datetime.timedelta(days=MORE_MAX_DAYS):
            raise colander.Invalid(node, f"补充期限最长为 {MORE_MAX_DAYS} 天")

    return validate


class RequestMoreSchema(CSRFSchema):
    side = side_node("要求哪一方补充")
    content = text_node("需补充的材料或说明", 3000, textarea=True)
    due_date = date_node("补充期限", validator=more_due, description="该单位须在此日期前补充")


class AnswerSchema(CSRFSchema):
    content = text_node("补充说明", 5000, textarea=True)
    files = files_node("补充的材料")


class DecideSchema(CSRFSchema):
    responsible = side_node("责任单位", description="裁决由哪一方负责查处本违法行为")
    reasons = text_node("裁决理由", 5000, textarea=True, description="事实、依据和理由")
    requirements = text_node(
        "后续要求", 3000, required=False, textarea=True, description="如案件移送的时间要求、配合事项"
    )
    files = files_node("附件（裁决书等）")


# The actions --------------------------------------------------------------------------------------


def interim_intro(item, request):
    first = "" if item.interim else "这是继续协商的前提：登记后双方才能陈述意见、协商解决。"
    return (
        "按照“先予协同处置”的要求，双方先对违法行为共同处置，不得因职责争议推诿、放任违法行为。"
        f"登记何时、由谁、采取了什么措施和结果。{first}"
    )


def statement_intro(item, request):
    other = item.unit_name(item.opposite(request.acting_unit))
    return (
        f"说明本单位对由谁负责的意见和依据。{other}会收到通知，双方的陈述意见并列显示在争议页面；"
        "提请裁决后，司法局据此裁决。可以多次补充陈述。"
    )


def meeting_intro(item, request):
    return (
        "召开专题协调会，当面协商职责分工。登记后即以本单位名义发出会议通知，"
        f"{item.unit_name(item.opposite(request.acting_unit))}（以及勾选时的区司法局）会收到通知并签收；"
        "会后由本单位在会议页面记录会议纪要。"
    )


def propose_intro(item, request):
    other = item.unit_name(item.opposite(request.acting_unit))
    return (
        f"双方协商一致的，由一方记录协商意见（责任单位和具体内容），{other}确认后争议即告解决，"
        f"对双方均有约束力；{other}不同意的，可说明理由后继续协商。"
    )


def escalate_intro(item, request):
    return (
        "协商不能解决的，提请区司法局裁决（昌府办字〔2024〕52号 (四)6“由司法局介入协调解决”）。"
        "司法局将看到双方的陈述意见和先行处置情况，可以要求任一方补充材料，裁决由哪一方负责，裁决对双方均有约束力。"
        "尚待确认的协商意见随之失效。"
    )


def request_more_intro(item, request):
    return "要求争议一方在期限内补充材料或说明；该单位会收到通知，期限计入其到期提醒。"


def answer_intro(item, request):
    asked = "；".join(
        f"{r['content']}（{fmt(r['due_date'], with_time=False)} 前）"
        for r in item.open_requests(request.acting_unit)
    )
    return f"司法局要求本单位补充：{asked}"


def decide_intro(item, request):
    return (
        "裁决由争议哪一方负责，并写明理由。裁决对双方均有约束力，争议随之办结；"
        "责任单位不是目前办理案件的一方的，由办理方向责任单位移送案件。双方都会收到通知。"
    )


ACTIONS = (
    Action(
        "interim",
        "登记先行处置情况",
        act=record_interim,
        schema=InterimSchema(),
        allowed=side_refusal,
        intro=interim_intro,
        button="登记",
    ),
    Action(
        "statement",
        "陈述意见",
        act=file_statement,
        schema=StatementSchema(),
        allowed=negotiation_refusal,
        intro=statement_intro,
        button="提交",
    ),
    Action(
        "call_meeting",
        "提议召开专题会议",
        act=call_meeting,
        schema=MeetingSchema(),
        allowed=meeting_refusal,
        intro=meeting_intro,
        button="发出会议通知",
        primary=False,
    ),
    Action(
        "propose",
        "记录协商一致意见",
        act=propose_agreement,
        schema=ProposeSchema(),
        allowed=propose_refusal,
        intro=propose_intro,
        button="提交对方确认",
        primary=False,
    ),
    Action(
        "confirm",
        "确认协商一致",
        act=confirm_agreement,
        transition="confirm",
        allowed=answer_refusal,
    ),
    Action(
        "reject",
        "不同意协商意见",
        act=reject_agreement,
        schema=ReasonSchema(),
        transition="reject",
        allowed=answer_refusal,
        intro="说明不同意的理由；双方可以继续协商，协商不成的可提请裁决。",
        button="提交",
        primary=False,
    ),
    Action(
        "escalate",
        "提请司法局裁决",
        act=escalate,
        schema=EscalateSchema(),
        allowed=escalate_refusal,
        blocked=escalate_blocked,
        intro=escalate_intro,
        button="提请裁决",
        primary=False,
    ),
    Action(
        "answer",
        "补充材料",
        act=answer_request,
        schema=AnswerSchema(),
        transition="answer",
        allowed=supplement_refusal,
        intro=answer_intro,
        button="提交",
    ),
    Action(
        "request_more",
        "要求补充材料",
        act=request_more,
        schema=RequestMoreSchema(),
        transition="request_more",
        allowed=arbiter_refusal,
        intro=request_more_intro,
        button="发出要求",
        primary=False,
    ),
    Action(
        "decide",
        "裁决",
        act=decide,
        schema=DecideSchema(),
        transition="decide",
        allowed=arbiter_refusal,
        intro=decide_intro,
        button="作出裁决",
    ),
)

#: The negotiation's steps, shown disabled (with the reason) until the interim handling is recorded.
LOCKED = ("statement", "call_meeting", "propose", "escalate")


def page_values(item, request):
    unit = request.acting_unit
    by_name = {action.name: action for action in ACTIONS}
    locked = []
    if item.state == "interim" and item.is_side(unit):
        locked = [by_name[name] for name in LOCKED if request.permits(item, by_name[name].permission)]
    step, link = None, None
    if item.responsible:
        text, kind = item.next_step(unit)
        step = text
        tenants = request.root["tenants"]
        if kind == "transfer":
            tenant = tenants.get(unit)
            if tenant is not None and request.permits(tenant, "create:case_transfer"):
                link = (
                    request.resource_url(tenant, "@@new-transfer"),
                    f"移送案件至{item.unit_name(item.responsible)}",
                )
        elif kind == "receive":
            link = (request.application_url + "/@@transfers", "查看案件移送")
    return {
        "interim_first": INTERIM_FIRST if item.state == "interim" else "",
        "locked": locked,
        "statement_columns": item.statement_columns(),
        "next_step": step,
        "next_link": link,
    }


FLOW = Flow(
    JurisdictionDispute,
    slug="dispute",
    listing="disputes",
    nav_title="职责争议",
    nav_order=75,
    number_word="争",
    name_prefix="jd",
    schema=DisputeSchema,
    fields=FIELDS,
    heading="提出职责分工争议",
    intro=INTRO,
    list_intro=(
        "乡镇（街道）与区级部门对由谁负责有争议的，先协同处置违法行为，再协商解决；协商不成的，由区司法局裁决。"
        "“历时”为自提出之日起的天数。"
    ),
    files_kind="争议材料",
    before_record=start,
    create_title="提出争议",
    create_button="提出争议",
    create_name="open",
    created_message=lambda item, request: (
        f"已提出职责分工争议，{item.unit_name(item.other_side)}会收到通知。请双方先协同处置违法行为并登记先行处置情况"
    ),
    columns=(
        ("提出单位", lambda item, request: item.owner_title),
        ("争议对方", lambda item, request: item.unit_name(item.other_side)),
        ("历时", lambda item, request: item.open_text()),
        ("等待", lambda item, request: item.waiting_for if item.is_open else ""),
    ),
    actions=ACTIONS,
    item_template="portal.disputes:templates/item.pt",
    page_values=page_values,
    due_title="补充期限",
)
