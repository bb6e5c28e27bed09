"""The policy page (``/@@policy``): the portal admins read, add and remove the ``p`` rows.

Every change goes into the site's :class:`~portal.security.PolicyStore` in the request's
transaction, so it reaches every process at its next request, and is written to the audit trail.
Only a row granting ``manage`` on ``policy`` lets anyone here (by default ``p, admin, portal, *, *, *``).
"""

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from substanced.util import get_oid

from ..views.forms import PortalForm
from ..items import RELATIONS, Entry
from ..people import ROLE_TITLES, display_name
from ..tenants import EXTRA_KINDS, KINDS
from ..views import CSRFSchema, add_nav_link, portal_view
from . import NONE, PORTAL
from .names import KIND, PORTAL_DOMAIN, ROLE, UNIT, USER, plain

#: The permission of this page: the action ``manage`` on the item type ``policy``.
MANAGE_POLICY = "manage:policy"
#: The fields of a ``p`` row, in order.
FIELDS = ("role", "domain", "relation", "item_type", "action")

RELATION_TITLES = {
    "owner": "本单位的（本单位创建，或本单位自身）",
    "recipient": "主送本单位的",
    "cc": "抄送本单位的",
    "consultee": "征求本单位意见的",
    "participant": "本单位参与的",
    "reader": "向本单位公开的",
    "supervisor": "已发出的（督查：任何单位与已报送、已发送事项的关系）",
    NONE: "与本单位无关的",
}
#: Item types that are not workflow items: the portal's own pages and this page.
PAGE_TYPES = {
    "site": "平台首页",
    "tenants": "单位名录",
    "tenant": "单位页面",
    "policy": "权限规则",
    "audit_chain": "审计链校验",
}
ACTION_TITLES = {
    "view": "查看",
    "create": "新建",
    "manage_members": "管理成员与角色",
    "manage": "管理",
    "why": "权限说明",
    "why_members": "查询该单位人员的权限说明",
    "verify": "校验",
}


def field_validator(node, value):
    if "," in value or "，" in value:
        raise colander.Invalid(node, f"{node.title}不能包含逗号")
    if any(character.isspace() for character in value):
        raise colander.Invalid(node, f"{node.title}不能包含空格")


def spaced_role(value):
    """The role field as rows hold it: a plain role name gets ``role:``; ``user:<login>`` (a row for
    one person) and ``*`` stay as they are."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if not value or value == "*" or ":" in value:
        return value
    return ROLE + value


def spaced_domain(value):
    """The domain field as rows hold it: ``portal`` is ``portal:all``, a plain unit code gets
    ``unit:``; ``kind:…``, ``unit:…`` and ``portal:all`` stay as they are."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if value == PORTAL:
        return PORTAL_DOMAIN
    if not value or value == "*" or ":" in value:
        return value
    return UNIT + value


def role_validator(node, value):
    field_validator(node, value)
    if value != "*" and not value.startswith((ROLE, USER)):
        raise colander.Invalid(
            node, "角色应为角色名（如 officer，即 role:officer）或某一人员（user:登录名），或 *"
        )


def domain_validator(node, value):
    field_validator(node, value)
    if value == "*":
        raise colander.Invalid(node, "适用单位不能为 *：所有单位请填 kind:unit，系统管理员请填 portal")
    if value != PORTAL_DOMAIN and not value.startswith((KIND, UNIT)):
        raise colander.Invalid(
            node, "适用单位应为单位类别（kind:…）、某一单位的代码（如 cj-yushan，即 unit:cj-yushan）或 portal"
        )


def rule_field(title, description, preparer=None, validator=field_validator):
    return colander.SchemaNode(
        colander.String(),
        title=title,
        description=description,
        preparer=preparer or (lambda value: value.strip() if isinstance(value, str) else value),
        validator=validator,
        missing_msg=f"请填写{title}",
    )


class RuleSchema(CSRFSchema):
    """One ``p`` row. “*” stands for anything."""

    role = rule_field(
        "角色",
        "人员在单位中的角色，例如 officer（执法人员）、liaison（联系人）；admin 为系统管理员。"
        "保存为 role:角色名；user:登录名 表示某一人员本人",
        spaced_role,
        role_validator,
    )
    domain = rule_field(
        "适用单位",
        "单位类别（如 kind:township 乡镇街道、kind:department 区级部门），或某一单位的代码（如 cj-yushan，"
        "保存为 unit:cj-yushan），或 portal（系统管理员在所有单位，保存为 portal:all）",
        spaced_domain,
        domain_validator,
    )
    relation = rule_field(
        "关系", "当前单位与事项的关系，例如 owner（本单位的）、recipient（主送本单位的）；* 表示任意"
    )
    item_type = rule_field(
        "事项类型", "例如 penalty_filing（行政处罚决定备案）、tenant（单位页面）；* 表示任意"
    )
    action = rule_field("操作", "例如 view（查看）、create（新建）、submit（报送）；* 表示任意")


