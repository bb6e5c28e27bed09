"""People: logins (Substance D principals), and the units and roles they hold (Casbin ``g`` rows).

A person belongs to a unit when they hold the role ``member`` there; the other roles of a unit are
granted on top of it. Changes are written to the :class:`~portal.security.PolicyStore` inside the
request's transaction and reach every process through the store's version.
"""

from ..security import MEMBER, PORTAL
from ..security.names import membership_row
from ..security.names import unit as unit_name
from ..security.names import user as user_name

#: Roles inside a unit, with their Chinese names, in the order the pages show them.
UNIT_ROLES = {
    "leader": "主要领导",
    "deputy": "分管领导",
    "liaison": "联系人",
    "officer": "执法人员",
    "unit_admin": "单位管理员",
    "supervisor": "督查",
}
#: Roles in the pseudo-unit ``portal``.
PORTAL_ROLES = {"admin": "系统管理员"}
ROLE_TITLES = {MEMBER: "成员", **UNIT_ROLES, **PORTAL_ROLES}
#: bcrypt 5 refuses longer passwords; the forms say so before it does.
PASSWORD_MAX_BYTES = 72
PASSWORD_MIN_CHARS = 8


class MembershipError(ValueError):
    """A role change the policy does not allow; the message is for the person who asked."""


def principals(site):
    return site["principals"]


def find_person(site, login):
    return principals(site)["users"].get(login)


def add_person(site, login, password, display_name, email="", registry=None):
    """Create a login. Passwords are hashed with bcrypt by Substance D."""
    users = principals(site)["users"]
    if login in users:
        raise MembershipError(f"登录名“{login}”已被使用")
    user = principals(site).add_user(
        login,
        password,
        email or f"{login}@example.invalid",
        locale="zh_Hans",
        tzname="Asia/Shanghai",
        registry=registry,
    )
    user.display_name = display_name
    return user


def display_name(user):
    return getattr(user, "display_name", "") or user.__name__


def roles_allowed_in(tenant):
    """The roles that exist in a unit: ``supervisor`` only where the unit supervises."""
    return {
        role: title
        for role, title in UNIT_ROLES.items()
        if role != "supervisor" or "supervisor" in tenant.kinds
    }


def grant(store, login, role, unit):
    """Give ``login`` a role in ``unit`` (membership included); False if they had it already.

    The rows name the person, the role and the unit in their name spaces (:mod:`portal.security.names`).
    """
    added = store.add("g", membership_row(login, MEMBER, unit))
    if role != MEMBER:
        added = store.add("g", membership_row(login, role, unit)) or added
    return added


def revoke(store, login, role, unit):
    """Take a role away; revoking ``member`` removes the person from the unit altogether."""
    if role == MEMBER:
        return bool(store.remove_filtered("g", 0, user_name(login), "", unit_name(unit)))
    return store.remove("g", membership_row(login, role, unit))


#: Roles that reach beyond their unit (督查 reads every unit): granted by a portal admin only.
PORTAL_GRANTED_ROLES = frozenset({"supervisor"})


def check_duties(login, role, actor, actor_is_admin, granting):
    """Separation of duties on the members page: nobody changes their own roles, and a role that
    reaches beyond one unit is granted by a portal admin only."""
    if login == actor:
        raise MembershipError("不能更改自己的角色或成员身份：请由其他单位管理员或系统管理员办理")
    if granting and role in PORTAL_GRANTED_ROLES and not actor_is_admin:
        title = ROLE_TITLES.get(role, role)
        raise MembershipError(f"“{title}”角色可查看所有单位的事项，只能由系统管理员授予")


def grant_in_tenant(store, tenant, login, role, site, *, actor, actor_is_admin):
    """A unit-level grant, as a unit admin (or portal admin) ``actor`` asks for it on the members page."""
    if role not in roles_allowed_in(tenant) and role != MEMBER:
        raise MembershipError(f"本单位没有“{ROLE_TITLES.get(role, role)}”这一角色")
    if find_person(site, login) is None:
        raise MembershipError(f"没有登录名为“{login}”的人员")
    if tenant.code == PORTAL:
        raise MembershipError("系统管理员只能由系统管理员在系统管理中授予")
    check_duties(login, role, actor, actor_is_admin, granting=True)
    return grant(store, login, role, tenant.code)


def revoke_in_tenant(store, tenant, login, role, *, actor, actor_is_admin):
    if role != MEMBER and role not in roles_allowed_in(tenant):
        raise MembershipError(f"本单位没有“{ROLE_TITLES.get(role, role)}”这一角色")
    check_duties(login, role, actor, actor_is_admin, granting=False)
    return revoke(store, login, role, tenant.code)


def includeme(config):
    config.scan(".views")
    config.include(".accounts")
