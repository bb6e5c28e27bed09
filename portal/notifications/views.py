"""``/notifications``: the person's inbox; mark one or all notifications read."""

from pyramid.httpexceptions import HTTPFound

from ..views import portal_view
from ..views.paging import KEY_MAX, int_param
from . import PAGE_SIZE, inbox_of, shown


def _inbox_url(request):
    return request.application_url + "/notifications"


@portal_view(
    context="substanced.interfaces.IRoot",
    name="notifications",
    renderer="templates/notifications.pt",
    permission="view",
)
def inbox(context, request):
    """The newest notifications first, a page at a time (``?before=<key>`` for older ones)."""
    box = inbox_of(context, request.login)
    before = int_param(request, "before", 0, KEY_MAX, "“更早的通知”链接的参数不正确，请从通知页面的链接进入")
    entries = box.latest(PAGE_SIZE + 1, before) if box is not None else []
    older = entries[PAGE_SIZE][0] + 1 if len(entries) > PAGE_SIZE else None
    # Each line passes the item's own decision now, not only when it was sent.
    entries = [(key, note, shown(request, note)) for key, note in entries[:PAGE_SIZE]]
    return {
        "entries": entries[:PAGE_SIZE],
        "unread": box.unread_count() if box is not None else 0,
        "older": older,
        "action": _inbox_url(request),
    }


@portal_view(
    context="substanced.interfaces.IRoot",
    name="notifications",
    request_method="POST",
    request_param="read",
    permission="view",
)
def mark_read(context, request):
    box = inbox_of(context, request.login)
    try:
        key = int(request.POST["read"])
    except ValueError:
        key = None
    if box is not None and key is not None and box.mark_read(key):
        request.session.flash("已标为已读")
    return HTTPFound(location=_inbox_url(request))


@portal_view(
    context="substanced.interfaces.IRoot",
    name="notifications",
    request_method="POST",
    request_param="read_all",
    permission="view",
)
def mark_all_read(context, request):
    box = inbox_of(context, request.login)
    count = box.mark_all_read() if box is not None else 0
    request.session.flash(f"已将 {count} 条通知标为已读")
    return HTTPFound(location=_inbox_url(request))
