"""Security headers on every response: a Content-Security-Policy, no framing, no MIME sniffing;
and a bound on the size of a request's body (413 with a Chinese page, before anything reads it).

The portal's pages load scripts and styles only from the site itself (``'self'``): no inline
``<script>``, no ``on…=`` attributes, no ``style=`` attributes (their behaviour lives in
``static/portal.js`` and ``static/portal.css``). deform widgets that print inline scripts are either
unused or overridden in ``portal/views/deform_templates`` (the file upload).

Substance D's back office (``/manage``) is its own application with inline scripts and styles on
every page; it gets a looser policy (``'unsafe-inline'`` and ``'unsafe-eval'`` for scripts and
styles), still limited to the site's own origin and never framed. Only portal admins reach it.
"""

from pyramid.tweens import INGRESS

#: The portal's pages.
PORTAL_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

#: Substance D's back office: its pages carry inline scripts, styles and event handlers.
MANAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


#: The largest request body accepted (``portal.request_max_mb``): several uploads and a form.
DEFAULT_REQUEST_MAX_MB = 100

TOO_LARGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"/><title>提交的内容过大</title>
<link rel="stylesheet" href="{static}/portal.css"/></head>
<body><main class="container portal-main"><h1>提交的内容过大</h1>
<p>本次提交超过 {limit} MB，未保存。请减少一次上传的文件，或分几次上传；表单中的文字也请删减后再提交。</p>
<p>请使用浏览器的“后退”返回表单（已填写的文字通常仍在）。</p>
<p><a href="{home}/">返回工作台</a></p></main></body></html>
"""


def is_manage_path(path, prefix="/manage"):
    return path == prefix or path.startswith(prefix + "/")


def security_headers_tween_factory(handler, registry):
    prefix = registry.settings.get("substanced.manage_prefix", "/manage")
    limit_mb = float(registry.settings.get("portal.request_max_mb", DEFAULT_REQUEST_MAX_MB))

    def security_headers_tween(request):
        if (request.content_length or 0) > limit_mb * 1024 * 1024:
            response = too_large(request, limit_mb)
        else:
            response = handler(request)
        headers = response.headers
        for name, value in COMMON.items():
            headers.setdefault(name, value)
        if "Content-Security-Policy" not in headers:
            manage = is_manage_path(request.path_info, prefix)
            headers["Content-Security-Policy"] = MANAGE_POLICY if manage else PORTAL_POLICY
        return response

    return security_headers_tween


def too_large(request, limit_mb):
    """413 before anything reads the body (the portal's page frame needs the database: a plain page)."""
    from pyramid.response import Response

    home = request.application_url
    body = TOO_LARGE.format(limit=f"{limit_mb:g}", static=home + "/static", home=home)
    return Response(body, status=413, content_type="text/html", charset="utf-8")


def includeme(config):
    # Outermost: also the responses of exception views, of static files and of refused requests.
    config.add_tween("portal.views.headers.security_headers_tween_factory", under=INGRESS)
