"""The enforcement window's dates, as the law counts them (no site needed).

Periods longer than ten days (60 days to apply for reconsideration, six months to sue, three months
to apply to the court) are calendar periods whose last day, when it is a statutory holiday or a rest
day, moves to the first working day after it; the reminder's ten days are working days.
"""

import datetime

from portal.calendar import CalendarOverrides
from portal.enforcement import dates
from portal.enforcement.dates import add_months, window

D = datetime.date


def test_a_decision_served_on_3_november_2025():
    """Served Monday 2025-11-03, reminded Friday 2026-04-24."""
    w = window(D(2025, 11, 3), D(2026, 4, 24))
    # 60 days end on 2026-01-02, a New Year holiday (01-01 to 01-03): the period ends on the next
    # working day, Sunday 2026-01-04, a working Sunday (调休).
    assert w.reconsideration == (D(2026, 1, 4), D(2026, 1, 2), False)
    # Six months end on 2026-05-03, in the Labour Day holiday (05-01 to 05-05): moved to 05-06.
    assert w.lawsuit == (D(2026, 5, 6), D(2026, 5, 3), False)
    assert w.expired == D(2026, 5, 6)
    # Three months from the expiry: 2026-08-06, a Thursday, not moved.
    assert w.closes == (D(2026, 8, 6), D(2026, 8, 6), False)
    # Ten working days from 04-24: 04-27 to 04-30 (4), the holiday skipped, 05-06 to 05-08 (7),
    # Saturday 05-09 a working day (8), 05-11 and 05-12 (10).
    assert w.reminder_end.date == D(2026, 5, 12)
    assert w.opens == D(2026, 5, 13)
    assert w.status(D(2026, 5, 12)) == ("not-yet", "申请期间尚未开始：可于 2026-05-13 起申请，2026-08-06 前")
    assert w.status(D(2026, 5, 13))[0] == "open"
    assert w.status(D(2026, 8, 6))[0] == "open"
    assert w.status(D(2026, 8, 7)) == ("closed", "申请期限已于 2026-08-06 届满，不能再申请人民法院强制执行")
    # The last reminder that still leaves a day: its ten working days end on 08-05.
    assert w.latest_reminder == D(2026, 7, 22)
    assert dates.workdays_end(w.latest_reminder, 10).date == D(2026, 8, 5)
    assert not w.provisional


def test_a_period_ending_in_the_national_day_holiday_ends_on_the_next_working_day():
    # Served 2026-08-04: 60 days end on Saturday 2026-10-03, in the holiday (10-01 to 10-07).
    w = window(D(2026, 8, 4))
    assert w.reconsideration == (D(2026, 10, 8), D(2026, 10, 3), False)
    # Served 2026-04-03: six months end on 2026-10-03 as well, moved to Thursday 10-08; the
    # application period then ends in 2027, a year without calendar data: provisional.
    w = window(D(2026, 4, 3))
    assert w.lawsuit == (D(2026, 10, 8), D(2026, 10, 3), False)
    assert w.closes == (D(2027, 1, 8), D(2027, 1, 8), True)
    assert w.provisional
    # The ten working days of a reminder served on Friday 2026-09-25 skip the holiday and count
    # Saturday 10-10 (a working day): they end on 10-15, where ten calendar days would end on 10-05.
    w = window(D(2026, 4, 3), D(2026, 9, 25))
    assert w.reminder_end.date == D(2026, 10, 15)
    assert w.opens == D(2026, 10, 16)


def test_months_end_on_the_corresponding_day_or_the_month_end():
    assert add_months(D(2026, 3, 15), 6) == D(2026, 9, 15)
    assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2026, 5, 6), -7) == D(2025, 10, 6)
    # Served 2026-08-31: six months end on Sunday 2027-02-28 (a year without data: weekdays stand
    # in for working days), moved to Monday 03-01.
    assert window(D(2026, 8, 31)).lawsuit == (D(2027, 3, 1), D(2027, 2, 28), True)


def test_the_window_opens_after_both_the_expiry_and_the_reminder_s_ten_days():
    # A reminder served long before the lawsuit period expired: the window opens the day after expiry.
    w = window(D(2025, 11, 3), D(2026, 3, 2))
    assert w.reminder_end.date == D(2026, 3, 16)
    assert w.opens == D(2026, 5, 7)
    # A reminder served too late: its ten days end after the application period.
    w = window(D(2025, 11, 3), D(2026, 8, 1))
    assert w.empty and w.opens == D(2026, 8, 15)
    assert w.status(D(2026, 8, 5))[0] == "empty"


def test_holidays_an_admin_enters_move_the_dates():
    overrides = CalendarOverrides()
    overrides.set_holiday(D(2026, 8, 6), "测试假日")
    w = window(D(2025, 11, 3), None, overrides)
    assert w.closes == (D(2026, 8, 7), D(2026, 8, 6), False)


def test_the_warning_day_is_ten_working_days_before_the_close():
    assert dates.warning_day(D(2026, 8, 6), 10) == D(2026, 7, 23)
    # Across National Day: ten working days before Friday 2026-10-16 leave 09-28: 09-29 and 09-30, 10-08 to 10-10, 10-12 to 10-16.
    assert dates.warning_day(D(2026, 10, 16), 10) == D(2026, 9, 28)
