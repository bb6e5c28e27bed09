"""Deadlines everywhere: what is due and overdue, how a due date reads, and the overdue run.

Built on what every item offers (``due``, ``awaiting``, ``waiting_for``, ``is_open``) and on the
catalog's ``due`` index (``yyyymmddHHMM``; a date counts as 23:59 of that day), so every item type
gets the home page's panels, due-date labels, reminders and overdue marks without code of its own.

* :func:`due_query` — the catalog queries behind the panels (due today, within one working day,
  overdue) for the units an item awaits.
* :func:`due_label` — an item's due date in words, with the CSS class the page colours it by.
* :func:`check_deadlines` — what ``portal-deadlines`` (run by cron) does: remind the awaiting units
  one working day ahead, mark overdue items in their history and tell the units concerned. Each
  item is reminded once and marked once per due date, so the run may be repeated at will.
* :func:`official_days` — the State Council's holidays and adjusted working days the calendar
  package knows, for the calendar page.
"""

import datetime

import chinese_calendar
from hypatia.query import Any, Eq, InRange, Lt

from ..calendar import (
    PACKAGE_FIRST_YEAR,
    PACKAGE_LAST_YEAR,
    SHANGHAI,
    add_workdays,
    workdays_between,
)
from ..items import Entry, now, reindex
from ..items.catalog import due_key
from ..notifications import notify_units

#: The history's name for what the portal does by itself.
SYSTEM_LOGIN = "system"
SYSTEM_NAME = "系统"
#: Within how many working days a date deadline is shown as "due soon".
SOON_WORKDAYS = 2
PROVISIONAL_NOTE = "（日历数据暂缺，按工作日暂计）"

#: The panels' kinds: (key, title), in the order the home page shows them.
KINDS = (("due-today", "今日到期"), ("due-soon", "1个工作日内到期"), ("overdue", "已超期"))


def moment_key(moment):
    """A moment as the ``due`` index stores it (``yyyymmddHHMM``, China local time)."""
    return int(moment.astimezone(SHANGHAI).strftime("%Y%m%d%H%M"))


def due_query(catalog, kind, moment, overrides, units=None):
    """The hypatia query for one panel ``kind`` at ``moment``; narrowed to items awaiting ``units``.

    ``due-today``: from now to the end of today; ``due-soon``: after today up to the end of the next
    working day; ``overdue``: due before now.
    """
    index = catalog["due"]
    today = moment.astimezone(SHANGHAI).date()
    if kind == "due-today":
        query = InRange(index, moment_key(moment), due_key(today))
    elif kind == "due-soon":
        query = InRange(
            index, due_key(today), due_key(add_workdays(today, 1, overrides)), start_exclusive=True
        )
    elif kind == "overdue":
        query = Lt(index, moment_key(moment))
    else:
        raise ValueError(f"unknown deadline kind {kind!r}")
    query = Eq(catalog["is_open"], True) & query
    if units is not None:
        query = query & Any(catalog["awaiting"], list(units))
    return query


def due_bounds(moment, overrides):
    """The ``due`` keys that part the panels: (now, end of today, end of the next working day)."""
    today = moment.astimezone(SHANGHAI).date()
    return moment_key(moment), due_key(today), due_key(add_workdays(today, 1, overrides))


def due_kind(key, bounds):
    """Which panel a ``due`` key belongs to (the same limits as :func:`due_query`), or None."""
    if key is None:
        return None
    now_key, today_end, soon_end = bounds
    if key < now_key:
        return "overdue"
    if key <= today_end:
        return "due-today"
    if key <= soon_end:
        return "due-soon"
    return None


def _span(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}分钟"
    hours = minutes // 60
    return f"{hours}小时" if hours < 48 else f"{hours // 24}天"


def due_label(item, request, moment=None):
    """``(text, css_class)`` for an open item's due date, or None when it has no running clock.

    e.g. ``("2026-12-01（还有2个工作日）", "due-soon")``, ``("2026-11-30（已超期1个工作日）",
    "overdue")``, ``("2026-12-01 17:30（还有5小时）", "due-soon")``; a provisional due date (a year
    without calendar data) adds ``（日历数据暂缺，按工作日暂计）``. Classes: ``due-today``,
    ``due-soon``, ``overdue`` or ``""``.
    """
    due = item.due
    if due is None or not item.is_open:
        return None
    moment = (moment or now()).astimezone(SHANGHAI)
    if isinstance(due, datetime.datetime):
        due = due.astimezone(SHANGHAI)
        text = due.strftime("%Y-%m-%d %H:%M")
        left = due - moment
        if left.total_seconds() < 0:
            phrase, css = f"已超期{_span(-left)}", "overdue"
        else:
            phrase = f"还有{_span(left)}"
            css = "due-soon" if left <= datetime.timedelta(hours=24) else ""
    else:
        overrides = request.root.calendar_overrides
        today = moment.date()
        text = due.isoformat()
        if due < today:
            late = workdays_between(due, today, overrides)
            phrase, css = (f"已超期{late}个工作日" if late else "已超期"), "overdue"
        elif due == today:
            phrase, css = "今日到期", "due-today"
        else:
            left = workdays_between(today, due, overrides)
            phrase = f"还有{left}个工作日" if left else f"还有{(due - today).days}天"
            css = "due-soon" if left <= SOON_WORKDAYS else ""
    label = f"{text}（{phrase}）"
    if item.due_provisional:
        label += PROVISIONAL_NOTE
    return label, css


