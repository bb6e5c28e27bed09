"""The export pages: ask for a file (POST), watch it being made, download it.

What can be exported (:data:`EXPORTS`) and how each file is made; the jobs themselves are
:mod:`.exports`'s. Every export of the district's figures passes the overview's decision
(``view:supervision``) when asked for, at every look at its progress and at the download.
"""

import datetime
from urllib.parse import quote, urlencode

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.response import FileResponse
from substanced.util import get_oid

from ..calendar import SHANGHAI
from ..items import Entry, now
from ..items.numbering import next_number
from ..views import portal_view
from ..views.paging import BadParameter, text_param
from .exports import DOCX, PER_PERSON, XLSX, new_job, start, store_of
from .overview import build
from .periods import PeriodError, parse_period
from .report import organ_name, report_document
from .scoring import score_all
from .workbook import overview_workbook, ranking_workbook

#: The overview's decision: every district export passes it.
PERMISSION = "view:supervision"
#: Taking a 发文字号 issues a document in the 区司法局's name: the standard's editors only.
ISSUE_PERMISSION = "manage:supervision"
#: The kind of unit whose 发文字号 a report takes (the 区司法局).
SUPERVISOR_KIND = "supervisor"


def build_overview(root, registry, job, progress):
    period = parse_period(job.params)
    moment = now()
    overview = build(root, registry, period, moment)
    total = len(overview.rows) + 2
    progress(1, total, "写入表格")
    return overview_workbook(overview, registry, moment, lambda done, _: progress(1 + done, total))


def build_ranking(root, registry, job, progress):
    period = parse_period(job.params)
    ranking = score_all(root, registry, period)
    total = len(ranking) + 2
    progress(1, total, "写入表格")
    return ranking_workbook(ranking, lambda done, _: progress(1 + done, total))


def build_report(root, registry, job, progress):
    period = parse_period(job.params)
    moment = now()
    progress(0, 5, "统计数字")
    ranking = score_all(root, registry, period, moment=moment)
    overview = build(root, registry, period, moment)
    progress(1, 5, "撰写通报")
    organ = job.extra.get("organ") or "区司法局"
    return report_document(
        ranking, overview, organ, job.extra["number"], moment.date(), lambda done, _: progress(1 + done, 5)
    )


#: kind -> (what, content type, suffix, build)
EXPORTS = {
    "overview": ("督查总览", XLSX, ".xlsx", build_overview),
    "ranking": ("考核评分排名", XLSX, ".xlsx", build_ranking),
    "report": ("考核情况通报", DOCX, ".docx", build_report),
}


def supervising_unit(root, request):
    """The 区司法局: the acting unit if it supervises, else the first unit that does."""
    tenants = root["tenants"]
    acting = tenants.get(request.acting_unit or "")
    if acting is not None and SUPERVISOR_KIND in acting.kinds:
        return acting
    for tenant in tenants.values():
        if SUPERVISOR_KIND in tenant.kinds:
            return tenant
    return None


def report_number(request, root, year, issue):
    """``(organ, 发文字号)``: a number taken from the 区司法局's counter for 〔doc_code〕发 when the
    report is issued (正式印发), else the number's form with the sequence left blank for the office."""
    unit = supervising_unit(root, request)
    organ = organ_name(unit) if unit is not None else "区司法局"
    code = (unit.doc_code if unit is not None and unit.doc_code else "昌司") + "发"
    if not issue:
        return organ, f"{code}〔{year}〕　号"
    if unit is None:
        raise BadParameter("没有执法监督机关（区司法局），无法取得发文字号")
    return organ, next_number(unit, code, year)


def audit_issue(request, root, number, title):
    from ..people import display_name

    trail = getattr(root, "audit_trail", None)
    if trail is None:
        return
    tenant = root["tenants"].get(request.acting_unit or "")
    entry = Entry(
        "issue_report",
        f"印发{title}（{number}）",
        request.login,
        display_name(request.user),
        request.acting_unit or "",
        tenant.title if tenant is not None else "系统管理",
        details={"number": number},
    )
    trail.append(get_oid(root, None), entry)


def job_url(request, view, job):
    return f"{request.application_url}/@@{view}?" + urlencode({"job": job.id})


