"""The audit trail's hash chain: what each link hashes, and checking the chain, a part at a time.

Every entry of the trail is a link: ``digest = SHA-256(canonical(position, key, item oid, the
entry's fields, the previous link's digest))``, the first link's previous digest being
:data:`GENESIS`. The chain is the order in which the indexer appended the entries (their
*position*), which need not be the order of their keys (their times): two processes may append
entries of the same moment in either order. Verification walks the positions, so it is
deterministic whatever the keys.

:func:`canonical` is the one serialisation hashed, fixed here once (version 1): a JSON array in
which every value but strings, integers, floats, booleans and None is tagged with its kind
(``["datetime", "2026-11-02T09:00:00+08:00"]``, ``["dict", [[key, value], …]]``), so that no two
different entries serialise alike. The fields are :data:`FIELDS`, in that order; a field an old
entry lacks counts as None.

A :class:`Verification` checks the chain in steps of a bounded number of links, so that a page can
show its progress and no request runs long (:meth:`Verification.step`); its state is a small dict
(:meth:`Verification.state`) a session can carry between steps. It checks, in this order:

1. the chain, position by position: each link's entry still exists, is recorded at that position,
   and hashes, with the previous link's digest, to the link's digest (an entry changed, deleted or
   moved is named by its position);
2. the chain's end: the trail's head is the last link, and no link lies beyond it;
3. the trail, key by key: every entry is a link of the chain or waits to become one (an entry
   inserted beside the chain is named by its key);
4. optionally an *anchor*, a length and head digest noted down earlier (outside the database): the
   link at that position still has that digest. Whoever can write the database could rewrite the
   whole chain from a changed entry on, or cut its end; only a digest kept elsewhere reveals that.
"""

import datetime
import decimal
import hashlib
import json
import time
from collections.abc import Mapping, Sequence

from persistent import Persistent

#: The previous digest of the first link.
GENESIS = bytes(32)
#: The version of :func:`canonical`, hashed with every link.
VERSION = 1
#: The fields of an entry (``portal.items.Entry``) that are hashed, in this order.
FIELDS = (
    "action",
    "title",
    "login",
    "name",
    "unit",
    "unit_title",
    "comment",
    "state_from",
    "state_to",
    "when",
    "details",
)
#: Links checked between two looks at the clock.
CLOCK_EVERY = 256


#: Kinds JSON holds as they are.
PLAIN = frozenset({str, int, float, bool, type(None)})
#: Kinds tagged with their ISO text.
ISO = {datetime.datetime: "datetime", datetime.date: "date", datetime.time: "time"}


def tagged(value):
    """``value`` as JSON can hold it, every kind JSON does not have tagged (see the module)."""
    kind = type(value)
    if kind in PLAIN:
        return value
    if kind in ISO:
        return [ISO[kind], value.isoformat()]
    if kind is list or kind is tuple:
        return ["list", [tagged(item) for item in value]]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        return ["datetime", value.isoformat()]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, datetime.time):
        return ["time", value.isoformat()]
    if isinstance(value, decimal.Decimal):
        return ["decimal", str(value)]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    if kind is dict or isinstance(value, Mapping):
        pairs = [[tagged(key), tagged(item)] for key, item in value.items()]
        return ["dict", sorted(pairs, key=lambda pair: _json(pair[0]))]
    if isinstance(value, Sequence):
        return ["list", [tagged(item) for item in value]]
    if isinstance(value, set | frozenset):
        return ["set", sorted((tagged(item) for item in value), key=_json)]
    if isinstance(value, Persistent):
        oid = value._p_oid
        return ["persistent", type(value).__qualname__, oid.hex() if oid else None]
    return ["object", f"{type(value).__module__}.{type(value).__qualname__}", str(value)]


#: Compact JSON, characters as they are (one encoder: building one per call costs more than encoding).
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def canonical(position, key, item_oid, entry, previous):
    """The bytes hashed for the link at ``position`` (see the module)."""
    fields = [tagged(getattr(entry, name, None)) for name in FIELDS]
    record = ["portal-audit", VERSION, position, key, item_oid, previous.hex(), fields]
    return _json(record).encode("utf-8")


def link_digest(position, key, item_oid, entry, previous):
    return hashlib.sha256(canonical(position, key, item_oid, entry, previous)).digest()


