"""The home page's deadline panels and the working-day calendar page (``/calendar``)."""

import datetime

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from hypatia.query import Any
from pyramid.renderers import render

from ..calendar import PACKAGE_FIRST_YEAR, SHANGHAI, missing_years, year_has_data
from ..items import now
from ..items.catalog import visible_scope
from ..security import PORTAL
from ..views import CSRFSchema, portal_view
from ..views.fields import ChineseDate
from ..views.forms import PortalForm
from . import KINDS, due_bounds, due_kind, due_label, official_days

#: How many items each panel lists (the count says how many there are in all).
PANEL_LIMIT = 10
#: How many years ahead of this one the calendar page offers and checks for missing data.
YEARS_AHEAD = 2


# the home page's panels -------------------------------------------------------------------------


def deadline_panel(request):
    """今日到期 / 1个工作日内到期 / 已超期 for the acting unit, of the items the person may see.

    One catalog query (open items awaiting the unit), within what the person may see; those ids
    are then parted by their ``due`` value, and only the first few of each panel are loaded.
    """
    unit = request.acting_unit
    if request.login is None or unit in (None, PORTAL):
        return None
    catalog = request.root["catalogs"]["portal"]
    scope = visible_scope(request, catalog)
    moment = now()
    panels = {kind: (0, []) for kind, _ in KINDS}
    resolver = None
    if scope is not None:
        # The due and awaiting indexes hold open items only.
        awaiting = Any(catalog["awaiting"], [unit]).execute().ids
        resolver = scope.resolver
        mine = catalog.family.IF.intersection(awaiting, scope.ids)
        bounds = due_bounds(moment, request.root.calendar_overrides)
        part = part_one_by_one if len(mine) <= ONE_BY_ONE else part_by_ranges
        panels = part(catalog["due"], mine, bounds, catalog.family)
    sections = []
    for kind, title in KINDS:
        count, first = panels[kind]
        rows = []
        for _, docid in first:
            item = resolver(docid)
            label = due_label(item, request, moment)
            rows.append(
                {
                    "title": item.title,
                    "type_title": item.type_title,
                    "due": label[0] if label else "",
                    "css": label[1] if label else "",
                    "waiting_for": item.waiting_for,
                    "url": request.resource_url(item),
                }
            )
        sections.append({"kind": kind, "title": title, "count": count, "rows": rows})
    html = render("templates/panel.pt", {"sections": sections, "limit": PANEL_LIMIT}, request)
    return {"id": "deadlines", "title": "到期提醒", "html": html}


#: Up to this many items awaiting the unit, each one's due value is looked up; above it, the
#: panels are answered from the ``due`` index's ranges (the unions and intersections in C).
ONE_BY_ONE = 2_000


def part_one_by_one(index, docids, bounds, family):
    """``{kind: (count, [(key, docid)] of the first PANEL_LIMIT)}``, each id's value looked up."""
    stored = index._rev_index  # docid -> due key
    found = {kind: [] for kind, _ in KINDS}
    for docid in docids:
        kind = due_kind(stored.get(docid), bounds)
        if kind is not None:
            found[kind].append((stored[docid], docid))
    return {kind: (len(pairs), sorted(pairs)[:PANEL_LIMIT]) for kind, pairs in found.items()}


def part_by_ranges(index, docids, bounds, family):
    """The same as :func:`part_one_by_one`, from the index's ranges of ``due`` keys: what a unit
    awaited by thousands of open items needs, instead of a lookup per item."""
    now_key, today_end, soon_end = bounds
    ranges = {
        "overdue": {"max": now_key, "excludemax": True},
        "due-today": {"min": now_key, "max": today_end},
        "due-soon": {"min": today_end, "max": soon_end, "excludemin": True},
    }
    forward = index._fwd_index  # due key -> docids
    panels = {}
    for kind, bounds_of_kind in ranges.items():
        hits = family.IF.intersection(docids, family.IF.multiunion(forward.values(**bounds_of_kind)))
        first = []
        if len(hits):
            for key, having in forward.items(**bounds_of_kind):
                first.extend((key, docid) for docid in family.IF.intersection(having, hits))
                if len(first) >= PANEL_LIMIT:
                    break
        panels[kind] = (len(hits), sorted(first)[:PANEL_LIMIT])
    return panels


# the calendar page ------------------------------------------------------------------------------

KIND_TITLES = {"holiday": "放假（休息日）", "workday": "调休上班（工作日）"}


@colander.deferred
def _not_the_other_kind(node, kw):
    """A day already entered as the other kind must be removed first (a day is one or the other)."""
    overrides = kw["overrides"]

    def validator(form, value):
        answer = overrides.is_override(value["day"])
        entered = {True: "workday", False: "holiday"}.get(answer)
        if entered is not None and entered != value["kind"]:
            error = colander.Invalid(form, "")
            error["day"] = (
                f"{value['day'].isoformat()} 已登记为“{KIND_TITLES[entered]}”，"
                "同一天不能既放假又上班；如需更改，请先在下方删除原登记"
            )
            raise error

    return validator


