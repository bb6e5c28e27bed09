"""The transfer's pages: the draft and edit forms, the item page with its steps, material uploads,
and the listing of the transfers the acting unit may see."""

import datetime
import html
import itertools

import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer
from substanced.interfaces import IRoot

from ..calendar import SHANGHAI
from ..items import WorkflowError, now, record
from ..items.catalog import visible_items
from ..items.uploads import UploadError, attach, make_attachment, read_field_upload
from ..tenants import Tenant
from ..views import portal_view
from ..views.paging import Page, page_number
from . import (
    BEFORE_SENDING,
    MATERIAL_KINDS,
    CaseTransfer,
    after_save,
    answer,
    approve,
    back_to_approval,
    answer_consent,
    available_actions,
    close,
    fire,
    notify_extension,
    post_progress,
    request_consent,
    send,
    send_refusal,
    sign,
    unit_title,
)
from .forms import (
    CHOOSE_AGAIN,
    STEPS,
    appstruct_of,
    extension_form,
    found_moment,
    material_form,
    step_form,
    transfer_form,
)

PAGE_SIZE = 20


def apply_form(item, data):
    """Copy the draft form's values onto the item."""
    item.receiver = data["receiver"]
    item.title = data["title"]
    item.party = data["party"]
    item.found_date = data["found_date"]
    item.found_at = found_moment(data)
    item.facts = data["facts"]
    item.urgent = data["urgent"]
    item.ongoing = data["ongoing"]
    item.measures = data["measures"] if data["ongoing"] else ""
    item.major = data.get("major", False)


def new_name(tenant):
    number = len(tenant) + 1
    while f"ct-{number}" in tenant:
        number += 1
    return f"ct-{number}"


