"""以罚代刑: penalty filings that look like a crime and were not referred.

A penalty filing (:mod:`portal.filings`) is *suspected* when it is marked as a suspected crime
(``suspected_crime``), or when its fine is above the amount the portal admin set for its matter
(``@@referral-thresholds``: a keyword of the filing's legal basis or title, and an amount in yuan).
A suspected filing is *flagged* until a referral of the same case exists (one that left its draft:
the officers' report is with the principal, the case went, or the principal refused it with
reasons) or its unit's principal records on the filing why it is not referred
(“记录不移送理由”).

Flagged filings show on their unit's dashboard (a panel) and on the 区司法局 supervisors' page
``@@referral-flags``, by unit, with how long since the decision; the reasons recorded are listed
there too. Which filings are flagged is kept in a small list on the site (``root.referral_watch``,
``"<unit>/<filing>" -> "flagged" | "reason"``), brought up to date whenever a filing or a referral
is recorded and when the amounts change, so no page walks every filing.

Nothing here edits the filings' code: the two actions on the filing (“移送公安机关”, “记录不移送理由”)
are registered on its flow from here, and its page gets this package's panel through its
``page_values``.
"""

import decimal

import colander
import deform
from BTrees.OOBTree import OOBTree
from hypatia.query import Eq
from persistent.mapping import PersistentMapping
from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render

from ..filings import PenaltyFiling
from ..flows import Action, fmt, text_node
from ..items import ItemRecorded, WorkflowError, now, record, reindex
from ..supervision.figures import Measure
from ..views import CSRFSchema, portal_view
from ..views.forms import PortalForm

#: How an amount is typed (yuan, at most two decimals).
AMOUNT = r"^\d{1,12}(\.\d{1,2})?$"
FLAGGED, REASON = "flagged", "reason"


# The amounts per matter ----------------------------------------------------------------------------


def thresholds(root):
    """``{matter: amount}`` as the portal admin set them (amounts in yuan, ``Decimal``)."""
    return getattr(root, "referral_thresholds", None) or {}


def set_threshold(root, matter, amount):
    if getattr(root, "referral_thresholds", None) is None:
        root.referral_thresholds = OOBTree()
    root.referral_thresholds[matter] = decimal.Decimal(amount)


def remove_threshold(root, matter):
    table = getattr(root, "referral_thresholds", None)
    if table is not None and matter in table:
        del table[matter]
        return True
    return False


def matters_of(filing, root):
    """The matters (with their amounts) whose keyword the filing's legal basis or title contains."""
    text = f"{filing.legal_basis}\n{filing.title}".lower()
    return [(matter, amount) for matter, amount in thresholds(root).items() if matter.lower() in text]


def suspicions(filing, root):
    """Why the filing looks like a crime, in words (empty: it does not)."""
    reasons = []
    if filing.suspected_crime:
        reasons.append("处罚决定备案标记为涉嫌犯罪")
    fine = filing.fine_amount
    if fine is not None:
        for matter, amount in matters_of(filing, root):
            if fine > amount:
                reasons.append(f"罚款 {fine:,.2f} 元，超过“{matter}”类案件的移送参考金额 {amount:,.2f} 元")
    return reasons


# What became of a suspected filing -----------------------------------------------------------------


def referrals_of(filing):
    """The referrals of the same case, in the filing's unit."""
    tenant = filing.__parent__
    names = getattr(filing, "crime_referrals", ())
    return [tenant[name] for name in names if tenant is not None and name in tenant]


def referred(filing):
    """A referral of the same case has left its draft (reported, sent, or refused with reasons)."""
    return any(referral.state != "draft" for referral in referrals_of(filing))


def status(filing, root):
    """``"flagged"``, ``"reason"`` (not referred, with a reason recorded), ``"referral"`` or ``""``."""
    if not suspicions(filing, root):
        return ""
    if referred(filing):
        return "referral"
    if getattr(filing, "no_referral", None):
        return REASON
    return FLAGGED


