"""The scorecard pages: a unit's score (``/tenants/<code>/@@scorecard``), the ranking of every unit
(``@@scorecards``, a tab of the overview), and the items behind a unit's figures for its own people
(``/tenants/<code>/@@supervision-items``).

Who may open them is the policy's (``policies/scorecard.csv``): a unit's members see their own
unit's scorecard and the lists behind it (the relation ``owner`` to their unit), the 区司法局's
supervisors every unit's (relation ``none``); the ranking is the overview's (``view:supervision``).
"""

from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import get_renderer

from ..tenants import Tenant
from ..views import portal_view
from ..views.paging import BadParameter, text_param
from .periods import KINDS, today
from .scoring import WARNING_RULES, is_scored, number, score_all, scored_units
from .views import items_behind, period_of


def scorecard_url(request, code, period):
    return f"{request.application_url}/tenants/{code}/@@scorecard?" + urlencode(period.query())


def items_url(request, code, period, key):
    what = {"warning": key} if key in WARNING_RULES else {"measure": key}
    return f"{request.application_url}/tenants/{code}/@@supervision-items?" + urlencode(
        {**period.query(), **what}
    )


def period_form(request, period, action, hidden=()):
    """What the period form (``templates/period.pt``) needs."""
    return {
        "period": period,
        "kinds": KINDS,
        "this_year": today().year,
        "action": action,
        "hidden": list(hidden),
        "macros": get_renderer("templates/period.pt").implementation().macros,
    }


@portal_view(
    context=Tenant,
    name="scorecard",
    renderer="templates/scorecard.pt",
    permission="view:scorecard",
)
def scorecard_page(context, request):
    """A unit's score for a period: every rule's count and points, each count opening its items."""
    period = period_of(request)
    ranking = score_all(request.root, request.registry, period) if is_scored(context) else None
    card = ranking.card(context.code) if ranking is not None else None
    supervising = request.permits(request.root, "view:supervision")
    return {
        "unit": context,
        "card": card,
        "ranking": ranking,
        "standard": ranking.standard if ranking is not None else None,
        "form": period_form(request, period, request.resource_url(context, "@@scorecard")),
        "link": lambda key: items_url(request, context.code, period, key),
        "number": number,
        "supervising": supervising,
        "ranking_url": request.application_url + "/@@scorecards?" + urlencode(period.query()),
        "can_edit": request.permits(request.root, "manage:supervision"),
        "units": scored_units(request.root) if supervising else [],
        "warnings": WARNING_RULES,
    }


@portal_view(
    context="substanced.interfaces.IRoot",
    name="scorecards",
    renderer="templates/scorecards.pt",
    permission="view:supervision",
)
def ranking_page(context, request):
    """Every scored unit, best first, for the period; ``unit=`` opens that unit's scorecard."""
    period = period_of(request)
    unit = text_param(request, "unit", 100, "单位")
    if unit:
        if not is_scored(context["tenants"].get(unit)):
            raise BadParameter(f"没有代码为“{unit}”的参加考核的单位")
        return HTTPFound(location=scorecard_url(request, unit, period))
    ranking = score_all(context, request.registry, period)
    return {
        "ranking": ranking,
        "standard": ranking.standard,
        "form": period_form(request, period, request.application_url + "/@@scorecards"),
        "card_url": lambda code: scorecard_url(request, code, period),
        "overview_url": request.application_url + "/@@supervision?" + urlencode(period.query()),
        "number": number,
        "can_edit": request.permits(context, "manage:supervision"),
        "export_action": request.application_url + "/@@supervision-export",
        "period_fields": list(period.query().items()),
    }


@portal_view(
    context=Tenant,
    name="supervision-items",
    renderer="templates/items.pt",
    permission="view:scorecard",
)
def unit_figure_items(context, request):
    """The items behind one of the unit's own figures (as the person may see them)."""
    period = period_of(request)
    back = ("返回考核评分", scorecard_url(request, context.code, period))
    url = request.resource_url(context, "@@supervision-items")
    return items_behind(request.root, request, period, context.code, url, back)


def scorecard_link(request):
    """考核评分 in the navigation: the ranking for the supervisors, the own unit's card for others."""
    if request.login is None:
        return None
    root = request.root
    if request.permits(root, "view:supervision"):
        return request.application_url + "/@@scorecards"
    tenant = root["tenants"].get(request.acting_unit or "")
    if is_scored(tenant) and request.permits(tenant, "view:scorecard"):
        return request.resource_url(tenant, "@@scorecard")
    return None
