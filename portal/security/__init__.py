"""Security: Casbin decides every permission, over policy rows stored in ZODB.

* :mod:`.adapter`: the rows in ZODB (``PolicyStore``) and the pycasbin adapter over them;
* :mod:`.engine`: the per-process enforcer, its pre-selection of rows and its decision cache;
* :mod:`.authorization`: the Pyramid authorization policy that asks the engine;
* :mod:`.views`: the portal admins' policy page (``/@@policy``);
* :mod:`.names`: the name spaces of the names in rows (``user:``, ``role:``, ``unit:``, ``kind:``);
* :mod:`.evolve`: the evolution step putting an older site's rows into those name spaces;
* :mod:`.explain` and :mod:`.why`: 权限说明, why a person may or may not do an action on an item
  (the rows and memberships that decide), and its page on every item (``@@why``).

Every request gets ``request.permits(context, permission)``, ``request.login`` (the person's login),
``request.acting_unit`` (the unit code they act as) and ``request.policy`` (the engine, in step with
the database as this request's transaction sees it).
"""

from pathlib import Path

from pyramid.decorator import reify  # noqa: F401  (re-exported for views that cache per request)

from .adapter import PolicyStore, ZODBAdapter
from .authorization import (
    NONE,
    OWNER,
    CasbinAuthorizationPolicy,
    relations_to,
    split_permission,
)
from .engine import MEMBER, PORTAL, PolicyEngine, PortalEnforcer

__all__ = [
    "MEMBER",
    "NONE",
    "OWNER",
    "PORTAL",
    "CasbinAuthorizationPolicy",
    "PolicyEngine",
    "PolicyStore",
    "PortalEnforcer",
    "ZODBAdapter",
    "relations_to",
]

#: The session key holding the unit a person acts as.
ACTING_UNIT_KEY = "portal.acting_unit"


def policy_store(root):
    """The site's PolicyStore."""
    return root.policy_store


def request_policy(request):
    engine = request.registry.policy_engine
    engine.sync(policy_store(request.root))
    return engine


def request_login(request):
    user = request.user
    return None if user is None else user.__name__


def request_acting_unit(request):
    """The unit the person acts as: the one chosen in the session if still theirs, else their first.

    Real units come before the pseudo-unit ``portal``; a person in no unit acts as ``portal``.
    """
    login = request.login
    if login is None:
        return None
    units = request.policy.units_of(login)
    chosen = request.session.get(ACTING_UNIT_KEY)
    if chosen in units:
        return chosen
    ordinary = sorted(unit for unit in units if unit != PORTAL)
    return ordinary[0] if ordinary else PORTAL


def request_permits(request, context, permission):
    """Casbin's decision for this request's person, acting unit and ``context``."""
    login = request.login
    if login is None:
        return False
    unit = request.acting_unit
    action, item_type = split_permission(permission, context)
    return request.policy.permits(login, unit, relations_to(context, unit), item_type, action)


def includeme(config):
    settings = config.registry.settings
    model = settings.get("portal.policy_model") or str(Path(settings["portal.policy_dir"]) / "model.conf")
    config.registry.policy_engine = PolicyEngine(model)
    config.add_request_method(request_policy, "policy", reify=True)
    config.add_request_method(request_login, "login", reify=True)
    config.add_request_method(request_acting_unit, "acting_unit", reify=True)
    config.add_request_method(request_permits, "permits")
    config.include(".views")
    config.include(".evolve")
    config.include(".why")
