"""The Pyramid authorization policy: every ``permission=`` is a Casbin decision.

A permission name is an action, optionally with the item type it is about: ``"view"`` asks about the
context's own type, ``"create:penalty_filing"`` asks whether the acting unit may create a penalty
filing in the context. The request's subject is the logged-in person, the domain is the unit they act
as, and the relation is the acting unit's relation to the context (see :func:`relations_to`).
"""

from pyramid.interfaces import IAuthorizationPolicy
from pyramid.threadlocal import get_current_request
from zope.interface import implementer

#: The relation of a unit that has no recorded relation to an item.
NONE = "none"
#: The relation of a unit to its own folder and to the items it created.
OWNER = "owner"


def item_type_of(context):
    """The Casbin item type of a resource: its ``item_type``, else ``"site"``."""
    return getattr(context, "item_type", "site")


def relations_to(context, unit):
    """The relations ``unit`` stands in to ``context``, or ``("none",)``.

    A resource may answer itself through ``relations_of(unit)``; anything else (the site, the
    SDI's folders) is related to nobody.
    """
    relations_of = getattr(context, "relations_of", None)
    if relations_of is None:
        return (NONE,)
    return tuple(relations_of(unit)) or (NONE,)


def split_permission(permission, context):
    action, _, item_type = permission.partition(":")
    return action, item_type or item_type_of(context)


@implementer(IAuthorizationPolicy)
class CasbinAuthorizationPolicy:
    """Answers ``permits`` from the portal's policy engine for the current request's person."""

    def permits(self, context, principals, permission):
        request = get_current_request()
        if request is None:
            return False
        return request.permits(context, permission)

    def principals_allowed_by_permission(self, context, permission):
        raise NotImplementedError(
            "Casbin decides per request; ask request.permits(context, permission) instead"
        )
