"""The supervisor's pages: the district overview, the items behind a figure, the warning threshold."""

from urllib.parse import urlencode

import colander
from pyramid.httpexceptions import HTTPFound

from ..flows import PAGE_SIZE, unit_title
from ..items import now
from ..items.catalog import portal_catalog, visible_items
from ..views import portal_view
from ..views.paging import BadParameter, Page, page_number, text_param
from .figures import groups, measures
from .overview import WARNINGS, build, figure_query, threshold, trend, warning_query
from .periods import KINDS, PeriodError, parse_period, today

#: The overview's first tab: each unit's duties and what went wrong, across the flows.
SUMMARY = "summary"
#: Bars drawn for at most this many units (those with the most warnings first).
CHART_UNITS = 30


def period_of(request):
    try:
        return parse_period(request.GET)
    except PeriodError as error:
        raise BadParameter(str(error)) from None


def figure_url(request, period):
    """``link(**params)``: the address of the items behind a figure of ``period`` (the period's part
    of the query encoded once: the overview has a link for every figure that is not 0)."""
    base = request.application_url + "/@@supervision-items?" + urlencode(period.query()) + "&"
    return lambda **params: base + urlencode(params)


@portal_view(
    context="substanced.interfaces.IRoot",
    name="supervision",
    renderer="templates/overview.pt",
    permission="view:supervision",
)
def overview_page(context, request):
    period = period_of(request)
    chosen = text_param(request, "group", 50, "统计类别") or SUMMARY
    known = dict(groups(request.registry))
    if chosen != SUMMARY and chosen not in known:
        raise BadParameter(f"没有“{chosen}”这一统计类别")
    overview = build(context, request.registry, period)
    columns = known.get(chosen, [])
    worst = sorted(overview.rows, key=lambda row: (-(row.red + row.problems), -row.duties, row.unit))
    if columns:
        series = [(m.title, [m.key]) for m in columns if m.kind in ("duty", "late", "refused")]
    else:
        # The summary's trend: every flow's duties against what went wrong, two lines.
        every = measures(request.registry)
        series = [
            ("应办事项", [m.key for m in every if m.kind == "duty"]),
            ("逾期及拒不履行", [m.key for m in every if m.kind in ("late", "refused")]),
        ]
    return {
        "period": period,
        "kinds": KINDS,
        "this_year": today().year,
        "overview": overview,
        "groups": list(known),
        "group": chosen,
        "columns": columns,
        "warnings": WARNINGS,
        "chart_rows": [row for row in worst if row.duties or row.red or row.problems][:CHART_UNITS],
        "trend": trend(context, period, series) if series else [],
        "trend_series": [title for title, _ in series],
        "link": figure_url(request, period),
        "tab": lambda group: (
            request.application_url + "/@@supervision?" + urlencode({**period.query(), "group": group})
        ),
        "can_set": request.permits(context, "manage:supervision"),
        "threshold_action": request.application_url + "/@@supervision?" + urlencode(period.query()),
        "month_title": lambda month: f"{month // 100}年{month % 100}月",
        "ranking_url": request.application_url + "/@@scorecards?" + urlencode(period.query()),
        "export_action": request.application_url + "/@@supervision-export",
        "period_fields": list(period.query().items()),
    }


@portal_view(
    context="substanced.interfaces.IRoot",
    name="supervision-items",
    renderer="templates/items.pt",
    permission="view:supervision",
)
def figure_items(context, request):
    """The items behind one figure of the overview (or a unit's warnings), as the person may see them."""
    period = period_of(request)
    unit = text_param(request, "unit", 100, "单位") or None
    if unit is not None and unit not in context["tenants"]:
        raise BadParameter(f"没有代码为“{unit}”的单位")
    back = request.application_url + "/@@supervision?" + urlencode(period.query())
    url = request.application_url + "/@@supervision-items"
    return items_behind(context, request, period, unit, url, ("返回督查总览", back))


def items_behind(root, request, period, unit, url, back):
    """The page of the items behind a figure of ``unit`` (None: the district) for ``period``.

    ``url`` is the page's own address (for its pages), ``back`` the (title, address) it returns to.
    """
    catalog = portal_catalog(request)
    colour = text_param(request, "warning", 10, "预警")
    key = text_param(request, "measure", 100, "统计项")
    if colour:
        titles = {name: title for name, title, _ in WARNINGS}
        if colour not in titles or unit is None:
            raise BadParameter("预警应为黄色（yellow）或红色（red），并指明单位")
        query = warning_query(catalog, colour, now(), root.calendar_overrides, unit)
        title = titles[colour]
        what = "截至目前"
    else:
        known = {m.key: m for m in measures(request.registry)}
        if key not in known:
            raise BadParameter(f"没有“{key}”这一统计项")
        query = figure_query(catalog, key, period, unit)
        title = f"{known[key].group}：{known[key].title}"
        what = period.title
    count, result = visible_items(request, query, sort_index="modified")
    page = Page(count, result, page_number(request), PAGE_SIZE)
    base = {**period.query(), "unit": unit or "", "measure": key, "warning": colour}
    return {
        "title": title,
        "what": what,
        "unit": unit_title(request, unit) if unit else "全区",
        "items": page.items,
        "count": count,
        "figure": len(query.execute()),
        "page": page.number,
        "pages": page.pages,
        "page_url": lambda number: url + "?" + urlencode({**base, "page": number}),
        "back": back[1],
        "back_title": back[0],
        "unit_title": lambda code: unit_title(request, code),
    }


class ThresholdSchema(colander.MappingSchema):
    threshold = colander.SchemaNode(
        colander.Int(),
        validator=colander.Range(
            1, 100, "预警率阈值应为 1 到 100 之间的整数", "预警率阈值应为 1 到 100 之间的整数"
        ),
        missing_msg="请填写预警率阈值",
    )


@portal_view(
    context="substanced.interfaces.IRoot",
    name="supervision",
    request_method="POST",
    request_param="set_threshold",
    permission="manage:supervision",
)
def set_threshold(context, request):
    """The supervisor's warning-rate threshold (percent) at which a unit's row turns red."""
    try:
        data = ThresholdSchema().deserialize({"threshold": request.POST.get("threshold", "").strip()[:10]})
    except colander.Invalid as error:
        request.session.flash(
            "未保存："
            + "；".join(error.asdict().values())
            + f"（您填写的是“{request.POST.get('threshold', '')[:10]}”）",
            "error",
        )
    else:
        old = threshold(context)
        context.supervision_threshold = data["threshold"]
        request.session.flash(f"预警率阈值已由 {old}% 改为 {data['threshold']}%")
    return HTTPFound(
        location=request.application_url + "/@@supervision?" + urlencode(period_of(request).query())
    )
