"""Logging in safely: revocable login tickets, timeouts, throttled attempts, bounded sessions.

* :class:`PortalAuthenticationPolicy`: Substance D's ``auth_tkt`` cookie (HttpOnly, SameSite=Lax, never
  for a parent domain, ``Secure`` by setting) with an idle timeout (the ticket is reissued at most every
  tenth of it, so an active person stays logged in without a database write per request), an absolute
  limit counted from the login, and two server-side checks: the ticket's key must match the person's
  current key (their password hash and ``session_epoch``: a password change, a reset or removal from
  every unit ends every session) and the ticket must not have been revoked by 退出.
* :class:`LoginState` (``site.login_state``): failures per login and per address, the revoked tickets,
  and the pending password resets. Each login's and address's state is its own small object whose
  concurrent changes merge, so simultaneous failed logins do not make each other retry.
* :func:`check_login`: the password check, with the same bcrypt cost for unknown logins, behind the
  throttle (slower after a few failures, then locked), written to the audit trail.
* :func:`session_factory`: the signed cookie session, whose flash queues are capped so the cookie never
  outgrows what a browser accepts.
"""

import hashlib
import hmac
import secrets
import threading
import time

import bcrypt
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authentication import AuthTicket, AuthTktAuthenticationPolicy, AuthTktCookieHelper
from pyramid.session import SignedCookieSessionFactory
from pyramid.settings import asbool
from substanced.principal import groupfinder
from substanced.util import find_objectmap, get_oid

from ..security import ACTING_UNIT_KEY

#: Settings and their defaults (README's settings table documents them).
DEFAULTS = {
    "portal.session_idle_minutes": "30",
    "portal.session_max_hours": "12",
    "portal.secure_cookies": "false",
    "portal.login_slow_after": "3",
    "portal.login_lock_after": "10",
    "portal.login_lock_minutes": "30",
    "portal.login_address_lock_after": "50",
    "portal.reset_valid_hours": "2",
    "portal.reset_min_seconds": "0.3",
    "portal.mail_debug_dir": "",
    "mail.default_sender": "portal@localhost",
}

#: The longest wait between two attempts at one login before it is locked.
MAX_DELAY_SECONDS = 60
#: The flash messages a session keeps per queue, newest last, and the length of each.
FLASH_KEEP = 5
FLASH_MAX_CHARS = 100
#: A login string longer than any real one is recorded cut to this length.
LOGIN_MAX_CHARS = 64


def now():
    """The clock of the throttle and the tickets (tests move it)."""
    return time.time()


def setting(request_or_registry, key, kind=int):
    registry = getattr(request_or_registry, "registry", request_or_registry)
    value = registry.settings.get(key)
    if value in (None, ""):
        value = DEFAULTS[key]
    return kind(value)


# The state kept in the database


class Attempts(Persistent):
    """Failures of one login (consecutive, reset by a success) or one address (reset by quiet)."""

    def __init__(self):
        self.failures = 0
        self.last = 0.0
        self.locked_until = 0.0

    def _p_resolveConflict(self, old, committed, new):
        """Two requests changed the same counter: keep both changes (failures add up, the later
        times win; a reset or unlock on one side stays when the other side left that field alone)."""
        result = dict(new)
        for field in ("failures", "last", "locked_until"):
            base, ours, theirs = old.get(field, 0), new.get(field, 0), committed.get(field, 0)
            if ours == base:
                result[field] = theirs
            elif theirs == base:
                result[field] = ours
            elif field == "failures":
                result[field] = max(0, theirs + ours - base)
            else:
                result[field] = max(ours, theirs)
        return result


class LoginState(Persistent):
    """The site's login bookkeeping (``site.login_state``)."""

    def __init__(self):
        self.logins = OOBTree()  # login -> Attempts
        self.addresses = OOBTree()  # client address -> Attempts
        self.revoked = OOBTree()  # (ticket start, ticket id) -> True: tickets ended by 退出
        self.resets = OOBTree()  # sha256 of a reset token -> (login, created)


