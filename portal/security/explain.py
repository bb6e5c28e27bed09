"""Why a person may or may not do something on an item (权限说明): the rows and memberships that decide.

:func:`explain` answers for one person acting as one of their units, as the real decision is made
(:func:`portal.security.request_permits`): the same loaded enforcer, the same names in their name
spaces (``user:<login>``, ``unit:<code>``), one Casbin request per relation of the unit to the item
(``relations_to``), the action and item type split from the permission as the authorization policy
splits them. Allowed means some ``p`` row matches one of these requests.

The matching rows are found by pycasbin itself, every row evaluated alone over all rows
(:meth:`~portal.security.engine.PortalEnforcer.matching_rows`), so the answer rests neither on the
engine's pre-selection nor on its cache; ``tests/security/test_why.py`` shows it always equals the
real decision. For each matching row, the ``g`` rows that give the person its role and the ``g2``
rows that put the unit in its domain are traced. When nothing matches, every row that would allow the
action on the item's type is listed with what is missing: the role in the unit, the unit's kind, the
unit's relation to the item, in Chinese.

The tracing and the missing conditions are written for the model's matcher (``policies/model.conf``,
:data:`~portal.security.engine.PRESELECTED_MATCHER`); which rows match, and so the answer, is
Casbin's whatever the matcher.
"""

from dataclasses import dataclass

from ..people import ROLE_TITLES, display_name, find_person
from ..tenants import EXTRA_KINDS, KINDS
from . import NONE, PORTAL, relations_to, split_permission
from .names import KIND, PORTAL_DOMAIN, ROLE, UNIT, USER, casbin_request, plain, unit_code
from .views import ACTION_TITLES, PAGE_TYPES

#: The Casbin action of the 权限说明 page on an item.
WHY = "why"
#: The Casbin action on a unit's page (``tenant``; ``site`` for the pseudo-unit ``portal``) that lets
#: one ask about the people acting as that unit.
WHY_MEMBERS = "why_members"

#: A unit's relation to an item, in a few words (the policy page has the long forms).
RELATION_WORDS = {
    "owner": "创建单位",
    "recipient": "主送单位",
    "cc": "抄送单位",
    "consultee": "征求意见单位",
    "participant": "参与单位",
    "reader": "公开对象",
    "supervisor": "督查范围",
    NONE: "无关单位",
}
#: Titles of actions that are the same on every item (with those of the policy page).
ACTION_WORDS = {**ACTION_TITLES, "edit": "修改", "send": "发送"}
#: Actions never asked about an item itself: creating one is asked on the unit that creates it (and
#: the back office's ``sdi.`` permissions are left out too).
NOT_ON_ITEMS = frozenset({"create", "*"})


def g_row(row):
    return "g, " + ", ".join(row)


def g2_row(row):
    return "g2, " + ", ".join(row)


def p_row(row):
    return "p, " + ", ".join(row)


@dataclass(frozen=True)
class Grant:
    """A ``p`` row that matched: with the relation it matched through, the ``g`` rows giving the
    person its role (empty: the row names the person), the ``g2`` rows putting the unit in its
    domain (empty: the row names the unit, or is the portal admins' row), and whether it is a row of
    the pseudo-unit ``portal:all`` (roles held there hold in every unit)."""

    relation: str
    row: tuple
    roles: tuple
    kinds: tuple
    everywhere: bool


@dataclass(frozen=True)
class Miss:
    """A ``p`` row that would allow the action on this item type, and what it lacks, in Chinese."""

    row: tuple
    missing: tuple


