"""The query-string parameters of every listing, read one way: a page number, a key, a text.

A parameter a person could not have produced by following the portal's links (``page=-1``,
``page=abc``, ``page=99999999999999999999``, a NUL or bytes that are not UTF-8) is answered with
400 and a Chinese page saying which parameter is wrong (:class:`BadParameter`), never a 500. A
page number past the last page shows the last page.

One page of a lazy catalog result is a :class:`Page`.
"""

import itertools
import math
import re

from pyramid.httpexceptions import HTTPBadRequest
from pyramid.view import view_config

PAGE_SIZE = 20
#: No listing has more pages than this (2,000,000 items at 20 a page).
PAGE_MAX = 100_000
#: A key of the notifications inbox: microseconds since 1970, a 64-bit integer.
KEY_MAX = 2**63 - 1
TEXT_MAX = 200

_DIGITS = re.compile(r"^[0-9]{1,19}$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class BadParameter(HTTPBadRequest):
    """A parameter of the URL no link of the portal produces; its ``message`` is Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _get(request, name):
    try:
        return request.GET.get(name)
    except UnicodeDecodeError:
        raise BadParameter("链接中的参数含有无法识别的字符（不是 UTF-8 编码的文字）") from None


def int_param(request, name, minimum, maximum, message):
    """The integer parameter ``name``, or None when absent or empty; 400 when it is not one in range."""
    raw = _get(request, name)
    if raw is None or raw.strip() == "":
        return None
    raw = raw.strip()
    if not _DIGITS.match(raw) or not minimum <= int(raw) <= maximum:
        raise BadParameter(message)
    return int(raw)


def page_number(request, name="page"):
    """The page asked for (1 when absent); 400 unless a whole number from 1 to :data:`PAGE_MAX`."""
    number = int_param(request, name, 1, PAGE_MAX, f"页码应为 1 到 {PAGE_MAX} 之间的整数")
    return 1 if number is None else number


def text_param(request, name, max_length=TEXT_MAX, what="参数"):
    """The text parameter ``name`` with surrounding blanks removed ("" when absent), at most
    ``max_length`` characters kept; 400 when it holds control characters or bytes not UTF-8."""
    raw = _get(request, name)
    if raw is None:
        return ""
    if _CONTROL.search(raw.replace("\t", " ")):
        raise BadParameter(f"{what}中不能含有控制字符（如 NUL）")
    return raw.strip()[:max_length]


class Page:
    """One page of a lazy, sorted result set, with what the page links need.

    ``number`` beyond the last page shows the last page.
    """

    def __init__(self, count, resultset, number, size=PAGE_SIZE):
        self.count = count
        self.size = size
        self.pages = max(1, math.ceil(count / size))
        self.number = min(max(1, number), self.pages)
        start = (self.number - 1) * size
        self.items = []
        if resultset is not None:
            # Only the page's objects are loaded: the ids before it are skipped, not resolved.
            ids = itertools.islice(resultset.ids, start, start + size)
            self.items = [item for item in map(resultset.resolver, ids) if item is not None]

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages


@view_config(context=BadParameter, renderer="templates/bad_request.pt")
def bad_parameter(exc, request):
    request.response.status = 400
    return {"message": exc.message}


@view_config(context=UnicodeDecodeError, renderer="templates/bad_request.pt")
def undecodable(exc, request):
    """Bytes in the URL or a form that are not UTF-8 text (``?q=%ff``): WebOb cannot decode them."""
    request.response.status = 400
    return {"message": "请求中含有无法识别的字符（不是 UTF-8 编码的文字），请检查链接或重新填写"}
