"""Search: the hits in order of relevance or of date, counted by type, unit, year and state.

Everything here works on the visible hits (:func:`portal.items.catalog.visible_items`: the words,
the chosen facets and the policy's visibility query, one set of docids): the counts beside the
results, the order and the page. Only the page's 20 objects are loaded.

* **Relevance** (相关度, the default when words are searched): first the hits holding more of the
  query words in their titles (set operations on the store's title matches, for any number of
  hits), and within each such group by the store's score (SQLite's bm25, PostgreSQL's ``ts_rank``,
  hypatia's Okapi BM25 with the words in the catalog), ties by the newest change. A group of more
  than :data:`RANK_LIMIT` hits is not scored: it is ordered by the newest change, and the page
  says so.
* **Date** (更新时间, 创建时间): newest first, from the catalog's field index.
* A late page costs what an early one does: the order is taken from whichever end is nearer.
* **Facets** (事项类型, 发起单位, 年份, 状态): counted from the catalog's forward or reverse
  index on the hit set, whichever is cheaper, never from the objects. Over more than
  :data:`FACET_LIMIT` hits, they are estimated from an even sample of :data:`FACET_SAMPLE` of
  them (every n-th docid), shown as approximate, and the page says so.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from hypatia.query import Eq

from ..items.catalog import (
    TextSearch,
    item_types,
    item_workflows,
    loader,
    portal_catalog,
    visible_items,
)
from ..views.paging import BadParameter, page_number, text_param

PAGE_SIZE = 20
#: How many characters of a search query are used.
QUERY_MAX = 100
RELEVANCE = "relevance"
#: The orders a search offers: parameter -> title.
ORDERS = {RELEVANCE: "相关度", "modified": "更新时间", "created": "创建时间"}
#: The facets: parameter -> (catalog index, heading), in the order the page shows them.
FACETS = {
    "type": ("item_type", "事项类型"),
    "unit": ("owner", "发起单位"),
    "year": ("year", "年份"),
    "state": ("state", "状态"),
}
#: The units listed before "更多单位".
UNITS_SHOWN = 10
YEARS = (1949, 2100)
#: Up to this many hits, the facets count every one (at most about 0.1 s at 100,000 items).
FACET_LIMIT = 100_000
#: More hits: the facets are estimated from an even sample of this many.
FACET_SAMPLE = 20_000
#: A group of hits (same number of query words in the title) larger than this is ordered by the
#: newest change instead of scored.
RANK_LIMIT = 2_000
#: Up to this many docids are put in order by sorting their values; more by walking the index.
SORT_ALL = 5_000
#: Walking one value of a field index costs about as much as sorting this many docids.
WALK_COST = 10

_YEAR = re.compile(r"^[0-9]{4}$")


@dataclass
class SearchParams:
    """A search's words, order, page and chosen facets, read and checked from the query string."""

    words: str = ""
    sort: str = RELEVANCE
    page: int = 1
    facets: dict = field(default_factory=dict)
    all_units: bool = False

    @classmethod
    def from_request(cls, request):
        words = " ".join(text_param(request, "q", 10 * QUERY_MAX, "搜索词").split())[:QUERY_MAX]
        sort = text_param(request, "sort")
        default = RELEVANCE if words else "modified"
        if sort not in ORDERS or (sort == RELEVANCE and not words):
            # As in every list: an order no link offers falls back to the default.
            sort = default
        facets = {}
        for name in FACETS:
            value = text_param(request, name, what=FACETS[name][1])
            if value:
                facets[name] = check_facet(request, name, value, facets.get("type"))
        return cls(words, sort, page_number(request), facets, text_param(request, "units") == "all")

    def query_string(self, **changes):
        """The parameters of a link to this search with ``changes`` (a facet set to None: removed)."""
        values = {"q": self.words, "sort": self.sort, **self.facets, "page": self.page}
        values["units"] = "all" if self.all_units else None
        values.update(changes)
        if values["page"] == 1:
            values["page"] = None
        return {key: value for key, value in values.items() if value not in ("", None)}


def check_facet(request, name, value, item_type=None):
    """A facet's value from the query string, or 400 with a Chinese message saying what is wrong."""
    if name == "type":
        if value not in item_types(request.registry):
            raise BadParameter(f"没有“{value}”这一事项类型，请从搜索页左侧的“事项类型”中选择")
        return value
    if name == "unit":
        if value not in request.root["tenants"]:
            raise BadParameter(f"没有代码为“{value}”的单位，请从搜索页左侧的“发起单位”中选择")
        return value
    if name == "year":
        if not _YEAR.match(value) or not YEARS[0] <= int(value) <= YEARS[1]:
            raise BadParameter(f"年份应为 {YEARS[0]} 到 {YEARS[1]} 之间的四位数字，如 2026")
        return int(value)
    workflows = item_workflows(request.registry)
    if item_type is not None:
        workflow = workflows.get(item_type)
        if workflow is None or value not in workflow.states:
            types = dict(getattr(request.registry, "portal_item_types", {}))
            raise BadParameter(f"“{types.get(item_type, item_type)}”没有“{value}”这一状态")
    elif not any(value in workflow.states for workflow in workflows.values()):
        raise BadParameter(f"没有“{value}”这一状态，请从搜索页左侧的“状态”中选择")
    return value