@dataclass
class Explanation:
    """One person, acting as one unit, one action on one item: the answer and what decides it."""

    login: str
    person: str
    unit: str
    unit_title: str
    action: str
    action_title: str
    item_type: str
    type_title: str
    #: The unit's relations to the item, as the decision uses them (``none`` when it has none).
    relations: tuple
    #: The Casbin requests, one per relation: ``(user:…, unit:…, relation, type, action)``.
    requests: tuple
    #: The person's ``g`` rows that count here: in the unit, and in ``portal:all``.
    memberships: tuple
    #: The ``g2`` rows from the unit up (its kinds and theirs).
    kinds: tuple
    grants: tuple = ()
    misses: tuple = ()
    #: How many rows would allow the action on this item type at all.
    candidates: int = 0
    notes: tuple = ()
    summary: tuple = ()

    @property
    def allowed(self):
        return bool(self.grants)

    def raw(self):
        """Everything that decides, as rows are written (``r``, ``p``, ``g``, ``g2`` lines)."""
        lines = ["r = " + ", ".join(request) for request in self.requests]
        lines += [p_row(grant.row) for grant in self.grants]
        lines += [g_row(row) for row in self.memberships]
        lines += [g2_row(row) for row in self.kinds]
        return "\n".join(lines)


class Titles:
    """Chinese names of the names in rows, for one site."""

    def __init__(self, request):
        root = request.root
        self.root = root
        self.tenants = root["tenants"]
        self.types = {**PAGE_TYPES, **getattr(request.registry, "portal_item_types", {})}

    def person(self, login):
        user = find_person(self.root, login)
        return display_name(user) if user is not None else login

    def unit(self, code):
        if code == PORTAL:
            return "系统管理（所有单位）"
        tenant = self.tenants.get(code)
        return tenant.title if tenant is not None else code

    def role(self, name):
        """``role:officer`` 执法人员, ``user:ys.officer`` 人员本人."""
        if name == "*":
            return "任意角色"
        role = plain(name, ROLE)
        if role is not None:
            return ROLE_TITLES.get(role, role)
        login = plain(name, USER)
        if login is not None:
            return f"{self.person(login)}本人"
        return name

    def domain(self, name):
        """``kind:township`` 乡镇（街道）, ``unit:cj-yushan`` 鱼山镇, ``portal:all``."""
        if name == PORTAL_DOMAIN:
            return "系统管理（所有单位）"
        kind = plain(name, KIND)
        if kind is not None:
            return "所有单位" if kind == "unit" else {**KINDS, **EXTRA_KINDS}.get(kind, kind)
        code = unit_code(name)
        return self.unit(code) if code is not None else name

    def relation(self, relation):
        return "任意关系" if relation == "*" else RELATION_WORDS.get(relation, relation)

    def item_type(self, item_type):
        return "任意事项" if item_type == "*" else self.types.get(item_type, item_type)

    def cells(self, row, actions=None):
        """``[(name, Chinese)]`` of a ``p`` row's five fields."""
        role, domain, relation, item_type, action = row
        action_title = (
            "任意操作" if action == "*" else (actions or {}).get(action) or ACTION_WORDS.get(action, "")
        )
        return [
            (role, self.role(role)),
            (domain, self.domain(domain)),
            (relation, self.relation(relation)),
            (item_type, self.item_type(item_type)),
            (action, action_title),
        ]


# the actions asked about an item ------------------------------------------------------------------


def view_actions(registry, cls):
    """``[(action, title)]`` of the views registered on ``cls`` (or a base), from Pyramid's
    introspection: each view's permission, titled by the flow's action when the view is one."""
    cache = registry.__dict__.setdefault("portal_why_view_actions", {})
    found = cache.get(cls)
    if found is not None:
        return found
    item_type = getattr(cls, "item_type", None)
    found = []
    for entry in registry.introspector.get_category("views") or ():
        view = entry["introspectable"]
        context = view["context"]
        if context is None:
            continue
        if isinstance(context, type):
            if not issubclass(cls, context):
                continue
        elif not (hasattr(context, "implementedBy") and context.implementedBy(cls)):
            continue
        for related in entry["related"]:
            if related.category_name != "permissions":
                continue
            action, _, typ = str(related["value"]).partition(":")
            if typ and typ != item_type:
                continue
            owner = getattr(view["callable"], "__self__", None)
            title = getattr(owner, "title", "") if getattr(owner, "permission", None) == action else ""
            found.append((action, title))
    cache[cls] = found
    return found


