"""The periods the overview is asked about: a month, a quarter, a half-year, a year, or from–to.

Figures are kept per month (:mod:`.figures`), so a period is a run of whole months; a run that
covers whole calendar years is read from the yearly counters.
"""

import datetime
from dataclasses import dataclass

from ..calendar import SHANGHAI

#: The years a period may name: the portal's records begin in 2020; no plan runs past 2099.
FIRST_YEAR, LAST_YEAR = 2020, 2099
#: At most this many months from–to (ten years).
MAX_MONTHS = 120

KINDS = {
    "month": "月度",
    "quarter": "季度",
    "half": "半年",
    "year": "年度",
    "range": "自定义起止月份",
}


class PeriodError(ValueError):
    """A period that cannot be: the message says why, in Chinese."""


def months_between(first, last):
    return (last // 100 - first // 100) * 12 + (last % 100 - first % 100) + 1


def add_months(month, count):
    index = (month // 100) * 12 + (month % 100 - 1) + count
    return (index // 12) * 100 + index % 12 + 1


@dataclass(frozen=True)
class Period:
    kind: str
    first: int  # yyyymm
    last: int  # yyyymm, inclusive
    year: int = 0
    number: int = 0

    @property
    def title(self):
        year = self.year
        if self.kind == "month":
            return f"{year}年{self.number}月"
        if self.kind == "quarter":
            return f"{year}年第{'一二三四'[self.number - 1]}季度"
        if self.kind == "half":
            return f"{year}年{'上' if self.number == 1 else '下'}半年"
        if self.kind == "year":
            return f"{year}年"
        return f"{self.first // 100}年{self.first % 100}月至{self.last // 100}年{self.last % 100}月"

    def months(self):
        return [add_months(self.first, n) for n in range(months_between(self.first, self.last))]

    def pieces(self):
        """``[("years" | "months", first, last)]`` covering the period, whole years as years."""
        result = []
        month = self.first
        while month <= self.last:
            year = month // 100
            if month % 100 == 1 and self.last >= year * 100 + 12:
                result.append(("years", year, year))
                month = (year + 1) * 100 + 1
                continue
            end = min(self.last, year * 100 + 12)
            result.append(("months", month, end))
            month = add_months(end, 1)
        return result

    def query(self):
        """The period as URL parameters (for links to the same period)."""
        if self.kind == "range":
            return {
                "period": "range",
                "from": f"{self.first // 100}-{self.first % 100:02d}",
                "to": f"{self.last // 100}-{self.last % 100:02d}",
            }
        query = {"period": self.kind, "year": str(self.year)}
        if self.kind != "year":
            query["n"] = str(self.number)
        return query


def today():
    return datetime.datetime.now(SHANGHAI).date()


def this_year():
    return Period("year", today().year * 100 + 1, today().year * 100 + 12, today().year)


def _int(value, what, low, high):
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 4 or not low <= int(value) <= high:
        raise PeriodError(f"{what}应为 {low} 至 {high} 之间的数字，而不是“{value[:20]}”")
    return int(value)


def _month(value, what):
    value = (value or "").strip()
    parts = value.split("-")
    if len(parts) != 2 or not all(part.isdigit() for part in parts) or len(value) > 7:
        raise PeriodError(f"{what}应写成“年-月”，例如 2026-01，而不是“{value[:20]}”")
    year = _int(parts[0], f"{what}的年份", FIRST_YEAR, LAST_YEAR)
    month = _int(parts[1], f"{what}的月份", 1, 12)
    return year * 100 + month


def parse_period(params):
    """The period named by request parameters (``period``, ``year``, ``n``, ``from``, ``to``).

    Nothing given means this year. Raises :class:`PeriodError` with a Chinese message."""
    kind = (params.get("period") or "year").strip()
    if kind not in KINDS:
        raise PeriodError("统计周期应为月度、季度、半年、年度或自定义起止月份")
    if kind == "range":
        first = _month(params.get("from"), "起始月份")
        last = _month(params.get("to"), "截止月份")
        if last < first:
            raise PeriodError("截止月份不能早于起始月份")
        if months_between(first, last) > MAX_MONTHS:
            raise PeriodError(f"起止月份最长 {MAX_MONTHS // 12} 年")
        return Period("range", first, last)
    year = _int(params.get("year") or str(today().year), "年份", FIRST_YEAR, LAST_YEAR)
    if kind == "year":
        return Period("year", year * 100 + 1, year * 100 + 12, year)
    limit = {"month": 12, "quarter": 4, "half": 2}[kind]
    number = _int(params.get("n") or "1", KINDS[kind] + "序号", 1, limit)
    span = 12 // limit
    first = year * 100 + (number - 1) * span + 1
    return Period(kind, first, first + span - 1, year, number)