def login_state(site):
    state = getattr(site, "login_state", None)
    if state is None:
        state = site.login_state = LoginState()
    return state


# The password check behind the throttle

_dummy = {}
_dummy_lock = threading.Lock()


def dummy_hash():
    """A bcrypt hash with Substance D's cost, made once per process, checked for unknown logins."""
    with _dummy_lock:
        if "hash" not in _dummy:
            _dummy["hash"] = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt())
        return _dummy["hash"]


def password_matches(user, password):
    """Whether ``password`` is ``user``'s; as slow for ``None`` (no such login) as for a real one."""
    raw = password.encode("utf-8")
    try:
        if user is None:
            bcrypt.checkpw(raw, dummy_hash())
            return False
        return user.check_password(password)
    except ValueError:  # longer than bcrypt or Substance D accept
        return False


class Refused(Exception):
    """A login attempt refused before its password was checked; the message is for the person."""


def client_address(request):
    return request.client_addr or "unknown"


def delay_for(failures, slow_after):
    """Seconds to wait after ``failures`` consecutive failures: 1, 2, 4 … up to a minute."""
    if failures < slow_after:
        return 0
    return min(2 ** (failures - slow_after), MAX_DELAY_SECONDS)


def wait_text(seconds):
    seconds = max(1, int(seconds + 0.999))
    if seconds < 120:
        return f"{seconds} 秒"
    return f"{(seconds + 59) // 60} 分钟"


def check_throttle(request, login):
    """Raise :class:`Refused` when this login or address may not try now (nothing is written)."""
    state = login_state(request.root)
    moment = now()
    address = state.addresses.get(client_address(request))
    if address is not None and address.locked_until > moment:
        raise Refused(
            f"本机登录失败次数过多，已暂停登录，请 {wait_text(address.locked_until - moment)}后再试"
        )
    attempts = state.logins.get(login)
    if attempts is None:
        return
    if attempts.locked_until > moment:
        raise Refused(
            "该登录名因连续多次输入错误的密码已被锁定，"
            f"请 {wait_text(attempts.locked_until - moment)}后再试，或请本单位管理员解除锁定"
        )
    wait = attempts.last + delay_for(attempts.failures, setting(request, "portal.login_slow_after")) - moment
    if wait > 0:
        raise Refused(f"密码输入错误次数较多，请 {wait_text(wait)}后再试")


def record_failure(request, login, user):
    """Count a failure for the login and the address; lock them past their limits; audit it."""
    state = login_state(request.root)
    moment = now()
    address = client_address(request)
    lock_seconds = setting(request, "portal.login_lock_minutes") * 60
    attempts = state.logins.get(login)
    if attempts is None:
        attempts = state.logins[login] = Attempts()
    attempts.failures += 1
    attempts.last = moment
    audit(request, "login_failed", "登录失败", login, user, f"来自 {address}，连续第 {attempts.failures} 次")
    if attempts.failures >= setting(request, "portal.login_lock_after"):
        attempts.locked_until = moment + lock_seconds
        audit(request, "login_locked", "登录名被锁定", login, user, f"连续 {attempts.failures} 次密码错误")
    by_address = state.addresses.get(address)
    if by_address is None:
        by_address = state.addresses[address] = Attempts()
    if moment - by_address.last > lock_seconds:
        by_address.failures = 0
    by_address.failures += 1
    by_address.last = moment
    if by_address.failures >= setting(request, "portal.login_address_lock_after"):
        by_address.locked_until = moment + lock_seconds
        by_address.failures = 0
        audit(request, "address_locked", "登录地址被暂停", login, user, f"地址 {address} 失败次数过多")
    return attempts


def record_success(request, login):
    """A correct password ends the login's run of failures (written only when there was one)."""
    attempts = login_state(request.root).logins.get(login)
    if attempts is not None and (attempts.failures or attempts.locked_until):
        attempts.failures = 0
        attempts.locked_until = 0.0


