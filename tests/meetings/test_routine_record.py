"""Routine meetings once every half-year: in the half-year's last month a department without one is
reminded, once; a half-year that passed without one is flagged, once, and shown on the department's
meetings page and in the routine-meeting record (its own for a department, every one for the
区司法局's supervisors). A site of its own (this module), so that the runs' moments of the other
meetings tests do not decide what is reminded here.
"""

import datetime

import pytest

from portal.meetings import half_first_day, half_last_day, half_of, half_title, next_half
from tests.meetings.helpers import at, call_meeting, deadline_run, inbox, local_now, text_of, texts_of

#: The half-year the tests run in.
CURRENT = half_of(local_now())
TITLE = half_title(CURRENT)


def last_month():
    """The 15th of the half-year's last month (June or December), 09:00."""
    return at(datetime.date(CURRENT[0], 6 if CURRENT[1] == 1 else 12, 15))


def after_the_half():
    """Five days into the next half-year."""
    return at(half_first_day(next_half(CURRENT)) + datetime.timedelta(days=4))


@pytest.fixture
def department(person):
    return person("scj.liaison")


def test_a_department_without_a_routine_meeting_is_reminded_once_in_the_last_month(
    department, person, root, app
):
    call_meeting(department, f"{TITLE}行政执法协调会商例行会议", ["cj-yushan", "cj-sfj"])
    first = deadline_run(app, root, last_month())
    again = deadline_run(app, root, last_month() + datetime.timedelta(hours=1))
    reminder = (
        f"本单位{TITLE}尚未召集行政执法协调会商例行会议（原则上每半年召开1次），"
        f"请于 {half_last_day(CURRENT):%Y-%m-%d} 前召集并发出会议通知"
    )
    assert inbox(root, "cg.liaison", "尚未召集") == [reminder]
    assert inbox(root, "gaj.liaison", "尚未召集") == [reminder]
    # The department that called one, and the townships, hear nothing; nor do other roles.
    assert inbox(root, "scj.liaison", "尚未召集") == []
    assert inbox(root, "ys.liaison", "尚未召集") == []
    assert inbox(root, "scj.leader", "尚未召集") == []
    # Every other department once (21 departments, one of them has its meeting); then nothing.
    assert first["meeting_reminders"] == 20
    assert "meeting_reminders" not in again

    # The department's meetings page says where it stands.
    page = person("cg.liaison").get("/@@meetings")
    assert text_of(page, ".portal-meeting-half") == (
        f"本单位{TITLE}尚未召集例行会议（原则上每半年召开 1 次），请于 {half_last_day(CURRENT):%Y-%m-%d} 前召集。"
    )
    page = department.get("/@@meetings")
    assert text_of(page, ".portal-meeting-half").startswith(
        f"本单位{TITLE}例行会议已召集：{TITLE}行政执法协调会商例行会议"
    )
    # A township calls no routine meetings: its page has no such line.
    assert person("ys.officer").get("/@@meetings").html.select(".portal-routine") == []


def test_a_half_year_passed_without_a_routine_meeting_is_flagged_and_shown(department, person, root, app):
    call_meeting(department, f"{TITLE}协调会商例行会议（第二次）", ["cj-lvmeng"])
    # 昌江公安分局 called one and cancelled it: a cancelled meeting is not held.
    police = person("gaj.liaison")
    page = call_meeting(police, f"{TITLE}公安分局例行会议", ["cj-yushan"])
    form = page.click("取消会议").forms["cancel-form"]
    form["reason"] = "与专项行动冲突"
    form.submit("cancel").follow()

    moment = after_the_half()
    first = deadline_run(app, root, moment)
    again = deadline_run(app, root, moment + datetime.timedelta(days=1))
    flag = f"本单位{TITLE}未召开行政执法协调会商例行会议，已记录在例会记录中"
    assert inbox(root, "cg.liaison", "未召开") == [flag]
    assert inbox(root, "gaj.liaison", "未召开") == [flag]
    assert inbox(root, "scj.liaison", "未召开") == []
    assert first["meeting_flags"] == 20
    assert "meeting_flags" not in again

    # The flag is on the department's meetings page, with the day it was recorded.
    shown = f"{TITLE}未召开例行会议（{moment:%Y-%m-%d} 记录）"
    page = person("cg.liaison").get("/@@meetings")
    assert texts_of(page, ".portal-meeting-flags li") == [shown]
    assert department.get("/@@meetings").html.select(".portal-meeting-flags") == []

    # The routine-meeting record: a department reads its own row.
    record = person("cg.liaison").get("/@@meetings").click("例会记录")
    assert texts_of(record, ".portal-record thead th") == ["单位", TITLE]
    assert texts_of(record, ".portal-record tbody th") == ["区城管局"]
    assert texts_of(record, ".portal-record tbody td") == [f"未召开（{moment:%Y-%m-%d} 记录）"]
    record = department.get("/@@meeting-record")
    assert texts_of(record, ".portal-record tbody th") == ["区市监局"]
    assert text_of(record, ".portal-record tbody td").startswith("已召开")
    assert record.html.select(".portal-record td.portal-held a")

    # The 区司法局's supervisors read every department's.
    record = person("sfj.supervisor").get("/@@meeting-record")
    rows = {
        tr["data-unit"]: " ".join(tr.select_one("td").text.split())
        for tr in record.html.select(".portal-record tbody tr")
    }
    assert len(rows) == 21
    assert rows["cj-scjgj"].startswith("已召开")
    assert rows["cj-cgj"] == rows["cj-gaj"] == f"未召开（{moment:%Y-%m-%d} 记录）"
    # A township has no record to read.
    person("ys.officer").get("/@@meeting-record", status=403)