@portal_view(
    context=Tenant,
    name="new-transfer",
    renderer="templates/form.pt",
    permission="create:case_transfer",
)
def new_transfer(context, request):
    """The draft form, on the sending unit: the transfer is the unit's, drafted by an officer."""
    form = transfer_form(request, context)
    page = {"sender": context, "item": None}
    if request.method != "POST":
        return {**page, "form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render()}
    item = CaseTransfer(context.code, data["title"], creator=request.login)
    apply_form(item, data)
    context.add(new_name(context), item)
    record(item, request, "create", "起草", "")
    after_save(item, request)
    request.session.flash("已保存移送草稿。请上传移送材料，然后报送领导审批。")
    return HTTPFound(location=request.resource_url(item))


@portal_view(context=CaseTransfer, name="edit", renderer="templates/form.pt", permission="edit")
def edit_transfer(context, request):
    """The sender changes the draft (before it goes to the leader, or after it came back)."""
    if context.state != "draft":
        request.session.flash(f"“{context.state_title}”的移送不能修改", "error")
        return HTTPFound(location=request.resource_url(context))
    sender = request.root["tenants"][context.owner]
    form = transfer_form(request, sender, context)
    page = {"sender": sender, "item": context}
    if request.method != "POST":
        return {**page, "form": form.render(appstruct_of(context))}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {**page, "form": failure.render()}
    apply_form(context, data)
    record(context, request, "edit", "修改草稿", "")
    after_save(context, request)
    request.session.flash("已保存修改")
    return HTTPFound(location=request.resource_url(context))


def transfer_page(item, request, rendered=None):
    """The item page's values; ``rendered`` holds forms shown again with their errors."""
    rendered = rendered or {}
    # Fields of all the page's forms get distinct ids (a form shown again counts from 0).
    counter = itertools.count(100)
    actions = available_actions(item, request)
    may_upload = item.state in BEFORE_SENDING and request.permits(item, "upload")
    materials = []
    for slot, kind, hint, files in item.materials():
        form = None
        if may_upload:
            form = (
                rendered.get(f"upload-{slot}") or material_form(request, item, slot, kind, counter).render()
            )
        materials.append({"slot": slot, "kind": kind, "hint": hint, "files": files, "form": form})
    steps = []
    for name in actions:
        if name in rendered:
            steps.append((name, rendered[name]))
        elif name == "notify_extension":
            steps.append((name, extension_form(request, item, counter).render()))
        elif name == "send" and send_refusal(item, request):
            steps.append((name, blocked_step(STEPS[name][0], send_refusal(item, request))))
        elif name in STEPS:
            steps.append((name, step_form(request, item, name, counter).render()))
    return {
        "item": item,
        "sender": request.root["tenants"][item.owner],
        "receiver": request.root["tenants"].get(item.receiver),
        "materials": materials,
        "steps": steps,
        "may_edit": item.state == "draft" and request.permits(item, "edit"),
        "due_text": due_text(item.due),
        "transfer_due_text": due_text(item.transfer_due),
        "answer_due_text": due_text(item.answer_due),
        "overdue": is_overdue(item),
        "consent_text": consent_text(item, request),
        "items_macros": get_renderer("portal:items/templates/history.pt").implementation().macros,
    }


def blocked_step(button, reason):
    """A step that cannot be taken yet: its button, disabled, and why."""
    return (
        f'<div class="portal-blocked" id="send-blocked">'
        f'<button type="button" class="btn btn-primary" disabled="disabled">{html.escape(button)}</button>'
        f'<p class="help-block">{html.escape(reason)}</p></div>'
    )


def back(item, request, message, queue=""):
    request.session.flash(message, queue)
    return HTTPFound(location=request.resource_url(item))


@portal_view(context=CaseTransfer, renderer="templates/transfer.pt", permission="view")
def show(context, request):
    return transfer_page(context, request)


@portal_view(
    context=CaseTransfer,
    name="upload",
    renderer="templates/transfer.pt",
    request_method="POST",
    permission="upload",
)
def upload(context, request):
    """A file into one of the three material slots; only before the transfer is sent."""
    slot = request.params.get("slot", "")
    kind = MATERIAL_KINDS.get(slot)
    if kind is None:
        return back(context, request, "请选择材料类别后再上传", "error")
    if context.state not in BEFORE_SENDING:
        return back(context, request, f"“{context.state_title}”的移送不能再上传材料", "error")
    form = material_form(request, context, slot, kind)
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return transfer_page(context, request, {f"upload-{slot}": failure.render()})
    filename, content = read_field_upload(data["upload"])
    try:
        attachment = make_attachment(
            filename, content, request.registry.settings, kind=kind, uploaded_by=request.login
        )
    except UploadError as error:
        return back(context, request, f"{error}。{CHOOSE_AGAIN}", "error")
    attach(context, attachment)
    record(context, request, "upload", f"上传{kind}", attachment.filename)
    if context.state == "approved":
        back_to_approval(context, request, f"领导批准后上传了{kind}“{attachment.filename}”")
        return back(
            context, request, f"已上传{kind}：{attachment.filename}。移送材料已变更，已重新报送领导审批"
        )
    return back(context, request, f"已上传{kind}：{attachment.filename}")


@portal_view(
    context=CaseTransfer,
    name="notify_extension",
    renderer="templates/transfer.pt",
    request_method="POST",
    permission="notify_extension",
)
def extension(context, request):
    """The notice to the receiver, before the due date, that the transfer comes later."""
    form = extension_form(request, context)
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return transfer_page(context, request, {"notify_extension": failure.render()})
    try:
        notify_extension(context, request, data["new_due"], data["reason"])
    except WorkflowError as error:
        return back(context, request, str(error), "error")
    receiver = unit_title(request, context.receiver)
    return back(context, request, f"已告知{receiver}延期移送，移送期限延至{data['new_due']:%Y-%m-%d}")


def step(context, request):
    """A step with its comment or reason; a refusal comes back as a message on the page."""
    name = request.view_name
    form = step_form(request, context, name)
    try:
        comment = form.validate(request.POST.items())["comment"]
    except deform.ValidationFailure as failure:
        return transfer_page(context, request, {name: failure.render()})
    try:
        if name == "send":
            send(context, request, comment)
        elif name == "approve":
            approve(context, request, comment)
        elif name == "sign":
            sign(context, request, comment)
        elif name in ("accept", "decline"):
            answer(context, request, name, comment)
        elif name in ("close", "close_declined"):
            close(context, request, name, comment)
        elif name == "request_consent":
            request_consent(context, request, comment)
        elif name in ("consent", "refuse_consent"):
            answer_consent(context, request, name, comment)
        elif name == "progress":
            post_progress(context, request, comment)
        else:
            fire(context, request, name, comment)
    except WorkflowError as error:
        return back(context, request, str(error), "error")
    return back(context, request, f"已{STEPS[name][0]}")


# One view per step, each with the step's own Casbin action as its permission.
for _name in STEPS:
    step = portal_view(
        context=CaseTransfer,
        name=_name,
        renderer="templates/transfer.pt",
        request_method="POST",
        permission=_name,
    )(step)


def due_text(due):
    if due is None:
        return ""
    if isinstance(due, datetime.datetime):
        return due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return due.strftime("%Y-%m-%d")


def is_overdue(item):
    if item.due is None or not item.is_open:
        return False
    moment = now()
    if isinstance(item.due, datetime.datetime):
        return moment > item.due
    return moment.date() > item.due


def consent_text(item, request):
    if not item.needs_consent:
        return ""
    receiver = unit_title(request, item.receiver)
    return {
        "": f"尚未征求{receiver}同意",
        "requested": f"已征求{receiver}同意，等待答复",
        "given": f"{receiver}已同意接收",
        "refused": f"{receiver}不同意接收",
    }[item.consent]


@portal_view(context=IRoot, name="transfers", renderer="templates/listing.pt", permission="view")
def listing(context, request):
    """The transfers the acting unit may see, newest first, a page at a time."""
    count, result = visible_items(request, types=["case_transfer"], sort_index="created")
    page = Page(count, result, page_number(request), PAGE_SIZE)
    acting = context["tenants"].get(request.acting_unit)
    return {
        "rows": [
            {
                "item": item,
                "sender": unit_title(request, item.owner),
                "receiver": unit_title(request, item.receiver),
                "due": due_text(item.due),
                "overdue": is_overdue(item),
            }
            for item in page.items
        ],
        "count": count,
        "page": page.number,
        "pages": page.pages,
        "new_url": (
            request.resource_url(acting, "@@new-transfer")
            if acting is not None and request.permits(acting, "create:case_transfer")
            else None
        ),
    }


def listing_url(request):
    if request.login is None:
        return None
    return request.application_url + "/transfers"


def includeme(config):
    config.add_nav_link(70, "案件移送", listing_url)
    config.scan(".views")