def item_actions(request, item):
    """``[(action, title)]`` of what may be asked about ``item``: viewing, its pages' actions, its
    workflow's transitions, the actions the policy's rows name for its type, and this page's own.

    An action with several titles (``submit``: 报送 and 重新报送) is titled with all of them."""
    titles = {}

    def add(action, title=""):
        if action in NOT_ON_ITEMS or action.startswith(("__", "sdi.")):
            return
        names = titles.setdefault(action, [])
        if title and title not in names:
            names.append(title)

    add("view", "查看")
    for action, title in view_actions(request.registry, type(item)):
        add(action, title)
    workflow = getattr(item, "workflow", None)
    if workflow is not None:
        for transition in workflow.transitions.values():
            add(transition.action, transition.title)
    item_type = getattr(item, "item_type", None)
    for row in request.policy.enforcer.policy_rows():
        if row[3] == item_type:
            add(row[4])
    titles[WHY] = titles.pop(WHY, [ACTION_WORDS[WHY]])  # this page's own, last
    return [
        (action, "／".join(names) or ACTION_WORDS.get(action, action)) for action, names in titles.items()
    ]


# tracing the role and kind links ------------------------------------------------------------------


def role_chain(enforcer, subject, role, domain):
    """The ``g`` rows linking ``subject`` to ``role`` in ``domain`` (shortest first found); ``()``
    when they are the same name (Casbin counts every name as holding itself); None when none do."""
    if subject == role:
        return ()
    index = enforcer.role_index
    came_from = {subject: None}
    queue = [subject]
    while queue:
        name = queue.pop(0)
        for held in sorted(index.get((name, domain), ())):
            if held in came_from:
                continue
            came_from[held] = name
            if held == role:
                chain, at = [], held
                while came_from[at] is not None:
                    chain.append((came_from[at], at, domain))
                    at = came_from[at]
                return tuple(reversed(chain))
            queue.append(held)
    return None


def kind_links(enforcer):
    """``{name: [kinds]}`` of the ``g2`` rows."""
    links = {}
    for name, kind in enforcer.model["g"]["g2"].policy:
        links.setdefault(name, []).append(kind)
    return links


def kind_chain(links, domain, wanted):
    """The ``g2`` rows linking a unit to ``wanted``; ``()`` when it is the unit itself; None when
    none do."""
    if domain == wanted:
        return ()
    came_from = {domain: None}
    queue = [domain]
    while queue:
        name = queue.pop(0)
        for kind in links.get(name, ()):
            if kind in came_from:
                continue
            came_from[kind] = name
            if kind == wanted:
                chain, at = [], kind
                while came_from[at] is not None:
                    chain.append((came_from[at], at))
                    at = came_from[at]
                return tuple(reversed(chain))
            queue.append(kind)
    return None


def every_kind(links, domain):
    """The ``g2`` rows from a unit up, in the order met."""
    rows, seen, queue = [], {domain}, [domain]
    while queue:
        name = queue.pop(0)
        for kind in links.get(name, ()):
            rows.append((name, kind))
            if kind not in seen:
                seen.add(kind)
                queue.append(kind)
    return tuple(rows)


# the explanation ----------------------------------------------------------------------------------


def person_units(policy, login):
    """The units a person may act as: their real units, then ``portal`` when they hold a role there
    or belong to no unit (they then act as ``portal``, see ``request_acting_unit``)."""
    units = policy.units_of(login)
    real = sorted(code for code in units if code != PORTAL)
    return [*real, PORTAL] if PORTAL in units or not real else real


