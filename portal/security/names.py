"""Name spaces of the policy rows: a person, a role, a unit and a unit kind are never the same name.

Casbin's role manager treats every name as holding itself, so a person whose login equals a role
(``unit_admin``) would hold that role, and a unit coded like a kind would be of that kind. Every name
in a stored row therefore carries its name space:

===============  =====================  ===========================================
name space       in rows                e.g.
===============  =====================  ===========================================
person           ``user:<login>``       ``user:ys.officer``
role             ``role:<name>``        ``role:officer``
unit             ``unit:<code>``        ``unit:cj-yushan``
unit kind        ``kind:<kind>``        ``kind:township``
all units        ``portal:all``         the pseudo-unit of the portal admins
===============  =====================  ===========================================

Logins (``^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$``) and unit codes (``^[a-z][a-z0-9-]{1,62}$``) cannot
contain ``:``, so no login or code can be written to look like a name of another space.

The rest of the portal speaks in plain names (a login, a unit code, ``portal`` for the pseudo-unit,
a role name): :class:`~portal.security.engine.PolicyEngine` takes and answers plain names and puts
them into their spaces itself; code writing rows uses the helpers below.
"""

USER = "user:"
ROLE = "role:"
UNIT = "unit:"
KIND = "kind:"
#: The pseudo-unit whose roles hold in every unit, as the application names it (the acting unit of
#: someone in no unit, the unit of the portal admins' role).
PORTAL = "portal"
#: The same pseudo-unit as policy rows name it.
PORTAL_DOMAIN = "portal:all"
#: Every name space prefix.
PREFIXES = (USER, ROLE, UNIT, KIND, "portal:")


def user(login):
    return USER + login


def role(name):
    return ROLE + name


def unit(code):
    """A unit code as rows name it; ``portal`` is the pseudo-unit ``portal:all``."""
    return PORTAL_DOMAIN if code == PORTAL else UNIT + code


def kind(name):
    return KIND + name


def plain(name, prefix):
    """``name`` without ``prefix``; None when it is not of that name space."""
    return name[len(prefix) :] if name.startswith(prefix) else None


def unit_code(domain):
    """The unit code (or ``portal``) of a row's unit name; None for any other name."""
    if domain == PORTAL_DOMAIN:
        return PORTAL
    return plain(domain, UNIT)


def is_spaced(name):
    """Whether a name carries a name space (or is Casbin's ``*``)."""
    return name == "*" or name.startswith(PREFIXES)


def membership_row(login, role_name, code):
    """The ``g`` row giving ``login`` the role ``role_name`` in the unit ``code``."""
    return [user(login), role(role_name), unit(code)]


def kind_row(code, kind_name):
    """The ``g2`` row saying the unit ``code`` is of the kind ``kind_name`` (without ``kind:``)."""
    return [unit(code), kind(kind_name)]


def casbin_request(sub, dom, rel, typ, act):
    """A request of the application (login, unit code, ...) as Casbin is asked it."""
    return USER + sub, PORTAL_DOMAIN if dom == PORTAL else UNIT + dom, rel, typ, act