def key_of(filing):
    return f"{filing.owner}/{filing.__name__}"


def watch(root, create=False):
    found = getattr(root, "referral_watch", None)
    if found is None and create:
        found = root.referral_watch = OOBTree()
    return found


def update_watch(root, filing):
    """Keep the filing's place in the list of flagged filings and recorded reasons right, and the
    status on the filing itself, which the supervisors' figures count (:func:`flag_figures`)."""
    now_status = status(filing, root)
    if getattr(filing, "referral_status", "") != now_status:
        filing.referral_status = now_status
        reindex(filing)
    key = key_of(filing)
    table = watch(root, create=now_status in (FLAGGED, REASON))
    if table is None:
        return
    if now_status in (FLAGGED, REASON):
        if table.get(key) != now_status:
            table[key] = now_status
    elif key in table:
        del table[key]


def watched(root, unit=None, wanted=FLAGGED):
    """``[(unit, filing name)]`` of the filings with status ``wanted`` (of ``unit``, when given)."""
    table = watch(root)
    if table is None:
        return []
    if unit is None:
        items = table.items()
    else:
        items = table.items(f"{unit}/", f"{unit}/\uffff")
    return [tuple(key.split("/", 1)) for key, value in items if value == wanted]


def flagged_names(root, unit):
    return [name for _, name in watched(root, unit)]


def filing_at(root, unit, name):
    tenant = root["tenants"].get(unit)
    filing = tenant.get(name) if tenant is not None else None
    return filing if isinstance(filing, PenaltyFiling) else None


def refresh_all(root):
    """Every filing's place again (the amounts changed, or an older site gets the list)."""
    catalog = root["catalogs"]["portal"]
    for filing in list(Eq(catalog["item_type"], PenaltyFiling.item_type).execute().all()):
        update_watch(root, filing)


def watch_existing_filings(root, registry):
    """Evolution step: the filings of a site older than this list get their place in it (and,
    older than the figures, their status on themselves)."""
    refresh_all(root)


# A referral and its filing ---------------------------------------------------------------------


def link_filing(referral, request):
    """The referral names the filing of the same case (in its own unit): each knows the other."""
    tenant = referral.__parent__
    before = getattr(referral, "linked_to", "")
    if before and before != referral.filing:
        old = tenant.get(before)
        if isinstance(old, PenaltyFiling):
            old.crime_referrals = tuple(
                n for n in getattr(old, "crime_referrals", ()) if n != referral.__name__
            )
            update_watch(request.root, old)
    filing = referral.linked_filing()
    if isinstance(filing, PenaltyFiling):
        names = getattr(filing, "crime_referrals", ())
        if referral.__name__ not in names:
            filing.crime_referrals = (*names, referral.__name__)
        update_watch(request.root, filing)
    referral.linked_to = referral.filing if isinstance(filing, PenaltyFiling) else ""


def on_recorded(event):
    """A filing or a referral was recorded: the filing's flag follows."""
    from . import CrimeReferral

    item, root = event.item, event.request.root
    if isinstance(item, PenaltyFiling):
        update_watch(root, item)
    elif isinstance(item, CrimeReferral):
        filing = item.linked_filing()
        if isinstance(filing, PenaltyFiling):
            update_watch(root, filing)


# The filing's page: two actions and a panel ----------------------------------------------------


def active_referral(filing):
    """A referral of the same case still in hand (not refused by the principal), or None."""
    for referral in referrals_of(filing):
        if referral.state != "refused":
            return referral
    return None


def refer_refusal(filing, request):
    """The filing's page offers a referral for a case that looks like a crime (its unit may also
    draft one from the referrals' page for any case)."""
    if not suspicions(filing, request.root):
        return "本处罚决定未标记为涉嫌犯罪，罚款也未超过移送参考金额"
    referral = active_referral(filing)
    if referral is not None:
        label = referral.number or "草稿"
        return f"本案已有涉嫌犯罪案件移送（{label}，{referral.state_title}），请在移送页面办理"
    return ""