def rule_form(request):
    schema = RuleSchema().bind(request=request)
    return PortalForm(schema, formid="add-rule", buttons=(deform.Button("add", "添加规则"),))


def keeps_policy_manageable(rows, removed):
    """Whether the portal admins may still manage the policy once ``removed`` is gone.

    Removing the last such row would lock everyone out of this page for good.
    """
    return any(
        row != removed
        and row[0] == ROLE + "admin"
        and row[1] == PORTAL_DOMAIN
        and row[2] in ("*", NONE)
        and row[3] in ("*", "policy")
        and row[4] in ("*", "manage")
        for row in rows
    )


class PolicyView:
    """``/@@policy``: the rows, what their columns mean, a form to add one, a button to remove one."""

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.store = context.policy_store

    def titles(self):
        """Chinese names of the values a row may hold, column by column (names in their spaces)."""
        tenants = self.context["tenants"]
        domains = {KIND + kind: title for kind, title in {**KINDS, **EXTRA_KINDS}.items()}
        domains.update({KIND + "unit": "所有单位", PORTAL_DOMAIN: "系统管理（在所有单位）"})
        domains.update({UNIT + code: tenant.title for code, tenant in tenants.items()})
        types = {**PAGE_TYPES, **getattr(self.request.registry, "portal_item_types", {})}
        return {
            "role": {ROLE + role: title for role, title in ROLE_TITLES.items()},
            "domain": domains,
            "relation": RELATION_TITLES,
            "item_type": types,
            "action": ACTION_TITLES,
        }

    def title_of(self, titles, field, value):
        """What a cell means in Chinese: ``role:officer`` 执法人员, ``user:ys.officer`` 人员 (name)."""
        if value == "*":
            return "任意"
        title = titles[field].get(value)
        if title is not None:
            return title
        login = plain(value, USER) if field == "role" else None
        if login is not None:
            user = self.context["principals"]["users"].get(login)
            return f"人员 {display_name(user)}" if user is not None else f"人员 {login}（不存在）"
        if field == "role" and value.startswith(ROLE):
            return "角色 " + value[len(ROLE) :]
        if field == "domain" and value.startswith(UNIT):
            return "单位 " + value[len(UNIT) :] + "（不存在）"
        return ""

    def page(self, form=None, error=None):
        titles = self.titles()
        rows = [
            [(value, self.title_of(titles, field, value)) for field, value in zip(FIELDS, row, strict=True)]
            for row in self.store.rows("p")
        ]
        return {
            "rows": rows,
            "form": form or rule_form(self.request).render(),
            "error": error,
            "relations": [(name, RELATION_TITLES[name]) for name in (*RELATIONS, NONE)],
            "item_types": sorted(titles["item_type"].items()),
        }

    def audit(self, action, title, row):
        request = self.request
        unit = request.acting_unit
        tenant = self.context["tenants"].get(unit)
        entry = Entry(
            action,
            title,
            request.login,
            display_name(request.user),
            unit,
            tenant.title if tenant is not None else "系统管理",
            comment="p, " + ", ".join(row),
            details={"row": list(row)},
        )
        self.context.audit_trail.append(get_oid(self.context, None), entry)

    def back(self, message, queue=""):
        self.request.session.flash(message, queue)
        return HTTPFound(location=self.request.resource_url(self.context, "@@policy"))

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="policy",
        renderer="templates/policy.pt",
        permission=MANAGE_POLICY,
    )
    def show(self):
        return self.page()

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="policy",
        renderer="templates/policy.pt",
        permission=MANAGE_POLICY,
        request_method="POST",
        request_param="add",
    )
    def add(self):
        form = rule_form(self.request)
        try:
            data = form.validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            return self.page(failure.render())
        row = [data[field] for field in FIELDS]
        if not self.store.add("p", row):
            return self.page(form.render(data), "这条规则已经存在，无需重复添加")
        self.audit("policy_add", "添加权限规则", row)
        return self.back("已添加规则：" + "，".join(row))

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="policy",
        renderer="templates/policy.pt",
        permission=MANAGE_POLICY,
        request_method="POST",
        request_param="remove",
    )
    def remove(self):
        row = [self.request.POST.get(field, "") for field in FIELDS]
        if not self.store.contains("p", row):
            return self.back("没有这条规则，可能已被他人删除", "error")
        if not keeps_policy_manageable(self.store.rows("p"), row):
            return self.back("不能删除这条规则：删除后将没有人能够管理权限规则", "error")
        self.store.remove("p", row)
        self.audit("policy_remove", "删除权限规则", row)
        return self.back("已删除规则：" + "，".join(row))


def policy_link(request):
    """The navigation link to the policy page, for those who may manage the policy."""
    if request.login is not None and request.permits(request.root, MANAGE_POLICY):
        return request.application_url + "/@@policy"
    return None


def includeme(config):
    """Scan the views and add the link (as ``config.add_nav_link`` does; it is defined after us)."""
    config.scan(".views")
    add_nav_link(config, 900, "权限规则", policy_link)
