"""Pages of a catalog result: the library's and the regulations' listings show 20 at a time."""

import itertools
import math

PAGE_SIZE = 20


class Page:
    """One page of a lazy, sorted result set, with what the page links need."""

    def __init__(self, count, resultset, number, size=PAGE_SIZE):
        self.count = count
        self.size = size
        self.pages = max(1, math.ceil(count / size))
        self.number = min(max(1, number), self.pages)
        start = (self.number - 1) * size
        self.items = [] if resultset is None else list(itertools.islice(resultset.all(), start, start + size))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages


def page_number(request):
    """The ``page`` parameter, 1 when missing or not a number."""
    try:
        return int(request.params.get("page", "1"))
    except ValueError:
        return 1
