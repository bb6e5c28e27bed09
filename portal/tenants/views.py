"""A unit's page and the directory of units (who to contact about transfers)."""

from ..people import ROLE_TITLES, display_name, find_person
from ..views import portal_view
from . import KINDS, Tenant, Tenants


@portal_view(context=Tenant, renderer="templates/tenant.pt", permission="view")
def tenant_page(context, request):
    people = []
    for login, roles in sorted(request.policy.members_of(context.code).items()):
        user = find_person(request.root, login)
        people.append(
            (
                display_name(user) if user else login,
                "、".join(ROLE_TITLES.get(r, r) for r in sorted(roles) if r != "member") or "成员",
            )
        )
    return {
        "tenant": context,
        "people": people,
        "can_manage": request.permits(context, "manage_members"),
    }


@portal_view(context=Tenants, renderer="templates/directory.pt", permission="view")
def directory(context, request):
    groups = []
    for kind, title in KINDS.items():
        units = sorted((t for t in context.values() if t.kind == kind), key=lambda t: t.code)
        if units:
            groups.append((title, [(t, request.permits(t, "manage_members")) for t in units]))
    return {"groups": groups}
