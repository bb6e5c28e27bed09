"""The figures of the 区司法局's overview: what each flow counts, and the counters that keep them.

A flow declares its measures (:class:`Measure`) and a function that says, for one item, which of
them it counts, for which unit and in which month::

    config.add_figures("collab_request", MEASURES, figures)
    def figures(item):
        yield "requests.received", item.department, item.received_at
        ...

The portal catalog's ``figures`` keyword index holds each item's figures as keys
``measure|unit|yyyymm``. The indexer, the one writer of the catalogs (:mod:`portal.indexing`), sees
the item's keys before and after each change and moves the counters (:class:`Counts`) by the
difference, in its own transaction after the request's: a transition costs the request nothing
more, and no two requests ever contend for a counter. The overview then reads a year of a unit's
figures from one counter each (per year and per month), never the items; the list behind a figure
is one catalog query on the same keys.
"""

import datetime
from dataclasses import dataclass

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.threadlocal import get_current_registry

from ..calendar import SHANGHAI

SEPARATOR = "|"
#: The highest unit code, as the upper end of a range of keys.
LAST = "\uffff"


@dataclass(frozen=True)
class Measure:
    """One figure of the overview.

    ``kind``: ``duty`` (an item the unit had to act on: the base of its warning rate), ``late``
    (acted on after its deadline), ``refused`` (declined or left unanswered: 拒不履行), ``open``
    (not yet done), or ``""`` (counted only).
    """

    key: str
    title: str
    group: str
    kind: str = ""
    help: str = ""


def add_figures(config, item_type, measures, figures):
    """``config.add_figures(item_type, measures, figures)``: a flow's measures and its counting.

    Another package may count the same item type with measures of its own (the 以罚代刑 flags of
    :mod:`portal.referrals.flags` count penalty filings): an item counts in what each says."""
    registry = config.registry
    known = registry.__dict__.setdefault("portal_measures", {})
    for measure in measures:
        known[measure.key] = measure
    counting = registry.__dict__.setdefault("portal_figures", {}).setdefault(item_type, [])
    if figures not in counting:
        counting.append(figures)


def measures(registry=None):
    """Every measure, in the order the flows declared them."""
    registry = registry or get_current_registry()
    return list(getattr(registry, "portal_measures", {}).values())


def groups(registry=None):
    """``[(group, [measures])]`` in declaration order."""
    result = {}
    for measure in measures(registry):
        result.setdefault(measure.group, []).append(measure)
    return list(result.items())


def month_of(moment):
    """``yyyymm`` of a date or a moment (China local time)."""
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(SHANGHAI)
    return moment.year * 100 + moment.month


def figure_keys(item, registry=None):
    """The item's figures as index keys (``measure|unit|yyyymm``), or () if its type counts none."""
    registry = registry or get_current_registry()
    counting = getattr(registry, "portal_figures", {}).get(getattr(item, "item_type", None))
    if not counting:
        return ()
    keys = set()
    for figures in counting:
        for measure, unit, moment in figures(item):
            if unit and moment is not None:
                keys.add(f"{measure}{SEPARATOR}{unit}{SEPARATOR}{month_of(moment)}")
    return tuple(sorted(keys))


def split_key(key):
    measure, unit, month = key.split(SEPARATOR)
    return measure, unit, int(month)