class ReferAction(Action):
    """“移送公安机关”: opens the referral's draft form with the filing's case filled in."""

    def view(self, context, request):
        reason = self.refusal(context, request)
        if reason:
            request.session.flash(reason, "error")
            return HTTPFound(location=request.resource_url(context))
        tenant = context.__parent__
        return HTTPFound(
            location=request.resource_url(tenant, "@@new-referral", query={"filing": context.__name__})
        )


def no_referral_refusal(filing, request):
    if status(filing, request.root) != FLAGGED:
        return "只有提示以罚代刑风险、尚未移送的处罚决定需要记录不移送理由"
    return ""


class NoReferralSchema(CSRFSchema):
    reason = text_node(
        "不移送的理由",
        3000,
        textarea=True,
        description="例如：经审查，涉案金额未达到刑事立案追诉标准，不涉嫌犯罪",
        missing_msg="请填写不移送公安机关的理由",
    )


def record_no_referral(filing, request, data):
    """The unit's principal records why the case is not referred; the flag is taken down."""
    from ..people import display_name

    if no_referral_refusal(filing, request):
        raise WorkflowError(no_referral_refusal(filing, request))
    filing.no_referral = PersistentMapping(
        reason=data["reason"],
        at=now(),
        login=request.login,
        name=display_name(request.user) if request.user else request.login,
    )
    record(filing, request, "no_referral", "记录不移送理由", data["reason"])
    return "已记录不移送公安机关的理由，以罚代刑提示已解除"


REFER = ReferAction(
    "refer_crime", "移送公安机关（涉嫌犯罪）", schema=(), allowed=refer_refusal, primary=False
)
NO_REFERRAL = Action(
    "no_referral",
    "记录不移送理由",
    act=record_no_referral,
    schema=NoReferralSchema(),
    allowed=no_referral_refusal,
    heading="记录不移送公安机关的理由",
    intro=(
        "本处罚决定标记为涉嫌犯罪，或罚款金额超过移送参考金额，但尚未移送公安机关。"
        "经审查不需要移送的，由本单位负责人记录理由；记录后以罚代刑提示解除，区司法局可以看到理由。"
        "涉嫌犯罪的，应当移送公安机关，不得以行政处罚代替移送。"
    ),
    primary=False,
)


def filing_panel(filing, request):
    """The filing page's 两法衔接 panel: why it looks like a crime, and what became of it."""
    root = request.root
    reasons = suspicions(filing, root)
    referrals = [
        {
            "title": referral.title,
            "number": referral.number or "草稿",
            "state": referral.state_title,
            "url": request.resource_url(referral) if request.permits(referral, "view") else "",
        }
        for referral in referrals_of(filing)
    ]
    if not reasons and not referrals:
        return ""
    return render(
        "templates/filing_panel.pt",
        {
            "reasons": reasons,
            "status": status(filing, root),
            "referrals": referrals,
            "no_referral": getattr(filing, "no_referral", None),
            "fmt": fmt,
        },
        request=request,
    )


#: This package's actions on a penalty filing's page.
FILING_ACTIONS = (REFER, NO_REFERRAL)


def add_filing_action(config, flow, action):
    """The view of an action of this package on the filings' page (the page lists it through
    :func:`add_filing_panel`; the flow's own actions stay as the flow declared them)."""
    config.add_view(
        action.view,
        context=flow.item_class,
        name=action.name,
        renderer=action.form_template,
        permission=action.permission,
        require_csrf=True,
        **({} if action.is_form else {"request_method": "POST"}),
    )


