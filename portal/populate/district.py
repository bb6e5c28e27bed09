"""The district a populate run works in: its units (and any it adds), its people, who is busy and
who is slow, the requests its people act through, and the office hours their steps fall in."""

import datetime

from ..calendar import SHANGHAI, add_workdays, is_workday
from ..demo import PDF
from . import words

#: Roles of the people a populated unit gets, and how many of each: (role, count).
STAFF = (("leader", 1), ("deputy", 1), ("liaison", 1), ("officer", 2), ("unit_admin", 1))
#: The supervising unit (区司法局) also gets a supervisor; granted as a portal admin would.
SUPERVISOR_STAFF = (("supervisor", 1),)

#: How busy the district's own units are (1 for the rest): market supervision and urban
#: management receive most of what townships send; the larger townships file the most.
BUSY = {
    "cj-scjgj": 9.0,
    "cj-cgj": 6.0,
    "cj-yjj": 3.0,
    "cj-zjj": 2.5,
    "cj-wjw": 2.5,
    "cj-nyj": 2.0,
    "cj-lyj": 1.5,
    "cj-swj": 1.2,
    "cj-jtj": 1.2,
    "cj-yushan": 1.6,
    "cj-lvmeng": 1.4,
    "cj-liyang": 1.0,
    "cj-hetang": 0.7,
}
#: A share of late steps around which each unit's own is drawn (some units are much slower).
LATE_SHARE = 0.12

OFFICE_OPENS = datetime.time(8, 30)
OFFICE_CLOSES = datetime.time(17, 30)


def login_of(code, role, n):
    return f"{code}.{role}{n}"


# Units ----------------------------------------------------------------------------------------------


def extra_units(root, wanted, rng):
    """The units to add so that the site has ``wanted`` units: departments and townships in the
    district's proportions (its judicial organs, police and supervising unit stay one each).
    Returns ``(district name, [unit dicts as tenants/*.toml has them])``."""
    tenants = root["tenants"]
    missing = wanted - len(tenants)
    if missing <= 0:
        return "", []
    kinds = [tenant.kind for tenant in tenants.values()]
    townships, departments = kinds.count("township"), kinds.count("department")
    share = townships / max(townships + departments, 1)
    n_townships = round(missing * share)
    district = next(iter(tenants.values())).district if len(tenants) else "景德镇市昌江区"
    prefix = next(iter(sorted(tenants))).split("-")[0] if len(tenants) else "cj"
    taken = {tenant.title for tenant in tenants.values()}
    codes = set(tenants)
    units = []
    serial = len(tenants)
    for index in range(missing):
        township = index < n_townships
        while True:
            serial += 1
            code = f"{prefix}-{'t' if township else 'd'}{serial:04d}"
            if code not in codes:
                break
        codes.add(code)
        title, doc_code = unit_name(township, index if township else index - n_townships, taken)
        taken.add(title)
        units.append(
            {
                "code": code,
                "name": title,
                "kind": "township" if township else "department",
                "extra_kinds": [],
                "doc_code": doc_code,
                "liaison_office": "综合行政执法办公室" if township else "政策法规股",
                "contact": f"{rng.choice(words.SURNAMES)}{rng.choice(words.GIVEN)}",
                "phone": f"0798-86{rng.randint(10000, 99999)}",
            }
        )
    return district, units


def unit_name(township, index, taken):
    """A township's or department's name not used yet, and its 机关代字 (Chinese characters only)."""
    names = (
        [(name, name) for name in words.TOWNSHIP_NAMES]
        if township
        else [(name, f"昌{short}") for name, short in words.DEPARTMENT_NAMES]
    )
    round_, position = divmod(index, len(names))
    while True:
        name, doc_code = names[position]
        if round_:
            numeral = words.ROUNDS[(round_ - 1) % len(words.ROUNDS)]
            name, doc_code = f"{name}（{numeral}）", f"{doc_code}{numeral}"
        if name not in taken:
            return name, doc_code
        round_ += 1


