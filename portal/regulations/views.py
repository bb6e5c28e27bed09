"""Pages of the regulations flow: publish (a department's form), the document, sign, remind, the list."""

import datetime

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer

from ..items import WorkflowError, now, record
from ..items.catalog import visible_items
from ..items.numbering import parse_number
from ..library import free_name
from ..library.attachments import attach_uploads, uploads_node
from ..views.paging import Page, page_number
from ..tenants import Tenant
from ..views import CSRFSchema, portal_view
from ..views.fields import ChineseDate
from ..views.forms import PortalForm
from . import ALL_TOWNSHIPS, CATEGORIES, Regulation, publish, remind, sign, townships


#: Regulations still in force may be old (行政处罚法 1996); a date before the republic is a typo.
OLDEST_REGULATION = datetime.date(1949, 10, 1)


def issuing_number_validator(node, value):
    if parse_number(value) is None:
        raise colander.Invalid(
            node,
            "发文字号格式不正确：应为“机关代字〔年份〕序号号”，例如 昌府办字〔2024〕52号"
            "（用六角括号〔〕，序号前不加“第”、不补零）",
        )


def body_or_files(node, value):
    if not value["body"].strip() and not value["uploads"] and not node.bindings["has_files"]:
        raise colander.Invalid(node, "请填写正文，或上传文件")


def recipient_choices(node, kw):
    return deform.widget.CheckboxChoiceWidget(
        values=[(ALL_TOWNSHIPS, "全部乡镇（街道）"), *townships(kw["request"])], inline=True
    )


def recipients_validator(node, kw):
    codes = [ALL_TOWNSHIPS, *(code for code, _ in townships(kw["request"]))]
    return colander.All(
        colander.Length(min=1, min_err="请选择接收单位：全部乡镇（街道），或至少一个乡镇（街道）"),
        colander.Function(lambda chosen: set(chosen) <= set(codes), "接收单位只能是本区的乡镇（街道）"),
    )


class RegulationSchema(CSRFSchema):
    """What a department fills in to publish a regulation or normative document."""

    category = colander.SchemaNode(
        colander.String(),
        title="类别",
        widget=deform.widget.SelectWidget(values=[("", "请选择"), *((c, c) for c in CATEGORIES)]),
        validator=colander.OneOf(CATEGORIES, msg_err="请选择类别"),
        missing_msg="请选择类别",
    )
    title = colander.SchemaNode(
        colander.String(),
        title="标题",
        validator=colander.Length(max=200, max_err="标题最多 200 个字"),
        missing_msg="请填写标题",
    )
    issuing_number = colander.SchemaNode(
        colander.String(),
        title="发文字号",
        description="选填。如 昌府办字〔2024〕52号；本平台另按本单位发文顺序编号",
        validator=issuing_number_validator,
        missing="",
    )
    issuing_organ = colander.SchemaNode(
        colander.String(),
        title="发文机关",
        validator=colander.Length(max=100, max_err="发文机关最多 100 个字"),
        missing_msg="请填写发文机关",
        default=colander.deferred(lambda node, kw: kw["tenant"].title),
    )
    issue_date = colander.SchemaNode(
        ChineseDate(),
        title="印发日期",
        earliest=OLDEST_REGULATION,
        widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
        missing_msg="请填写印发日期",
        default=colander.deferred(lambda node, kw: now().date()),
    )
    effective_date = colander.SchemaNode(
        ChineseDate(),
        title="施行日期",
        description="选填",
        earliest=OLDEST_REGULATION,
        widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
        missing=None,
    )
    body = colander.SchemaNode(
        colander.String(),
        title="正文",
        description="可填写正文，也可只上传文件",
        widget=deform.widget.TextAreaWidget(rows=10),
        missing="",
    )
    recipients = colander.SchemaNode(
        colander.Set(),
        title="接收单位",
        description="选择“全部乡镇（街道）”，或勾选具体的乡镇（街道）",
        widget=colander.deferred(recipient_choices),
        validator=colander.deferred(recipients_validator),
        missing_msg="请选择接收单位：全部乡镇（街道），或至少一个乡镇（街道）",
    )
    uploads = uploads_node("文件")


def regulation_form(request, tenant, regulation=None):
    has_files = regulation is not None and bool(regulation.attachments())
    schema = RegulationSchema(validator=body_or_files).bind(
        request=request, tenant=tenant, has_files=has_files
    )
    buttons = (deform.Button("publish", "发布"), deform.Button("save", "保存草稿"))
    return PortalForm(schema, buttons=buttons, formid="regulation-form")


FIELDS = ("category", "title", "issuing_number", "issuing_organ", "issue_date", "effective_date", "body")
PUBLISHED_MESSAGE = "已发布，发文编号 {}；已通知接收单位签收，并存入共享资料库"