def add_filing_panel(flow):
    """The filing page's values, with this package's panel (``referral_panel``) and its actions
    after the flow's own, added once."""
    original = flow.page_values
    if getattr(original, "adds_referral_panel", False):
        return

    def page_values(filing, request):
        values = dict(original(filing, request)) if original is not None else {}
        values["referral_panel"] = filing_panel(filing, request)
        offered = values.get("actions") or flow.offered_actions(filing, request)
        values["actions"] = [*offered, *(a for a in FILING_ACTIONS if a.offered(filing, request))]
        return values

    page_values.adds_referral_panel = True
    flow.page_values = page_values


# The unit's dashboard and the supervisors' page --------------------------------------------------


def today():
    return now().date()


def flag_row(request, filing, today_):
    decided = filing.decision_date
    return {
        "title": filing.title,
        "url": request.resource_url(filing),
        "unit": filing.owner_title,
        "decision_number": filing.decision_number,
        "decision_date": fmt(decided),
        "days": (today_ - decided).days if decided else None,
        "reasons": suspicions(filing, request.root),
        "state": filing.state_title,
        "no_referral": getattr(filing, "no_referral", None),
    }


def visible_filings(request, pairs):
    """The filings of ``pairs`` the person may see (a supervisor: those sent)."""
    found = []
    for unit, name in pairs:
        filing = filing_at(request.root, unit, name)
        if filing is not None and request.permits(filing, "view"):
            found.append(filing)
    return found


def dashboard_panel(request):
    """以罚代刑提示 on the unit's own dashboard: its flagged filings, oldest decision first."""
    unit = request.acting_unit
    if request.login is None or unit is None or unit not in request.root["tenants"]:
        return None
    filings = visible_filings(request, watched(request.root, unit))
    if not filings:
        return None
    day = today()
    rows = sorted((flag_row(request, f, day) for f in filings), key=lambda row: -(row["days"] or 0))
    html = render("templates/dashboard_panel.pt", {"rows": rows}, request=request)
    return {"id": "panel-referral-flags", "title": f"以罚代刑提示（{len(rows)}）", "html": html}


def grouped(rows):
    groups = {}
    for row in rows:
        groups.setdefault(row["unit"], []).append(row)
    return sorted(groups.items())


@portal_view(
    context="substanced.interfaces.IRoot",
    name="referral-flags",
    renderer="templates/flags.pt",
    permission="view:referral_flags",
)
def flags_page(context, request):
    """The supervisors' page: flagged filings by unit, with how long, and the reasons recorded."""
    day = today()
    flagged = [flag_row(request, f, day) for f in visible_filings(request, watched(context))]
    flagged.sort(key=lambda row: -(row["days"] or 0))
    reasons = [flag_row(request, f, day) for f in visible_filings(request, watched(context, wanted=REASON))]
    reasons.sort(key=lambda row: row["no_referral"]["at"], reverse=True)
    return {
        "groups": grouped(flagged),
        "count": len(flagged),
        "reasons": reasons,
        "thresholds": sorted(thresholds(context).items()),
        "can_manage": request.permits(context, "manage:referral_thresholds"),
        "fmt": fmt,
    }


def flags_link(request):
    if request.login is None or not request.permits(request.root, "view:referral_flags"):
        return None
    return request.application_url + "/@@referral-flags"


# The portal admin's amounts ---------------------------------------------------------------------


def positive(node, value):
    """More than nothing (what is not an amount at all the pattern refuses)."""
    try:
        amount = decimal.Decimal(value)
    except decimal.InvalidOperation:
        return
    if amount.is_finite() and amount <= 0:
        raise colander.Invalid(node, "移送参考金额应大于 0")


class ThresholdSchema(CSRFSchema):
    matter = text_node(
        "事项关键词",
        50,
        description="处罚依据或案件名称中的关键词，例如：食品安全法、产品质量法、无证经营",
        missing_msg="请填写事项关键词",
    )
    amount = text_node(
        "移送参考金额（元）",
        16,
        validator=colander.All(colander.Regex(AMOUNT, "请填写金额（元），例如 50000 或 50000.50"), positive),
        description="该类案件罚款超过此金额、又未移送公安机关的，提示以罚代刑风险",
        missing_msg="请填写移送参考金额",
    )


