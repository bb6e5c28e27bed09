"""Logging in and out, and a unit's members page (add people, grant and revoke roles)."""

import itertools

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.interfaces import IAuthenticationPolicy
from pyramid.security import NO_PERMISSION_REQUIRED, forget, remember
from substanced.util import get_oid

from ..views.forms import PortalForm
from ..tenants import Tenant
from ..views import CSRFSchema, portal_view
from . import (
    MEMBER,
    PORTAL_GRANTED_ROLES,
    PASSWORD_MAX_BYTES,
    PASSWORD_MIN_CHARS,
    ROLE_TITLES,
    MembershipError,
    add_person,
    display_name,
    find_person,
    grant_in_tenant,
    revoke_in_tenant,
    roles_allowed_in,
)
from .auth import Refused, audit, check_login, end_sessions, is_locked
from .auth import unlock as unlock_login

LOGIN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$"


def password_validator(node, value):
    if len(value) < PASSWORD_MIN_CHARS:
        raise colander.Invalid(node, f"密码至少 {PASSWORD_MIN_CHARS} 个字符")
    if len(value.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise colander.Invalid(node, f"密码过长：最多 {PASSWORD_MAX_BYTES} 个字节（一个汉字占 3 个字节）")


def new_password_node(title):
    """A password being set (typed twice), with the rules bcrypt and the portal have for it."""
    return colander.SchemaNode(
        colander.String(),
        title=title,
        description=(
            f"至少 {PASSWORD_MIN_CHARS} 个字符，最多 {PASSWORD_MAX_BYTES} 个字节（一个汉字占 3 个字节）"
        ),
        widget=deform.widget.CheckedPasswordWidget(mismatch="两次输入的密码不一致"),
        validator=password_validator,
        missing_msg=f"请填写{title}",
    )


class LoginSchema(CSRFSchema):
    login = colander.SchemaNode(colander.String(), title="登录名", missing_msg="请填写登录名")
    password = colander.SchemaNode(
        colander.String(),
        title="密码",
        widget=deform.widget.PasswordWidget(),
        validator=colander.Length(max=4096, max_err="密码过长"),
        missing_msg="请填写密码",
    )
    came_from = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), missing="")


def login_form(request):
    schema = LoginSchema().bind(request=request)
    return PortalForm(schema, buttons=(deform.Button("submit", "登录"),), formid="login-form")


