"""The policy engine: one Casbin enforcer per process, kept in step with the rows in ZODB.

Rows live in a :class:`~portal.security.adapter.PolicyStore` in the database; every change bumps the
store's version. Each request compares that version with the one this process loaded and reloads when
the database is ahead, so a change committed by any process is in force everywhere at the next request.
Changes are never made to the in-memory enforcer directly: they go into the store inside the request's
transaction, so an aborted request changes nothing, anywhere.

Decisions are cheap in three ways:

* cold decisions evaluate the matcher only over the ``p`` rows that can match: those whose subject is
  the person or one of their roles (in the acting unit or in the pseudo-unit ``portal``), and whose
  relation, item type and action are the request's or ``"*"``. The matcher requires ``g(sub, p.sub,
  ...)`` and those literal comparisons, so no other row can match, and the answer is the one pycasbin
  gives over all rows; when no row is left, the answer is "no" without evaluating anything;
* the matcher is parsed once per loaded enforcer, not once per decision as pycasbin does;
* every answer is cached per loaded version; a reload starts a new, empty cache.
"""

import gc
import threading
from collections import defaultdict

import casbin

from .adapter import ZODBAdapter
from .names import PORTAL, PORTAL_DOMAIN, ROLE, USER, casbin_request, plain, unit_code

#: The role every member of a unit holds there.
MEMBER = "member"
#: The matcher the pre-selection is written for (``policies/model.conf``, as pycasbin keeps it). With
#: any other matcher the enforcer evaluates every row, as plain pycasbin does.
PRESELECTED_MATCHER = (
    "((g(r_sub, p_sub, r_dom) && g2(r_dom, p_dom))"
    ' || (g(r_sub, p_sub, "portal:all") && p_dom == "portal:all"))'
    ' && (p_rel == "*" || r_rel == p_rel) && (p_typ == "*" || r_typ == p_typ)'
    ' && (p_act == "*" || r_act == p_act)'
)


class PortalEnforcer(casbin.Enforcer):
    """A pycasbin enforcer that pre-selects the ``p`` rows a request can match.

    It is asked in the rows' name spaces (``user:<login>``, ``unit:<code>``: see :mod:`.names`).
    The selection: the rows naming the person or one of their roles in the acting unit or in
    ``portal:all``, whose relation, type and action fields equal the request's or are ``"*"``, in their
    original order. The role links and rows of an instance never change after loading (the engine
    loads a new one instead), which is what lets it keep the rows indexed and the matcher parsed.
    """

    def __init__(self, model_path, adapter):
        self._by_subject = {}
        self.role_index = {}
        self._expressions = {}
        self._lock = threading.Lock()
        super().__init__(model_path, adapter)
        self.index_rows()

    def index_rows(self):
        """Index the ``p`` rows by subject (with each row's position, for the original order) and
        the ``g`` rows by (name, unit) in ``role_index`` (``{(name, unit): {role, ...}}``).

        pycasbin's own role manager builds a unit's roles on the first question about that unit;
        with thousands of units that first question is what a cold decision would mostly pay for.
        """
        by_subject = defaultdict(list)
        for position, row in enumerate(self.model["p"]["p"].policy):
            by_subject[row[0]].append((position, row))
        self._by_subject = dict(by_subject)
        roles = {}
        for name, role, dom in self.model["g"]["g"].policy:
            roles.setdefault((name, dom), set()).add(role)
        self.role_index = roles

    def roles_in(self, sub, dom):
        """The roles ``sub`` holds in ``dom``, including inherited ones."""
        roles = self.role_index
        found, queue = set(), [sub]
        while queue:
            for role in roles.get((queue.pop(), dom), ()):
                if role not in found:
                    found.add(role)
                    queue.append(role)
        return found

    def candidate_rows(self, sub, dom, rel, typ, act):
        """The ``p`` rows that can match the request, in order."""
        subjects = {sub} | self.roles_in(sub, dom) | self.roles_in(sub, PORTAL_DOMAIN)
        by_subject = self._by_subject
        found = [
            (position, row)
            for subject in subjects
            for position, row in by_subject.get(subject, ())
            if row[2] in ("*", rel) and row[3] in ("*", typ) and row[4] in ("*", act)
        ]
        found.sort(key=lambda entry: entry[0])
        return [row for _, row in found]

    def _get_expression(self, expr, functions=None):
        """The parsed matcher, parsed once (pycasbin parses it again at every decision)."""
        expression = self._expressions.get(expr)
        if expression is None:
            expression = self._expressions[expr] = super()._get_expression(expr, functions)
        return expression

    def enforce(self, *rvals):
        if self.model["m"]["m"].value != PRESELECTED_MATCHER:
            # Under the lock: :meth:`matching_rows` puts one row at a time in the model.
            with self._lock:
                return super().enforce(*rvals)
        rows = self.candidate_rows(*rvals)
        if not rows:
            # pycasbin evaluates the matcher once with empty fields when there are no rows at
            # all; with rows elsewhere but none selectable, nothing can match.
            return False
        assertion = self.model["p"]["p"]
        with self._lock:
            everything = assertion.policy
            assertion.policy = rows
            try:
                return self.enforce_ex(*rvals)[0]
            finally:
                assertion.policy = everything

    def policy_rows(self):
        """Every ``p`` row, in order (read under the lock: a decision puts its selection in place)."""
        with self._lock:
            return list(self.model["p"]["p"].policy)

    def matching_rows(self, *rvals):
        """Every ``p`` row for which the matcher holds, in order, for :mod:`.explain` to show what
        decided: pycasbin's own evaluation of each row alone. Whatever their subject, every row is
        evaluated whose relation, type and action fields are the request's or ``"*"`` (the matcher's
        literal comparisons; with another matcher, every row), not the pre-selection's few."""
        assertion = self.model["p"]["p"]
        literal = self.model["m"]["m"].value == PRESELECTED_MATCHER
        _, _, rel, typ, act = rvals
        found = []
        with self._lock:
            everything = assertion.policy
            try:
                for row in everything:
                    if literal and not (
                        row[2] in ("*", rel) and row[3] in ("*", typ) and row[4] in ("*", act)
                    ):
                        continue
                    assertion.policy = [row]
                    if self.enforce_ex(*rvals)[0]:
                        found.append(row)
            finally:
                assertion.policy = everything
        return found


