"""The inbox, outbox and to-do pages, search, the dashboard panels and the navigation links."""

from hypatia.query import Any, Eq
from pyramid.renderers import render

from ..items.catalog import (
    item_types,
    portal_catalog,
    snippet,
    sorted_page,
    visible_items,
)
from ..security import PORTAL
from ..views import portal_view
from . import BOXES, SORTS, Params, box_listing, rows, type_titles
from .search import ORDERS, RELEVANCE, SearchPage, SearchParams

#: How many items a dashboard panel lists.
PANEL_ITEMS = 5
#: The item type and state of the "recently published" panel (the regulations feature's).
PUBLISHED = ("regulation", "published")


def acting_in_unit(request):
    unit = request.acting_unit
    return unit is not None and unit != PORTAL


def inbox_link(request):
    return request.application_url + "/inbox" if acting_in_unit(request) else None


def outbox_link(request):
    return request.application_url + "/outbox" if acting_in_unit(request) else None


def search_link(request):
    return request.application_url + "/search" if request.login else None


def list_values(request, base, params, count, items, page, pages, keep=None, **extra):
    """What the list templates need: rows, counts, page links, sort links, the type filter.

    ``keep`` holds further query-string values every link carries (the words searched for).
    """

    def url(**changes):
        query = {**params.query_string(**changes), **(keep or {})}
        return request.resource_url(request.root, base, query=query)

    sort_links = []
    for name, (title, newest_first) in SORTS.items():
        reverse = (not params.reverse) if name == params.sort else newest_first
        arrow = ("↓" if params.reverse else "↑") if name == params.sort else ""
        sort_links.append((title + arrow, url(sort=name, order="desc" if reverse else "asc", page=1)))
    return {
        "count": count,
        "rows": rows(request, items),
        "page": page,
        "pages": pages,
        "page_links": [(number, url(page=number)) for number in page_numbers(page, pages)],
        "previous_url": url(page=page - 1) if page > 1 else None,
        "next_url": url(page=page + 1) if page < pages else None,
        "sort_links": sort_links,
        "sort_title": SORTS[params.sort][0],
        "params": params,
        "types": sorted(type_titles(request.registry).items(), key=lambda pair: pair[1]),
        "action": request.resource_url(request.root, base),
        **extra,
    }


def page_numbers(page, pages, around=3):
    """The page numbers to link: the first, the last, and a few around the current one."""
    numbers = {1, pages, *range(max(1, page - around), min(pages, page + around) + 1)}
    return sorted(numbers)


def box_page(request, name, default_sort="modified"):
    box = BOXES[name]
    params = Params.from_request(request, default_sort=default_sort)
    count, items, page, pages = box_listing(request, box, params)
    params.page = page
    return list_values(request, box.name, params, count, items, page, pages, box=box)


@portal_view(
    context="substanced.interfaces.IRoot", name="inbox", renderer="templates/box.pt", permission="view"
)
def inbox(context, request):
    return box_page(request, "inbox")


@portal_view(
    context="substanced.interfaces.IRoot", name="outbox", renderer="templates/box.pt", permission="view"
)
def outbox(context, request):
    return box_page(request, "outbox")


@portal_view(
    context="substanced.interfaces.IRoot", name="todo", renderer="templates/box.pt", permission="view"
)
def todo(context, request):
    return box_page(request, "todo", default_sort="due")


@portal_view(
    context="substanced.interfaces.IRoot", name="search", renderer="templates/search.pt", permission="view"
)
def search(context, request):
    """Chinese full-text search over what the acting unit may see, by relevance or date, with the
    hits counted by type, unit, year and state (:mod:`portal.listings.search`)."""
    params = SearchParams.from_request(request)
    found = SearchPage(request, params)
    page, items, unscored = found.page_items()
    params.page = page
    facets, sampled = found.facets()
    values = {
        "words": params.words,
        "searched": found.searched,
        "count": found.count,
        "rows": rows(request, items),
        "page": page,
        "pages": found.pages,
        "page_links": [(number, found.url(page=number)) for number in page_numbers(page, found.pages)],
        "previous_url": found.url(page=page - 1) if page > 1 else None,
        "next_url": found.url(page=page + 1) if page < found.pages else None,
        "orders": [
            (name, title, found.url(sort=name, page=None), name == params.sort)
            for name, title in ORDERS.items()
            if name != RELEVANCE or params.words
        ],
        "sort_title": ORDERS[params.sort],
        "params": params,
        "facets": facets,
        "sampled": sampled,
        "unscored": unscored,
        "action": request.resource_url(request.root, "search"),
    }
    for value, item in zip(values["rows"], items, strict=True):
        value.snippet = snippet(item.searchable_text(), params.words) if params.words else None
    return values


# Dashboard panels ---------------------------------------------------------------------------------


def panel(request, panel_id, title, count, items, empty, groups=(), more_url=None):
    html = render(
        "templates/panel.pt",
        {
            "count": count,
            "rows": rows(request, items),
            "groups": groups,
            "empty": empty,
            "more_url": more_url,
        },
        request=request,
    )
    return {"id": panel_id, "title": f"{title}（{count}）", "html": html}


def todo_panel(request):
    """待办: open items awaiting the acting unit, counted per item type, the most urgent listed."""
    if not acting_in_unit(request):
        return None
    catalog = portal_catalog(request)
    count, result = visible_items(request, Any(catalog["awaiting"], [request.acting_unit]), sort_index=None)
    groups, items = [], []
    if count:
        titles = type_titles(request.registry)
        for item_type in item_types(request.registry):
            ids = catalog["item_type"].applyEq(item_type)
            n = len(result.family.IF.intersection(result.ids, ids)) if len(ids) else 0
            if n:
                url = request.resource_url(request.root, "todo", query={"type": item_type})
                groups.append((titles.get(item_type, item_type), n, url))
        items = sorted_page(result, catalog["due"], False, 0, PANEL_ITEMS, then=catalog["modified"])
    return panel(
        request,
        "panel-todo",
        "待办",
        count,
        items,
        "没有等待本单位办理的事项。",
        groups,
        request.resource_url(request.root, "todo"),
    )


def returned_panel(request):
    """被退回: the acting unit's own items returned to it for correction, newest first."""
    if not acting_in_unit(request):
        return None
    catalog = portal_catalog(request)
    query = Eq(catalog["owner"], request.acting_unit) & Eq(catalog["state"], "returned")
    count, result = visible_items(request, query, sort_index=None)
    items = sorted_page(result, catalog["modified"], True, 0, PANEL_ITEMS)
    return panel(request, "panel-returned", "被退回", count, items, "没有被退回的事项。")


def published_panel(request):
    """最近发布: the newest published regulations the acting unit may see."""
    item_type, state = PUBLISHED
    if request.login is None or item_type not in item_types(request.registry):
        return None
    catalog = portal_catalog(request)
    count, result = visible_items(request, Eq(catalog["state"], state), types=(item_type,), sort_index=None)
    items = sorted_page(result, catalog["modified"], True, 0, PANEL_ITEMS)
    return panel(request, "panel-published", "最近发布", count, items, "暂无发布的法规文件。")
