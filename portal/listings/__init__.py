"""Listings: a unit's inbox, outbox and to-do list, the dashboard's panels, and search.

Every list here is one catalog query: what the person may see (:func:`visible_items`, derived from
the policy once per person and unit) intersected with what the list is about (the unit's relations,
its deadlines, the words searched for). Nothing asks Casbin per item and nothing loads more objects
than the page shows, so a list of 100,000 items costs what a list of 100 does.

* 收件箱 (inbox): items another unit owns where the acting unit is a recipient, cc, consultee or
  participant (directly or through ``*``, "every unit");
* 发件箱 (outbox): items the acting unit owns;
* 待办 (to do): open items whose ``awaiting`` names the acting unit (to sign, to record, to answer).
"""

import datetime
from dataclasses import dataclass

from hypatia.query import Any, Eq

from ..calendar import SHANGHAI, add_workdays
from ..items import EVERYONE
from ..items import now as now_
from ..items.catalog import item_types, portal_catalog, sorted_page, visible_items
from ..views.paging import page_number, text_param

#: The relations that put an item in the inbox of the related unit.
INBOX_RELATIONS = ("recipient", "cc", "consultee", "participant")
PAGE_SIZE = 20
#: The columns a list may be sorted by (catalog field indexes), with their headings and the
#: direction they sort in by default (True: newest / largest first).
SORTS = {
    "modified": ("更新时间", True),
    "created": ("创建时间", True),
    "due": ("办理期限", False),
    "number": ("文号", False),
}
DEFAULT_SORT = "modified"
#: A deadline this many working days away or nearer shows yellow (due soon); past it, red.
DUE_SOON_WORKDAYS = 2


@dataclass(frozen=True)
class Box:
    """One of a unit's lists: its name (the URL), its title and the query it stands for."""

    name: str
    title: str
    description: str

    def query(self, catalog, unit):
        if self.name == "inbox":
            tokens = [f"{relation}:{holder}" for relation in INBOX_RELATIONS for holder in (unit, EVERYONE)]
            return Any(catalog["relations"], tokens)
        if self.name == "outbox":
            return Eq(catalog["owner"], unit)
        return Any(catalog["awaiting"], [unit])

    def exclude(self, catalog, unit):
        """The inbox leaves out the unit's own items (they are in its outbox)."""
        return Eq(catalog["owner"], unit) if self.name == "inbox" else None


BOXES = {
    "inbox": Box("inbox", "收件箱", "其他单位发给本单位（主送、抄送、征求意见、参与）的事项。"),
    "outbox": Box("outbox", "发件箱", "本单位起草、发出的全部事项。"),
    "todo": Box("todo", "待办", "等待本单位办理的事项（签收、备案、答复等），按办理期限排列。"),
}


@dataclass
class Params:
    """A list's page, sort column, direction and type filter, read safely from the query string."""

    page: int = 1
    sort: str = DEFAULT_SORT
    reverse: bool = True
    item_type: str = ""

    @classmethod
    def from_request(cls, request, default_sort=DEFAULT_SORT):
        sort = text_param(request, "sort") or default_sort
        if sort not in SORTS:
            sort = default_sort
        order = text_param(request, "order")
        reverse = SORTS[sort][1] if order not in ("asc", "desc") else order == "desc"
        item_type = text_param(request, "type")
        if item_type not in item_types(request.registry):
            item_type = ""
        return cls(page_number(request), sort, reverse, item_type)

    def query_string(self, **changes):
        values = {
            "type": self.item_type,
            "sort": self.sort,
            "order": "desc" if self.reverse else "asc",
            "page": self.page,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


def page_of(request, count, result, params, size=PAGE_SIZE):
    """The page's objects and the page numbers, the page clamped to the last one."""
    catalog = portal_catalog(request)
    pages = max(1, -(-count // size))
    page = min(params.page, pages)
    items = sorted_page(
        result, catalog[params.sort], params.reverse, (page - 1) * size, size, then=catalog["modified"]
    )
    return items, page, pages


def box_listing(request, box, params, size=PAGE_SIZE):
    """``(count, items, page, pages)`` of one of the acting unit's boxes."""
    catalog = portal_catalog(request)
    unit = request.acting_unit
    types = (params.item_type,) if params.item_type else None
    count, result = visible_items(
        request,
        box.query(catalog, unit),
        types=types,
        sort_index=None,
        exclude=box.exclude(catalog, unit),
    )
    items, page, pages = page_of(request, count, result, params, size)
    return count, items, page, pages


def type_titles(registry):
    return dict(getattr(registry, "portal_item_types", {}))


class Clock:
    """The moment a page is drawn and the last day that counts as "due soon" (computed once)."""

    def __init__(self, request, now=None):
        self.now = now or now_()
        overrides = getattr(request.root, "calendar_overrides", None)
        self.soon = add_workdays(self.now.date(), DUE_SOON_WORKDAYS, overrides)

    def status(self, item):
        """``"overdue"``, ``"due-soon"`` or ``""`` for an open item's deadline (the CSS classes)."""
        due = getattr(item, "due", None)
        if due is None or not item.is_open:
            return ""
        if isinstance(due, datetime.datetime):
            if self.now > due:
                return "overdue"
            day = due.astimezone(SHANGHAI).date()
        else:
            if self.now.date() > due:
                return "overdue"
            day = due
        return "due-soon" if day <= self.soon else ""


def due_text(item):
    due = getattr(item, "due", None)
    if due is None or not item.is_open:
        return ""
    if isinstance(due, datetime.datetime):
        return due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return due.strftime("%Y-%m-%d")


@dataclass
class Row:
    """One line of a list; ``snippet`` is ``(before, match, after)`` on the search page."""

    type_title: str
    title: str
    number: str
    owner: str
    state: str
    due: str
    due_class: str
    waiting_for: str
    modified: str
    url: str
    snippet: tuple | None = None


def rows(request, items):
    """What a list shows of each item (read from the page's own objects only)."""
    titles = type_titles(request.registry)
    clock = Clock(request)
    return [row(request, item, titles, clock) for item in items]


def row(request, item, titles, clock):
    owner = request.root["tenants"].get(item.owner)
    modified = item.modified.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if item.modified else ""
    return Row(
        type_title=titles.get(item.item_type, item.type_title),
        title=item.title or "（无标题）",
        number=item.number,
        owner=owner.title if owner is not None else item.owner,
        state=item.state_title,
        due=due_text(item),
        due_class=clock.status(item),
        waiting_for=item.waiting_for if item.is_open else "",
        modified=modified,
        url=request.resource_url(item),
    )


def includeme(config):
    from . import views

    config.add_nav_link(10, "收件箱", views.inbox_link)
    config.add_nav_link(11, "发件箱", views.outbox_link)
    config.add_nav_link(90, "搜索", views.search_link)
    config.add_dashboard_panel(10, views.todo_panel)
    config.add_dashboard_panel(20, views.returned_panel)
    config.add_dashboard_panel(30, views.published_panel)
    config.scan(".views")