def apply_role_change(enforcer, op, ptype, row):
    """Add or remove one role row in a loaded enforcer: its model, role links and role index."""
    policy = enforcer.model["g"][ptype].policy
    role_manager = enforcer.rm_map[ptype]
    if op == "add" and row not in policy:
        policy.append(row)
        role_manager.add_link(*row)
    elif op == "remove" and row in policy:
        policy.remove(row)
        role_manager.delete_link(*row)
    if ptype == "g":
        name, role, dom = row
        roles = set(enforcer.role_index.get((name, dom), ()))
        (roles.add if op == "add" else roles.discard)(role)
        # Replaced, never mutated: decisions in other threads read these sets without the lock.
        if roles:
            enforcer.role_index[(name, dom)] = roles
        else:
            enforcer.role_index.pop((name, dom), None)


def membership_of(name, dom, roles):
    """``(login, unit code, frozenset of role names)`` of a person's ``g`` rows in one unit, plain;
    ``(None, None, None)`` for rows that are not a person's roles in a unit (role hierarchies)."""
    login, code = plain(name, USER), unit_code(dom)
    if login is None or code is None:
        return None, None, None
    return login, code, frozenset(role[len(ROLE) :] for role in roles if role.startswith(ROLE))


class PolicyEngine:
    """The process's view of the policy: an enforcer, a decision cache and membership lookups.

    ``sync(store)`` is called once per request with the store as the request's transaction sees it.
    """

    def __init__(self, model_path, cache_size=500_000):
        self.model_path = str(model_path)
        self.cache_size = cache_size
        self.version = None
        self.enforcer = None
        self.cache = {}
        self.memberships = {}
        self.members = {}
        self.kinds = {}
        self._lock = threading.Lock()

    def sync(self, store):
        """Reload when the database holds a newer committed policy than this process.

        A store this transaction has changed and not yet committed is not adopted: other threads
        share the engine, and if the transaction aborts, its version number may later be reached by
        a different change, which this process would then never load. Its first load ever takes the
        rows as they are but remembers no version, so the next sync loads again.
        """
        version = store.version
        uncommitted = bool(store._version._p_changed)
        if self.version is not None and (uncommitted or version <= self.version):
            return False
        with self._lock:
            if self.version is not None and (uncommitted or version <= self.version):
                return False
            if uncommitted and self.enforcer is not None:
                return False
            if self.version is not None and self._apply_changes(store, version):
                return True
            # The load creates hundreds of thousands of small objects and no cycles: the cyclic
            # garbage collector would walk the growing heap again and again (it doubles the time).
            collecting = gc.isenabled()
            gc.disable()
            try:
                self._load(store, None if uncommitted else version)
            finally:
                if collecting:
                    gc.enable()
        return True

    def _load(self, store, version):
        enforcer = PortalEnforcer(self.model_path, ZODBAdapter(store))
        memberships, members = {}, {}
        for (name, dom), roles in enforcer.role_index.items():
            login, code, roles = membership_of(name, dom, roles)
            if login is None:
                continue
            memberships.setdefault(login, {})[code] = roles
            members.setdefault(code, {})[login] = roles
        kinds = {}
        for name, kind in enforcer.model["g"]["g2"].policy:
            code = unit_code(name)
            if code is not None:
                kinds.setdefault(code, set()).add(kind)
        # Swap everything at once: a thread in the middle of a decision keeps the old objects.
        self.enforcer, self.cache = enforcer, {}
        self.memberships, self.members = memberships, members
        self.kinds = {unit: frozenset(unit_kinds) for unit, unit_kinds in kinds.items()}
        self.version = version

    def _apply_changes(self, store, version):
        """Catch up on role changes (``g``/``g2`` rows) from the store's journal, in place.

        A unit admin's grant is then a few dictionary updates in every other process instead of a
        reload of every row. Anything else (``p`` rows, whose order matters; a gap in the journal)
        returns False, and the caller reloads in full.
        """
        changes = store.changes_since(self.version, version)
        if changes is None or any(not ptype.startswith("g") for _, ptype, _ in changes):
            return False
        enforcer = self.enforcer
        with enforcer._lock:
            for op, ptype, row in changes:
                apply_role_change(enforcer, op, ptype, list(row))
            self._index_memberships(changes)
            self.cache = {}
            self.version = version
        return True

    def _index_memberships(self, changes):
        """Refresh the membership and kind lookups for the rows that changed (copy on write)."""
        role_index = self.enforcer.role_index
        for _, ptype, row in changes:
            if ptype == "g":
                name, _, dom = row
                login, code, roles = membership_of(name, dom, role_index.get((name, dom), ()))
                if login is None:
                    continue
                units = {**self.memberships.get(login, {}), code: roles}
                people = {**self.members.get(code, {}), login: roles}
                if not roles:
                    del units[code], people[login]
                self.memberships = {**self.memberships, login: units}
                self.members = {**self.members, code: people}
            elif ptype == "g2":
                code = unit_code(row[0])
                if code is None:
                    continue
                kinds = frozenset(
                    kind for name, kind in self.enforcer.model["g"]["g2"].policy if name == row[0]
                )
                self.kinds = {**self.kinds, code: kinds}

    def enforce(self, sub, dom, rel, typ, act):
        """Casbin's answer for one request, from the cache when it has it.

        ``sub`` is a login and ``dom`` a unit code (or ``portal``), plain: the enforcer is asked
        them in their name spaces (``user:…``, ``unit:…``). The hit path is one ``dict.get``
        (answers are booleans, so ``None`` means "not cached").
        """
        answer = self.cache.get((sub, dom, rel, typ, act))
        if answer is None:
            answer = self._decide(sub, dom, rel, typ, act)
        return answer

    def _decide(self, sub, dom, rel, typ, act):
        """Ask the enforcer, and remember the answer (a full cache starts over)."""
        cache = self.cache
        answer = self.enforcer.enforce(*casbin_request(sub, dom, rel, typ, act))
        if len(cache) >= self.cache_size:
            cache.clear()
        cache[(sub, dom, rel, typ, act)] = answer
        return answer

    def permits(self, sub, dom, relations, typ, act):
        """True when any of the acting unit's relations to the item allows the action."""
        return any(self.enforce(sub, dom, rel, typ, act) for rel in relations)

    def units_of(self, user):
        """``{unit code: roles}`` for the units a person belongs to (``portal`` included); plain
        names (``{"cj-yushan": {"member", "officer"}}``)."""
        return self.memberships.get(user, {})

    def members_of(self, unit):
        """``{login: roles}`` for the people of a unit."""
        return self.members.get(unit, {})

    def kinds_of(self, unit):
        """The kinds of a unit, as rows name them (``kind:township``)."""
        return self.kinds.get(unit, frozenset())

    def is_portal_admin(self, user):
        return "admin" in self.memberships.get(user, {}).get(PORTAL, ())

    def visible_pairs(self, sub, dom, relations, types, act="view"):
        """The (relation, item type) pairs for which ``act`` is allowed to ``sub`` acting as ``dom``.

        Listings query the catalog for the union of these pairs instead of asking per item; since
        the pairs are asked of the enforcer itself, the catalog answer is Casbin's answer.
        """
        key = ("pairs", sub, dom, tuple(relations), tuple(types), act)
        cache = self.cache
        pairs = cache.get(key)
        if pairs is None:
            pairs = frozenset(
                (rel, typ) for rel in relations for typ in types if self.enforce(sub, dom, rel, typ, act)
            )
            cache[key] = pairs
        return pairs
