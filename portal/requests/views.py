"""Pages of collaboration requests: the township's form, the item page with its clock, the
department's receipt, answer, extension and on-site record, and the listing."""

import datetime

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from substanced.interfaces import IRoot

from ..items import now, record
from ..items.numbering import next_number, parse_number
from ..tenants import Tenant
from ..views import CSRFSchema, portal_view
from ..views.forms import PortalForm
from . import APPRAISAL, KINDS, WORKFLOW, CollaborationRequest, office_close
from ..flows import (
    FORM_ERROR,
    LocalDateTime,
    WorkflowViews,
    attach_files,
    date_node,
    departments,
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

PROVISIONAL_NOTE = "（日历数据暂缺，按工作日暂计）"


@colander.deferred
def department_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "请选择部门"), *departments(kw["request"])])


@colander.deferred
def department_validator(node, kw):
    return colander.OneOf([code for code, _ in departments(kw["request"])], msg_err="请选择一个区级部门")


class RequestSchema(CSRFSchema):
    """What a township writes to a department."""

    title = text_node("标题", 100, description="例如：关于某超市销售疑似假冒食品的技术鉴定请求")
    department = colander.SchemaNode(
        colander.String(),
        title="被请求部门",
        widget=department_widget,
        validator=department_validator,
        missing_msg="请选择被请求的区级部门",
    )
    kind = colander.SchemaNode(
        colander.String(),
        title="请求类别",
        widget=deform.widget.SelectWidget(values=[("", "请选择"), *((k, k) for k in KINDS)]),
        validator=colander.OneOf(KINDS, msg_err="请选择认定、技术鉴定或咨询意见"),
        missing_msg="请选择请求类别：认定、技术鉴定或咨询意见",
    )
    facts = text_node(
        "案件基本事实", 5000, textarea=True, description="时间、地点、当事人、发现的情况、已掌握的证据"
    )
    question = text_node(
        "请求事项", 2000, textarea=True, description="需要部门认定、鉴定或提出意见的具体问题"
    )
    urgent = colander.SchemaNode(
        colander.Boolean(),
        title="情况紧急",
        missing=False,
        widget=deform.widget.CheckboxWidget(),
        description="部门须立即派员到现场",
    )
    evidence_at_risk = colander.SchemaNode(
        colander.Boolean(),
        title="证据可能灭失",
        missing=False,
        widget=deform.widget.CheckboxWidget(),
        description="部门须立即派员到现场",
    )
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
    complex_case = colander.SchemaNode(
        colander.Boolean(),
        title="案情复杂",
        missing=False,
        widget=deform.widget.CheckboxWidget(),
        description="技术鉴定以外的请求，只有案情复杂才可以延期",
    )
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
    arrived_at = colander.SchemaNode(
        LocalDateTime(),
        title="到场时间",
        widget=datetime_widget(),
        default=colander.deferred(lambda node, kw: now_local()),
        validator=after_request,
        missing_msg="请填写到场时间",
    )
    note = text_node("处置情况", 2000, required=False, textarea=True)


# The township's form -----------------------------------------------------------------------------


#: The fields of a request its township writes (and may change while it is a draft).
REQUEST_FIELDS = ("title", "department", "kind", "facts", "question", "urgent", "evidence_at_risk")
REQUEST_INTRO = (
    "向区级部门请求认定、技术鉴定或咨询意见。部门自收到请求之日起 3 个工作日内书面答复"
    "（发送即送达，是否签收不影响期限）；"
    "情况紧急或证据可能灭失的，部门须立即派员到现场。"
)


def request_form(request):
    schema = RequestSchema().bind(request=request, item=None)
    return PortalForm(
        schema,
        formid="collab-request-form",
        buttons=(
            deform.Button("save", "保存草稿", css_class="btn-default"),
            deform.Button("send", "保存并发送"),
        ),
    )