# Order and pages ----------------------------------------------------------------------------------


def ordered_slice(index, docids, start, size, descending=True, sort_all=None, walk_cost=WALK_COST):
    """Docids ``start:start + size`` of ``docids`` in the field index's order (newest first when
    ``descending``; equal values by docid, the same way), taken from the nearer end.

    A few thousand docids are sorted by their values; more are found by walking the index's values
    from the nearer end, unless that would visit many more values than sorting them all costs.
    """
    count = len(docids)
    stop = min(count, start + size)
    if start >= stop:
        return []
    sort_all = SORT_ALL if sort_all is None else sort_all
    rev = index._rev_index
    from_end = start > count - stop
    position = count - start if from_end else stop
    expected_walk = position * max(index.indexed_count(), 1) / count
    if count <= sort_all or expected_walk * walk_cost > count:
        ordered = sorted(docids, key=lambda docid: (rev.get(docid, 0), docid), reverse=descending)
        return ordered[start:stop]
    found = []
    wanted = position
    for docid in walk(index._fwd_index, docids, descending != from_end):
        found.append(docid)
        if len(found) >= wanted:
            break
    if from_end:
        # The walk from the other end found the last ``count - start`` docids, last first.
        found.reverse()
        return found[: stop - start]
    return found[start:stop]


def walk(values, docids, descending):
    """The docids of ``docids`` in the order of ``values`` (a field index's value -> docids)."""
    for _, holders in reversed(values.items()) if descending else values.items():
        for docid in reversed(list(holders)) if descending else holders:
            if docid in docids:
                yield docid


def title_groups(search, docids, family):
    """``[(n, docids)]`` from the most query words in the title down to none (empty ones left out)."""
    IF = family.IF
    titled = search.title_hits(docids)
    # at_least[j]: the docids holding at least j of the words in their title.
    at_least = [docids] + [IF.Set() for _ in titled]
    for ids in titled:
        if not len(ids):
            continue
        for j in range(len(titled), 0, -1):
            more = IF.intersection(at_least[j - 1], ids)
            if len(more):
                at_least[j] = IF.union(at_least[j], more)
    groups = []
    for j in range(len(titled), -1, -1):
        exact = at_least[j]
        if j < len(titled) and len(at_least[j + 1]):
            exact = IF.difference(exact, at_least[j + 1])
        if len(exact):
            groups.append((j, exact))
    return groups


def relevance_slice(search, catalog, docids, start, size, rank_limit=None):
    """``(docids start:start + size in relevance order, whether a part is in date order instead)``."""
    rank_limit = RANK_LIMIT if rank_limit is None else rank_limit
    modified = catalog["modified"]
    rev = modified._rev_index
    page, approximate, offset = [], False, start
    for _, group in title_groups(search, docids, catalog.family):
        if offset >= len(group):
            offset -= len(group)
            continue
        wanted = size - len(page)
        if len(group) <= rank_limit:
            scores = search.scores(group)
            ordered = sorted(
                group,
                key=lambda docid: (round(scores.get(docid, 0.0), 9), rev.get(docid, 0), docid),
                reverse=True,
            )
            page.extend(ordered[offset : offset + wanted])
        else:
            approximate = True
            page.extend(ordered_slice(modified, group, offset, wanted))
        offset = 0
        if len(page) >= size:
            break
    return page, approximate


# Facets ---------------------------------------------------------------------------------------------


def value_counts(index, docids):
    """``{value: how many of docids have it}`` from a field index, by whichever way is cheaper:
    looking each docid up in the reverse index, or intersecting the docids with each value's set
    (set operations in C, a pass over both sets per value)."""
    fwd, rev = index._fwd_index, index._rev_index
    count = len(docids)
    values = len(fwd)
    # Measured at 100,000 items: a lookup costs about 0.6 µs, a step of an intersection 0.01 µs.
    if values * count + index.indexed_count() < 60 * count:
        family = index.family
        counts = {}
        for value, holders in fwd.items():
            n = len(family.IF.intersection(docids, holders))
            if n:
                counts[value] = n
        return counts
    counts = {}
    for docid in docids:
        value = rev.get(docid)
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return counts


@dataclass
class FacetValue:
    value: object
    title: str
    count: int
    url: str
    #: Whether ``count`` is estimated from a sample of the hits.
    approximate: bool = False

    @property
    def shown(self):
        return f"约 {self.count:,}" if self.approximate else str(self.count)