def add_units(root, registry, wanted, rng):
    """Add units until the site has ``wanted`` (through the loader of ``tenants/*.toml``)."""
    from ..tenants import UnitSchema, load_units

    district, units = extra_units(root, wanted, rng)
    if not units:
        return 0
    checked = [UnitSchema().deserialize(unit) for unit in units]
    created, _ = load_units(root, {"name": district}, checked, registry)
    return created


# People ---------------------------------------------------------------------------------------------


def add_people(root, registry, rng, password_hash):
    """Give every unit without them its staff (:data:`STAFF`): logins ``<unit>.<role><n>``, each
    with a Chinese name, one role, and the password whose bcrypt hash ``password_hash()`` returns
    (hashed once for everyone: hashing each would take a quarter of a second a person). Returns how
    many people were added."""
    from ..people import add_person, find_person, grant

    store = root.policy_store
    added = 0
    for code, tenant in sorted(root["tenants"].items()):
        staff = STAFF + (SUPERVISOR_STAFF if "supervisor" in tenant.kinds else ())
        for role, count in staff:
            for n in range(1, count + 1):
                login = login_of(code, role, n)
                if find_person(root, login) is None:
                    person = add_person(root, login, None, person_name(rng), registry=registry)
                    person.password = password_hash()
                    added += 1
                grant(store, login, role, code)
    return added


def person_name(rng):
    return rng.choice(words.SURNAMES) + rng.choice(words.GIVEN)


# The district at work ---------------------------------------------------------------------------