@portal_view(
    context=Tenant,
    name="new-collab-request",
    renderer="templates/form.pt",
    permission="create:collab_request",
)
def new_request(context, request):
    """A township writes a request; saved as a draft, or sent at once."""
    form = request_form(request)
    page = {"heading": "新建执法协作请求", "item": None, "error": "", "intro": REQUEST_INTRO}
    if request.method != "POST":
        return {**page, "form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render(), "error": FORM_ERROR}
    number = next_number(context, f"{context.doc_code}协", now().year)
    _, year, sequence = parse_number(number)
    item = CollaborationRequest(
        context.code, creator=request.login, number=number, **{name: data[name] for name in REQUEST_FIELDS}
    )
    context.add(f"cr-{year}-{sequence}", item)
    attach_files(item, data["files"], request, "请求材料")
    record(item, request, "create", "起草")
    if "send" in request.POST:
        send_item(item, request)
        request.session.flash(f"已发送给{unit_title(request, item.department)}，答复期限 {item.due:%Y-%m-%d}")
    else:
        request.session.flash("已保存草稿；核对无误后请点击“发送”")
    return HTTPFound(location=request.resource_url(item))


def send_item(item, request):
    """The township sends: the request reaches the department, whose 3 working days start now."""
    item.sent_at = now()
    item.relate("recipient", item.department)
    item.start_answer_clock(item.sent_at, request.root.calendar_overrides, office_close(request))
    WORKFLOW.fire(item, request, "send")


# The item page and its actions -------------------------------------------------------------------


class RequestViews(WorkflowViews):
    workflow = WORKFLOW

    @portal_view(context=CollaborationRequest, renderer="templates/item.pt", permission="view")
    def page(self):
        item, request = self.context, self.request
        return {
            "item": item,
            "macros": item_macros(),
            "owner_title": unit_title(request, item.owner),
            "department_title": unit_title(request, item.department),
            "provisional_note": PROVISIONAL_NOTE,
            "transitions": WORKFLOW.available(item, request),
            "forms": {"answer"},
            "can_edit": item.state == "draft" and request.permits(item, "edit"),
            "can_extend": item.state == "received" and request.permits(item, "extend"),
            "can_onsite": (
                item.needs_onsite and item.state in ("sent", "received") and request.permits(item, "onsite")
            ),
        }

    @portal_view(context=CollaborationRequest, name="edit", renderer="templates/form.pt", permission="edit")
    def edit(self):
        """The township changes its draft (new files are added to those attached), and may send it."""
        item, request = self.context, self.request
        if item.state != "draft":
            return self.back(f"“{item.title}”已发送，不能再修改", error=True)
        form = request_form(request)
        if request.method != "POST":
            typed = {name: getattr(item, name) for name in REQUEST_FIELDS}
            return self.form_page("修改协作请求", REQUEST_INTRO, form.render(typed))
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            return self.form_page("修改协作请求", REQUEST_INTRO, failure.render(), FORM_ERROR)
        for name in REQUEST_FIELDS:
            setattr(item, name, data[name])
        attach_files(item, data["files"], request, "请求材料")
        record(item, request, "edit", "修改草稿")
        if "send" in request.POST:
            send_item(item, request)
            return self.back(f"已发送给{item.department_title}，答复期限 {item.due:%Y-%m-%d}")
        return self.back("已保存草稿；核对无误后请点击“发送”")

    @portal_view(context=CollaborationRequest, name="send", request_method="POST", permission="send")
    def send(self):
        item = self.context

        def send():
            send_item(item, self.request)
            return f"已发送给{item.department_title}，答复期限 {item.due:%Y-%m-%d}"

        return self.fire("send", send)

    @portal_view(context=CollaborationRequest, name="receive", request_method="POST", permission="receive")
    def receive(self):
        item, request = self.context, self.request

        def sign():
            item.record_signing(now(), request.login)
            WORKFLOW.fire(item, request, "receive")
            return f"已签收，请于 {item.due:%Y-%m-%d} 前书面答复"

        return self.fire("receive", sign)

    @portal_view(context=CollaborationRequest, name="close", request_method="POST", permission="close")
    def close(self):
        item = self.context

        def close():
            item.closed_at = now()
            item.set_due(None)
            WORKFLOW.fire(item, self.request, "close")
            return "已办结"

        return self.fire("close", close)

    # forms ---------------------------------------------------------------------------------------

    @portal_view(
        context=CollaborationRequest, name="answer", renderer="templates/form.pt", permission="answer"
    )
    def answer(self):
        item, request = self.context, self.request

        def act(data):
            item.record_answer(data["answer_text"], now(), request.root.calendar_overrides)
            attach_files(item, data["files"], request, "答复材料")
            item.set_due(
                None,
                awaiting=[item.owner],
                waiting_for=f"等待{unit_title(request, item.owner)}查阅答复并办结",
            )
            WORKFLOW.fire(item, request, "answer", data["answer_text"])
            if item.answered_late:
                return f"已答复。答复期限为 {item.answer_due:%Y-%m-%d}，逾期 {item.late_by_workdays} 个工作日"
            return "已按期书面答复"

        return self.form_action(
            AnswerSchema(),
            "answer",
            "提交书面答复",
            "书面答复",
            f"答复期限：{item.due:%Y-%m-%d}。" if item.due else "",
            lambda: self.state_refusal("answer"),
            act,
        )

    @portal_view(
        context=CollaborationRequest, name="extend", renderer="templates/form.pt", permission="extend"
    )
    def extend(self):
        item, request = self.context, self.request

        def allowed():
            if item.state != "received":
                return f"“{item.title}”当前状态为“{item.state_title}”，签收后、答复前才能延期"
            return ""

        def act(data):
            old_due = item.due
            item.extend(
                data["new_due"],
                data["reason"],
                request.root.calendar_overrides,
                complex_case=data["complex_case"],
                login=request.login,
                unit=request.acting_unit,
            )
            record(
                item,
                request,
                "extend",
                "延期",
                f"答复期限由 {old_due:%Y-%m-%d} 延至 {data['new_due']:%Y-%m-%d}，理由：{data['reason']}",
            )
            return f"已延期至 {data['new_due']:%Y-%m-%d}"

        return self.form_action(
            ExtendSchema(),
            "extend",
            "延期",
            "延长答复期限",
            f"当前答复期限：{item.due:%Y-%m-%d}。技术鉴定或案情复杂的，可说明理由后延期；"
            "新的期限须晚于当前期限，请求单位可在页面上看到延期及理由。"
            if item.due
            else "",
            allowed,
            act,
        )

    @portal_view(
        context=CollaborationRequest, name="onsite", renderer="templates/form.pt", permission="onsite"
    )
    def onsite(self):
        item, request = self.context, self.request

        def allowed():
            if not item.needs_onsite:
                return "该请求未标注“情况紧急”或“证据可能灭失”，无需登记现场处置"
            if item.state not in ("sent", "received"):
                return f"“{item.title}”当前状态为“{item.state_title}”，不能再登记现场处置"
            return ""

        def act(data):
            item.record_onsite(
                data["staff"],
                data["arrived_at"],
                note=data["note"],
                login=request.login,
                unit=request.acting_unit,
            )
            record(
                item,
                request,
                "onsite",
                "现场处置",
                f"{data['staff']}于 {data['arrived_at']:%Y-%m-%d %H:%M} 到达现场。{data['note']}".strip(),
            )
            return "已登记现场处置"

        return self.form_action(
            OnsiteSchema(),
            "onsite",
            "登记",
            "登记现场处置",
            f"请求标注：{'、'.join(item.flags)}。请登记派员到场的人员和时间。",
            allowed,
            act,
        )


# The listing -------------------------------------------------------------------------------------


@portal_view(context=IRoot, name="collab-requests", renderer="templates/list.pt", permission="view")
def listing(context, request):
    return listing_view(request, "collab_request")


#: The navigation link to the listing, for anyone acting as a unit.
nav_url = unit_nav_link("/@@collab-requests")
