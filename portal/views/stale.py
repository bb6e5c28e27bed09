"""A stale form: the page was opened under another session token than the one it is posted with
(the person logged in again in another tab, or logged out and in). Pyramid refuses the POST before
the view runs (``require_csrf``); here the refusal becomes the same form again, with what the person
typed, a fresh token and a Chinese message, and nothing is done.

Nothing posted is acted upon: the view is called again as a GET (which only shows pages), and the
:class:`~portal.views.forms.PortalForm` whose ``formid`` was posted shows the posted values instead
of its defaults (``request.stale_post``). When no page can show that form again (the person may no
longer open it, or it was not a deform form), the page lists the texts the person typed so they
can copy them. A POST from another site (its ``Origin``) is shown nothing of what it posted: a
forged form must not come back prefilled for the person to submit.
"""

import logging
from urllib.parse import urlsplit

from pyramid.exceptions import BadCSRFToken, PredicateMismatch
from pyramid.httpexceptions import HTTPException
from pyramid.view import render_view_to_response, view_config

log = logging.getLogger(__name__)

#: Posted names that are not a person's words.
NOT_TYPED = {"csrf_token", "__formid__", "__start__", "__end__", "_charset_", "came_from"}


def form_again(request, posted):
    """The page of the posted form showing the posted values, or None."""
    formid = posted.get("__formid__", "")
    # Nothing done now may last, whatever a view does (pyramid_tm aborts after an exception view).
    request.tm.doom()
    # A GET without a body: WebOb would otherwise hand out the POST it already parsed.
    environ = request.environ
    environ.pop("webob._parsed_post_vars", None)
    environ["REQUEST_METHOD"] = "GET"
    environ.pop("CONTENT_TYPE", None)
    request.body = b""
    if request.POST:
        return None  # never let the stale POST reach a view
    request.stale_post = posted
    for name in dict.fromkeys((request.view_name, "")):
        try:
            response = render_view_to_response(request.context, request, name=name)
        except (HTTPException, PredicateMismatch):
            response = None  # refused, redirected, or no GET view of that name
        except Exception:
            log.exception("showing a stale form again failed; the texts are listed instead")
            response = None
        if response is not None and response.status_int == 200 and f'id="{formid}"' in response.text:
            return response
    return None


def from_this_site(request):
    """Whether the POST came from one of the portal's own pages (browsers send ``Origin`` with
    every cross-site POST; without it, the ``Referer``; a client sending neither is believed)."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return not source
    parts = urlsplit(source)
    own = urlsplit(request.application_url)
    return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)


def typed_texts(posted):
    """``[(name, text)]`` of what the person typed (not tokens, markers, buttons or files)."""
    return [
        (name, value)
        for name, value in posted.items()
        if name not in NOT_TYPED and isinstance(value, str) and value.strip() and len(value) > 1
    ]


@view_config(context=BadCSRFToken, renderer="templates/stale.pt")
def stale(exc, request):
    if request.matched_route is not None:
        return exc  # the back office's own pages answer as Substance D does
    posted = request.POST.copy() if request.method == "POST" else None
    if posted is not None and not from_this_site(request):
        # Another site's form: its values are not the person's words, and never prefill a form.
        posted = None
    if posted is not None and "__formid__" in posted:
        response = form_again(request, posted)
        if response is not None:
            response.status = 400
            return response
    request.response.status = 400
    return {"texts": typed_texts(posted) if posted is not None else [], "back_url": request.url}
