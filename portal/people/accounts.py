"""Password reset by mail, the portal admin's list of locked logins, and the back office's own login
pages sent to the portal's (so every login goes through the same throttle and the same tickets).

The reset answers the same, in the same time, whether the login exists or not. Its link carries a
random token of which the database keeps only a hash; it is good once, for ``portal.reset_valid_hours``.
"""

import hashlib
import secrets
import time

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.security import NO_PERMISSION_REQUIRED, remember
from pyramid_mailer import get_mailer
from pyramid_mailer.interfaces import IMailer
from pyramid_mailer.mailer import DebugMailer
from pyramid_mailer.message import Message
from substanced.sdi import MANAGE_ROUTE_NAME
from substanced.util import get_oid

from ..views.forms import PortalForm
from ..views import CSRFSchema, portal_view
from . import auth
from .views import new_password_node
from . import display_name, find_person
from .auth import (
    LOGIN_MAX_CHARS,
    audit,
    end_sessions,
    login_state,
    setting,
)
from .auth import unlock as unlock_login


def now():
    return auth.now()  # looked up at each call: tests move the clock


#: A second reset for one login within this time sends no second mail (the first is still good).
RESET_RESEND_SECONDS = 300


def token_key(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ResetRequestSchema(CSRFSchema):
    login = colander.SchemaNode(
        colander.String(),
        title="登录名",
        validator=colander.Length(max=LOGIN_MAX_CHARS, max_err="登录名过长"),
        missing_msg="请填写登录名",
    )


class NewPasswordSchema(CSRFSchema):
    password = new_password_node("新密码")


def reset_request_form(request):
    return PortalForm(
        ResetRequestSchema().bind(request=request),
        buttons=(deform.Button("send", "发送重置链接"),),
        formid="reset-request",
    )


def new_password_form(request):
    return PortalForm(
        NewPasswordSchema().bind(request=request),
        buttons=(deform.Button("reset", "设置新密码"),),
        formid="new-password",
    )


def sent_message(request):
    hours = setting(request, "portal.reset_valid_hours")
    return (
        "如果该登录名存在并登记了电子邮箱，重置密码的链接已发往该邮箱，"
        f"{hours} 小时内有效。请查收邮件；如未收到，请联系本单位管理员。"
    )


def prune_resets(request):
    """Forget resets older than their validity (only when there are any to forget)."""
    resets = login_state(request.root).resets
    limit = now() - setting(request, "portal.reset_valid_hours") * 3600
    for key, (_, created) in list(resets.items()):
        if created < limit:
            del resets[key]


def send_reset(request, user):
    state = login_state(request.root)
    login = user.__name__
    moment = now()
    prune_resets(request)
    if any(
        pending == login and moment - created < RESET_RESEND_SECONDS
        for pending, created in state.resets.values()
    ):
        return
    token = secrets.token_urlsafe(32)
    state.resets[token_key(token)] = (login, moment)
    hours = setting(request, "portal.reset_valid_hours")
    url = f"{request.application_url}/reset-password/{token}"
    body = (
        f"{display_name(user)}，您好：\n\n"
        "有人（可能是您本人）申请重置您在行政执法协作配合平台的登录密码。"
        f"请在 {hours} 小时内打开下面的链接设置新密码（链接只能使用一次）：\n\n{url}\n\n"
        "如果不是您本人申请，请忽略本邮件，您的密码不会改变。\n"
    )
    sender = request.registry.settings.get("mail.default_sender") or "portal@localhost"
    message = Message(
        subject="行政执法协作配合平台：重置密码",
        sender=sender,
        recipients=[user.email],
        body=body,
    )
    get_mailer(request).send(message)
    audit(request, "password_reset_sent", "发送重置密码邮件", login, user)


@portal_view(
    context="substanced.interfaces.IRoot",
    name="reset-password",
    renderer="templates/reset_password.pt",
    permission=NO_PERMISSION_REQUIRED,
)
def reset_password(context, request):
    """``/reset-password``: ask for a link; ``/reset-password/<token>``: set the new password."""
    if request.subpath:
        return set_new_password(context, request, request.subpath[0])
    form = reset_request_form(request)
    if request.method != "POST":
        return {"form": form.render(), "step": "ask"}
    started = time.monotonic()
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {"form": failure.render(), "step": "ask"}
    user = find_person(context, data["login"].strip())
    if user is not None and getattr(user, "email", ""):
        send_reset(request, user)
    # The same answer after the same time, whether the login exists or not.
    rest = setting(request, "portal.reset_min_seconds", float) - (time.monotonic() - started)
    if rest > 0:
        time.sleep(rest)
    return {"form": None, "step": "sent", "message": sent_message(request)}


def set_new_password(context, request, token):
    state = login_state(request.root)
    key = token_key(token)
    pending = state.resets.get(key)
    valid = setting(request, "portal.reset_valid_hours") * 3600
    user = None
    if pending is not None and now() - pending[1] < valid:
        user = find_person(context, pending[0])
    if user is None:
        return {"form": None, "step": "invalid"}
    form = new_password_form(request)
    if request.method != "POST":
        return {"form": form.render(), "step": "set", "person": display_name(user)}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {"form": failure.render(), "step": "set", "person": display_name(user)}
    user.set_password(data["password"])
    # The new password ends every session of the person (their tickets' key changes with it).
    end_sessions(user)
    for other, (login, _) in list(state.resets.items()):
        if login == user.__name__:
            del state.resets[other]
    unlock_login(request, user.__name__)
    audit(request, "password_reset", "通过邮件链接重置密码", user.__name__, user)
    request.session.flash("密码已重置，请使用新密码登录")
    return HTTPFound(location=request.application_url + "/login")


class ChangePasswordSchema(NewPasswordSchema):
    current = colander.SchemaNode(
        colander.String(),
        title="当前密码",
        widget=deform.widget.PasswordWidget(),
        validator=colander.Length(max=4096, max_err="密码过长"),
        missing_msg="请填写当前密码",
    )

    def after_bind(self, node, kw):
        # The current password first, then the new one.
        node.children.insert(1, node.children.pop(node.children.index(node["current"])))


@portal_view(
    context="substanced.interfaces.IRoot",
    name="change-password",
    renderer="templates/change_password.pt",
    permission="view",
)
def change_password(context, request):
    """A person sets a new password; their other sessions end, this one goes on with a new ticket."""
    form = PortalForm(
        ChangePasswordSchema().bind(request=request),
        buttons=(deform.Button("change", "更改密码"),),
        formid="change-password",
    )
    if request.method != "POST":
        return {"form": form.render()}
    try:
        data = form.validate(request.POST.items())
    except deform.ValidationFailure as failure:
        return {"form": failure.render()}
    user = request.user
    try:
        # Behind the throttle, like the login page: a borrowed session cannot guess the password here.
        auth.check_throttle(request, user.__name__)
    except auth.Refused as refusal:
        return {"form": form.render(), "error": str(refusal)}
    if not auth.password_matches(user, data["current"]):
        auth.record_failure(request, user.__name__, user)
        return {"form": form.render(), "error": "当前密码不正确"}
    user.set_password(data["password"])
    end_sessions(user)
    audit(request, "password_changed", "更改密码", user.__name__, user)
    request.session.flash("密码已修改；您在其他地方的登录已失效")
    headers = remember(request, get_oid(user))
    return HTTPFound(location=request.application_url + "/", headers=headers)


@portal_view(
    context="substanced.interfaces.IRoot",
    name="locked-logins",
    renderer="templates/locked_logins.pt",
    permission="unlock_logins",
)
def locked_logins(context, request):
    """The portal admins' list of every locked login and paused address, with their unlock buttons."""
    state = login_state(context)
    moment = now()
    if request.method == "POST":
        login = request.POST.get("login", "")
        address = request.POST.get("address", "")
        if login and unlock_login(request, login):
            audit(request, "login_unlocked", "解除登录锁定", login, find_person(context, login))
            request.session.flash(f"已解除 {login} 的登录锁定")
        elif address and address in state.addresses:
            state.addresses[address].locked_until = 0.0
            state.addresses[address].failures = 0
            audit(request, "address_unlocked", "解除登录地址暂停", "", None, f"地址 {address}")
            request.session.flash(f"已解除地址 {address} 的登录暂停")
        return HTTPFound(location=request.resource_url(context, "@@locked-logins"))
    logins = [
        (login, attempts.failures, attempts.locked_until)
        for login, attempts in state.logins.items()
        if attempts.locked_until > moment
    ]
    addresses = [
        (address, attempts.locked_until)
        for address, attempts in state.addresses.items()
        if attempts.locked_until > moment
    ]
    return {"logins": logins, "addresses": addresses, "when": when_text}


def when_text(timestamp):
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


# The back office's login, logout and reset pages lead to the portal's. These views have one more
# predicate (request_method) than Substance D's, so Pyramid tries them first.


def _to(path):
    def view(request):
        return HTTPFound(location=request.application_url + path)

    return view


def includeme(config):
    settings = config.registry.settings
    directory = settings.get("portal.mail_debug_dir")
    if directory:
        # Mails are written as files there instead of being sent (development and tests).
        config.registry.registerUtility(DebugMailer(directory), IMailer)
    for name, path in (
        ("login", "/login?came_from=/manage"),
        ("logout", "/logout"),
        ("resetpassword", "/reset-password"),
    ):
        config.add_view(
            _to(path),
            route_name=MANAGE_ROUTE_NAME,
            name=name,
            request_method=("GET", "POST", "HEAD"),
            permission=NO_PERMISSION_REQUIRED,
            require_csrf=False,
        )
    config.add_view(
        _to("/reset-password"),
        route_name=MANAGE_ROUTE_NAME,
        context="substanced.interfaces.IPasswordReset",
        request_method=("GET", "POST", "HEAD"),
        permission=NO_PERMISSION_REQUIRED,
        require_csrf=False,
    )
    config.add_nav_link(
        900,
        "登录锁定",
        lambda request: (
            request.application_url + "/@@locked-logins"
            if request.login is not None and request.permits(request.root, "unlock_logins")
            else None
        ),
    )
    config.scan(".accounts")
