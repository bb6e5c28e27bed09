"""The counters and the periods on their own: what the overview reads for a month, a quarter, a
half-year, a year or a run of months, and what a period asked for in the address may be."""

import datetime

import pytest
from hypatia.keyword import KeywordIndex
from pyramid.registry import Registry

from portal.calendar import SHANGHAI
from portal.supervision.figures import Counts, figure_keys, month_of
from portal.supervision.periods import Period, PeriodError, parse_period

YS, SCJ = "cj-yushan", "cj-scjgj"


def period(**params):
    return parse_period(params)


# Counts -------------------------------------------------------------------------------------------


def test_counts_follow_keys_added_and_removed_per_month_and_per_year():
    counts = Counts()
    counts.apply(added=[f"requests.received|{SCJ}|202611", f"requests.received|{SCJ}|202612"])
    counts.apply(added=[f"requests.received|{SCJ}|202612", f"requests.received|{YS}|202701"])
    assert dict(counts.months) == {
        ("requests.received", 202611, SCJ): 1,
        ("requests.received", 202612, SCJ): 2,
        ("requests.received", 202701, YS): 1,
    }
    assert dict(counts.years) == {("requests.received", 2026, SCJ): 3, ("requests.received", 2027, YS): 1}
    # An item that moved on: its old key leaves, its new one comes; nothing is kept at zero.
    counts.apply(removed=[f"requests.received|{SCJ}|202611"], added=[f"requests.late|{SCJ}|202611"])
    assert ("requests.received", 202611, SCJ) not in counts.months
    assert counts.months[("requests.late", 202611, SCJ)] == 1
    assert counts.years[("requests.received", 2026, SCJ)] == 2


def test_per_unit_and_per_month_read_whole_years_and_months_alike():
    counts = Counts()
    for month in (202511, 202512, 202601, 202606, 202612, 202701):
        counts.apply(added=[f"transfers.sent|{YS}|{month}"])
    counts.apply(added=[f"transfers.sent|{SCJ}|202606", f"transfers.late|{YS}|202606"])
    assert counts.per_unit("transfers.sent", period(period="year", year="2026")) == {YS: 3, SCJ: 1}
    assert counts.per_unit("transfers.sent", period(period="half", year="2026", n="1")) == {YS: 2, SCJ: 1}
    assert counts.per_unit("transfers.sent", period(period="month", year="2026", n="12")) == {YS: 1}
    ranged = period(period="range", **{"from": "2025-12", "to": "2027-01"})
    assert counts.per_unit("transfers.sent", ranged) == {YS: 5, SCJ: 1}
    assert counts.per_month("transfers.sent", ranged, YS) == {
        202512: 1,
        202601: 1,
        202606: 1,
        202612: 1,
        202701: 1,
    }
    assert counts.per_month("transfers.sent", period(period="quarter", year="2026", n="2")) == {202606: 2}
    assert counts.per_unit("transfers.sent", period(period="year", year="2030")) == {}


def test_rebuild_from_the_index_gives_what_applying_each_item_gave():
    index = KeywordIndex(lambda keys, default: keys)
    items = {
        1: [f"filings.filed|{YS}|202612", f"filings.received|{SCJ}|202612"],
        2: [f"filings.filed|{YS}|202701", f"filings.filed_late|{YS}|202701"],
        3: [f"filings.filed|{YS}|202612"],
    }
    applied = Counts()
    for docid, keys in items.items():
        index.index_doc(docid, keys)
        applied.apply(added=keys)
    rebuilt = Counts()
    rebuilt.apply(added=[f"stale|{YS}|202001"])
    rebuilt.rebuild(index)
    assert dict(rebuilt.months) == dict(applied.months)
    assert dict(rebuilt.years) == dict(applied.years)
    assert rebuilt.months[("filings.filed", 202612, YS)] == 2


def test_a_moment_counts_in_its_month_in_china():
    assert month_of(datetime.date(2026, 12, 31)) == 202612
    # 23:30 on New Year's Eve in UTC is already January in Jingdezhen.
    assert month_of(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)) == 202701
    assert month_of(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)) == 202701


def test_an_item_of_a_type_nobody_counts_has_no_figures():
    class Unknown:
        item_type = "nothing_counted"

    assert figure_keys(Unknown(), Registry("test")) == ()


# Periods ------------------------------------------------------------------------------------------


def test_pieces_read_whole_years_from_the_yearly_counters():
    assert period(period="year", year="2026").pieces() == [("years", 2026, 2026)]
    assert period(period="quarter", year="2026", n="4").pieces() == [("months", 202610, 202612)]
    assert period(period="half", year="2026", n="2").pieces() == [("months", 202607, 202612)]
    assert period(period="month", year="2026", n="2").pieces() == [("months", 202602, 202602)]
    ranged = period(period="range", **{"from": "2025-11", "to": "2028-02"})
    assert ranged.pieces() == [
        ("months", 202511, 202512),
        ("years", 2026, 2026),
        ("years", 2027, 2027),
        ("months", 202801, 202802),
    ]
    assert period(period="range", **{"from": "2026-01", "to": "2026-11"}).pieces() == [
        ("months", 202601, 202611)
    ]
    assert ranged.months()[:3] == [202511, 202512, 202601] and len(ranged.months()) == 28


def test_periods_are_named_and_linked_as_asked():
    assert period(period="quarter", year="2026", n="3").title == "2026年第三季度"
    assert period(period="half", year="2026", n="1").title == "2026年上半年"
    ranged = period(period="range", **{"from": "2025-11", "to": "2026-02"})
    assert ranged.title == "2025年11月至2026年2月"
    assert ranged.query() == {"period": "range", "from": "2025-11", "to": "2026-02"}
    assert period(period="month", year="2026", n="5").query() == {"period": "month", "year": "2026", "n": "5"}
    # Nothing asked: this year.
    this_year = period()
    assert this_year.kind == "year" and this_year.pieces() == [("years", this_year.year, this_year.year)]
    assert Period("year", 202601, 202612, 2026) == period(period="year", year="2026")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"period": "decade"}, "统计周期应为月度、季度、半年、年度或自定义起止月份"),
        ({"period": "year", "year": "2019"}, "年份应为 2020 至 2099 之间的数字，而不是“2019”"),
        ({"period": "year", "year": "二〇二六"}, "年份应为 2020 至 2099"),
        ({"period": "quarter", "year": "2026", "n": "5"}, "季度序号应为 1 至 4"),
        ({"period": "half", "year": "2026", "n": "0"}, "半年序号应为 1 至 2"),
        ({"period": "month", "year": "2026", "n": "99999"}, "月度序号应为 1 至 12"),
        ({"period": "range", "from": "2026-03", "to": "2026-01"}, "截止月份不能早于起始月份"),
        ({"period": "range", "from": "2026/03", "to": "2026-04"}, "起始月份应写成“年-月”"),
        ({"period": "range", "from": "2026-03"}, "截止月份应写成“年-月”"),
        ({"period": "range", "from": "2026-13", "to": "2027-01"}, "起始月份的月份应为 1 至 12"),
        ({"period": "range", "from": "2020-01", "to": "2030-02"}, "起止月份最长 10 年"),
    ],
)
def test_a_period_that_cannot_be_says_why(params, message):
    with pytest.raises(PeriodError) as raised:
        parse_period(params)
    assert message in str(raised.value)