class Counts(Persistent):
    """How many items count in each figure, per unit, per month and per year.

    ``months``: (measure, yyyymm, unit) -> count; ``years``: (measure, yyyy, unit) -> count. Only
    the indexer writes here; processes that index at once retry on a conflict in their own
    transaction, never a request's.
    """

    def __init__(self):
        self.months = OOBTree()
        self.years = OOBTree()

    def apply(self, removed=(), added=()):
        for key in removed:
            self._add(key, -1)
        for key in added:
            self._add(key, 1)

    def _add(self, key, delta):
        measure, unit, month = split_key(key)
        for tree, period in ((self.months, month), (self.years, month // 100)):
            slot = (measure, period, unit)
            value = tree.get(slot, 0) + delta
            if value:
                tree[slot] = value
            elif slot in tree:
                del tree[slot]

    def per_unit(self, measure, period):
        """``{unit: count}`` of one measure over a :class:`~portal.supervision.periods.Period`."""
        totals = {}
        for tree, first, last in period.pieces():
            source = self.years if tree == "years" else self.months
            for (_, _, unit), count in source.items(min=(measure, first, ""), max=(measure, last, LAST)):
                totals[unit] = totals.get(unit, 0) + count
        return totals

    def per_month(self, measure, period, unit=None):
        """``{yyyymm: count}`` of one measure over a period, for one unit or the whole district."""
        totals = {}
        items = self.months.items(min=(measure, period.first, ""), max=(measure, period.last, LAST))
        for (_, month, holder), count in items:
            if unit is None or holder == unit:
                totals[month] = totals.get(month, 0) + count
        return totals

    def rebuild(self, index):
        """Every counter again from the ``figures`` index (after the index was filled anew)."""
        self.months = OOBTree()
        self.years = OOBTree()
        for keys in index._rev_index.values():
            self.apply(added=keys)


def counts_of(root):
    return getattr(root, "supervision_counts", None)


def counted_for(registry=None):
    """What the flows count now: the item types and the measures' keys (see :func:`ensure_counts`)."""
    registry = registry or get_current_registry()
    types = tuple(sorted(getattr(registry, "portal_figures", {})))
    return types, tuple(sorted(measure.key for measure in measures(registry)))


def ensure_counts(root, registry=None):
    """The site's counters, made or made again from the ``figures`` index when the site has none
    or the index is new (filled anew by Substance D's ``update_indexes`` when its definition
    changed); the index remembers that the counters were taken from it, and for which measures.

    When the flows count other types or measures than when the index was filled (a flow declared
    its figures since), every item's figures are taken again first: items filed before count too.
    """
    counts = counts_of(root)
    catalog = root["catalogs"]["portal"]
    index = catalog.get("figures")
    wanted = counted_for(registry)
    if counts is None:
        counts = root.supervision_counts = Counts()
    elif index is None or (
        getattr(index, "portal_counted", False) and getattr(index, "portal_counted_for", None) == wanted
    ):
        return counts
    if index is not None:
        if getattr(index, "portal_counted", False):
            refill(root, catalog, index)
        counts.rebuild(index)
        index.portal_counted = True
        index.portal_counted_for = wanted
    return counts


def refill(root, catalog, index):
    """Every cataloged item's figures into ``index`` again, from the items as they are."""
    from substanced.interfaces import MODE_IMMEDIATE

    objectmap = root.__objectmap__
    for oid in list(catalog.objectids):
        resource = objectmap.object_for(oid)
        if resource is None:
            continue
        if figure_keys(resource):
            index.reindex_resource(resource, oid=oid, action_mode=MODE_IMMEDIATE)
        elif oid in index._rev_index or oid in index._not_indexed:
            index.unindex_doc(oid)


class FigureTracker:
    """The indexer's side: each item's figure keys before its reindexing, then the counters moved.

    Used by :func:`portal.indexing.reindex_oids` within its transaction.
    """

    def __init__(self, root):
        catalog = root["catalogs"].get("portal") if "catalogs" in root else None
        self.index = None if catalog is None else catalog.get("figures")
        self.counts = counts_of(root) if self.index is not None else None

    def before(self, oid):
        if self.counts is None:
            return ()
        return tuple(self.index._rev_index.get(oid, ()))

    def after(self, oid, old):
        if self.counts is None:
            return
        new = tuple(self.index._rev_index.get(oid, ()))
        if new != old:
            self.counts.apply(removed=set(old) - set(new), added=set(new) - set(old))