def check_login(request, login, password):
    """The person whose login and password these are, or raise :class:`Refused` with the message.

    Unknown logins cost the same bcrypt check and are throttled and audited just like real ones.
    """
    from . import find_person

    login = login.strip()[:LOGIN_MAX_CHARS]
    check_throttle(request, login)
    user = find_person(request.root, login)
    if password_matches(user, password):
        record_success(request, login)
        return user
    record_failure(request, login, user)
    raise Refused("登录名或密码不正确，请重新输入")


def is_locked(site, login):
    attempts = login_state(site).logins.get(login)
    return attempts is not None and attempts.locked_until > now()


def unlock(request, login):
    """Lift a login's lock and forget its failures; True if it was locked or slowed."""
    attempts = login_state(request.root).logins.get(login)
    if attempts is None or not (attempts.failures or attempts.locked_until):
        return False
    attempts.failures = 0
    attempts.locked_until = 0.0
    return True


def audit(request, action, title, login, user=None, comment=""):
    """One entry in the site's permanent audit trail, about a login (the person acting may be anyone)."""
    from ..items import Entry
    from . import display_name

    trail = getattr(request.root, "audit_trail", None)
    if trail is None:
        return
    actor = request.login if request.authenticated_userid is not None else login
    actor_user = request.user if request.authenticated_userid is not None else user
    entry = Entry(
        action,
        title,
        actor,
        display_name(actor_user) if actor_user is not None else "",
        "",
        "",
        comment,
        details={"login": login, "address": client_address(request)},
    )
    trail.append(get_oid(request.root, None), entry)


# Tickets the server can end


def end_sessions(user):
    """End every session of ``user`` (their tickets carry a key derived from the epoch)."""
    user.session_epoch = getattr(user, "session_epoch", 0) + 1


class ClockedTicket(AuthTicket):
    def __init__(self, *args, **kw):
        kw.setdefault("time", now())
        super().__init__(*args, **kw)


class HostOnlyCookieHelper(AuthTktCookieHelper):
    """The ticket cookie for this host only: no ``Domain`` attribute (even ``Domain=<host>`` would send
    it to every subdomain too), one Set-Cookie header; its times follow :func:`now`."""

    AuthTicket = ClockedTicket

    @property
    def now(self):
        return now()

    def _get_cookies(self, request, value, max_age=None):
        kw = {"domains": [None]}
        if max_age is not None:
            kw["max_age"] = max_age
        return self.cookie_profile(request).get_headers(value, **kw)


