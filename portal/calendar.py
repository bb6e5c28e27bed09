"""Official working-day calendar and deadline arithmetic.

Rules (legal basis in brackets):

* A period counted in days starts on the day *after* the starting day; the
  starting day itself does not count [民法典 art. 201].  The period ends at the
  end of its last day [民法典 art. 203].
* Short procedural periods are counted in *working days*: statutory holidays
  are excluded [行政处罚法 art. 85].
* A working day is an official working day of the State Council calendar:
  Monday-Friday, except public holidays, plus the adjusted working weekends
  (调休).  The ``chinese_calendar`` package supplies this data for the years it
  knows (2004-2026 in 1.11.0).
* Admin-entered :class:`CalendarOverrides` win over the package, day by day.
  A year is *covered* if the package has data for it or an admin marked the
  year complete.  Days of an uncovered year without an override fall back to
  plain Monday-Friday, and every result touching such a year is flagged
  ``provisional`` so the UI can warn about it.
* Dates are taken in China local time: aware datetimes are converted to
  Asia/Shanghai before the date is taken, naive datetimes are assumed to be
  Asia/Shanghai wall-clock time.  Hour periods ("within 24 hours") are clock
  time, see :func:`add_hours`.
* Whether a receipt after office hours starts counting a day later is a
  policy choice; pass ``office_close`` to enable it.

We count day by day ourselves instead of using ``chinese_calendar``'s
``find_workday``/``get_workdays``: the former counts one day too many when the
start is not a working day, and ``get_workdays(include_weekends=False)`` drops
adjusted working weekends.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

import chinese_calendar
from BTrees.IIBTree import IITreeSet
from BTrees.OOBTree import OOBTree
from persistent import Persistent

__all__ = [
    "SHANGHAI",
    "CalendarOverrides",
    "Due",
    "add_hours",
    "add_workdays",
    "add_workdays_ex",
    "covered_years",
    "is_workday",
    "local_date",
    "missing_years",
    "workdays_between",
    "year_has_data",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

DayLike = date | datetime  # datetime is a date subclass; listed for clarity

_ONE_DAY = timedelta(days=1)


def _package_year_range() -> tuple[int, int]:
    """First and last year for which ``chinese_calendar`` has data."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR = _package_year_range()


class OverridesLike(Protocol):
    """What the calendar functions need from an overrides object."""

    def is_override(self, day: DayLike) -> bool | None: ...

    def is_year_complete(self, year: int) -> bool: ...

    def complete_years(self) -> Iterable[int]: ...


# ---------------------------------------------------------------------------
# Date helpers
# ---------------------------------------------------------------------------


