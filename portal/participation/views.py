"""The pages of participation notices: the flow kit's declaration, and the one page of the flow's
own, the record of an urgent phone call (a second way to start a notice)."""

import deform
from pyramid.httpexceptions import HTTPFound

from ..flows import FORM_ERROR, FORM_TEMPLATE, Action, Flow, fmt, unit_title
from ..tenants import Tenant
from ..views.forms import PortalForm
from . import (
    NOTICE_FIELDS,
    ParticipationNotice,
    after_start,
    before_start,
    cancel,
    complete,
    confirm,
    decline,
    receive,
    record_phone_call,
    send,
    send_written,
)
from .forms import (
    CancelSchema,
    CompleteSchema,
    ConfirmSchema,
    DeclineSchema,
    PhoneSchema,
    notice_schema,
    written_schema,
)

NOTICE_INTRO = (
    "区级部门开展专项监督检查、行政审批、行政确认等工作需要属地乡镇（街道）参与的，向其出具书面通知。"
    "发送即送达；乡镇（街道）签收后确认参加人员（姓名、职务、电话）或说明无法参加的原因，"
    "应在收到之日起 1 个工作日内答复，活动开始时间更早的，在活动开始前答复。"
    "情况紧急已先电话通知的，请在“参与通知”页面点击“登记电话通知”。"
)
PHONE_INTRO = (
    "情况紧急，已先电话通知乡镇（街道）的，在此登记通话情况（谁、何时、通知了谁、说了什么）。"
    "登记后，书面通知须在通话之日起 1 个工作日内补发：请在通知页面点击“补发书面通知”，"
    "补全时间、地点、需配合事项等并发送；逾期未补发的，通知将标红并列入本单位的到期提醒。"
)
LIST_INTRO = (
    "区级部门请属地乡镇（街道）参加专项监督检查、行政审批、行政确认的书面通知（情况紧急的可先电话通知，"
    "1 个工作日内补发书面通知），以及乡镇（街道）的签收和参加人员确认。"
)


def written_intro(item, request):
    due = f"应于 {fmt(item.written_due)} 前补发" if item.written_due else ""
    return (
        f"{fmt(item.called_at)} 已电话通知{item.township_title}{item.callee}，书面通知{due}。"
        "请补全书面通知的内容并发送；发送即送达，对方签收后确认参加人员。"
        "活动已按电话通知先行开展的，开始时间按实际填写（不早于通话当日），对方签收即可。"
    )


def confirm_intro(item, request):
    return (
        f"{item.owner_title}通知本单位参加{item.kind}，时间 {item.when_text}，地点 {item.place}。"
        f"请于 {fmt(item.reply_due)} 前确认参加人员；提交后{item.owner_title}即可在通知页面看到。"
        "活动开始前可再次修改。"
    )


ACTIONS = (
    Action(
        "send_written",
        "补发书面通知",
        act=send_written,
        schema=written_schema(),
        transition="send_written",
        heading="补发书面通知",
        intro=written_intro,
        button="发送书面通知",
    ),
    Action("receive", "签收", act=receive, transition="receive"),
    Action(
        "confirm",
        "确认参加人员",
        act=confirm,
        schema=ConfirmSchema(),
        transition="confirm",
        allowed=before_start,
        intro=confirm_intro,
        button="确认参加",
    ),
    Action(
        "decline",
        "无法参加",
        act=decline,
        schema=DeclineSchema(),
        transition="decline",
        allowed=before_start,
        heading="告知无法参加",
        intro="说明无法派员参加的原因，通知单位将收到提示。活动开始前如情况变化，仍可确认参加人员。",
        button="提交",
        primary=False,
    ),
    Action(
        "complete",
        "登记完成情况",
        act=complete,
        schema=CompleteSchema(),
        transition="complete",
        allowed=after_start,
        intro="活动结束后登记检查、审批或确认的结果及乡镇（街道）参加情况；登记后通知办结。",
        button="登记并办结",
    ),
    Action(
        "cancel",
        "撤销通知",
        act=cancel,
        schema=CancelSchema(),
        transition="cancel",
        intro="活动取消或不再需要乡镇（街道）参加的，撤销通知并说明原因；对方将收到提示。",
        button="撤销",
        primary=False,
    ),
)


def page_values(item, request):
    return {"due_title": item.due_title}


FLOW = Flow(
    ParticipationNotice,
    slug="participation-notice",
    listing="participation-notices",
    nav_title="参与通知",
    nav_order=40,
    number_word="参",
    name_prefix="pn",
    schema=notice_schema,
    fields=NOTICE_FIELDS,
    heading="新建参与通知",
    intro=NOTICE_INTRO,
    list_intro=LIST_INTRO,
    files_kind="书面通知",
    send=send,
    columns=(
        ("通知单位", lambda item, request: item.owner_title),
        ("参与单位", lambda item, request: item.township_title),
        ("类别", lambda item, request: item.kind),
        ("活动时间", lambda item, request: item.when_text),
    ),
    actions=ACTIONS,
    list_template="portal.participation:templates/list.pt",
    draft_state="draft",
    page_values=page_values,
)

PHONE_VIEW = "new-participation-call"


def phone_view(context, request):
    """The department records the urgent call it made; the written notice is to follow."""
    schema = PhoneSchema().bind(request=request, item=None)
    form = PortalForm(
        schema, formid="participation-call-form", buttons=(deform.Button("save", "登记电话通知"),)
    )
    page = {"heading": "登记电话通知", "intro": PHONE_INTRO, "item": None, "error": ""}
    if request.method != "POST":
        return {**page, "form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render(), "error": FORM_ERROR}
    item = record_phone_call(context, request, data)
    request.session.flash(
        f"已登记电话通知{unit_title(request, item.township)}，请于 {fmt(item.written_due)} 前补发书面通知"
    )
    return HTTPFound(location=request.resource_url(item))


def register_views(config):
    config.add_view(
        phone_view,
        context=Tenant,
        name=PHONE_VIEW,
        renderer=FORM_TEMPLATE,
        permission=f"create:{ParticipationNotice.item_type}",
        require_csrf=True,
    )
