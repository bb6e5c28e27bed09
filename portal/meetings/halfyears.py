"""Whether each department held its routine meeting, half-year by half-year (例行会议每半年1次).

A department's routine meeting counts for the half-year in which it takes place, once its notice
went out and as long as it is not cancelled. :func:`check_routine_meetings` runs with every
``portal-deadlines`` run (``config.add_deadline_check``) and, for every department:

* in June and December, when no routine meeting of the half-year is called yet, tells the
  department's liaison once per half-year (``reminded_at``);
* for every half-year that has passed without one, records a flag once (``flagged_at``) and tells
  the liaison.

What it recorded lives in ``root.meeting_record`` (:class:`MeetingRecord`), durable and shown on the
meetings listing of the department and on ``@@meeting-record``. The half-years watched start with
``since``: the half-year of the first run (or of its moment, if that is earlier), so a new site
does not flag the years before it was used. Running it again changes nothing.
"""

from BTrees.OOBTree import OOBTree
from hypatia.query import Any, Eq
from persistent import Persistent

from ..calendar import SHANGHAI
from ..flows import fmt
from ..items import now
from ..items.catalog import loader
from ..notifications import notify_units
from . import (
    ROUTINE,
    half_last_day,
    half_of,
    half_title,
    halves_between,
    is_last_month,
    previous_half,
)

#: Who hears of a missing routine meeting.
REMINDED_ROLES = {"liaison"}


class HalfYearNote(Persistent):
    """What the portal recorded of one department's half-year: the reminder and the flag."""

    reminded_at = None
    flagged_at = None


class MeetingRecord(Persistent):
    """The reminders and flags of every department, by ``(unit code, year, half)``."""

    def __init__(self, since):
        #: The first half-year watched, ``(year, 1 | 2)``.
        self.since = since
        self.notes = OOBTree()

    def note(self, code, half, create=False):
        key = (code, *half)
        note = self.notes.get(key)
        if note is None and create:
            note = self.notes[key] = HalfYearNote()
        return note

    def flags(self, code):
        """``[(half, note)]`` of the department's flagged half-years, oldest first."""
        return [
            ((year, part), note)
            for (_, year, part), note in self.notes.items(min=(code, 0, 0), max=(code, 99999, 9))
            if note.flagged_at is not None
        ]


def meeting_record(root):
    """The site's record, or None before the first run."""
    return getattr(root, "meeting_record", None)


#: The states in which a meeting counts as held for its half-year (``CoordinationMeeting.held``).
HELD_STATES = ("called", "minuted")


def routine_meetings(root, owner=None):
    """``{unit code: {half: [meeting, ...]}}``: the routine meetings held or called, by half-year;
    with ``owner``, those of that unit only (a department's meetings page asks for its own).

    The catalog narrows to meetings called or minuted (and of ``owner``) before any is loaded: the
    meetings page of a department must not load every meeting of the district."""
    catalog = root["catalogs"]["portal"]
    query = Eq(catalog["item_type"], "coordination_meeting") & Any(catalog["state"], HELD_STATES)
    if owner is not None:
        query = query & Eq(catalog["owner"], owner)
    result = query.execute()
    load = loader(result)
    found = {}
    for meeting in (load(docid) for docid in result.ids):
        if meeting is None or meeting.kind != ROUTINE or not meeting.held:
            continue
        found.setdefault(meeting.owner, {}).setdefault(meeting.half, []).append(meeting)
    for halves in found.values():
        for meetings in halves.values():
            meetings.sort(key=lambda meeting: meeting.starts_at)
    return found


def departments_of(root):
    return [tenant for _, tenant in sorted(root["tenants"].items()) if tenant.kind == "department"]


def reminder_text(half):
    return (
        f"本单位{half_title(half)}尚未召集行政执法协调会商例行会议（原则上每半年召开1次），"
        f"请于 {fmt(half_last_day(half))} 前召集并发出会议通知"
    )


def flag_text(half):
    return f"本单位{half_title(half)}未召开行政执法协调会商例行会议，已记录在例会记录中"


def check_routine_meetings(root, request, moment):
    """Remind in June and December, flag the half-years passed without a routine meeting; returns
    the counts of what it did (only those that are not zero)."""
    moment = moment.astimezone(SHANGHAI)
    current = half_of(moment)
    record = meeting_record(root)
    if record is None:
        record = root.meeting_record = MeetingRecord(min(current, half_of(now())))
    policy = request.registry.policy_engine
    held = routine_meetings(root)
    past = halves_between(record.since, previous_half(current))
    counts = {"notifications": 0, "meeting_reminders": 0, "meeting_flags": 0}
    for tenant in departments_of(root):
        code, halves = tenant.code, held.get(tenant.code, {})
        if is_last_month(moment) and current not in halves:
            note = record.note(code, current, create=True)
            if note.reminded_at is None:
                note.reminded_at = moment
                counts["meeting_reminders"] += 1
                counts["notifications"] += notify_units(
                    root, policy, tenant, [code], reminder_text(current), roles=REMINDED_ROLES
                )
        for half in past:
            if half in halves:
                continue
            note = record.note(code, half, create=True)
            if note.flagged_at is None:
                note.flagged_at = moment
                counts["meeting_flags"] += 1
                counts["notifications"] += notify_units(
                    root, policy, tenant, [code], flag_text(half), roles=REMINDED_ROLES
                )
    return {key: value for key, value in counts.items() if value}


def department_record(root, codes, today=None):
    """What ``@@meeting-record`` shows: the half-years watched, and for each department, each
    half-year's routine meetings and flag.

    Returns ``(halves, rows)``: ``halves`` newest first; ``rows`` is ``[(tenant, [(half, meetings,
    note)])]`` in the order of ``codes``.
    """
    current = half_of(today or now())
    record = meeting_record(root)
    held = routine_meetings(root)
    first = record.since if record is not None else current
    for code in codes:
        for half in held.get(code, {}):
            first = min(first, half)
    halves = list(reversed(halves_between(first, current)))
    tenants = root["tenants"]
    rows = []
    for code in codes:
        meetings = held.get(code, {})
        cells = [
            (half, meetings.get(half, []), record.note(code, half) if record is not None else None)
            for half in halves
        ]
        rows.append((tenants[code], cells))
    return halves, rows
