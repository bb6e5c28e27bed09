"""Pages of guidance and training beyond the kit's: the links between a request and the activity
answering it, the open requests on the guidance page, and each unit's yearly record
(``@@guidance-record?year=2026``).

The yearly record of a unit: the activities it organised (given) and those it took part in
(received) in a year, a year being the one an activity was held in (or, not yet held, planned
for). The table counts held activities only, by kind; arranged and cancelled ones are listed
beside them, not counted. Everything is read through the catalog with the same Casbin decision as
every list (:func:`portal.items.catalog.visible_items`), so a supervisor reading a unit's record
sees what that unit sees of it.
"""

from hypatia.query import Any, Eq
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from substanced.interfaces import IRoot

from ..flows import fmt
from ..items import now
from ..items.catalog import portal_catalog, visible_items
from ..tenants import Tenant
from ..views import portal_view
from ..views.fields import EARLIEST, latest_date
from ..views.paging import int_param
from .forms import KIND_LABELS, KINDS

ACTIVITY = "guidance_activity"
REQUEST = "guidance_request"
#: How many open requests the guidance page lists (the oldest first); the rest are a click away.
OPEN_REQUESTS_SHOWN = 10


def item_at(request, path):
    """The item at ``(unit, name)``, or None."""
    if not path:
        return None
    tenant = request.root["tenants"].get(path[0])
    return tenant.get(path[1]) if tenant is not None else None


def links(item, request):
    """For the item page: the request an activity answers, or the activity arranged for a request
    (a link when the person may open it)."""
    found = []
    answered = item_at(request, getattr(item, "answers", None))
    if answered is not None:
        found.append(
            ("应申请安排", answered, f"{answered.number}《{answered.title}》（{answered.owner_title}）")
        )
    activity = item_at(request, getattr(item, "activity", None))
    if activity is not None:
        found.append(
            (
                "已安排活动",
                activity,
                f"{activity.number}《{activity.title}》，{activity.kind_label}，{fmt(activity.starts_at)}",
            )
        )
    return {
        "links": [
            (label, request.resource_url(other) if request.permits(other, "view") else None, text)
            for label, other, text in found
        ]
    }


def this_year():
    return now().year


def record_url(request, tenant=None, year=None):
    """The yearly record of the acting unit (or of ``tenant``)."""
    base = request.resource_url(tenant) if tenant is not None else request.application_url + "/"
    return f"{base}@@guidance-record?year={year or this_year()}"


def _acting_tenant(request):
    return request.root["tenants"].get(request.acting_unit or "")


def activity_list_values(context, request, open_requests=True):
    """The guidance page: the open requests (oldest first) beside the activities, and the links to
    ask for guidance, to every request and to the unit's yearly record. ``open_requests=False``:
    the links only (the page of every request lists the open ones among the others)."""
    tenant = _acting_tenant(request)
    count, shown = 0, None
    if open_requests:
        catalog = portal_catalog(request)
        count, result = visible_items(
            request,
            Eq(catalog["is_open"], True),
            types=[REQUEST],
            sort_index="created",
            reverse=False,
            limit=OPEN_REQUESTS_SHOWN,
        )
        shown = list(result.all()) if count else []
    return {
        "open_requests": shown,
        "open_count": count,
        "can_ask": tenant is not None and request.permits(tenant, f"create:{REQUEST}"),
        "ask_url": request.resource_url(tenant, "@@new-guidance-request") if tenant is not None else "",
        "requests_url": request.application_url + "/@@guidance-requests",
        "record_url": record_url(request) if tenant is not None else "",
        "back_url": "",
    }


def request_list_values(context, request):
    """Every request: the way back to the guidance page."""
    values = activity_list_values(context, request, open_requests=False)
    return {**values, "back_url": request.application_url + "/@@guidance"}


# The yearly record -------------------------------------------------------------------------------


def year_range():
    """The years a record may be asked for: those a date on the portal may have."""
    return EARLIEST.year, latest_date().year


def requested_year(request):
    """``?year=``: this year when absent; 400 with a Chinese message unless a year in range."""
    first, last = year_range()
    year = int_param(
        request, "year", first, last, f"年份应为 {first} 到 {last} 之间的整数，例如 {this_year()}"
    )
    return this_year() if year is None else year


def yearly_record(request, unit, year):
    """``{given, received, rows, totals}`` of ``unit`` in ``year``: the activities it organised and
    those it took part in (by date), and per kind the held ones of each."""
    catalog = portal_catalog(request)
    in_year = Eq(catalog["year"], year)

    def activities(query):
        count, result = visible_items(request, in_year & query, types=[ACTIVITY], sort_index=None)
        return sorted(result.all() if count else [], key=lambda item: item.when)

    given = activities(Eq(catalog["owner"], unit))
    received = activities(Any(catalog["relations"], [f"participant:{unit}"]))

    def held(items):
        counts = dict.fromkeys(KINDS, 0)
        for item in items:
            if item.state == "held" and item.kind in counts:
                counts[item.kind] += 1
        return counts

    given_held, received_held = held(given), held(received)
    return {
        "given": given,
        "received": received,
        "rows": [(kind, KIND_LABELS[kind], given_held[kind], received_held[kind]) for kind in KINDS],
        "totals": (sum(given_held.values()), sum(received_held.values())),
    }


def other_units(request, tenant, year):
    """``[(title, url)]``: the records of the other units this person may read (the supervisor's)."""
    return [
        (other.title, record_url(request, other, year))
        for code, other in sorted(request.root["tenants"].items())
        if code != tenant.code and request.permits(other, "view")
    ]


def record_page(tenant, request):
    year = requested_year(request)
    first, last = year_range()
    return {
        "other_units": other_units(request, tenant, year),
        "tenant": tenant,
        "year": year,
        "first_year": first,
        "last_year": last,
        "previous_url": record_url(request, tenant, year - 1) if year > first else "",
        "next_url": record_url(request, tenant, year + 1) if year < last else "",
        "fmt": fmt,
        "guidance_url": request.application_url + "/@@guidance",
        **yearly_record(request, tenant.code, year),
    }


@portal_view(context=Tenant, name="guidance-record", renderer="templates/record.pt", permission="view")
def unit_record(context, request):
    """A unit's yearly record, for its members and for the supervisor."""
    return record_page(context, request)


@portal_view(context=IRoot, name="guidance-record", renderer="templates/record.pt", permission="view")
def own_record(context, request):
    """The yearly record of the unit the person acts as."""
    tenant = _acting_tenant(request)
    if tenant is None:
        raise HTTPNotFound("请先选择所在单位，再查看本单位的年度指导培训记录")
    if not request.permits(tenant, "view"):
        raise HTTPForbidden("无权查看该单位的记录")
    return record_page(tenant, request)
