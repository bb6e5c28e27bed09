"""Security headers on every response: a Content-Security-Policy, no framing, no MIME sniffing.

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


def is_manage_path(path, prefix="/manage"):
    return path == prefix or path.startswith(prefix + "/")


def security_headers_tween_factory(handler, registry):
    prefix = registry.settings.get("substanced.manage_prefix", "/manage")

    def security_headers_tween(request):
        response = handler(request)
        headers = response.headers
        for name, value in COMMON.items():
            headers.setdefault(name, value)
        if "Content-Security-Policy" not in headers:
            manage = is_manage_path(request.path_info, prefix)
            headers["Content-Security-Policy"] = MANAGE_POLICY if manage else PORTAL_POLICY
        return response

    return security_headers_tween


def includeme(config):
    # Outermost: also the responses of exception views, of static files and of refused requests.
    config.add_tween("portal.views.headers.security_headers_tween_factory", under=INGRESS)
