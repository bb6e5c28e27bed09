"""Page parts every flow shares: the item page's actions, the form page, a listing paged newest
first, the navigation link, and a unit's name."""

import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer

from ..items import WorkflowError
from ..items.catalog import visible_items
from ..views.forms import PortalForm
from ..views.paging import Page, page_number

#: Shown above a form returned with errors.
FORM_ERROR = "填写有误，请按红色提示修改后重新提交。已填写的内容均已保留；如选择了附件，请重新选择。"
PAGE_SIZE = 20


def unit_title(request, code):
    tenant = request.root["tenants"].get(code)
    return tenant.title if tenant is not None else code


def unit_nav_link(path):
    """A navigation link (``config.add_nav_link``) for anyone acting as a unit."""

    def url(request):
        if request.login is None or request.acting_unit not in request.root["tenants"]:
            return None
        return request.application_url + path

    return url


def item_macros():
    """The history and attachment macros every item page shows."""
    return get_renderer("portal.items:templates/history.pt").implementation().macros


def kit_macros():
    """The kit's own page parts (fields, actions)."""
    return get_renderer("portal.flows:templates/parts.pt").implementation().macros


def listing_page(request, item_type, query=None):
    """One page of the visible items of a type (those matching ``query``, a catalog query, when
    given), newest first: ``{items, count, page, pages}``."""
    # No ``limit``: the count must be of every visible item, and a limited sort caps it.
    count, result = visible_items(request, query, types=[item_type], sort_index="created")
    page = Page(count, result, page_number(request), PAGE_SIZE)
    return {"items": page.items, "count": count, "page": page.number, "pages": page.pages}


def listing_view(request, item_type, query=None):
    """What a type's listing page shows: a page of the visible items (matching ``query``), and
    whether the acting unit may add one (the same Casbin decision as the form itself)."""
    tenant = request.root["tenants"].get(request.acting_unit or "")
    return {
        **listing_page(request, item_type, query),
        "tenant": tenant,
        "can_create": tenant is not None and request.permits(tenant, f"create:{item_type}"),
        "unit_title": lambda code: unit_title(request, code),
    }


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
