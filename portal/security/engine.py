"""The policy engine: one Casbin enforcer per process, kept in step with the rows in ZODB.

Rows live in a :class:`~portal.security.adapter.PolicyStore` in the database; every change bumps the
store's version. Each request compares that version with the one this process loaded and reloads when
the database is ahead, so a change committed by any process is in force everywhere at the next request.
Changes are never made to the in-memory enforcer directly: they go into the store inside the request's
transaction, so an aborted request changes nothing, anywhere.

Decisions are cheap in two ways:

* cold decisions evaluate the matcher only over the ``p`` rows whose subject is one of the person's
  roles (in the acting unit or in the pseudo-unit ``portal``); the matcher requires ``g(sub, p.sub,
  ...)`` so no other row can match, and the answer is the one pycasbin gives over all rows;
* every answer is cached per loaded version; a reload starts a new, empty cache.
"""

import threading
from collections import defaultdict

import casbin

from .adapter import ZODBAdapter

#: The pseudo-unit whose roles hold in every unit (the portal admins).
PORTAL = "portal"
#: The role every member of a unit holds there.
MEMBER = "member"


class PortalEnforcer(casbin.Enforcer):
    """A pycasbin enforcer that pre-selects the ``p`` rows a request can match.

    The selection is by subject: the rows naming one of the person's roles in the acting unit or in
    ``portal``, or naming the person themselves, in their original order.
    """

    def __init__(self, model_path, adapter):
        self._rows = []
        self._lock = threading.Lock()
        super().__init__(model_path, adapter)
        self.index_rows()

    def index_rows(self):
        """Keep this process's own copy of the ``p`` rows, in order, for pre-selection."""
        self._rows = list(self.model["p"]["p"].policy)

    def roles_in(self, sub, dom):
        """The roles ``sub`` holds in ``dom``, including inherited ones."""
        role_manager = self.rm_map["g"]
        found, queue = set(), [sub]
        while queue:
            for role in role_manager.get_roles(queue.pop(), dom):
                if role not in found:
                    found.add(role)
                    queue.append(role)
        return found

    def candidate_rows(self, sub, dom):
        """The ``p`` rows that can match a request of ``sub`` acting in ``dom``, in order."""
        subjects = {sub} | self.roles_in(sub, dom) | self.roles_in(sub, PORTAL)
        return [row for row in self._rows if row[0] in subjects]

    def enforce(self, *rvals):
        sub, dom = rvals[0], rvals[1]
        rows = self.candidate_rows(sub, dom)
        assertion = self.model["p"]["p"]
        with self._lock:
            everything = assertion.policy
            assertion.policy = rows
            try:
                if not rows:
                    # pycasbin evaluates the matcher once with empty fields when there are no
                    # rows at all; with rows elsewhere but none selectable, nothing can match.
                    return False
                return self.enforce_ex(*rvals)[0]
            finally:
                assertion.policy = everything


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
        """Reload when the database holds a newer policy than this process."""
        version = store.version
        if self.version is not None and version <= self.version:
            return False
        with self._lock:
            if self.version is not None and version <= self.version:
                return False
            self._load(store, version)
        return True

    def _load(self, store, version):
        enforcer = PortalEnforcer(self.model_path, ZODBAdapter(store))
        memberships = defaultdict(lambda: defaultdict(set))
        members = defaultdict(lambda: defaultdict(set))
        for user, role, dom in enforcer.model["g"]["g"].policy:
            memberships[user][dom].add(role)
            members[dom][user].add(role)
        kinds = defaultdict(set)
        for unit, kind in enforcer.model["g"]["g2"].policy:
            kinds[unit].add(kind)
        # Swap everything at once: a thread in the middle of a decision keeps the old objects.
        self.enforcer, self.cache = enforcer, {}
        self.memberships = {u: {d: frozenset(r) for d, r in ds.items()} for u, ds in memberships.items()}
        self.members = {d: {u: frozenset(r) for u, r in us.items()} for d, us in members.items()}
        self.kinds = {u: frozenset(k) for u, k in kinds.items()}
        self.version = version

    def enforce(self, sub, dom, rel, typ, act):
        """Casbin's answer for one request, from the cache when it has it."""
        key = (sub, dom, rel, typ, act)
        cache = self.cache
        try:
            return cache[key]
        except KeyError:
            pass
        answer = self.enforcer.enforce(sub, dom, rel, typ, act)
        if len(cache) >= self.cache_size:
            cache.clear()
        cache[key] = answer
        return answer

    def permits(self, sub, dom, relations, typ, act):
        """True when any of the acting unit's relations to the item allows the action."""
        return any(self.enforce(sub, dom, rel, typ, act) for rel in relations)

    def units_of(self, user):
        """``{unit code: roles}`` for the units a person belongs to (``portal`` included)."""
        return self.memberships.get(user, {})

    def members_of(self, unit):
        """``{login: roles}`` for the people of a unit."""
        return self.members.get(unit, {})

    def kinds_of(self, unit):
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
                (rel, typ)
                for rel in relations
                for typ in types
                if self.enforce(sub, dom, rel, typ, act)
            )
            cache[key] = pairs
        return pairs
