"""Document numbers (发文字号, GB/T 9704-2012 §7.2.5): 机关代字〔year〕sequence号, e.g. 鱼山镇备〔2026〕12号.

Each unit keeps one counter per (code, year). A number is taken in a short transaction of its own,
committed before the request goes on: two people of one unit filing at once wait a few milliseconds
for each other there, instead of colliding at the end of their whole requests and doing them again.
A request that is run again after a conflict (pyramid_retry) gets the numbers it took the first
time, so a retry leaves no gap; a number is lost only when a request fails for good after taking
it. Numbers are never reused: a withdrawn item keeps its number.
"""

import contextlib
import logging
import re
import threading
import time

import transaction
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.threadlocal import get_current_request
from ZODB.POSException import ConflictError

log = logging.getLogger(__name__)

NUMBER = re.compile(r"^(?P<code>[\u4e00-\u9fa5]+)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")
#: The request environ key under which the numbers a request took are kept across its retries.
TAKEN = "portal.numbers.taken"
#: Set (per thread) while numbers are counted in the caller's own transaction.
_single_writer = threading.local()


class Counter(Persistent):
    def __init__(self):
        self.value = 0


def format_number(code, year, sequence):
    return f"{code}〔{year}〕{sequence}号"


def parse_number(text):
    """``(code, year, sequence)`` of a document number, or None if it is not one."""
    match = NUMBER.match(text.strip())
    if match is None:
        return None
    return match["code"], int(match["year"]), int(match["seq"])


def increment(tenant, code, year):
    """Add one to the tenant's counter for (code, year), in whatever transaction ``tenant`` is in."""
    counters = getattr(tenant, "number_counters", None)
    if counters is None:
        counters = tenant.number_counters = OOBTree()
    key = (code, year)
    counter = counters.get(key)
    if counter is None:
        counter = counters[key] = Counter()
    counter.value += 1
    return counter.value


def take_in_own_transaction(tenant, code, year, attempts=20):
    """Increment the counter in a new connection's transaction, committed at once."""
    db = tenant._p_jar.db()
    for attempt in range(attempts):
        tm = transaction.TransactionManager()
        conn = db.open(transaction_manager=tm)
        try:
            tm.begin()
            value = increment(conn.get(tenant._p_oid), code, year)
            tm.get().note(f"portal: number {code} {year}")
            tm.commit()
            return value
        except ConflictError:
            tm.abort()
            if attempt == attempts - 1:
                raise
            log.info("conflict retry: number counter %s %s", code, year)
            time.sleep(0.002 * (attempt + 1))
        finally:
            conn.close()


@contextlib.contextmanager
def counted_in_transaction():
    """Count numbers in the caller's own transaction, for a script that is the site's only writer
    (``portal-populate``): nobody can take a number meanwhile, and the numbers are committed (or
    aborted) with the items that bear them, instead of a transaction, and its sync to disk, each."""
    previous = getattr(_single_writer, "on", False)
    _single_writer.on = True
    try:
        yield
    finally:
        _single_writer.on = previous


def next_number(tenant, code, year):
    """Take the next number of ``tenant`` for a document code (e.g. "鱼山镇备") and year."""
    if tenant._p_jar is None or tenant._p_oid is None or getattr(_single_writer, "on", False):
        # A unit not stored yet (being created in this very transaction): count in place.
        return format_number(code, year, increment(tenant, code, year))
    request = get_current_request()
    if request is None:
        return format_number(code, year, take_in_own_transaction(tenant, code, year))
    # The n-th number this request asks for is the same in every run of the request.
    asked = request.__dict__.setdefault("_portal_numbers_asked", [])
    key = (tenant._p_oid, code, year, len(asked))
    asked.append(key)
    taken = request.environ.setdefault(TAKEN, {})
    if key not in taken:
        taken[key] = take_in_own_transaction(tenant, code, year)
    return format_number(code, year, taken[key])