@portal_view(
    context="substanced.interfaces.IRoot",
    name="supervision-export",
    request_method="POST",
    permission="view",
)
def ask_for_export(context, request):
    """Start an export for the person asking and send them to its progress page."""
    kind = (request.POST.get("kind") or "").strip()[:20]
    if kind not in EXPORTS:
        raise BadParameter("导出类别应为督查总览（overview）、考核排名（ranking）或考核情况通报（report）")
    if not request.permits(context, PERMISSION):
        raise HTTPForbidden()
    try:
        period = parse_period(request.POST)
    except PeriodError as error:
        raise BadParameter(str(error)) from None
    store = store_of(request.registry)
    if len(store.unfinished_of(request.login)) >= PER_PERSON:
        request.session.flash(f"您已有 {PER_PERSON} 个导出正在生成，请等其完成后再导出", "error")
        back = "@@scorecards" if kind != "overview" else "@@supervision"
        return HTTPSeeOther(location=f"{request.application_url}/{back}?" + urlencode(period.query()))
    what, content_type, suffix, _ = EXPORTS[kind]
    extra = {}
    title = f"{period.title}{what}"
    if kind == "report":
        issue = bool(request.POST.get("issue"))
        if issue and not request.permits(context, ISSUE_PERMISSION):
            raise HTTPForbidden()
        extra["organ"], extra["number"] = report_number(request, context, now().year, issue)
        if issue:
            audit_issue(request, context, extra["number"], title)
    job = new_job(
        request,
        kind,
        title,
        PERMISSION,
        period.query(),
        f"{title}-{now():%Y%m%d%H%M}{suffix}",
        content_type,
        extra,
    )
    start(request, job, EXPORTS[kind][3])
    return HTTPSeeOther(location=job_url(request, "supervision-export", job))


def own_job(context, request):
    """The job named by ``job=``, if it is the person's and they still pass its page's decision."""
    store = store_of(request.registry)
    job = store.load(text_param(request, "job", 64, "导出编号"))
    if job is None:
        raise BadParameter("没有这份导出文件：编号有误，或文件已过保留期限被删除，请重新导出")
    if job.login != request.login or not request.permits(context, job.permission):
        raise HTTPForbidden()
    return store, job


def status_of(request, job):
    return {
        "status": job.status,
        "status_title": job.status_title,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "step": job.step,
        "error": job.error,
        "download": job_url(request, "supervision-export-download", job) if job.status == "done" else None,
    }


@portal_view(
    context="substanced.interfaces.IRoot",
    name="supervision-export",
    renderer="templates/export.pt",
    permission="view",
)
def export_page(context, request):
    """The progress of one export; ``static/exports.js`` asks its status until it is done."""
    _, job = own_job(context, request)
    return {
        "job": job,
        "state": status_of(request, job),
        "status_url": job_url(request, "supervision-export-status", job),
        "kept_until": f"{datetime.datetime.fromtimestamp(job.expires, SHANGHAI):%Y-%m-%d %H:%M}",
        "back": request.application_url
        + ("/@@supervision?" if job.kind == "overview" else "/@@scorecards?")
        + urlencode(job.params),
    }


@portal_view(
    context="substanced.interfaces.IRoot",
    name="supervision-export-status",
    renderer="json",
    permission="view",
)
def export_status(context, request):
    """The export's progress as JSON (no caching: it changes every moment)."""
    _, job = own_job(context, request)
    request.response.headers["Cache-Control"] = "no-store"
    return status_of(request, job)


@portal_view(
    context="substanced.interfaces.IRoot",
    name="supervision-export-download",
    permission="view",
)
def export_download(context, request):
    """The file, to the person who asked for it while they may still open the page it exports."""
    store, job = own_job(context, request)
    if job.status != "done":
        raise BadParameter("文件尚未生成完成，请在导出页面等待完成后再下载")
    path = store.file_path(job)
    if not path.exists():
        raise BadParameter("没有这份导出文件：文件已过保留期限被删除，请重新导出")
    response = FileResponse(str(path), request=request, content_type=job.content_type)
    response.content_disposition = "attachment; filename*=UTF-8''" + quote(job.filename, safe="")
    response.headers["Cache-Control"] = "private, no-store"
    return response
