"""Pages of the filing flow: the form, the filing's page and its actions, the return form, the list."""

import secrets

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer

from ..flows import departments
from ..items import WorkflowError, now, record
from ..items.catalog import portal_catalog, visible_items, visible_query
from ..items.uploads import attach, make_attachment, read_field_upload
from ..tenants import Tenant
from ..views import portal_view
from ..views.paging import Page, page_number
from . import (
    ITEM_TYPE,
    WORKFLOW,
    PenaltyFiling,
    filing_limit,
    filing_workdays_so_far,
    record_filing,
    return_for_correction,
    submit,
)
from .forms import amount, appstruct_of, filing_form, return_form

PAGE_SIZE = 20
SCAN_KIND = "处罚决定书扫描件"
#: Where each transition's button posts (the return has its own page, for the reason).
ACTION_VIEWS = {"submit": "submit", "resubmit": "submit", "record": "record", "return": "return"}


def history_macros():
    return get_renderer("portal.items:templates/history.pt").implementation().macros


def form_page(township, rendered, heading, error=False, filing=None):
    return {
        "township": township,
        "filing": filing,
        "heading": heading,
        "form": rendered,
        "error": error,
    }


def failed(failure):
    """The form again with its errors and everything typed, except the file (chosen again)."""
    failure.field["scan"].cstruct = colander.null
    return failure.render()


def store_scan(filing, request, upload):
    """Attach the uploaded scan and make it the filing's current scan."""
    filename, data = read_field_upload(upload)
    attachment = make_attachment(
        filename, data, request.registry.settings, kind=SCAN_KIND, uploaded_by=request.login
    )
    filing.scan = attach(filing, attachment)


def values(data):
    return {**data, "fine_amount": amount(data["fine_amount"])}


def new_name(tenant):
    while True:
        name = f"pf-{now():%Y%m%d}-{secrets.token_hex(3)}"
        if name not in tenant:
            return name


def back(request, filing, message, queue=""):
    request.session.flash(message, queue)
    return HTTPFound(location=request.resource_url(filing))


@portal_view(
    context=Tenant,
    name="new-penalty-filing",
    renderer="templates/form.pt",
    permission="create:penalty_filing",
)
def new(context, request):
    """A township's officer drafts a filing; it is saved as a draft, not yet sent."""
    form = filing_form(request, context, departments(request))
    heading = "新建行政处罚决定备案"
    if "save" not in request.POST:
        return form_page(context, form.render(), heading)
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return form_page(context, failed(failure), heading, error=True)
    filing = PenaltyFiling(context.code, data["title"], creator=request.login)
    filing.update(values(data))
    context.add(new_name(context), filing)
    store_scan(filing, request, data["scan"])
    record(filing, request, "create", "新建草稿")
    return back(request, filing, "已保存草稿。请核对内容，确认无误后点击“报送”。")


@portal_view(context=PenaltyFiling, renderer="templates/filing.pt", permission="view")
def filing_page(context, request):
    tenants = request.root["tenants"]
    department = tenants.get(context.department)
    buttons = [(t, ACTION_VIEWS[t.name]) for t in WORKFLOW.available(context, request)]
    if context.submitted_date is None:
        timeliness = {
            "days": filing_workdays_so_far(context, request),
            "limit": filing_limit(request.registry.settings),
        }
    else:
        timeliness = {"days": context.filing_workdays, "limit": context.filing_limit}
    return {
        "filing": context,
        "township": context.__parent__,
        "department": department.title if department is not None else context.department,
        "buttons": buttons,
        "can_edit": context.editable and request.permits(context, "edit"),
        "timeliness": timeliness,
        "history_macros": history_macros(),
    }


@portal_view(context=PenaltyFiling, name="edit", renderer="templates/form.pt", permission="edit")
def edit(context, request):
    """The township changes a draft, or corrects a returned filing before submitting it again."""
    if not context.editable:
        return back(request, context, f"当前状态为“{context.state_title}”，不能修改", "error")
    township = context.__parent__
    form = filing_form(request, township, departments(request), editing=True)
    heading = f"修改：{context.title}"
    if "save" not in request.POST:
        rendered = form.render(appstruct_of(context))
        return form_page(township, rendered, heading, filing=context)
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return form_page(township, failed(failure), heading, error=True, filing=context)
    context.title = data["title"]
    context.update(values(data))
    if data["scan"]:
        store_scan(context, request, data["scan"])
    record(context, request, "edit", "修改")
    return back(request, context, "已保存修改。确认无误后请点击“报送”。")


@portal_view(context=PenaltyFiling, name="submit", request_method="POST", permission="submit")
def submit_view(context, request):
    try:
        entry = submit(context, request)
    except WorkflowError as error:
        return back(request, context, str(error), "error")
    return back(request, context, f"已{entry.title}，文号 {context.number}，{context.waiting_for}")


@portal_view(context=PenaltyFiling, name="record", request_method="POST", permission="record")
def record_view(context, request):
    try:
        record_filing(context, request)
    except WorkflowError as error:
        return back(request, context, str(error), "error")
    return back(request, context, f"已备案：{context.number}")


@portal_view(context=PenaltyFiling, name="return", renderer="templates/return.pt", permission="return")
def return_view(context, request):
    """The department sends the filing back for correction, saying what to correct."""
    form = return_form(request)
    page = {"filing": context}
    if "return" not in request.POST:
        return {**page, "form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render()}
    try:
        return_for_correction(context, request, data["reason"])
    except WorkflowError as error:
        return back(request, context, str(error), "error")
    return back(request, context, f"已退回{context.__parent__.title}补正")


@portal_view(
    context="substanced.interfaces.IRoot",
    name="penalty-filings",
    renderer="templates/listing.pt",
    permission="view",
)
def listing(context, request):
    """The filings the person may see, newest first, a page at a time."""
    number = page_number(request)
    count, result = visible_items(request, types=(ITEM_TYPE,), sort_index="created", limit=number * PAGE_SIZE)
    page = Page(count, result, number, PAGE_SIZE)
    tenants = context["tenants"]
    acting = tenants.get(request.acting_unit)
    return {
        "filings": page.items,
        "count": count,
        "page": page.number,
        "pages": page.pages,
        "unit_title": lambda code: tenants[code].title if code in tenants else code,
        "new_url": (
            request.resource_url(acting, "@@new-penalty-filing")
            if acting is not None and request.permits(acting, f"create:{ITEM_TYPE}")
            else None
        ),
    }


def listing_url(request):
    """The navigation link, for whoever may see filings at all."""
    if request.login is None:
        return None
    if visible_query(request, portal_catalog(request), types=(ITEM_TYPE,)) is None:
        return None
    return request.application_url + "/penalty-filings"
