"""The dates of an application to the court for enforcement, from the decision's service date.

The law (see ``docs/enforcement.md`` for the reasons):

* 行政复议法 (2023) art. 20: reconsideration within **60 days** of knowing of the decision (its
  service); 行政诉讼法 art. 46: a lawsuit within **six months**. Both are longer than ten days,
  so they are **calendar** periods: the day of service does not count (民法典 art. 201); a period
  of days ends on the 60th day after it, a period of months on the corresponding day of the last
  month, or that month's last day if it has none (民法典 art. 202); a period whose last day is a
  statutory holiday or a rest day ends on the first working day after it (民法典 art. 203).
* 行政强制法 art. 54: the township first reminds the party in writing (催告); only **ten days**
  after the reminder was served may it apply. Art. 69: this law's periods of ten days or less are
  **working days**, statutory holidays excluded: ten working days from the day after service.
* 行政强制法 art. 53: the application is made **within three months** after the period for
  reconsideration and lawsuit has expired: a calendar period of months from the expiry day, its
  last day moved like the others.

So the application window opens on the later of the day after the lawsuit period expired and the
day after the reminder's ten working days, and closes at the end of the three months.

Every date comes with ``provisional``: it relied on a year the calendar has no data for (weekdays
stood in for working days), as :func:`portal.calendar.add_workdays_ex` says.
"""

import calendar as months
import datetime
from typing import NamedTuple

from ..calendar import add_workdays_ex, is_workday, workdays_between, year_has_data

#: 行政复议法 art. 20: days to apply for reconsideration, from knowing of the decision.
RECONSIDERATION_DAYS = 60
#: 行政诉讼法 art. 46: months to sue, from knowing of the decision.
LAWSUIT_MONTHS = 6
#: 行政强制法 art. 54 with art. 69: working days after the reminder is served.
REMINDER_WORKDAYS = 10
#: 行政强制法 art. 53: months to apply, from the expiry of the periods for reconsideration and lawsuit.
APPLICATION_MONTHS = 3

ONE_DAY = datetime.timedelta(days=1)


class End(NamedTuple):
    """The last day of a period: ``date``; ``nominal`` the day the count gave, before a holiday
    moved it (the same when it did not); ``provisional`` when a year without calendar data was
    involved."""

    date: datetime.date
    nominal: datetime.date
    provisional: bool

    @property
    def moved(self):
        return self.date != self.nominal


def add_months(day, count):
    """The corresponding day ``count`` months after ``day``, or that month's last day if it has
    none (民法典 art. 202): 2026-08-31 + 6 months is 2027-02-28."""
    month = day.month - 1 + count
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, months.monthrange(year, month)[1]))


def period_end(nominal, overrides=None):
    """A calendar period's last day: ``nominal``, or the first working day after it if it is a
    statutory holiday or a rest day (民法典 art. 203)."""
    day = nominal
    provisional = not year_has_data(day.year, overrides)
    while not is_workday(day, overrides):
        day += ONE_DAY
        provisional = provisional or not year_has_data(day.year, overrides)
    return End(day, nominal, provisional)


def workdays_end(start, count, overrides=None):
    """The last of ``count`` working days after ``start`` (start not counted)."""
    due = add_workdays_ex(start, count, overrides)
    return End(due.date, due.date, due.provisional)


def reconsideration_end(service_date, overrides=None):
    return period_end(service_date + datetime.timedelta(days=RECONSIDERATION_DAYS), overrides)


def lawsuit_end(service_date, overrides=None):
    return period_end(add_months(service_date, LAWSUIT_MONTHS), overrides)


class Window(NamedTuple):
    """Everything the portal says about an enforcement application's dates.

    ``reconsideration`` and ``lawsuit``: the ends of the party's periods (:class:`End`);
    ``expired``: the day the later of them expired; ``closes``: the last day to apply (:class:`End`);
    ``reminder_end``: the last of the reminder's ten working days (None before a reminder);
    ``opens``: the first day the application may be made (None before a reminder);
    ``latest_reminder``: the last day a reminder may be served and still leave a day to apply.
    """

    service_date: datetime.date
    reconsideration: End
    lawsuit: End
    expired: datetime.date
    closes: End
    reminder_served: datetime.date | None
    reminder_end: End | None
    opens: datetime.date | None
    latest_reminder: datetime.date

    @property
    def provisional(self):
        ends = (self.reconsideration, self.lawsuit, self.closes, self.reminder_end)
        return any(end.provisional for end in ends if end is not None)

    @property
    def empty(self):
        """A reminder served too late: its ten days end after the application period."""
        return self.opens is not None and self.opens > self.closes.date

    def status(self, today):
        """``(key, text)``: where ``today`` stands in the window."""
        closes = self.closes.date
        if today > closes:
            return "closed", f"申请期限已于 {closes:%Y-%m-%d} 届满，不能再申请人民法院强制执行"
        if self.opens is None:
            return "no-reminder", (
                f"尚未催告：申请前须书面催告当事人；催告书最迟应于 {self.latest_reminder:%Y-%m-%d} 送达，"
                f"申请期限 {closes:%Y-%m-%d} 届满"
            )
        if self.empty:
            return "empty", (
                f"催告书送达过晚：催告期满（{self.reminder_end.date:%Y-%m-%d}）时申请期限"
                f"（{closes:%Y-%m-%d}）已届满"
            )
        if today < self.opens:
            return "not-yet", f"申请期间尚未开始：可于 {self.opens:%Y-%m-%d} 起申请，{closes:%Y-%m-%d} 前"
        return "open", f"可以申请：申请期限 {closes:%Y-%m-%d} 届满"


def latest_reminder(closes, overrides=None):
    """The last day a reminder may be served so that its ten working days end before ``closes``
    (the application then can be made on ``closes`` at the latest)."""
    day = closes - ONE_DAY
    while add_workdays_ex(day, REMINDER_WORKDAYS, overrides).date >= closes:
        day -= ONE_DAY
    return day


def window(service_date, reminder_served=None, overrides=None):
    """The :class:`Window` of a decision served on ``service_date`` (and reminded on
    ``reminder_served``, if it was)."""
    reconsideration = reconsideration_end(service_date, overrides)
    lawsuit = lawsuit_end(service_date, overrides)
    expired = max(reconsideration.date, lawsuit.date)
    closes = period_end(add_months(expired, APPLICATION_MONTHS), overrides)
    reminder_end = opens = None
    if reminder_served is not None:
        reminder_end = workdays_end(reminder_served, REMINDER_WORKDAYS, overrides)
        opens = max(expired, reminder_end.date) + ONE_DAY
    return Window(
        service_date,
        reconsideration,
        lawsuit,
        expired,
        closes,
        reminder_served,
        reminder_end,
        opens,
        latest_reminder(closes.date, overrides),
    )


def warning_day(closes, workdays, overrides=None):
    """The day ``workdays`` working days before ``closes`` (from which the warning is due)."""
    day = closes
    while workdays_between(day, closes, overrides) < workdays:
        day -= ONE_DAY
    return day