def explain(request, login, unit, item, permission, actions=None, titles=None):
    """Whether ``login`` acting as ``unit`` may ``permission`` on ``item``, and why.

    ``request`` gives the engine in step with the request's transaction (``request.policy``), the
    site (for names) and the registry (the item's actions). ``actions`` (``{action: title}``) and
    ``titles`` (:class:`Titles`) may be passed when several answers are made at once.
    """
    policy = request.policy
    # One loaded enforcer for the whole answer (a reload in another thread swaps the engine's).
    enforcer = policy.enforcer
    titles = titles or Titles(request)
    if actions is None:
        actions = dict(item_actions(request, item))
    action, item_type = split_permission(permission, item)
    relations = relations_to(item, unit)
    requests = tuple(casbin_request(login, unit, relation, item_type, action) for relation in relations)
    subject, domain = requests[0][0], requests[0][1]
    links = kind_links(enforcer)

    grants, matched = [], set()
    for request_values in requests:
        for row in enforcer.matching_rows(*request_values):
            key = tuple(row)
            if key in matched:
                continue
            matched.add(key)
            grants.append(grant_of(enforcer, links, subject, domain, request_values[2], key))

    memberships = tuple(
        (subject, role, dom)
        for dom in dict.fromkeys((domain, PORTAL_DOMAIN))
        for role in sorted(enforcer.role_index.get((subject, dom), ()))
    )
    unit_title = titles.unit(unit)
    candidates = [
        tuple(row) for row in enforcer.policy_rows() if row[3] in ("*", item_type) and row[4] in ("*", action)
    ]
    misses = ()
    if not grants:
        found = [
            Miss(row, missing_of(enforcer, links, titles, subject, domain, unit_title, relations, row))
            for row in candidates
        ]
        # The portal admins' rows last: "not a portal admin" is true of nearly everyone.
        misses = tuple(sorted(found, key=lambda miss: (miss.row[1] == PORTAL_DOMAIN, len(miss.missing))))
    answer = Explanation(
        login=login,
        person=titles.person(login),
        unit=unit,
        unit_title=unit_title,
        action=action,
        action_title=actions.get(action) or ACTION_WORDS.get(action, action),
        item_type=item_type,
        type_title=titles.item_type(item_type),
        relations=tuple(relations),
        requests=requests,
        memberships=memberships,
        kinds=every_kind(links, domain),
        grants=tuple(grants),
        misses=misses,
        candidates=len(candidates),
        notes=tuple(notes_of(item, action, actions)),
    )
    answer.summary = tuple(summary_of(answer, titles))
    return answer


def explain_person(request, login, item, permission, units=None):
    """:func:`explain` for each unit the person may act as (or each of ``units``)."""
    titles = Titles(request)
    actions = dict(item_actions(request, item))
    units = person_units(request.policy, login) if units is None else units
    return [explain(request, login, unit, item, permission, actions, titles) for unit in units]


def grant_of(enforcer, links, subject, domain, relation, row):
    """How a matched row holds: the role's ``g`` rows and the unit's ``g2`` rows."""
    role, row_domain = row[0], row[1]
    if row_domain == PORTAL_DOMAIN:
        roles = role_chain(enforcer, subject, role, PORTAL_DOMAIN)
        if roles is not None:
            return Grant(relation, row, roles, (), True)
    roles = role_chain(enforcer, subject, role, domain)
    kinds = kind_chain(links, domain, row_domain)
    return Grant(relation, row, roles or (), kinds or (), False)


def missing_of(enforcer, links, titles, subject, domain, unit_title, relations, row):
    """What a row that would allow the action lacks here, in Chinese (for the model's matcher)."""
    role, row_domain, relation = row[0], row[1], row[2]
    missing = []
    role_title = titles.role(role)
    if row_domain == PORTAL_DOMAIN:
        if role_chain(enforcer, subject, role, PORTAL_DOMAIN) is None:
            missing.append(f"此人不是“{role_title}”（系统管理中的 {role}，在所有单位适用）")
    else:
        if role_chain(enforcer, subject, role, domain) is None:
            if role.startswith(USER):
                missing.append(f"此规则只适用于{role_title}（{role}）")
            else:
                missing.append(
                    f"此人在{unit_title}不担任“{role_title}”（缺少 g, {subject}, {role}, {domain}）"
                )
        if kind_chain(links, domain, row_domain) is None:
            wanted = titles.domain(row_domain)
            if row_domain.startswith(UNIT):
                missing.append(f"此规则只适用于{wanted}（{row_domain}），不适用于{unit_title}")
            elif domain == PORTAL_DOMAIN:
                missing.append(f"此人不以任何单位的身份工作，规则要求属于“{wanted}”（{row_domain}）的单位")
            else:
                missing.append(f"{unit_title}不属于“{wanted}”（{row_domain}）")
    if relation != "*" and relation not in relations:
        have = "、".join(f"{titles.relation(r)}（{r}）" for r in relations)
        missing.append(f"{unit_title}对本事项是{have}，不是“{titles.relation(relation)}”（{relation}）")
    return tuple(missing)