def time_of_key(key):
    """The time a trail key stands for (microseconds times 1024, plus random low bits)."""
    from ..calendar import SHANGHAI

    return datetime.datetime.fromtimestamp(key // 1024 / 1_000_000, SHANGHAI)


#: What a break means, in the words of the page and the script.
REASONS = {
    "altered": "条目内容与入链时不符：入链后被改动（或其前一条的校验值被改写）",
    "missing_entry": "条目已被删除",
    "missing_link": "链上缺少这一环（链环被删除）",
    "misplaced": "条目记录的链上位置与所在位置不符（被挪动或插入）",
    "head": "链头与链上最后一环不符（链尾被截去或改写）",
    "not_chained": "条目不在链上，也不在待入链之列（入链后被插入）",
    "anchor": "与记下的链头不符：记下时已有的条目此后被改写、删除或截去",
}


class Break:
    """The first place the chain does not hold: a link's ``position`` (0 for the first) and
    ``key`` (either may be None), the time (the entry's, else its key's), ``reason`` (a key of
    :data:`REASONS`), what was ``expected`` and what was ``found``."""

    def __init__(self, reason, position=None, key=None, when=None, expected="", found="", item_oid=None):
        self.reason = reason
        self.position = position
        self.key = key
        self.when = when if when is not None or key is None else time_of_key(key)
        self.expected = expected
        self.found = found
        self.item_oid = item_oid

    @property
    def explanation(self):
        return REASONS[self.reason]

    @property
    def number(self):
        """The link's number as people count (1 for the first), or None."""
        return None if self.position is None else self.position + 1

    def state(self):
        return {
            "reason": self.reason,
            "position": self.position,
            "key": self.key,
            "when": self.when.isoformat() if self.when is not None else None,
            "expected": self.expected,
            "found": self.found,
            "item_oid": self.item_oid,
        }

    @classmethod
    def from_state(cls, state):
        when = state.get("when")
        return cls(
            state["reason"],
            state.get("position"),
            state.get("key"),
            datetime.datetime.fromisoformat(when) if when else None,
            state.get("expected", ""),
            state.get("found", ""),
            state.get("item_oid"),
        )

    def __repr__(self):
        return f"<Break {self.reason} at position {self.position}, key {self.key}>"


#: The phases of a verification, in order.
CHAIN, HEAD, ENTRIES, ANCHOR, DONE = "chain", "head", "entries", "anchor", "done"


class Verification:
    """One check of a trail's chain, in steps (see the module).

    ``target``: how many links to check (the chain's length when the check began; links added
    meanwhile are checked next time). ``anchor``: ``(length, digest hex)`` noted earlier, or None.
    """

    def __init__(self, target, anchor=None, started=None):
        self.target = target
        self.anchor = tuple(anchor) if anchor else None
        self.started = started if started is not None else time.time()
        self.phase = CHAIN
        self.position = 0
        self.after_key = None
        self.entries_seen = 0
        self.broken = None
        #: When the check ended (a timestamp), or None.
        self.ended = None

    @classmethod
    def of(cls, trail, anchor=None):
        """A check of the chain ``trail`` holds now."""
        return cls(trail.chain_length, anchor)

    @property
    def finished(self):
        return self.phase == DONE

    @property
    def checked(self):
        """How many links were checked so far."""
        return self.position

    def run(self, trail):
        """Check to the end at once (scripts and tests); returns ``(checked, broken)``."""
        while not self.finished:
            self.step(trail)
        return self.checked, self.broken

    def step(self, trail, limit=None, seconds=None):
        """Check at most ``limit`` links or entries, for about ``seconds`` at most; returns whether
        the check is finished."""
        deadline = None if seconds is None else time.monotonic() + seconds
        budget = [limit]

        def more():
            if budget[0] is not None:
                if budget[0] <= 0:
                    return False
                budget[0] -= 1
            return True

        while not self.finished and (limit is None or budget[0] > 0):
            phase = self.phase
            if phase == CHAIN:
                self._chain(trail, more, deadline)
            elif phase == HEAD:
                self._head(trail)
            elif phase == ENTRIES:
                self._entries(trail, more, deadline)
            elif phase == ANCHOR:
                self._anchor(trail)
            if deadline is not None and time.monotonic() >= deadline:
                break
        if self.finished and self.ended is None:
            self.ended = time.time()
        return self.finished

    def _fail(self, broken):
        self.broken = broken
        self.phase = DONE

    def _chain(self, trail, more, deadline):
        chain, chained, entries = trail.chain, trail.chained, trail.entries
        position = self.position
        previous = GENESIS if position == 0 else self._stored_digest(chain, position - 1)
        if previous is None:
            self._fail(Break("missing_link", position - 1))
            return
        count = 0
        while position < self.target and more():
            link = chain.get(position)
            if link is None:
                self.position = position
                self._fail(Break("missing_link", position))
                return
            key, stored = link
            pair = entries.get(key)
            if pair is None:
                self.position = position
                self._fail(Break("missing_entry", position, key, expected=f"键 {key} 的条目", found="无"))
                return
            item_oid, entry = pair
            recorded = chained.get(key)
            if recorded != position:
                self.position = position
                found = "无" if recorded is None else f"第 {recorded + 1} 条"
                self._fail(
                    Break(
                        "misplaced",
                        position,
                        key,
                        getattr(entry, "when", None),
                        expected=f"第 {position + 1} 条",
                        found=found,
                        item_oid=item_oid,
                    )
                )
                return
            digest = link_digest(position, key, item_oid, entry, previous)
            if digest != stored:
                self.position = position
                self._fail(
                    Break(
                        "altered",
                        position,
                        key,
                        getattr(entry, "when", None),
                        expected=stored.hex(),
                        found=digest.hex(),
                        item_oid=item_oid,
                    )
                )
                return
            previous = stored
            position += 1
            count += 1
            if deadline is not None and count % CLOCK_EVERY == 0 and time.monotonic() >= deadline:
                break
        self.position = position
        if position >= self.target:
            self.phase = HEAD

    @staticmethod
    def _stored_digest(chain, position):
        link = chain.get(position)
        return None if link is None else link[1]

    def _head(self, trail):
        """The head is the last link, and no link lies beyond it (links added since the check
        began included)."""
        chain, length, head = trail.chain, trail.chain_length, trail.chain_head
        if length < self.target:
            self._fail(Break("head", length, expected=f"至少 {self.target} 条", found=f"{length} 条"))
            return
        beyond = chain.maxKey() if chain else -1
        if beyond >= length:
            self._fail(
                Break(
                    "head",
                    beyond,
                    chain[beyond][0],
                    expected=f"链头是第 {length} 条",
                    found=f"第 {beyond + 1} 条在链头之后",
                )
            )
            return
        last = GENESIS if length == 0 else self._stored_digest(chain, length - 1)
        if last != head:
            link = chain.get(length - 1)
            self._fail(
                Break(
                    "head",
                    length - 1,
                    link[0] if link else None,
                    expected=head.hex(),
                    found=last.hex() if last else "无",
                )
            )
            return
        self.phase = ENTRIES

    def _entries(self, trail, more, deadline):
        """Every entry of the trail is a link, or waits to become one."""
        chain, chained, entries = trail.chain, trail.chained, trail.entries
        waiting = trail.waiting
        items = entries.items() if self.after_key is None else entries.items(self.after_key, excludemin=True)
        count = 0
        for key, (item_oid, entry) in items:
            if not more():
                return
            self.after_key = key
            self.entries_seen += 1
            position = chained.get(key)
            link = None if position is None else chain.get(position)
            if link is None or link[0] != key:
                if position is None and waiting is not None and key in waiting:
                    continue
                self._fail(
                    Break(
                        "not_chained",
                        None,
                        key,
                        getattr(entry, "when", None),
                        expected="在链上或待入链",
                        found="不在链上" if position is None else f"记录的第 {position + 1} 环属于另一条目",
                        item_oid=item_oid,
                    )
                )
                return
            count += 1
            if deadline is not None and count % CLOCK_EVERY == 0 and time.monotonic() >= deadline:
                return
        self.phase = ANCHOR

    def _anchor(self, trail):
        if self.anchor is not None:
            length, digest = self.anchor
            stored = self._stored_digest(trail.chain, length - 1) if length > 0 else GENESIS
            if stored is None or stored.hex() != digest:
                link = trail.chain.get(length - 1)
                self._fail(
                    Break(
                        "anchor",
                        length - 1,
                        link[0] if link else None,
                        expected=digest,
                        found=stored.hex() if stored else f"链上只有 {trail.chain_length} 条",
                    )
                )
                return
        self.phase = DONE

    # carried between requests ----------------------------------------------------------------

    def state(self):
        """A small dict of plain values (a session holds it between steps)."""
        return {
            "target": self.target,
            "anchor": list(self.anchor) if self.anchor else None,
            "started": self.started,
            "phase": self.phase,
            "position": self.position,
            "after_key": self.after_key,
            "entries_seen": self.entries_seen,
            "broken": self.broken.state() if self.broken is not None else None,
            "ended": self.ended,
        }

    @classmethod
    def from_state(cls, state):
        verification = cls(state["target"], state.get("anchor"), state.get("started"))
        verification.phase = state["phase"]
        verification.position = state["position"]
        verification.after_key = state.get("after_key")
        verification.entries_seen = state.get("entries_seen", 0)
        broken = state.get("broken")
        verification.broken = Break.from_state(broken) if broken else None
        verification.ended = state.get("ended")
        return verification
