"""The portal's layout, its home page, the unit switcher, and the pages for refusals.

Every portal view is declared with :class:`portal_view`, which requires a CSRF token on every POST,
and names a ``permission`` that Casbin decides (see :mod:`portal.security`).
"""

import threading

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer
from pyramid.security import Authenticated
from pyramid.view import forbidden_view_config, notfound_view_config, view_config

from substanced.sdi import MANAGE_ROUTE_NAME

from ..security import ACTING_UNIT_KEY, PORTAL


class portal_view(view_config):
    """``view_config`` for the portal's pages: a POST without the session's CSRF token is refused."""

    def __init__(self, **settings):
        settings.setdefault("require_csrf", True)
        super().__init__(**settings)


class CSRFSchema(colander.MappingSchema):
    """Base of every portal form: carries the session's CSRF token (checked before the view runs)."""

    csrf_token = colander.SchemaNode(
        colander.String(),
        widget=deform.widget.HiddenWidget(),
        default=colander.deferred(lambda node, kw: kw["request"].session.get_csrf_token()),
        missing="",
    )


class Layout:
    """What every page's frame needs: the person, their units, the acting unit, the navigation."""

    def __init__(self, request):
        self.request = request
        self.macros = get_renderer("templates/layout.pt").implementation().macros

    @property
    def person(self):
        return self.request.user

    @property
    def person_name(self):
        from ..people import display_name

        return display_name(self.request.user) if self.request.user is not None else ""

    def units(self):
        """``[(code, title, roles)]`` of the person's units, real units first."""
        request = self.request
        if request.login is None:
            return []
        tenants = request.root["tenants"]
        result = []
        for code, roles in sorted(request.policy.units_of(request.login).items()):
            tenant = tenants.get(code)
            title = tenant.title if tenant is not None else ("系统管理" if code == PORTAL else code)
            result.append((code, title, roles))
        result.sort(key=lambda unit: unit[0] == PORTAL)
        return result

    @property
    def acting_unit(self):
        return self.request.acting_unit

    def acting_title(self):
        for code, title, _ in self.units():
            if code == self.acting_unit:
                return title
        return ""

    def role_titles(self, roles):
        from ..people import ROLE_TITLES

        return [ROLE_TITLES.get(role, role) for role in sorted(roles) if role != "member"] or ["成员"]

    def can_manage_members(self):
        """Whether the acting unit's members page is this person's to open (the link shows then)."""
        tenant = self.request.root["tenants"].get(self.acting_unit or "")
        return tenant is not None and self.request.permits(tenant, "manage_members")

    def nav_links(self):
        return nav_links(self.request)

    def csrf_token(self):
        return self.request.session.get_csrf_token()

    def flash(self):
        return self.request.session.pop_flash()


def layout(request):
    return Layout(request)


# Features add to the portal's frame through two directives, so no feature edits another's code:
#   config.add_nav_link(order, title, url(request) -> str | None)     a link in the navigation bar
#   config.add_dashboard_panel(order, panel(request) -> dict | None)   a panel on the home page:
#       {"title": ..., "html": rendered markup}, or None to show nothing for this person


def add_nav_link(config, order, title, url):
    links = config.registry.__dict__.setdefault("portal_nav_links", [])
    links.append((order, title, url))
    links.sort(key=lambda link: link[0])


def add_dashboard_panel(config, order, panel):
    panels = config.registry.__dict__.setdefault("portal_dashboard_panels", [])
    panels.append((order, panel))
    panels.sort(key=lambda entry: entry[0])


def nav_links(request):
    """``[(title, url)]`` of the features' links this person may follow."""
    links = []
    for _, title, url in getattr(request.registry, "portal_nav_links", ()):
        href = url(request)
        if href:
            links.append((title, href))
    return links


def dashboard_panels(request):
    panels = []
    for _, panel in getattr(request.registry, "portal_dashboard_panels", ()):
        content = panel(request)
        if content:
            panels.append(content)
    return panels


@portal_view(context="substanced.interfaces.IRoot", renderer="templates/home.pt", permission="view")
def home(context, request):
    lay = request.layout
    tenants = context["tenants"]
    acting = tenants.get(request.acting_unit)
    return {"acting": acting, "units": lay.units(), "panels": dashboard_panels(request)}


@portal_view(
    context="substanced.interfaces.IRoot",
    name="switch-unit",
    request_method="POST",
    permission="view",
)
def switch_unit(context, request):
    """Act as another of one's own units; any other code is ignored."""
    unit = request.POST.get("unit", "")
    if unit in request.policy.units_of(request.login):
        request.session[ACTING_UNIT_KEY] = unit
        request.session.flash("已切换当前单位")
    else:
        request.session.flash("您不属于该单位，未切换", "error")
    came_from = request.POST.get("came_from", "")
    if not came_from.startswith(request.application_url + "/"):
        came_from = request.resource_url(context)
    return HTTPFound(location=came_from)


@forbidden_view_config(renderer="templates/forbidden.pt")
def forbidden(request):
    """Anonymous people go to the login page; logged-in people learn which unit they act as."""
    if request.login is None:
        return HTTPFound(location=request.application_url + "/login?came_from=" + request.path_qs)
    request.response.status = 403
    return {}


class PortalPersonPredicate:
    """``portal_person=True``: a person is logged in to the portal."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"portal_person = {self.value}"

    phash = text

    def __call__(self, context, request):
        return (request.login is not None) == self.value


@forbidden_view_config(
    route_name=MANAGE_ROUTE_NAME,
    effective_principals=[Authenticated],
    portal_person=True,
    renderer="templates/forbidden.pt",
)
def forbidden_in_back_office(request):
    """A logged-in person refused by the back office (``/manage``) gets 403 and the portal's page,
    not Substance D's English "log in as another user" form with 200. (The extra predicate makes
    this view more specific than Substance D's, so it is tried first.)"""
    request.response.status = 403
    return {}


@notfound_view_config(renderer="templates/notfound.pt")
def notfound(request):
    request.response.status = 404
    return {}


def compile_templates_in_turn():
    """One template compiled at a time in the process.

    Chameleon compiles a page template to Python the first time it is rendered, parsing each
    expression with ``ast``. CPython 3.11's ``ast`` keeps its recursion counter per interpreter,
    not per thread: two threads compiling at once can fail with ``SystemError: AST constructor
    recursion depth mismatch``, a 500 for whoever opened a page first after a start. Compiling
    takes turns (rendering does not); a compiled template is cached, so the lock is taken a few
    hundred times in a process's life.
    """
    from chameleon.template import BaseTemplate

    if getattr(BaseTemplate, "_portal_in_turn", False):
        return
    cook = BaseTemplate._cook
    lock = threading.RLock()

    def cook_in_turn(template, body, name, builtins):
        with lock:
            return cook(template, body, name, builtins)

    BaseTemplate._cook = cook_in_turn
    BaseTemplate._portal_in_turn = True


def includeme(config):
    compile_templates_in_turn()
    config.add_view_predicate("portal_person", PortalPersonPredicate)
    config.add_directive("add_nav_link", add_nav_link)
    config.add_directive("add_dashboard_panel", add_dashboard_panel)
    config.add_request_method(layout, "layout", reify=True)
    config.include(".forms")
    config.include(".headers")
    config.scan(".")
