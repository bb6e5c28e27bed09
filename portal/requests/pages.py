"""Page parts the collaboration-request and complaint pages share: several attachments in one form
field, dates and times typed in Shanghai wall-clock time, the actions of an item page, and a
listing paged newest first.

Uploaded files cannot survive a form shown again with errors (the browser does not send them back),
so the forms say so: everything typed is kept, the files must be chosen again.
"""

import datetime
import html

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer

from ..calendar import SHANGHAI
from ..items import WorkflowError
from ..items.catalog import visible_items
from ..items.uploads import ACCEPTED, UploadError, attach, check_upload, make_attachment, max_bytes
from ..views.fields import ChineseDate, LocalDateTime, not_before, not_in_future  # noqa: F401 (shared)
from ..views.forms import PortalForm
from ..views.paging import Page, page_number

#: Shown above a form returned with errors.
FORM_ERROR = "填写有误，请按红色提示修改后重新提交。已填写的内容均已保留；如选择了附件，请重新选择。"
PAGE_SIZE = 20


class FilesWidget(deform.widget.Widget):
    """A file input taking several files; its value is a list of ``(filename, bytes)``.

    The files are read at once (no temporary store): a form shown again asks for them again.
    """

    def serialize(self, field, cstruct, **kw):
        name, oid = html.escape(field.name), html.escape(field.oid)
        return (
            f'<input type="hidden" name="__start__" value="{name}:sequence"/>'
            f'<input type="file" name="file" id="{oid}" multiple="multiple" class="form-control"/>'
            f'<input type="hidden" name="__end__" value="{name}:sequence"/>'
        )

    def deserialize(self, field, pstruct):
        if pstruct is colander.null:
            return colander.null
        files = []
        for value in pstruct if isinstance(pstruct, list) else [pstruct]:
            filename = getattr(value, "filename", "")
            stream = getattr(value, "file", None)
            if filename and stream is not None:
                stream.seek(0)
                files.append((filename, stream.read()))
        return files or colander.null


@colander.deferred
def files_validator(node, kw):
    """Each file must be an accepted kind, its content as its name says, within the size limit."""
    limit = max_bytes(kw["request"].registry.settings)

    def validate(node, files):
        for filename, data in files:
            try:
                check_upload(filename, data, limit)
            except UploadError as error:
                raise colander.Invalid(node, f"{error}。请重新选择附件") from None

    return validate


def files_node(title="附件", description=None):
    """An optional field for several attachments."""
    return colander.SchemaNode(
        colander.List(),
        title=title,
        description=description or f"可一次选择多个文件。可上传：{ACCEPTED}",
        widget=FilesWidget(),
        validator=files_validator,
        missing=(),
    )


def attach_files(item, files, request, kind):
    """Store each uploaded ``(filename, bytes)`` as an attachment of ``item``; returns the names."""
    settings = request.registry.settings
    return [
        attach(item, make_attachment(name, data, settings, kind=kind, uploaded_by=request.login))
        for name, data in files
    ]


def datetime_widget():
    return deform.widget.TextInputWidget(attributes={"type": "datetime-local"})


def date_node(title, **kw):
    """A date typed as ``2026-11-27`` (a date picker in browsers that have one)."""
    return colander.SchemaNode(
        ChineseDate(),
        title=title,
        widget=deform.widget.TextInputWidget(attributes={"type": "date"}),
        missing_msg=f"请填写{title}",
        **kw,
    )


def strip(value):
    """Surrounding blanks are not content: a field of spaces counts as empty."""
    return (value.strip() or colander.null) if isinstance(value, str) else value


def text_node(title, max_length, required=True, textarea=False, **kw):
    """A text field with a Chinese message when it is missing or too long."""
    widget = deform.widget.TextAreaWidget(rows=5) if textarea else deform.widget.TextInputWidget()
    return colander.SchemaNode(
        colander.String(),
        title=title,
        widget=widget,
        preparer=strip,
        validator=colander.Length(max=max_length, max_err=f"{title}最多 {max_length} 个字"),
        missing_msg=f"请填写{title}",
        **({} if required else {"missing": ""}),
        **kw,
    )


def now_local():
    """Now, as the default of a form's date-time field."""
    return datetime.datetime.now(SHANGHAI).replace(second=0, microsecond=0)


def listing_page(request, item_type):
    """One page of the visible items of a type, newest first: ``{items, count, page, pages}``."""
    # No ``limit``: the count must be of every visible item, and a limited sort caps it.
    count, result = visible_items(request, types=[item_type], sort_index="created")
    page = Page(count, result, page_number(request), PAGE_SIZE)
    return {"items": page.items, "count": count, "page": page.number, "pages": page.pages}


def listing_view(request, item_type):
    """What a type's listing page shows: a page of the visible items, and whether the acting unit
    may add one (the same Casbin decision as the form itself)."""
    tenant = request.root["tenants"].get(request.acting_unit or "")
    return {
        **listing_page(request, item_type),
        "tenant": tenant,
        "can_create": tenant is not None and request.permits(tenant, f"create:{item_type}"),
        "unit_title": lambda code: unit_title(request, code),
    }


def unit_nav_link(path):
    """A navigation link (``config.add_nav_link``) for anyone acting as a unit."""

    def url(request):
        if request.login is None or request.acting_unit not in request.root["tenants"]:
            return None
        return request.application_url + path

    return url


def unit_title(request, code):
    tenant = request.root["tenants"].get(code)
    return tenant.title if tenant is not None else code


def item_macros():
    """The history and attachment macros every item page shows."""
    return get_renderer("portal.items:templates/history.pt").implementation().macros


class WorkflowViews:
    """The actions of an item page: buttons that fire a transition, and forms that do more.

    Subclasses set ``workflow``. Every refusal (wrong state, not allowed now) goes back to the item
    page with its reason; the Casbin permission of each view is declared on the view itself. An
    action changes the item first and fires its transition last, so whoever hears of the recorded
    entry (notifications) sees the item as it now is: who is awaited, for what, by when.
    """

    workflow = None

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def back(self, message=None, error=False):
        if message:
            self.request.session.flash(message, "error" if error else "")
        return HTTPFound(location=self.request.resource_url(self.context))

    def state_refusal(self, name):
        """Why transition ``name`` cannot happen now, or ``""``."""
        try:
            self.workflow.check(self.context, self.request, name)
        except WorkflowError as error:
            return str(error)
        return ""

    def fire(self, name, act):
        """Check that ``name`` may happen now, then ``act()``; its message is flashed."""
        refusal = self.state_refusal(name)
        return self.back(refusal, error=True) if refusal else self.back(act())

    def form_page(self, heading, intro, form, error=""):
        return {"heading": heading, "intro": intro, "item": self.context, "form": form, "error": error}

    def form_action(self, schema, button, title, heading, intro, refusal, act):
        """GET shows the form, POST validates and does ``act(data)``; ``refusal()`` says why not."""
        reason = refusal()
        if reason:
            return self.back(reason, error=True)
        bound = schema.bind(request=self.request, item=self.context)
        form = PortalForm(bound, buttons=(deform.Button(button, title),), formid=f"{button}-form")
        if self.request.method != "POST":
            return self.form_page(heading, intro, form.render())
        try:
            data = form.validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            return self.form_page(heading, intro, failure.render(), FORM_ERROR)
        return self.back(act(data))