@dataclass
class Facet:
    name: str
    heading: str
    values: list
    chosen: FacetValue | None = None
    remove_url: str = ""
    more_url: str = ""
    fewer_url: str = ""


def state_titles(registry, item_type=None):
    """``{state: title}``: of the type's workflow, or of every type's (titles that differ joined)."""
    workflows = item_workflows(registry)
    if item_type is not None:
        return dict(workflows[item_type].states) if item_type in workflows else {}
    titles = {}
    for _, workflow in sorted(workflows.items()):
        for state, title in workflow.states.items():
            known = titles.setdefault(state, [])
            if title not in known:
                known.append(title)
    return {state: "／".join(names) for state, names in titles.items()}


class SearchPage:
    """What ``/search`` shows: the hits' count, the page's items, the facets and the links."""

    def __init__(self, request, params):
        self.request = request
        self.params = params
        self.catalog = portal_catalog(request)
        self.text = TextSearch(self.catalog, params.words) if params.words else None
        query = self.text.query if self.text is not None else None
        self.searched = query is not None or bool(params.facets)
        self.count, self.ids = 0, self.catalog.family.IF.Set()
        if not self.searched:
            return
        clauses = [query] if query is not None else []
        for name, value in params.facets.items():
            if name != "type":
                clauses.append(Eq(self.catalog[FACETS[name][0]], value))
        combined = None
        for clause in clauses:
            combined = clause if combined is None else combined & clause
        item_type = params.facets.get("type")
        count, result = visible_items(
            request, combined, types=(item_type,) if item_type else None, sort_index=None
        )
        if result is not None and count:
            self.count, self.ids, self.result = count, result.ids, result

    @property
    def pages(self):
        return max(1, -(-self.count // PAGE_SIZE))

    def page_items(self):
        """``(page number, the page's objects, unscored)``: ``unscored`` is :data:`RANK_LIMIT` when
        a group of more hits than that is on the page in date order, else 0."""
        page = min(self.params.page, self.pages)
        if not self.count:
            return page, [], 0
        start = (page - 1) * PAGE_SIZE
        approximate = False
        if self.params.sort == RELEVANCE and self.text is not None:
            docids, approximate = relevance_slice(
                self.text, self.catalog, self.ids, start, PAGE_SIZE, rank_limit=RANK_LIMIT
            )
        else:
            docids = ordered_slice(self.catalog[self.params.sort], self.ids, start, PAGE_SIZE)
        items = [item for item in map(loader(self.result), docids) if item is not None]
        return page, items, RANK_LIMIT if approximate else 0

    def url(self, **changes):
        query = self.params.query_string(**changes)
        return self.request.application_url + "/search" + ("?" + urlencode(query) if query else "")

    def facets(self):
        """``(facets, sampled)``: the four facets over the hits; over more than :data:`FACET_LIMIT`,
        estimated from an even sample of the hits (``sampled`` is then its size, else 0)."""
        if not self.searched:
            return [], 0
        ids, sampled, scale = self.ids, 0, 1.0
        if self.count > FACET_LIMIT:
            # Every n-th docid: ids run in the order items were made, so the sample spans them all.
            step = -(-self.count // FACET_SAMPLE)
            ids = self.catalog.family.IF.Set(list(ids)[::step])
            sampled, scale = len(ids), self.count / len(ids)
        registry = self.request.registry
        tenants = self.request.root["tenants"]
        titles = {
            "type": dict(getattr(registry, "portal_item_types", {})),
            "unit": {code: unit.title for code, unit in tenants.items()},
            "year": {},
            "state": state_titles(registry, self.params.facets.get("type")),
        }
        facets = []
        for name, (index_name, heading) in FACETS.items():
            chosen = self.params.facets.get(name)
            counts = value_counts(self.catalog[index_name], ids) if len(ids) and chosen is None else {}
            names = titles[name]

            def title(value, names=names, name=name):
                return f"{value} 年" if name == "year" else names.get(value, str(value))

            facet = Facet(name, heading, [])
            if chosen is not None:
                # Every hit has the chosen value.
                facet.chosen = FacetValue(chosen, title(chosen), self.count, "")
                facet.remove_url = self.url(**{name: None, "page": None})
            else:
                if name == "year":
                    ordered = sorted(counts.items(), key=lambda pair: -pair[0])
                else:
                    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], title(pair[0])))
                if name == "unit" and len(ordered) > UNITS_SHOWN:
                    if self.params.all_units:
                        facet.fewer_url = self.url(units=None)
                    else:
                        ordered = ordered[:UNITS_SHOWN]
                        facet.more_url = self.url(units="all")
                facet.values = [
                    FacetValue(
                        value,
                        title(value),
                        round(n * scale),
                        self.url(**{name: value, "page": None}),
                        approximate=bool(sampled),
                    )
                    for value, n in ordered
                ]
            facets.append(facet)
        return facets, sampled