class ThresholdsView:
    """``@@referral-thresholds``: the portal admin's amounts per matter."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    def form(self):
        schema = ThresholdSchema().bind(request=self.request)
        return PortalForm(schema, formid="threshold-form", buttons=(deform.Button("add_threshold", "保存"),))

    def page(self, form=None, error=""):
        return {
            "rows": sorted(thresholds(self.context).items()),
            "form": form or self.form().render(),
            "error": error,
            "watching": len(watched(self.context)),
        }

    def back(self, message):
        self.request.session.flash(message)
        return HTTPFound(location=self.request.application_url + "/@@referral-thresholds")

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="referral-thresholds",
        renderer="templates/thresholds.pt",
        permission="manage:referral_thresholds",
    )
    def show(self):
        return self.page()

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="referral-thresholds",
        renderer="templates/thresholds.pt",
        permission="manage:referral_thresholds",
        request_method="POST",
        request_param="add_threshold",
    )
    def add(self):
        from ..flows import FORM_ERROR

        try:
            data = self.form().validate(self.request.POST.items())
        except deform.ValidationFailure as failure:
            return self.page(failure.render(), FORM_ERROR)
        set_threshold(self.context, data["matter"], data["amount"])
        refresh_all(self.context)
        amount = decimal.Decimal(data["amount"])
        return self.back(f"已保存：“{data['matter']}”类案件，罚款超过 {amount:,.2f} 元提示以罚代刑风险")

    @portal_view(
        context="substanced.interfaces.IRoot",
        name="referral-thresholds",
        permission="manage:referral_thresholds",
        request_method="POST",
        request_param="remove",
    )
    def remove(self):
        matter = self.request.POST["remove"][:100]
        if not remove_threshold(self.context, matter):
            self.request.session.flash(f"没有“{matter}”的移送参考金额，无需删除", "error")
            return HTTPFound(location=self.request.application_url + "/@@referral-thresholds")
        refresh_all(self.context)
        return self.back(f"已删除“{matter}”的移送参考金额")


def thresholds_link(request):
    if request.login is None or not request.permits(request.root, "manage:referral_thresholds"):
        return None
    return request.application_url + "/@@referral-thresholds"


MEASURES = (
    Measure(
        "referrals.flagged",
        "以罚代刑提示",
        "两法衔接",
        "",
        "标记涉嫌犯罪或罚款超过移送参考金额，既未移送公安机关、也未记录不移送理由的处罚决定备案（按首次报送月份）",
    ),
    Measure(
        "referrals.no_referral",
        "记录不移送理由",
        "两法衔接",
        "",
        "提示以罚代刑风险后，由负责人记录不移送理由的处罚决定备案（按记录月份）",
    ),
)


def flag_figures(filing):
    """What a penalty filing counts in the 两法衔接 figures (portal.supervision), once submitted."""
    if filing.submitted_date is None:
        return
    if getattr(filing, "referral_status", "") == FLAGGED:
        yield "referrals.flagged", filing.owner, filing.submitted_date
    no_referral = getattr(filing, "no_referral", None)
    if no_referral is not None:
        yield "referrals.no_referral", filing.owner, no_referral["at"]


def include_flags(config):
    from ..filings.flow import FILINGS

    config.add_figures(PenaltyFiling.item_type, MEASURES, flag_figures)

    for action in FILING_ACTIONS:
        add_filing_action(config, FILINGS, action)
    add_filing_panel(FILINGS)
    config.add_subscriber(on_recorded, ItemRecorded)
    config.add_dashboard_panel(15, dashboard_panel)
    config.add_nav_link(56, "以罚代刑监督", flags_link)
    config.add_nav_link(905, "移送金额标准", thresholds_link)
    config.add_evolution_step(watch_existing_filings, name="portal.referrals.watch_filings")
    config.add_evolution_step(watch_existing_filings, name="portal.referrals.flag_status_on_filings")