def notes_of(item, action, actions):
    """What the rows do not decide: a workflow action also needs the item in one of its states."""
    workflow = getattr(item, "workflow", None)
    if workflow is None:
        return []
    transitions = [t for t in workflow.transitions.values() if t.action == action]
    if not transitions or any(item.state in t.sources for t in transitions):
        return []
    states = []
    for transition in transitions:
        for state in transition.sources:
            title = workflow.states.get(state, state)
            if title not in states:
                states.append(title)
    title = actions.get(action) or action
    return [
        f"此外，按本事项的流程，“{title}”只能在事项处于“{'”或“'.join(states)}”时进行，"
        f"本事项当前为“{item.state_title}”：即使规则允许，现在也不能进行。"
    ]


def summary_of(answer, titles):
    """The answer in plain Chinese, a few sentences."""
    who = f"{answer.person}（{answer.login}）"
    acting = "以系统管理的身份" if answer.unit == PORTAL else f"以{answer.unit_title}的身份"
    relations = "、".join(f"{titles.relation(r)}（{r}）" for r in answer.relations)
    roles = [titles.role(role) for _, role, dom in answer.memberships if dom == answer.requests[0][1]]
    everywhere = [titles.role(role) for _, role, dom in answer.memberships if dom == PORTAL_DOMAIN]
    relation_line = f"{answer.unit_title}对本事项是{relations}。"
    if answer.allowed:
        grant = answer.grants[0]
        lines = [
            f"允许：{who}{acting}可以对本事项进行“{answer.action_title}”（{answer.action}）。",
            f"依据规则 {p_row(grant.row)}：{grant_words(grant, answer, titles)}。",
        ]
        if len(answer.grants) > 1:
            lines.append(f"另有 {len(answer.grants) - 1} 条规则也允许。")
        return lines
    lines = [
        f"不允许：{who}{acting}不能对本事项进行“{answer.action_title}”（{answer.action}）：没有一条规则允许。"
    ]
    if answer.unit != PORTAL and not roles:
        lines.append(f"此人不是{answer.unit_title}的成员。")
    elif answer.unit == PORTAL and not everywhere:
        lines.append("此人不属于任何单位，也不是系统管理员：任何规则都不适用。")
    else:
        held = "、".join(roles or everywhere)
        lines.append(f"此人在{answer.unit_title}的角色：{held}。{relation_line}")
    if not answer.candidates:
        lines.append(f"权限规则中没有任何一条规则允许对“{answer.type_title}”进行“{answer.action_title}”。")
    elif answer.misses:
        closest = answer.misses[0]
        lines.append(f"最接近的规则是 {p_row(closest.row)}，缺少：{'；'.join(closest.missing)}。")
    return lines


def grant_words(grant, answer, titles):
    """Why a matched row holds, in words: the role, the unit's kind, the relation."""
    role, row_domain, relation = grant.row[0], grant.row[1], grant.row[2]
    parts = []
    if grant.everywhere:
        rows = "，".join(g_row(row) for row in grant.roles)
        parts.append(f"此人是“{titles.role(role)}”（{rows}），在所有单位适用")
    else:
        if grant.roles:
            rows = "，".join(g_row(row) for row in grant.roles)
            parts.append(f"此人在{answer.unit_title}担任“{titles.role(role)}”（{rows}）")
        else:
            parts.append(f"规则直接写明{titles.role(role)}")
        if grant.kinds:
            rows = "，".join(g2_row(row) for row in grant.kinds)
            parts.append(f"{answer.unit_title}属于“{titles.domain(row_domain)}”（{rows}）")
        else:
            parts.append(f"规则直接写明{titles.domain(row_domain)}")
    if relation == "*":
        parts.append("不论与事项是何关系")
    else:
        parts.append(f"{answer.unit_title}对本事项是{titles.relation(relation)}（{relation}）")
    return "；".join(parts)