class CalendarDaySchema(CSRFSchema):
    """One day of the calendar as the admin enters it: a holiday or an adjusted working day."""

    day = colander.SchemaNode(
        ChineseDate(),
        title="日期",
        description="格式：年-月-日，例如 2027-01-01",
        widget=deform.widget.TextInputWidget(placeholder="2027-01-01"),
        validator=colander.Range(
            datetime.date(2000, 1, 1),
            datetime.date(2100, 12, 31),
            min_err="日期不能早于 2000 年",
            max_err="日期不能晚于 2100 年",
        ),
        missing_msg="请填写日期",
    )
    kind = colander.SchemaNode(
        colander.String(),
        title="类别",
        widget=deform.widget.SelectWidget(values=[("", "请选择"), *KIND_TITLES.items()]),
        validator=colander.OneOf(list(KIND_TITLES), msg_err="请选择放假或调休上班"),
        missing_msg="请选择放假或调休上班",
    )
    name = colander.SchemaNode(
        colander.String(),
        title="名称",
        description="例如 元旦、春节、国庆节调休上班",
        validator=colander.Length(1, 30, max_err="名称最多 30 个字"),
        missing_msg="请填写名称",
    )


class CalendarView:
    """``/calendar``: the official calendar of a year, the admins' additions, missing years."""

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.overrides = context.calendar_overrides
        self.this_year = now().astimezone(SHANGHAI).year

    def form(self):
        schema = CalendarDaySchema(validator=_not_the_other_kind).bind(
            request=self.request, overrides=self.overrides
        )
        return PortalForm(schema, formid="calendar-day", buttons=(deform.Button("add_day", "登记"),))

    def year(self):
        try:
            year = int(self.request.params.get("year", ""))
        except ValueError:
            return self.this_year
        return year if 2000 <= year <= 2100 else self.this_year

    def url(self, year):
        return f"{self.request.application_url}/calendar?year={year}"

    def page(self, year, form=None):
        overrides = self.overrides
        years = sorted(
            {*range(PACKAGE_FIRST_YEAR, self.this_year + YEARS_AHEAD + 1), *overrides.years(), year}
        )
        watched = range(self.this_year - 1, self.this_year + YEARS_AHEAD + 1)
        can_manage = self.request.permits(self.context, "manage:calendar")
        return {
            "year": year,
            "years": years,
            "missing": missing_years(watched, overrides),
            "official": official_days(year),
            "has_data": year_has_data(year, overrides),
            "complete": overrides.is_year_complete(year),
            "holidays": overrides.holidays(year),
            "workdays": overrides.workdays(year),
            "can_manage": can_manage,
            "form": (form or self.form().render()) if can_manage else "",
            "action": self.url(year),
        }

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="calendar",
        renderer="templates/calendar.pt",
        permission="view:calendar",
    )
    def show(self):
        return self.page(self.year())

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="calendar",
        renderer="templates/calendar.pt",
        permission="manage:calendar",
        request_method="POST",
        request_param="add_day",
    )
    def add_day(self):
        form = self.form()
        try:
            data = form.validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            return self.page(self.year(), failure.render())
        day, name = data["day"], data["name"].strip()
        if data["kind"] == "holiday":
            self.overrides.set_holiday(day, name)
        else:
            self.overrides.set_workday(day, name)
        self.request.session.flash(f"已登记 {day.isoformat()} {name}（{KIND_TITLES[data['kind']]}）")
        return HTTPFound(location=self.url(day.year))

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="calendar",
        permission="manage:calendar",
        request_method="POST",
        request_param="remove",
    )
    def remove(self):
        try:
            day = datetime.date.fromisoformat(self.request.POST["remove"])
        except ValueError:
            self.request.session.flash("日期无效，未删除", "error")
            return HTTPFound(location=self.url(self.year()))
        if self.overrides.remove(day):
            self.request.session.flash(f"已删除 {day.isoformat()} 的登记")
        else:
            self.request.session.flash(f"{day.isoformat()} 没有登记，无需删除", "error")
        return HTTPFound(location=self.url(day.year))

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="calendar",
        permission="manage:calendar",
        request_method="POST",
        request_param="complete",
    )
    def complete(self):
        year = self.year()
        done = self.request.POST["complete"] == "1"
        self.overrides.mark_year_complete(year, done)
        if done:
            self.request.session.flash(f"已确认 {year} 年节假日安排录入完整，该年到期日不再标注“暂计”")
        else:
            self.request.session.flash(f"已撤销 {year} 年的“录入完整”确认")
        return HTTPFound(location=self.url(year))


def calendar_link(request):
    if request.login is None or not request.permits(request.root, "view:calendar"):
        return None
    return request.application_url + "/calendar"
