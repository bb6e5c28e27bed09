"""The district overview: one row per unit, its figures for a period, its warnings now.

Figures come from the counters (:mod:`.figures`); warnings from the catalog's ``due`` and
``awaiting`` indexes at this moment: yellow for open items due within one working day, red for
overdue ones. Nothing here loads an item.

The warning rate of a unit is what went wrong over what it had to do: (items answered late +
refused + overdue now) ÷ (its duties in the period, or that sum if larger). A unit's row turns red
when its rate reaches the threshold the supervisor set (:func:`threshold`).
"""

from dataclasses import dataclass, field

from hypatia.query import Eq

from ..deadlines import due_bounds, due_query
from ..items import now
from .figures import counts_of, measures

#: The warning rate (percent) at which a unit's row turns red, until the supervisor sets another.
DEFAULT_THRESHOLD = 20
WARNINGS = (("yellow", "黄色预警", "1个工作日内到期"), ("red", "红色预警", "已超期"))


def threshold(root):
    return getattr(root, "supervision_threshold", DEFAULT_THRESHOLD)


@dataclass
class Row:
    unit: str
    title: str
    kind: str
    values: dict = field(default_factory=dict)
    yellow: int = 0
    red: int = 0
    duties: int = 0
    problems: int = 0
    rate: float = 0.0
    alarm: bool = False


@dataclass
class Overview:
    period: object
    measures: list
    rows: list
    totals: dict
    threshold: int

    @property
    def alarms(self):
        return sum(1 for row in self.rows if row.alarm)


def warning_ids(catalog, moment, overrides):
    """``{"yellow": docids, "red": docids}`` of the open items with a deadline, at ``moment``."""
    yellow = due_query(catalog, "due-today", moment, overrides) | due_query(
        catalog, "due-soon", moment, overrides
    )
    return {
        "yellow": yellow.execute().ids,
        "red": due_query(catalog, "overdue", moment, overrides).execute().ids,
    }


def warnings_per_unit(catalog, moment, overrides):
    """``{unit: {"yellow": n, "red": n}}`` for the units awaited by open items with a deadline.

    The ``due`` and ``awaiting`` indexes hold open items only: each awaited item's deadline is
    looked up once and placed in the bounds of :func:`portal.deadlines.due_kind`, which are those
    of :func:`warning_ids` (the dashboard's panels do the same). With hundreds of units,
    intersecting every unit's items with the thousands of overdue ones cost ten times more.
    """
    lookup = catalog["due"]._rev_index.get  # docid -> due key
    # due_kind's bounds: overdue before now, yellow up to the end of the next working day.
    now_key, _, soon_end = due_bounds(moment, overrides)
    result = {}
    for unit, docids in catalog["awaiting"]._fwd_index.items():
        red = yellow = 0
        for docid in docids:
            key = lookup(docid)
            if key is None:
                continue
            if key < now_key:
                red += 1
            elif key <= soon_end:
                yellow += 1
        if red or yellow:
            result[unit] = {"yellow": yellow, "red": red}
    return result


def units(root):
    """``[(code, title, kind title)]`` of every unit, departments first, in code order."""
    rows = []
    for code, tenant in root["tenants"].items():
        rows.append((tenant.kind != "department", code, tenant.title or code, tenant.kind_title))
    rows.sort()
    return [(code, title, kind) for _, code, title, kind in rows]


def build(root, registry, period, moment=None):
    """The :class:`Overview` of every unit for ``period``."""
    counts = counts_of(root)
    chosen = measures(registry)
    per_measure = {m.key: counts.per_unit(m.key, period) if counts is not None else {} for m in chosen}
    catalog = root["catalogs"]["portal"]
    warned = warnings_per_unit(catalog, moment or now(), root.calendar_overrides)
    limit = threshold(root)
    rows = []
    by_unit = {}
    zeros = dict.fromkeys((m.key for m in chosen), 0)
    for code, title, kind in units(root):
        row = by_unit[code] = Row(code, title, kind, dict(zeros))
        rows.append(row)
    totals = dict(zeros)
    totals.update(yellow=0, red=0)
    # Measure by measure over the units it counts something for: most units have nothing for
    # most measures (at 500 units and 85 measures, a third of the page's time went to the zeros).
    for m in chosen:
        total = 0
        for code, value in per_measure[m.key].items():
            row = by_unit.get(code)
            if row is None or not value:
                continue
            row.values[m.key] = value
            total += value
            if m.kind == "duty":
                row.duties += value
            elif m.kind in ("late", "refused"):
                row.problems += value
        totals[m.key] = total
    for row in rows:
        code = row.unit
        warning = warned.get(code, {})
        row.yellow, row.red = warning.get("yellow", 0), warning.get("red", 0)
        totals["yellow"] += row.yellow
        totals["red"] += row.red
        wrong = row.problems + row.red
        if wrong:
            row.rate = 100.0 * wrong / max(row.duties, wrong)
        row.alarm = wrong > 0 and row.rate >= limit
    return Overview(period, chosen, rows, totals, limit)


def trend(root, period, series, unit=None):
    """``[(yyyymm, [count per series])]`` over the period's months, for the district or one unit.

    ``series``: ``[(title, [measure keys])]``; a series is the sum of its measures."""
    counts = counts_of(root)
    keys = {key for _, keys in series for key in keys}
    per = {key: counts.per_month(key, period, unit) if counts is not None else {} for key in keys}
    return [
        (month, [sum(per[key].get(month, 0) for key in keys) for _, keys in series])
        for month in period.months()
    ]


def figure_query(catalog, measure, period, unit=None):
    """The catalog query for the items behind one figure (a unit's, or every unit's)."""
    from hypatia.query import Any

    index = catalog["figures"]
    if unit is not None:
        keys = [f"{measure}|{unit}|{month}" for month in period.months()]
        return Any(index, keys)
    prefix = f"{measure}|"
    months = {str(month) for month in period.months()}
    keys = [
        key for key in index._fwd_index.keys(prefix, prefix + "\uffff") if key.rsplit("|", 1)[1] in months
    ]
    return Any(index, keys) if keys else Eq(catalog["item_type"], "\x00none")


def warning_query(catalog, colour, moment, overrides, unit):
    from hypatia.query import Any

    kinds = ("due-today", "due-soon") if colour == "yellow" else ("overdue",)
    query = None
    for kind in kinds:
        part = due_query(catalog, kind, moment, overrides)
        query = part if query is None else query | part
    return query & Any(catalog["awaiting"], [unit])
