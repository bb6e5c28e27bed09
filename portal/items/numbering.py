"""Document numbers (发文字号, GB/T 9704-2012 §7.2.5): 机关代字〔year〕sequence号, e.g. 鱼山镇备〔2026〕12号.

Each unit keeps one counter per (code, year). A counter is a plain persistent integer on purpose:
two requests taking the next number at once conflict, and pyramid_retry runs the loser again, so a
number is never given twice (a conflict-resolving counter would merge both and repeat one).
Numbers are never reused: a withdrawn item keeps its number.
"""

import re

from BTrees.OOBTree import OOBTree
from persistent import Persistent

NUMBER = re.compile(r"^(?P<code>[\u4e00-\u9fa5]+)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


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


def next_number(tenant, code, year):
    """Take the next number of ``tenant`` for a document code (e.g. "鱼山镇备") and year."""
    counters = getattr(tenant, "number_counters", None)
    if counters is None:
        counters = tenant.number_counters = OOBTree()
    key = (code, year)
    counter = counters.get(key)
    if counter is None:
        counter = counters[key] = Counter()
    counter.value += 1
    return format_number(code, year, counter.value)