def due_text(due):
    """A due date or time as a notification says it."""
    if isinstance(due, datetime.datetime):
        return due.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return due.isoformat()


def record_system(item, root, request, action, title, comment="", when=None):
    """Append an entry made by the portal itself (login ``system``) to the item's history.

    :func:`portal.items.record` needs a person acting as a unit; the overdue run has neither.
    ``request`` only lends its registry (a script's request knows no root).
    """
    entry = Entry(action, title, SYSTEM_LOGIN, SYSTEM_NAME, "", "", comment, when=when)
    item.history.append(entry)
    item.modified = entry.when
    reindex(item, request)
    return entry


def _units(*groups):
    seen = []
    for group in groups:
        seen.extend(unit for unit in group if unit and unit not in seen)
    return seen


def check_deadlines(root, request, moment):
    """Remind and mark overdue as of ``moment``; returns the counts for the summary.

    Reminders: open items awaiting a unit, due from ``moment`` to the end of the next working day,
    once per item and due date (``item.reminded_for``). Overdue: open items awaiting a unit, due
    before ``moment``, once per item and due date (``item.overdue_notified_for``): a history entry
    “已超期” and a notification to the awaiting units and the owner unit.
    """
    catalog = root["catalogs"]["portal"]
    policy = request.registry.policy_engine
    policy.sync(root.policy_store)
    overrides = root.calendar_overrides
    moment = moment.astimezone(SHANGHAI)
    today = moment.date()
    counts = {"reminded": 0, "overdue": 0, "notifications": 0}

    upcoming = InRange(catalog["due"], moment_key(moment), due_key(add_workdays(today, 1, overrides)))
    for item in list((Eq(catalog["is_open"], True) & upcoming).execute().all()):
        if not item.awaiting or getattr(item, "reminded_for", None) == item.due:
            continue
        item.reminded_for = item.due
        text = (
            f"《{item.title}》将于 {due_text(item.due)} 到期（一个工作日内到期），"
            f"{item.waiting_for or '等待本单位办理'}"
        )
        counts["notifications"] += notify_units(root, policy, item, item.awaiting, text)
        counts["reminded"] += 1

    for item in list(due_query(catalog, "overdue", moment, overrides).execute().all()):
        if not item.awaiting or getattr(item, "overdue_notified_for", None) == item.due:
            continue
        item.overdue_notified_for = item.due
        waiting = item.waiting_for or "等待办理"
        record_system(
            item,
            root,
            request,
            "overdue",
            "已超期",
            f"到期日 {due_text(item.due)} 已过，{waiting}",
            when=moment,
        )
        text = f"《{item.title}》已超期（到期日 {due_text(item.due)}），{waiting}"
        units = _units(item.awaiting, [item.owner])
        counts["notifications"] += notify_units(root, policy, item, units, text)
        counts["overdue"] += 1

    # What flows watch beyond a due date (a hazard not acknowledged, a meeting not held...).
    for _, check in getattr(request.registry, "portal_deadline_checks", ()):
        for key, value in (check(root, request, moment) or {}).items():
            counts[key] = counts.get(key, 0) + value
    return counts


def add_deadline_check(config, name, check):
    """``config.add_deadline_check(name, check)``: ``check(root, request, moment)`` runs with every
    ``portal-deadlines`` run, in its transaction, and returns counts to add to the summary
    (``{"notifications": n, ...}``). It must be idempotent, as the run is."""
    checks = config.registry.__dict__.setdefault("portal_deadline_checks", [])
    checks.append((name, check))


def official_days(year):
    """The package's holidays and adjusted working days of ``year``, or None if it has no data.

    ``{"holidays": [(first, last, days, name)], "workdays": [(date, name)]}``: holidays grouped
    into their periods (e.g. 国庆节 2026-10-01 to 2026-10-07).
    """
    if not PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR:
        return None

    def chinese(english):
        return chinese_calendar.Holiday(english).chinese

    holidays = sorted((day, name) for day, name in chinese_calendar.holidays.items() if day.year == year)
    periods = [(run[0], run[-1], len(run), chinese(name)) for name, run in _consecutive_runs(holidays)]
    workdays = sorted(
        (day, f"{chinese(name)}调休上班")
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    )
    return {"holidays": periods, "workdays": workdays}


def _consecutive_runs(days):
    """``[(name, [dates])]``: runs of consecutive dates with the same name."""
    runs = []
    for day, name in days:
        if runs and runs[-1][0] == name and (day - runs[-1][1][-1]).days == 1:
            runs[-1][1].append(day)
        else:
            runs.append((name, [day]))
    return runs


def includeme(config):
    from .views import calendar_link, deadline_panel

    config.add_directive("add_deadline_check", add_deadline_check)
    config.add_dashboard_panel(10, deadline_panel)
    config.add_nav_link(90, "工作日历", calendar_link)
    config.scan(".views")
