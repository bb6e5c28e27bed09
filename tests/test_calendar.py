"""Tests for portal.calendar: working-day deadlines and admin overrides."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from ZODB import DB
from ZODB.FileStorage import FileStorage

from portal.calendar import (
    SHANGHAI,
    CalendarOverrides,
    Due,
    add_hours,
    add_workdays,
    add_workdays_ex,
    covered_years,
    is_workday,
    missing_years,
    workdays_between,
    year_has_data,
)

D = date


# --- is_workday ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 10, 1), False),  # National Day
        (D(2025, 10, 11), True),  # adjusted working Saturday
        (D(2025, 10, 12), False),  # ordinary Sunday
        (D(2026, 2, 14), True),  # adjusted working Saturday
        (D(2026, 2, 16), False),  # Spring Festival, a Monday
        (D(2026, 10, 10), True),  # adjusted working Saturday
        (D(2030, 1, 1), True),  # uncovered year: plain Tuesday
        (D(2030, 1, 5), False),  # uncovered year: Saturday
        (D(1900, 1, 1), True),  # far past: Monday, no error
        (D(2100, 12, 31), True),  # far future: Friday, no error
    ],
)
def test_is_workday(day, expected):
    assert is_workday(day) is expected


def test_is_workday_converts_aware_datetime_to_shanghai():
    # 2025-10-11 (UTC) is a working Saturday, but 16:30 UTC is already Sunday
    # 2025-10-12 00:30 in Shanghai; 15:30 UTC is still Saturday 23:30 there.
    assert is_workday(datetime(2025, 10, 11, 16, 30, tzinfo=UTC)) is False
    assert is_workday(datetime(2025, 10, 11, 15, 30, tzinfo=UTC)) is True
    # 2025-09-30 20:00 UTC is 2025-10-01 04:00 in Shanghai: holiday.
    assert is_workday(datetime(2025, 9, 30, 20, 0, tzinfo=UTC)) is False


def test_is_workday_rejects_non_dates():
    with pytest.raises(TypeError):
        is_workday("2025-10-01")


# --- add_workdays: the checked examples -------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (D(2025, 9, 30), 3, D(2025, 10, 11)),  # lands on a working Saturday
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        (D(2026, 2, 13), 5, D(2026, 2, 27)),  # Friday, across Spring Festival
        (D(2026, 2, 15), 3, D(2026, 2, 26)),  # Sunday inside the holiday
        (D(2025, 10, 1), 1, D(2025, 10, 9)),  # start on a holiday
        (D(2025, 10, 11), 1, D(2025, 10, 13)),  # start on a working Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # working Saturday before holiday
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # the working Saturday counts
        (D(2026, 12, 28), 3, D(2026, 12, 31)),  # stays inside 2026
    ],
)
def test_add_workdays_examples(start, n, due):
    result = add_workdays_ex(start, n)
    assert result == Due(due, False)
    assert add_workdays(start, n) == due


def test_n_zero_returns_start_even_on_a_holiday():
    assert add_workdays(D(2025, 10, 1), 0) == D(2025, 10, 1)
    assert add_workdays_ex(D(2026, 2, 15), 0) == Due(D(2026, 2, 15), False)


def test_negative_n_is_rejected():
    with pytest.raises(ValueError):
        add_workdays(D(2026, 2, 13), -1)


# --- datetimes and the office-hours rule -----------------------------------


def test_aware_utc_datetime_uses_shanghai_date():
    # 2026-02-12 17:30 UTC == 2026-02-13 01:30 Shanghai: start day is Friday 13.
    late_utc = datetime(2026, 2, 12, 17, 30, tzinfo=UTC)
    assert add_workdays(late_utc, 5) == D(2026, 2, 27)
    # Counting from the UTC date would give a different answer.
    assert add_workdays(D(2026, 2, 12), 5) == D(2026, 2, 26)


def test_naive_datetime_is_shanghai_local():
    assert add_workdays(datetime(2026, 2, 13, 23, 59), 5) == D(2026, 2, 27)
    assert add_workdays(datetime(2026, 2, 12, 23, 59), 5) == D(2026, 2, 26)


def test_office_close_shifts_start_to_next_day():
    close = time(17, 30)
    before = datetime(2026, 2, 12, 17, 29)
    at = datetime(2026, 2, 12, 17, 30)
    after = datetime(2026, 2, 12, 21, 0)
    assert add_workdays(before, 5, office_close=close) == D(2026, 2, 26)
    assert add_workdays(at, 5, office_close=close) == D(2026, 2, 27)
    assert add_workdays(after, 5, office_close=close) == D(2026, 2, 27)
    # Without the policy the evening receipt counts from the same day.
    assert add_workdays(after, 5) == D(2026, 2, 26)


def test_office_close_compares_shanghai_wall_clock():
    # 09:00 UTC is 17:00 Shanghai: at closing time, so counting starts later.
    received = datetime(2026, 2, 12, 9, 0, tzinfo=UTC)
    assert add_workdays(received, 5, office_close=time(17, 0)) == D(2026, 2, 27)
    assert add_workdays(received, 5, office_close=time(17, 1)) == D(2026, 2, 26)


def test_office_close_ignored_for_plain_dates():
    assert add_workdays(D(2026, 2, 12), 5, office_close=time(0, 0)) == D(2026, 2, 26)


# --- years without data ------------------------------------------------------


def test_crossing_into_2027_does_not_raise_and_is_provisional():
    # 12-29..12-31 are working days; 2027 falls back to Mon-Fri.
    assert add_workdays_ex(D(2026, 12, 28), 5) == Due(D(2027, 1, 4), True)


def test_uncovered_year_uses_monday_to_friday_and_is_provisional():
    # 2030-03-01 is a Friday: +5 Mon-Fri days is the next Friday.
    assert add_workdays_ex(D(2030, 3, 1), 5) == Due(D(2030, 3, 8), True)
    # Even n == 0 is provisional when the start year lacks data.
    assert add_workdays_ex(D(2030, 3, 1), 0) == Due(D(2030, 3, 1), True)


def test_no_error_anywhere_between_1900_and_2100():
    assert add_workdays_ex(D(1900, 1, 1), 10).provisional is True
    # 2100-12-20 is a Monday: 30 Mon-Fri days later is six weeks on.
    assert add_workdays_ex(D(2100, 12, 20), 30) == Due(D(2101, 1, 31), True)


def test_covered_and_missing_years():
    assert {2004, 2025, 2026} <= covered_years()
    assert 2027 not in covered_years()
    assert year_has_data(2026) and not year_has_data(2027)
    assert missing_years([2030, 2003, 2026, 2027, 2004, 2027]) == [2003, 2027, 2030]

    overrides = CalendarOverrides()
    overrides.mark_year_complete(2027)
    assert 2027 in covered_years(overrides)
    assert missing_years([2003, 2026, 2027, 2030], overrides) == [2003, 2030]
    overrides.mark_year_complete(2027, complete=False)
    assert missing_years([2027], overrides) == [2027]


# --- overrides ---------------------------------------------------------------


def test_override_rest_day_moves_due_date():
    overrides = CalendarOverrides()
    assert add_workdays(D(2026, 9, 30), 3, overrides) == D(2026, 10, 10)
    overrides.set_holiday(D(2026, 10, 8), "test rest day")
    assert is_workday(D(2026, 10, 8), overrides) is False
    # 10-09, 10-10 (working Saturday), 10-12 (Monday).
    assert add_workdays_ex(D(2026, 9, 30), 3, overrides) == Due(D(2026, 10, 12), False)
    # The package answer is untouched without overrides.
    assert add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_override_working_saturday():
    overrides = CalendarOverrides()
    assert add_workdays(D(2026, 10, 16), 1, overrides) == D(2026, 10, 19)
    overrides.set_workday(D(2026, 10, 17), "test working Saturday")
    assert is_workday(D(2026, 10, 17), overrides) is True
    assert add_workdays(D(2026, 10, 16), 1, overrides) == D(2026, 10, 17)


def test_single_override_in_uncovered_year_stays_provisional():
    overrides = CalendarOverrides()
    overrides.set_holiday(D(2030, 3, 4), "test holiday")  # a Monday
    assert add_workdays_ex(D(2030, 3, 1), 5, overrides) == Due(D(2030, 3, 11), True)
    assert missing_years([2030], overrides) == [2030]


def test_year_marked_complete_is_not_provisional():
    overrides = CalendarOverrides()
    overrides.set_holiday(D(2027, 1, 1), "元旦")
    overrides.mark_year_complete(2027)
    # 12-29, 12-30, 12-31, (01-01 holiday), 01-04, 01-05.
    assert add_workdays_ex(D(2026, 12, 28), 5, overrides) == Due(D(2027, 1, 5), False)


def test_overrides_api():
    ov = CalendarOverrides()
    ov.set_holiday(D(2027, 10, 2), "国庆节")
    ov.set_holiday(D(2027, 1, 1), " 元旦 ")
    ov.set_workday(D(2027, 9, 26), "国庆节调休")
    ov.set_holiday(D(2028, 1, 1), "元旦")
    assert ov.holidays(2027) == [(D(2027, 1, 1), "元旦"), (D(2027, 10, 2), "国庆节")]
    assert ov.workdays(2027) == [(D(2027, 9, 26), "国庆节调休")]
    assert ov.holidays(2026) == []
    assert ov.years() == [2027, 2028]

    # A day is either a holiday or a working day: the last call wins.
    ov.set_workday(D(2027, 10, 2), "changed")
    assert ov.is_override(D(2027, 10, 2)) is True
    assert ov.holidays(2027) == [(D(2027, 1, 1), "元旦")]
    ov.set_holiday(D(2027, 10, 2), "国庆节")
    assert ov.is_override(D(2027, 10, 2)) is False
    assert ov.workdays(2027) == [(D(2027, 9, 26), "国庆节调休")]

    assert ov.remove(D(2027, 10, 2)) is True
    assert ov.remove(D(2027, 10, 2)) is False
    assert ov.is_override(D(2027, 10, 2)) is None

    ov.mark_year_complete(2031)
    assert ov.years() == [2027, 2028, 2031]
    assert ov.complete_years() == [2031]


def test_overrides_normalise_datetime_keys_to_shanghai_date():
    ov = CalendarOverrides()
    # 2027-01-31 20:00 UTC is 2027-02-01 in Shanghai.
    ov.set_holiday(datetime(2027, 1, 31, 20, 0, tzinfo=UTC), "x")
    assert ov.holidays(2027) == [(D(2027, 2, 1), "x")]
    assert type(ov.holidays(2027)[0][0]) is date
    assert ov.is_override(datetime(2027, 2, 1, 9, 0)) is False


def test_overrides_persist_in_filestorage(tmp_path):
    path = str(tmp_path / "Data.fs")
    db = DB(FileStorage(path))
    try:
        tm = transaction.TransactionManager()
        conn = db.open(tm)
        ov = CalendarOverrides()
        ov.set_holiday(D(2026, 10, 8), "test rest day")
        ov.set_workday(D(2027, 1, 2), "test working Saturday")
        ov.mark_year_complete(2027)
        conn.root()["calendar"] = ov
        tm.commit()
        # A change after the first commit must be saved too.
        ov.set_holiday(D(2027, 1, 1), "元旦")
        tm.commit()
        conn.close()
    finally:
        db.close()

    db = DB(FileStorage(path))
    try:
        conn = db.open(transaction.TransactionManager())
        ov = conn.root()["calendar"]
        assert isinstance(ov, CalendarOverrides)
        assert ov.holidays(2027) == [(D(2027, 1, 1), "元旦")]
        assert add_workdays(D(2026, 9, 30), 3, ov) == D(2026, 10, 12)
        # 12-29, 12-30, 12-31, 01-02 (override Saturday), 01-04.
        assert add_workdays_ex(D(2026, 12, 28), 5, ov) == Due(D(2027, 1, 4), False)
        assert add_workdays(D(2026, 12, 31), 1, ov) == D(2027, 1, 2)
        assert missing_years([2026, 2027, 2028], ov) == [2028]
        conn.close()
    finally:
        db.close()


# --- workdays_between --------------------------------------------------------


def test_workdays_between_examples():
    assert workdays_between(D(2025, 9, 30), D(2025, 10, 11)) == 3
    assert workdays_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    assert workdays_between(D(2026, 2, 13), D(2026, 2, 27)) == 5
    assert workdays_between(D(2026, 2, 13), D(2026, 2, 13)) == 0
    # Reversed arguments give the negated count ("filed N days early").
    assert workdays_between(D(2026, 2, 27), D(2026, 2, 13)) == -5
    # Datetimes are reduced to the Shanghai date.
    late_utc = datetime(2026, 2, 12, 17, 30, tzinfo=UTC)  # 02-13 local
    assert workdays_between(late_utc, D(2026, 2, 27)) == 5


def test_workdays_between_respects_overrides():
    ov = CalendarOverrides()
    ov.set_holiday(D(2026, 10, 8), "test rest day")
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 12), ov) == 3


@settings(deadline=None, max_examples=200)
@given(
    start=st.dates(min_value=D(2004, 1, 1), max_value=D(2030, 12, 31)),
    n=st.integers(min_value=0, max_value=30),
)
def test_workdays_between_inverts_add_workdays(start, n):
    due = add_workdays(start, n)
    assert workdays_between(start, due) == n
    assert workdays_between(due, start) == -n
    if n:
        assert is_workday(due)
        assert workdays_between(start, due - timedelta(days=1)) == n - 1


# --- add_hours ---------------------------------------------------------------


def test_add_hours_across_midnight():
    start = datetime(2026, 2, 13, 22, 30, tzinfo=SHANGHAI)
    end = add_hours(start, 3)
    assert end == datetime(2026, 2, 14, 1, 30, tzinfo=SHANGHAI)
    assert end.tzinfo is SHANGHAI
    # 24 hours is clock time: holidays do not matter.
    assert add_hours(start, 24) == datetime(2026, 2, 14, 22, 30, tzinfo=SHANGHAI)


def test_add_hours_naive_and_utc_input():
    naive = add_hours(datetime(2026, 2, 13, 22, 30), 24)
    assert naive.tzinfo is SHANGHAI
    assert naive.replace(tzinfo=None) == datetime(2026, 2, 14, 22, 30)
    utc = add_hours(datetime(2026, 2, 13, 20, 0, tzinfo=UTC), 1.5)
    assert utc.tzinfo is SHANGHAI
    assert utc.replace(tzinfo=None) == datetime(2026, 2, 14, 5, 30)


def test_add_hours_rejects_plain_date():
    with pytest.raises(TypeError):
        add_hours(D(2026, 2, 13), 24)