@portal_view(
    context="substanced.interfaces.IRoot",
    name="login",
    renderer="templates/login.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def login(context, request):
    """The Chinese login page. A wrong login or password gets one clear message, not which one."""
    form = login_form(request)
    came_from = request.params.get("came_from", "")
    if not came_from.startswith("/") or came_from.startswith("//"):
        came_from = "/"
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as failure:
            return {"form": failure.render()}
        try:
            user = check_login(request, data["login"], data["password"])
        except Refused as refusal:
            return {
                "form": form.render({"login": data["login"], "came_from": came_from}),
                "error": str(refusal),
            }
        # A new session (and CSRF token) for the person now logged in: nothing from before carries over.
        request.session.invalidate()
        headers = remember(request, get_oid(user))
        return HTTPFound(location=request.application_url + came_from, headers=headers)
    return {"form": form.render({"came_from": came_from})}


@portal_view(
    context="substanced.interfaces.IRoot",
    name="logout",
    renderer="templates/logout.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def logout_page(context, request):
    """A link or a GET never logs anyone out (a crafted image could): this page asks with a button."""
    if request.login is None:
        return HTTPFound(location=request.application_url + "/login")
    return {}


@portal_view(
    context="substanced.interfaces.IRoot",
    name="logout",
    request_method="POST",
    permission=NO_PERMISSION_REQUIRED,
)
def logout(context, request):
    """End this login's ticket on the server too: a copy of the cookie no longer works."""
    if request.authenticated_userid is not None:
        revoke = getattr(request.registry.getUtility(IAuthenticationPolicy), "revoke", None)
        if revoke is not None:
            revoke(request)
    request.session.invalidate()
    request.session.flash("您已退出登录")
    return HTTPFound(location=request.application_url + "/login", headers=forget(request))


class NewPersonSchema(CSRFSchema):
    """A new login, made a member of the unit with the roles chosen."""

    login = colander.SchemaNode(
        colander.String(),
        title="登录名",
        description="字母、数字、点、横线或下划线，2–64 个字符，例如 zhang.wei",
        validator=colander.Regex(
            LOGIN_PATTERN, "登录名只能由字母、数字、点、横线、下划线组成（2–64 个字符）"
        ),
        missing_msg="请填写登录名",
    )
    display_name = colander.SchemaNode(
        colander.String(),
        title="姓名",
        validator=colander.Length(1, 50, max_err="姓名最多 50 个字"),
        missing_msg="请填写姓名",
    )
    password = new_password_node("初始密码")
    roles = colander.SchemaNode(
        colander.Set(),
        title="角色",
        widget=colander.deferred(
            lambda node, kw: deform.widget.CheckboxChoiceWidget(values=grantable_roles(kw))
        ),
        missing=(),
    )


def grantable_roles(kw):
    """``[(role, title)]`` the person on the members page may grant here: 督查 (which reads every
    unit) only to a portal admin, so a unit admin is not offered what would be refused."""
    request = kw["request"]
    admin = request.login is not None and request.policy.is_portal_admin(request.login)
    return [
        (role, title)
        for role, title in roles_allowed_in(kw["tenant"]).items()
        if admin or role not in PORTAL_GRANTED_ROLES
    ]


class GrantSchema(CSRFSchema):
    """An existing person gets a role in this unit (and becomes a member if not yet)."""

    login = colander.SchemaNode(
        colander.String(),
        title="登录名",
        missing_msg="请填写登录名",
    )
    role = colander.SchemaNode(
        colander.String(),
        title="角色",
        widget=colander.deferred(
            lambda node, kw: deform.widget.SelectWidget(
                values=[(MEMBER, "成员（无其他角色）"), *grantable_roles(kw)]
            )
        ),
        validator=colander.deferred(
            lambda node, kw: colander.OneOf(
                [MEMBER, *roles_allowed_in(kw["tenant"])], msg_err="请选择本单位的角色"
            )
        ),
    )


class MembersView:
    """``/tenants/<code>/@@members``: the unit's people and roles, for the unit's admins."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def forms(self):
        kw = {"request": self.request, "tenant": self.context}
        # Two forms on one page: one counter, so no two fields share an id; no autofocus, since the
        # page opens on the list of members, not on either form.
        counter = itertools.count()
        return {
            "new": PortalForm(
                NewPersonSchema().bind(**kw),
                formid="new-person",
                buttons=(deform.Button("add_person", "新建并加入本单位"),),
                counter=counter,
                focus="off",
            ),
            "grant": PortalForm(
                GrantSchema().bind(**kw),
                formid="grant-role",
                buttons=(deform.Button("grant", "授予角色"),),
                counter=counter,
                focus="off",
            ),
        }

    def page(self, rendered=None):
        forms = self.forms()
        rendered = rendered or {}
        site = self.request.root
        people = []
        for login, roles in sorted(self.request.policy.members_of(self.context.code).items()):
            user = find_person(site, login)
            people.append(
                {
                    "login": login,
                    "name": display_name(user) if user is not None else login,
                    "roles": [
                        (role, ROLE_TITLES.get(role, role)) for role in sorted(roles) if role != MEMBER
                    ],
                    "locked": is_locked(site, login),
                }
            )
        return {
            "tenant": self.context,
            "people": people,
            "new_form": rendered.get("new") or forms["new"].render(),
            "grant_form": rendered.get("grant") or forms["grant"].render(),
        }

    def actor(self):
        """Who asks for a role change, for the separation of duties (``portal.people.check_duties``)."""
        login = self.request.login
        return {"actor": login, "actor_is_admin": self.request.policy.is_portal_admin(login)}

    def back(self, message):
        self.request.session.flash(message)
        return HTTPFound(location=self.request.resource_url(self.context, "@@members"))

    @portal_view(context=Tenant, name="members", renderer="templates/members.pt", permission="manage_members")
    def show(self):
        return self.page()

    @portal_view(
        context=Tenant,
        name="members",
        renderer="templates/members.pt",
        permission="manage_members",
        request_method="POST",
        request_param="add_person",
    )
    def add(self):
        form = self.forms()["new"]
        try:
            data = form.validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            return self.page({"new": failure.render()})
        site, store = self.request.root, self.request.root.policy_store
        try:
            add_person(
                site, data["login"], data["password"], data["display_name"], registry=self.request.registry
            )
            for role in [MEMBER, *sorted(data["roles"])]:
                grant_in_tenant(store, self.context, data["login"], role, site, **self.actor())
        except MembershipError as error:
            # The person may already have been created: nothing of this request may be committed.
            self.request.tm.doom()
            failure = self._error(form, "login", str(error), data)
            return self.page({"new": failure})
        return self.back(f"已新建人员 {data['display_name']}（{data['login']}）并加入本单位")

    @portal_view(
        context=Tenant,
        name="members",
        renderer="templates/members.pt",
        permission="manage_members",
        request_method="POST",
        request_param="grant",
    )
    def grant(self):
        form = self.forms()["grant"]
        try:
            data = form.validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            return self.page({"grant": failure.render()})
        try:
            grant_in_tenant(
                self.request.root.policy_store,
                self.context,
                data["login"].strip(),
                data["role"],
                self.request.root,
                **self.actor(),
            )
        except MembershipError as error:
            return self.page({"grant": self._error(form, "login", str(error), data)})
        return self.back(f"已授予 {data['login']} “{ROLE_TITLES[data['role']]}”角色")

    @portal_view(
        context=Tenant,
        name="members",
        renderer="templates/members.pt",
        permission="manage_members",
        request_method="POST",
        request_param="revoke",
    )
    def revoke(self):
        login = self.request.POST.get("login", "")
        role = self.request.POST.get("role", "")
        if login not in self.request.policy.members_of(self.context.code):
            return self.refuse("该人员不是本单位成员")
        try:
            revoke_in_tenant(self.request.root.policy_store, self.context, login, role, **self.actor())
        except MembershipError as error:
            return self.refuse(str(error))
        if role == MEMBER:
            if self.end_sessions_if_unattached(login):
                return self.back(f"已将 {login} 移出本单位；该人员已不属于任何单位，其登录已失效")
            return self.back(f"已将 {login} 移出本单位")
        return self.back(f"已撤销 {login} 的“{ROLE_TITLES.get(role, role)}”角色")

    def refuse(self, message):
        self.request.session.flash(message, "error")
        return HTTPFound(location=self.request.resource_url(self.context, "@@members"))

    def end_sessions_if_unattached(self, login):
        """Someone removed from their last unit (and no portal admin) is logged out everywhere.

        ``request.policy`` holds the units as committed before this request (the engine never adopts
        a transaction's own uncommitted change): their units but this one are what is left.
        """
        site = self.request.root
        user = find_person(site, login)
        remaining = set(self.request.policy.units_of(login)) - {self.context.code}
        if user is None or remaining:
            return False
        end_sessions(user)
        audit(self.request, "sessions_ended", "登录失效（已不属于任何单位）", login, user)
        return True

    @portal_view(
        context=Tenant,
        name="members",
        renderer="templates/members.pt",
        permission="manage_members",
        request_method="POST",
        request_param="unlock",
    )
    def unlock(self):
        """Lift the lock on a member's login (after too many wrong passwords)."""
        login = self.request.POST.get("login", "")
        if login not in self.request.policy.members_of(self.context.code):
            return self.refuse("该人员不是本单位成员")
        if unlock_login(self.request, login):
            audit(
                self.request, "login_unlocked", "解除登录锁定", login, find_person(self.request.root, login)
            )
            return self.back(f"已解除 {login} 的登录锁定")
        return self.back(f"{login} 的登录未被锁定")

    @staticmethod
    def _error(form, field, message, data):
        """Render ``form`` again with ``message`` on ``field`` and everything typed kept."""
        error = colander.Invalid(form.schema)
        error.add(
            colander.Invalid(form.schema[field], message), form.schema.children.index(form.schema[field])
        )
        form.widget.handle_error(form, error)
        cstruct = {key: value for key, value in data.items() if key != "password"}
        return form.render(cstruct)