class District:
    """What the stories draw on: units by kind and weight, people acting, texts, times."""

    def __init__(self, registry, root, rng, now, years, attachments=1.0):
        self.registry = registry
        self.root = root
        self.rng = rng
        self.now = now.astimezone(SHANGHAI)
        self.start = self.now - datetime.timedelta(days=round(365.25 * years))
        self.attachments = attachments
        self.overrides = root.calendar_overrides
        tenants = root["tenants"]
        self.units = sorted(tenants)
        self.townships = sorted(code for code, t in tenants.items() if t.kind == "township")
        self.police = sorted(code for code, t in tenants.items() if "police" in t.kinds)
        self.arbiters = sorted(code for code, t in tenants.items() if "supervisor" in t.kinds)
        self.procuratorates = sorted(
            code for code, t in tenants.items() if t.kind == "judicial" and "检察院" in t.title
        )
        self.courts = sorted(
            code for code, t in tenants.items() if t.kind == "judicial" and "法院" in t.title
        )
        # Departments that receive and file cases (not public security, nor the supervising unit).
        self.departments = sorted(
            code
            for code, t in tenants.items()
            if t.kind == "department" and not {"police", "supervisor"} & set(t.kinds)
        )
        weights = {code: BUSY.get(code, rng.lognormvariate(0, 0.6)) for code in self.units}
        self.weights = weights
        self.township_weights = [weights[code] for code in self.townships]
        self.department_weights = [weights[code] for code in self.departments]
        # Each unit's share of late steps: most near LATE_SHARE, a few much slower.
        self.late = {code: min(0.6, LATE_SHARE * rng.lognormvariate(0, 0.7)) for code in self.units}
        self._requests = {}
        self._members = {}
        self._firsts = set()
        #: How many items the run makes (None: no limit).
        self.limit = None
        #: The items of the story being run (the run counts their states when it ends).
        self.story_items = []
        self.created = 0
        self.counts = {}
        self.refused = 0

    # what is made ---------------------------------------------------------------------------------

    def room(self):
        """Whether the run may make another item (a story stops before one more would be too many)."""
        return self.limit is None or self.created < self.limit

    def made(self, item):
        """Count an item the story made (the run's progress and its summary)."""
        self.created += 1
        self.counts[item.item_type] = self.counts.get(item.item_type, 0) + 1
        self.story_items.append(item)
        return item

    # units ----------------------------------------------------------------------------------------

    def tenant(self, code):
        return self.root["tenants"][code]

    def township(self):
        return self.rng.choices(self.townships, self.township_weights)[0]

    def department(self, likely=None):
        """A department, weighted by how busy it is; ``likely`` (the one a violation concerns) half
        the time when there is one."""
        if likely in self.departments and self.chance(0.5):
            return likely
        return self.rng.choices(self.departments, self.department_weights)[0]

    def departments_some(self, most, likely=None):
        chosen = {self.department(likely)}
        for _ in range(self.rng.randint(0, most - 1)):
            chosen.add(self.department())
        return tuple(sorted(chosen))

    def other_side(self, unit, likely=None):
        """A township for a department, a department for a township."""
        return self.department(likely) if unit in self.townships else self.township()

    # people ---------------------------------------------------------------------------------------

    def request_of(self, login, unit):
        """A script's request: ``login`` acting as ``unit`` (one per pair, kept for the run)."""
        key = (login, unit)
        request = self._requests.get(key)
        if request is None:
            from pyramid.interfaces import IRequestExtensions
            from pyramid.request import Request, apply_request_extensions

            from ..people import find_person

            request = Request.blank("/")
            request.registry = self.registry
            apply_request_extensions(request, self.registry.queryUtility(IRequestExtensions))
            request.root = self.root
            user = find_person(self.root, login)
            request.__dict__.update(login=login, acting_unit=unit, user=user)
            self._requests[key] = request
        return request

    def members(self, unit, role=None):
        """The logins of ``unit`` (holding ``role``), in login order (the policy does not change
        during a run)."""
        key = (unit, role)
        found = self._members.get(key)
        if found is None:
            engine = self.registry.policy_engine
            found = self._members[key] = sorted(
                login for login, roles in engine.members_of(unit).items() if role is None or role in roles
            )
        return found

    def req(self, unit, context, action, roles=None):
        """The request of a person of ``unit`` allowed ``action`` on ``context`` (an item, or the
        unit's folder for ``create:<type>``): whoever the policy lets take the step, as in the
        unit itself (among those holding one of ``roles``, when a step leads to another that not
        everyone allowed the first may take). A step nobody may take is a bug of the story."""
        candidates = self.members(unit)
        if roles is not None:
            engine = self.registry.policy_engine
            candidates = [login for login in candidates if set(engine.members_of(unit)[login]) & set(roles)]
        start = self.rng.randrange(len(candidates)) if candidates else 0
        for login in candidates[start:] + candidates[:start]:
            request = self.request_of(login, unit)
            if request.permits(context, action):
                return request
        raise LookupError(f"nobody of {unit} may {action} {getattr(context, 'item_type', context)}")

    def last_meeting(self, item):
        """The coordination meeting a hazard notice or a dispute just called."""
        from pyramid.traversal import find_resource

        return find_resource(self.root, item.meetings[-1]["meeting_path"])

    def officers(self, unit, count=2):
        return tuple(sorted(self.rng.sample(self.members(unit, "officer"), count)))

    def name(self):
        return person_name(self.rng)

    # chance and words ------------------------------------------------------------------------------

    def chance(self, p):
        return self.rng.random() < p

    def first(self, what):
        """True the first time ``what`` is asked of the run (a state that must occur once)."""
        if what in self._firsts:
            return False
        self._firsts.add(what)
        return True

    def choice(self, values):
        return self.rng.choice(values)

    def pick(self, mix):
        """A key of ``mix`` drawn by its weights."""
        keys = list(mix)
        return self.rng.choices(keys, [mix[key] for key in keys])[0]

    def party(self):
        return f"景德镇市{self.choice(words.PARTY_WORDS)}{self.choice(words.TRADES)}有限公司"

    def place(self, unit):
        return f"{self.tenant(unit).title}{self.choice(words.PLACES)}"

    def violation(self):
        return self.choice(words.VIOLATIONS)

    def files(self, p, name):
        """``[(name, bytes)]`` with probability ``p`` (times the run's ``attachments`` share)."""
        return [(name, PDF)] if self.chance(p * self.attachments) else []

    def phone(self):
        return f"13{self.rng.randint(0, 9)}{self.rng.randint(10000000, 99999999)}"

    # time -----------------------------------------------------------------------------------------

    def office(self, moment):
        """``moment`` if it falls in office hours on a working day, else the next office morning."""
        local = moment.astimezone(SHANGHAI)
        day = local.date()
        if is_workday(day, self.overrides) and OFFICE_OPENS <= local.time() <= OFFICE_CLOSES:
            return local
        if is_workday(day, self.overrides) and local.time() < OFFICE_OPENS:
            return self.at_office(day, early=True)
        return self.at_office(add_workdays(day, 1, self.overrides), early=True)

    def at_office(self, day, early=False):
        """A moment of office hours on ``day`` (in the first hour with ``early``)."""
        opens = OFFICE_OPENS.hour * 60 + OFFICE_OPENS.minute
        closes = OFFICE_CLOSES.hour * 60 + OFFICE_CLOSES.minute - 10
        minute = self.rng.randint(opens + 5, opens + 60 if early else closes)
        return datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60), SHANGHAI)

    def later(self, moment, least, most, office=True):
        """``least`` to ``most`` minutes after ``moment`` (moved into office hours with ``office``)."""
        found = moment + datetime.timedelta(minutes=self.rng.uniform(least, most))
        return self.office(found) if office else found

    def workdays_after(self, moment, least, most):
        """A moment of office hours ``least`` to ``most`` working days after ``moment``'s day."""
        day = add_workdays(moment.astimezone(SHANGHAI).date(), self.rng.randint(least, most), self.overrides)
        found = self.at_office(day)
        return found if found > moment else self.later(moment, 10, 60)

    def reply(self, unit, moment, due, late=None):
        """When ``unit`` takes a step due at ``due`` (a date, counted to its end, or a moment),
        starting from ``moment``: in time, or (as often as the unit is late, or if ``late``) after.
        A clock already run out leaves only late."""
        late = self.chance(self.late[unit]) if late is None else late
        if isinstance(due, datetime.datetime):
            if due <= moment:
                late = True
            if late:
                return due + datetime.timedelta(minutes=self.rng.uniform(5, 60 * 30 * self.late[unit] + 30))
            span = (due - moment).total_seconds() / 60
            return moment + datetime.timedelta(minutes=self.rng.uniform(min(3, span / 2), span * 0.9))
        if due < moment.astimezone(SHANGHAI).date():
            late = True
        if late:
            overdue = 1 + min(int(self.rng.expovariate(1 / (2 + 10 * self.late[unit]))), 40)
            return self.at_office(add_workdays(due, overdue, self.overrides))
        days = [
            day
            for day in (
                moment.date() + datetime.timedelta(days=n) for n in range((due - moment.date()).days + 1)
            )
            if is_workday(day, self.overrides)
        ]
        # Most answer early in the period; a few on the last day.
        index = min(int(self.rng.expovariate(1.3)), len(days) - 1) if days else 0
        found = self.at_office(days[index]) if days else self.later(moment, 30, 240)
        return found if found > moment else self.later(moment, 15, 120)

    def within_hours(self, moment, least, most):
        """``least`` to ``most`` hours after ``moment``, whatever the hour (a hazard does not wait)."""
        return moment + datetime.timedelta(minutes=self.rng.uniform(least * 60, most * 60))

    def future_day(self, moment, least, most, hour=9):
        """A working day ``least`` to ``most`` calendar days after ``moment``, at ``hour``."""
        day = moment.astimezone(SHANGHAI).date() + datetime.timedelta(days=self.rng.randint(least, most))
        while not is_workday(day, self.overrides):
            day += datetime.timedelta(days=1)
        minute = self.rng.choice((0, 30))
        return datetime.datetime.combine(day, datetime.time(hour, minute), SHANGHAI)

    def age(self, clock):
        """How long an item has been waiting in an open state: mostly within its clock (``clock``
        days; None: no clock), some due within a day, about a third overdue, a few long overdue."""
        if clock is None:
            return self.rng.uniform(0, 30) if self.chance(0.8) else self.rng.uniform(30, 120)
        roll = self.rng.random()
        if roll < 0.5:
            return self.rng.uniform(0, clock * 0.7)
        if roll < 0.65:
            return self.rng.uniform(clock * 0.7, clock)
        return clock + min(self.rng.expovariate(1 / 20), 150) + 0.2