class PortalAuthenticationPolicy(AuthTktAuthenticationPolicy):
    """Substance D's ticket cookie, made revocable and bounded in time (see the module's notes)."""

    def __init__(self, settings):
        idle = int(settings.get("portal.session_idle_minutes") or DEFAULTS["portal.session_idle_minutes"])
        hours = float(settings.get("portal.session_max_hours") or DEFAULTS["portal.session_max_hours"])
        self.secret = settings["substanced.secret"]
        self.max_seconds = hours * 3600
        super().__init__(
            self.secret,
            callback=groupfinder,
            timeout=idle * 60,
            reissue_time=max(idle * 6, 1),
            http_only=True,
            secure=asbool(settings.get("portal.secure_cookies", False)),
            samesite="Lax",
            wild_domain=False,
            parent_domain=False,
            hashalg="sha512",
        )
        self.cookie.__class__ = HostOnlyCookieHelper

    def key(self, user):
        """Changes with the password and with ``session_epoch``: an old ticket's key no longer matches."""
        password = user.password if isinstance(user.password, bytes) else str(user.password).encode()
        message = b"%d:%s:%d" % (get_oid(user), password, getattr(user, "session_epoch", 0))
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()[:32]

    def remember(self, request, userid, **kw):
        user = user_by_oid(request, userid)
        # One token (several would be joined by commas, which a cookie value should not hold):
        # "s<login time>-<ticket id>-<key>".
        token = f"s{int(now())}-{secrets.token_hex(8)}-{self.key(user)}"
        return super().remember(request, userid, tokens=(token,), **kw)

    def unauthenticated_userid(self, request):
        # Checked once per attempt (pyramid_retry runs a conflicted request again on the same environ,
        # and by then the ticket may have been revoked).
        cache = request.environ.setdefault("portal.auth", {})
        attempt = request.environ.get("retry.attempt")
        if attempt not in cache:
            cache[attempt] = self._valid_userid(request)
        return cache[attempt]

    def _valid_userid(self, request):
        identity = self.cookie.identify(request)
        if not identity:
            return None
        try:
            started, ticket, key = identity["tokens"][0][1:].split("-")
            started = int(started)
        except (IndexError, ValueError):
            return self._refuse(request)
        if now() - started > self.max_seconds:
            return self._refuse(request)
        user = user_by_oid(request, identity["userid"])
        if user is None or not hmac.compare_digest(key, self.key(user)):
            return self._refuse(request)
        if (started, ticket) in login_state(site_of(request)).revoked:
            return self._refuse(request)
        request.environ["portal.ticket"] = (started, ticket)
        return identity["userid"]

    def _refuse(self, request):
        request._authtkt_reissue_revoked = True  # never refresh a ticket that no longer counts
        return None

    def forget(self, request):
        request.environ.pop("portal.auth", None)
        return super().forget(request)

    def revoke(self, request):
        """End this request's ticket, wherever copies of it are (退出); old revocations are pruned."""
        ticket = request.environ.get("portal.ticket")
        if ticket is None:
            return
        revoked = login_state(request.root).revoked
        revoked[ticket] = True
        cutoff = int(now() - self.max_seconds) - 1
        for old in list(revoked.keys(max=(cutoff, ""))):
            del revoked[old]


def site_of(request):
    root = getattr(request, "root", None)
    if root is None:
        from substanced.db import root_factory

        root = root_factory(request)
    return root


def user_by_oid(request, userid):
    objectmap = find_objectmap(site_of(request))
    if objectmap is None or not isinstance(userid, int):
        return None
    return objectmap.object_for(userid)


# The cookie session: small and bounded


def session_factory(settings):
    """Signed cookie sessions, HttpOnly and SameSite=Lax, expiring with the login's idle timeout."""
    idle = int(settings.get("portal.session_idle_minutes") or DEFAULTS["portal.session_idle_minutes"])
    base = SignedCookieSessionFactory(
        settings["substanced.secret"],
        httponly=True,
        samesite="Lax",
        secure=asbool(settings.get("portal.secure_cookies", False)),
        timeout=idle * 60,
        hashalg="sha512",
    )

    class PortalSession(base):
        def flash(self, msg, queue="", allow_duplicate=True):
            """Keep the newest few messages of each queue, each cut to a readable length: messages
            pile up when the page after a POST is never loaded, and a cookie has about 4 KB."""
            text = str(msg)
            if len(text) > FLASH_MAX_CHARS:
                text = text[: FLASH_MAX_CHARS - 1] + "…"
            storage = list(self.get("_f_" + queue, []))
            if allow_duplicate or text not in storage:
                storage.append(text)
            self["_f_" + queue] = storage[-FLASH_KEEP:]

        def _set_cookie(self, response):
            """Never fail after the transaction committed: if the cookie would be too long, drop the
            flash messages, then everything but the CSRF token and the acting unit."""
            try:
                return super()._set_cookie(response)
            except ValueError:
                for key in [key for key in self if key.startswith("_f_")]:
                    dict.__delitem__(self, key)
                try:
                    return super()._set_cookie(response)
                except ValueError:
                    keep = {key: self[key] for key in ("_csrft_", ACTING_UNIT_KEY) if key in self}
                    dict.clear(self)
                    dict.update(self, keep)
                    return super()._set_cookie(response)

    return PortalSession
