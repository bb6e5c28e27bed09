"""Views every item type shares: attachment downloads and the history panel."""

from pyramid.response import FileIter, Response

from ..views import portal_view
from . import Attachment


@portal_view(context=Attachment, permission="view")
@portal_view(context=Attachment, name="download", permission="view")
def download(context, request):
    """The file, to whoever may see its item (the same Casbin decision as the item's page)."""
    f = context.blob.open("r")
    response = Response(app_iter=FileIter(f), content_type=context.mimetype, content_length=context.size)
    response.content_disposition = "attachment; filename*=UTF-8''" + _quote(context.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(filename):
    from urllib.parse import quote

    return quote(filename, safe="")