def save(regulation, data, request):
    """Store what the form says, then publish if the person pressed 发布."""
    for name in FIELDS:
        value = data[name]
        setattr(
            regulation, name, value.strip() if name in ("title", "issuing_number", "issuing_organ") else value
        )
    regulation.chosen_recipients = tuple(sorted(data["recipients"]))
    attach_uploads(regulation, data["uploads"], request)
    if "publish" in request.POST:
        publish(regulation, request)
        request.session.flash(PUBLISHED_MESSAGE.format(regulation.number))
    else:
        request.session.flash("草稿已保存，确认无误后请点击“发布”")
    return HTTPFound(location=request.resource_url(regulation))


@portal_view(
    context=Tenant, name="new-regulation", renderer="templates/form.pt", permission="create:regulation"
)
def new_regulation(context, request):
    """A department's form: save a draft, or publish at once."""
    form = regulation_form(request, context)
    page = {"tenant": context, "heading": "发布法规文件", "item": None}
    if request.method != "POST":
        return {**page, "form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render()}
    regulation = Regulation(context.code, data["title"].strip(), request.login)
    context.add(free_name(context, "reg"), regulation)
    record(regulation, request, "create", "起草")
    return save(regulation, data, request)


@portal_view(context=Regulation, name="edit", renderer="templates/form.pt", permission="edit")
def edit_draft(context, request):
    """Change a draft before it is published; a published document stays as it was sent."""
    if context.state != "draft":
        request.session.flash("文件已发布，不能再修改", "error")
        return HTTPFound(location=request.resource_url(context))
    tenant = request.root["tenants"][context.owner]
    form = regulation_form(request, tenant, context)
    page = {"tenant": tenant, "heading": "修改草稿", "item": context}
    if request.method != "POST":
        values = {name: getattr(context, name) for name in FIELDS}
        values["recipients"] = set(context.chosen_recipients)
        values["effective_date"] = values["effective_date"] or colander.null
        return {**page, "form": form.render(values)}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render()}
    record(context, request, "edit", "修改草稿")
    return save(context, data, request)


def signing_rows(regulation, request):
    """``[(title, signed)]`` per recipient: ``signed`` is ``(login, name, when)`` or None."""
    tenants = request.root["tenants"]
    return [
        (tenants[unit].title if unit in tenants else unit, regulation.signatures.get(unit))
        for unit in regulation.recipients()
    ]


def chosen_titles(regulation, request):
    if ALL_TOWNSHIPS in regulation.chosen_recipients:
        return ["全部乡镇（街道）"]
    tenants = request.root["tenants"]
    return [tenants[unit].title for unit in regulation.chosen_recipients if unit in tenants]


@portal_view(context=Regulation, renderer="templates/regulation.pt", permission="view")
def regulation_page(context, request):
    unit = request.acting_unit
    published = context.state == "published"
    tenants = request.root["tenants"]
    entry = context.library_entry
    return {
        "item": context,
        "publisher": tenants[context.owner].title if context.owner in tenants else context.owner,
        "rows": signing_rows(context, request),
        "chosen": chosen_titles(context, request),
        "signed_count": len(context.signatures),
        "mine": context.signatures.get(unit),
        "can_sign": published and unit in context.unsigned() and request.permits(context, "sign"),
        "can_remind": published and bool(context.unsigned()) and request.permits(context, "remind"),
        "can_publish": context.state == "draft" and request.permits(context, "publish"),
        "can_edit": context.state == "draft" and request.permits(context, "edit"),
        "library_url": request.resource_url(entry) if entry is not None else None,
        "items_macros": get_renderer("portal:items/templates/history.pt").implementation().macros,
    }


def act(context, request, action, done):
    """Run a step on the document; its refusal, if any, is shown to the person on the page."""
    try:
        message = done(action(context, request))
    except WorkflowError as error:
        request.session.flash(str(error), "error")
    else:
        request.session.flash(message)
    return HTTPFound(location=request.resource_url(context))


@portal_view(context=Regulation, name="publish", request_method="POST", permission="publish")
def publish_view(context, request):
    return act(context, request, publish, lambda _: PUBLISHED_MESSAGE.format(context.number))


@portal_view(context=Regulation, name="sign", request_method="POST", permission="sign")
def sign_view(context, request):
    return act(context, request, sign, lambda _: "已签收")


@portal_view(context=Regulation, name="remind", request_method="POST", permission="remind")
def remind_view(context, request):
    tenants = request.root["tenants"]
    return act(
        context, request, remind, lambda units: "已催办：" + "、".join(tenants[u].title for u in units)
    )


@portal_view(
    context="substanced.interfaces.IRoot",
    name="regulations",
    renderer="templates/listing.pt",
    permission="view",
)
def listing(context, request):
    """The regulations the acting unit may see, newest first."""
    count, result = visible_items(request, types=["regulation"], sort_index="created")
    tenants = context["tenants"]
    acting = tenants.get(request.acting_unit)
    return {
        "page": Page(count, result, page_number(request)),
        "tenants": tenants,
        "new_url": request.resource_url(acting, "@@new-regulation")
        if acting is not None and request.permits(acting, "create:regulation")
        else None,
    }