def _to_shanghai(moment: datetime) -> datetime:
    """Aware datetime in Asia/Shanghai; naive input is taken as Shanghai time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def local_date(day: DayLike) -> date:
    """The China-local calendar date of a date or datetime."""
    if isinstance(day, datetime):
        return _to_shanghai(day).date()
    if isinstance(day, date):
        return day
    raise TypeError(f"expected a date or datetime, got {type(day).__name__}")


def _weekday_rule(day: date) -> bool:
    """Fallback for years without data: Monday-Friday are working days."""
    return day.weekday() < 5


@lru_cache(maxsize=1 << 17)
def _package_workday(day: date) -> bool | None:
    """The package's answer for ``day``, or None if it has no data for the year.

    Pure and keyed by date only, so it is cached (hot path for due-date lists).
    """
    if not PACKAGE_FIRST_YEAR <= day.year <= PACKAGE_LAST_YEAR:
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # defensive: a gap inside the range
        return None


def year_has_data(year: int, overrides: OverridesLike | None = None) -> bool:
    """True if ``year`` is covered by the package or marked complete by admins."""
    if PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR:
        return True
    return overrides is not None and overrides.is_year_complete(year)


def covered_years(overrides: OverridesLike | None = None) -> set[int]:
    """All years whose working-day data is complete (package or overrides)."""
    years = set(range(PACKAGE_FIRST_YEAR, PACKAGE_LAST_YEAR + 1))
    if overrides is not None:
        years.update(overrides.complete_years())
    return years


def missing_years(years: Iterable[int], overrides: OverridesLike | None = None) -> list[int]:
    """The given years that lack complete data, sorted (for the admin page)."""
    return sorted({y for y in years if not year_has_data(y, overrides)})


def _is_workday_date(day: date, overrides: OverridesLike | None) -> bool:
    if overrides is not None:
        answer = overrides.is_override(day)
        if answer is not None:
            return answer
    answer = _package_workday(day)
    if answer is None:
        return _weekday_rule(day)
    return answer


def is_workday(day: DayLike, overrides: OverridesLike | None = None) -> bool:
    """True if ``day`` (China local date) is an official working day.

    Order: admin override for that day, then the package, then Monday-Friday.
    """
    return _is_workday_date(local_date(day), overrides)


# ---------------------------------------------------------------------------
# Working-day periods
# ---------------------------------------------------------------------------


class Due(NamedTuple):
    """A computed due date; ``provisional`` if it relied on the Mon-Fri fallback."""

    date: date
    provisional: bool


def _start_day(start: DayLike, office_close: time | None) -> date:
    """The day counting starts after, applying the optional office-hours rule."""
    if isinstance(start, datetime):
        moment = _to_shanghai(start)
        day = moment.date()
        if office_close is not None and moment.time() >= office_close.replace(tzinfo=None):
            day += _ONE_DAY
        return day
    return local_date(start)


def add_workdays_ex(
    start: DayLike,
    n: int,
    overrides: OverridesLike | None = None,
    office_close: time | None = None,
) -> Due:
    """The date ``n`` working days after ``start``, with a provisional flag.

    The start day does not count (民法典 art. 201); we step day by day from the
    day after it.  ``n == 0`` returns the (effective) start day.  With
    ``office_close`` (Shanghai wall-clock time) a datetime start at or after
    that time is treated as received the next day; it has no effect on plain
    dates.  ``provisional`` is True if the start or any day walked lies in a
    year without complete data.
    """
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    day = _start_day(start, office_close)
    year = day.year
    provisional = not year_has_data(year, overrides)
    remaining = n
    while remaining:
        day += _ONE_DAY
        if day.year != year:
            year = day.year
            provisional = provisional or not year_has_data(year, overrides)
        if _is_workday_date(day, overrides):
            remaining -= 1
    return Due(day, provisional)


def add_workdays(
    start: DayLike,
    n: int,
    overrides: OverridesLike | None = None,
    office_close: time | None = None,
) -> date:
    """The date ``n`` working days after ``start``; see :func:`add_workdays_ex`."""
    return add_workdays_ex(start, n, overrides, office_close).date


def workdays_between(start: DayLike, end: DayLike, overrides: OverridesLike | None = None) -> int:
    """Signed count of working days from ``start`` to ``end``.

    If ``end > start``: the number of working days ``d`` with
    ``start < d <= end`` (start excluded, end included), so that
    ``workdays_between(s, add_workdays(s, n)) == n``.  If ``end == start``: 0.
    If ``end < start``: minus the count the other way round, i.e.
    ``-workdays_between(end, start)``.  Use it for "filed N working days after
    the decision" and "late by N working days" (negative means early).
    """
    first, last = local_date(start), local_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    count = 0
    day = first
    while day < last:
        day += _ONE_DAY
        if _is_workday_date(day, overrides):
            count += 1
    return sign * count


def add_hours(start: datetime, hours: float) -> datetime:
    """Clock-time deadline: ``start`` plus ``hours`` elapsed hours.

    Returns an aware datetime in Asia/Shanghai.  Naive input is taken as
    Shanghai time.  Holidays do not matter for hour periods.
    """
    if not isinstance(start, datetime):
        raise TypeError("add_hours needs a datetime, not a plain date")
    moment = _to_shanghai(start)
    # Add in UTC so the result is exact elapsed time whatever the zone rules.
    return (moment.astimezone(UTC) + timedelta(hours=hours)).astimezone(SHANGHAI)


# ---------------------------------------------------------------------------
# Admin-entered overrides (stored in ZODB)
# ---------------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _check_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError("name must be a string")
    return name.strip()


class CalendarOverrides(Persistent):
    """Admin-entered holidays and adjusted working days; they win over the package.

    Keys are plain ``datetime.date`` objects (datetimes are converted to the
    Shanghai local date first: mixing dates and datetimes as BTree keys would
    break ordering).  A day is either a holiday or a working day, never both.
    ``complete`` years are those an admin declared fully entered; for those
    the calendar is no longer provisional.  The BTrees are persistent
    themselves, so changes are tracked without touching ``_p_changed``.
    """

    def __init__(self) -> None:
        self._holidays = OOBTree()  # date -> name, a rest day
        self._workdays = OOBTree()  # date -> name, an adjusted working day
        self._complete = IITreeSet()  # years declared complete

    # -- changes ----------------------------------------------------------

    def set_holiday(self, day: DayLike, name: str) -> None:
        """Make ``day`` a rest day (e.g. "元旦")."""
        key = local_date(day)
        self._workdays.pop(key, None)
        self._holidays[key] = _check_name(name)

    def set_workday(self, day: DayLike, name: str) -> None:
        """Make ``day`` a working day (e.g. "国庆节调休")."""
        key = local_date(day)
        self._holidays.pop(key, None)
        self._workdays[key] = _check_name(name)

    def remove(self, day: DayLike) -> bool:
        """Drop any override for ``day``; True if there was one."""
        key = local_date(day)
        removed = self._holidays.pop(key, None) is not None
        removed = (self._workdays.pop(key, None) is not None) or removed
        return removed

    def mark_year_complete(self, year: int, complete: bool = True) -> None:
        """Declare (or withdraw) that ``year``'s data is fully entered."""
        year = operator.index(year)
        if complete:
            self._complete.add(year)
        elif year in self._complete:
            self._complete.remove(year)

    # -- queries ----------------------------------------------------------

    def is_override(self, day: DayLike) -> bool | None:
        """True = working day, False = rest day, None = no override."""
        key = local_date(day)
        if key in self._workdays:
            return True
        if key in self._holidays:
            return False
        return None

    def is_year_complete(self, year: int) -> bool:
        return year in self._complete

    def complete_years(self) -> list[int]:
        return list(self._complete)

    def holidays(self, year: int) -> list[tuple[date, str]]:
        """Rest-day overrides of ``year``, sorted by date."""
        lo, hi = _year_bounds(year)
        return list(self._holidays.items(lo, hi))

    def workdays(self, year: int) -> list[tuple[date, str]]:
        """Working-day overrides of ``year``, sorted by date."""
        lo, hi = _year_bounds(year)
        return list(self._workdays.items(lo, hi))

    def years(self) -> list[int]:
        """Years with any override entry or a complete flag, sorted."""
        found = set(self._complete)
        found.update(d.year for d in self._holidays)
        found.update(d.year for d in self._workdays)
        return sorted(found)
