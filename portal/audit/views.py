"""审计链校验 (``/@@audit-chain``): the supervisors and the portal admins check the audit trail's chain.

The page shows the chain's length and head. 开始校验 (a POST with the CSRF token, and optionally the
length and head noted down at an earlier check) starts a check, kept in the person's session; each
time the page is then opened it checks the next part, at most ``portal.audit_verify_batch`` links
or entries and about ``portal.audit_verify_seconds`` seconds, shows how far it got and reloads
itself until it is done. No request runs long however long the trail, and the part-by-part check
is as strict as one in a single go: each part starts from the digest the previous part found
correct. The result (完整, or the first broken entry, named) stays on the page until the next check.

The checking is done by GET requests on purpose: a POST holds the write lock of
:mod:`portal.indexing` while it runs, and would keep every other writer waiting for seconds. A GET
only reads the database; what it changes is the person's own session.
"""

import datetime

import colander
import deform
from pyramid.httpexceptions import HTTPFound

from ..calendar import SHANGHAI
from ..flows.fields import text_node
from ..views import CSRFSchema, portal_view
from ..views.forms import PortalForm
from .chain import CHAIN, ENTRIES, Verification

#: The session key of the person's check.
SESSION_KEY = "portal.audit_verification"
#: Who may read the page, and who may start a check (policies/audit.csv).
VIEW = "view:audit_chain"
VERIFY = "verify:audit_chain"
#: Links or entries checked per page, and seconds, at most (settings override them).
BATCH = 20_000
SECONDS = 3.0
#: What the check is doing, in words.
PHASES = {CHAIN: "逐条核对链上各环的校验值", ENTRIES: "核对每一条目都在链上"}


def lowercase(value):
    return value.strip().lower() if isinstance(value, str) and value.strip() else colander.null


def both_or_neither(node, value):
    if bool(value.get("anchor_length")) != bool(value.get("anchor_head")):
        error = colander.Invalid(node, "记下的条数与链头须同时填写，或都不填")
        missing = "anchor_head" if value.get("anchor_length") else "anchor_length"
        error[missing] = "请与另一项同时填写"
        raise error


class CheckSchema(CSRFSchema):
    anchor_length = text_node(
        "记下的条数",
        12,
        required=False,
        validator=colander.Regex(r"^[1-9][0-9]*$", "条数应为正整数，例如 1234"),
        description="可不填。上次校验完整时记下的“链上条数”：校验时一并核对链上第这么多条的校验值未变",
    )
    anchor_head = text_node(
        "记下的链头",
        64,
        required=False,
        preparer=lowercase,
        validator=colander.Regex(r"^[0-9a-f]{64}$", "链头应为 64 位十六进制校验值（0–9、a–f）"),
        description="可不填。与“记下的条数”同时记下的链头校验值",
    )


def check_form(request):
    schema = CheckSchema(validator=both_or_neither).bind(request=request)
    return PortalForm(schema, formid="audit-check-form", buttons=(deform.Button("verify", "开始校验"),))


def setting(request, name, default):
    try:
        return type(default)(request.registry.settings.get(name, default))
    except (TypeError, ValueError):
        return default


def time_text(moment):
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def about_item(request, item_oid):
    """What an entry is about: ``(text, url)``, the url only when the person may open the item."""
    if item_oid is None:
        return "（未记录）", None
    if item_oid == getattr(request.root, "__oid__", None):
        return "平台本身（权限规则、登录等）", None
    resource = request.root.__objectmap__.object_for(item_oid)
    if resource is None:
        return "事项已不存在", None
    if not request.permits(resource, "view"):
        return "事项存在（您无权查看）", None
    title = getattr(resource, "title", "") or "（无标题）"
    return title, request.resource_url(resource)


def described(request, trail, broken):
    """The broken entry as the page names it."""
    pair = trail.entries.get(broken.key) if broken.key is not None else None
    entry = pair[1] if pair is not None else None
    item_oid = broken.item_oid if broken.item_oid is not None else (pair[0] if pair else None)
    about, url = about_item(request, item_oid) if item_oid is not None else ("", None)
    person = ""
    if entry is not None:
        person = getattr(entry, "name", "") or ""
        login = getattr(entry, "login", "") or ""
        person = f"{person}（{login}）" if person and login else person or login
    return {
        "number": broken.number,
        "key": broken.key,
        "when": time_text(broken.when),
        "unit": (getattr(entry, "unit_title", "") or getattr(entry, "unit", "")) if entry is not None else "",
        "person": person,
        "action": getattr(entry, "title", "") if entry is not None else "",
        "about": about,
        "url": url,
        "explanation": broken.explanation,
        "expected": broken.expected,
        "found": broken.found,
    }


class AuditChainView:
    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.trail = context.audit_trail

    def verification(self):
        state = self.request.session.get(SESSION_KEY)
        if not state:
            return None
        try:
            return Verification.from_state(state)
        except (KeyError, TypeError, ValueError):
            # A session from an older version of this page: start again.
            self.request.session.pop(SESSION_KEY, None)
            return None

    def page(self, form=None, error=""):
        request, trail = self.request, self.trail
        verification = self.verification()
        may_verify = request.permits(self.context, VERIFY)
        if verification is not None and not verification.finished and may_verify:
            verification.step(
                trail,
                limit=setting(request, "portal.audit_verify_batch", BATCH),
                seconds=setting(request, "portal.audit_verify_seconds", SECONDS),
            )
            request.session[SESSION_KEY] = verification.state()
        broken = None
        if verification is not None and verification.broken is not None:
            broken = described(request, trail, verification.broken)
        return {
            "length": trail.chain_length,
            "head": trail.chain_head.hex(),
            "waiting": len(trail.waiting) if trail.waiting is not None else 0,
            "verification": verification,
            # Only someone who may check goes on checking (no page reloading itself for nothing).
            "running": verification is not None and not verification.finished and may_verify,
            "phase": PHASES.get(verification.phase, "") if verification is not None else "",
            "broken": broken,
            "started": time_text(_moment(verification.started)) if verification is not None else "",
            "ended": time_text(_moment(verification.ended)) if verification is not None else "",
            "may_verify": may_verify,
            "form": form or check_form(request).render(),
            "error": error,
        }

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="audit-chain",
        renderer="templates/audit_chain.pt",
        permission=VIEW,
    )
    def show(self):
        return self.page()

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="audit-chain",
        renderer="templates/audit_chain.pt",
        permission=VERIFY,
        request_method="POST",
        request_param="verify",
    )
    def start(self):
        try:
            data = check_form(self.request).validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            self.request.response.status = 400
            return self.page(failure.render(), "填写的内容有误，请按提示修改；未开始校验")
        anchor = None
        if data.get("anchor_length"):
            anchor = (int(data["anchor_length"]), data["anchor_head"])
        self.request.session[SESSION_KEY] = Verification.of(self.trail, anchor).state()
        return HTTPFound(location=self.request.application_url + "/@@audit-chain")

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="audit-chain",
        permission=VERIFY,
        request_method="POST",
        request_param="stop",
    )
    def stop(self):
        if self.request.session.pop(SESSION_KEY, None) is not None:
            self.request.session.flash("已停止校验")
        return HTTPFound(location=self.request.application_url + "/@@audit-chain")


def _moment(timestamp):
    return None if timestamp is None else datetime.datetime.fromtimestamp(timestamp, SHANGHAI)


def audit_chain_link(request):
    if request.login is None or not request.permits(request.root, VIEW):
        return None
    return request.application_url + "/@@audit-chain"
