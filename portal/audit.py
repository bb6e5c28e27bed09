"""The audit trail: every transition of every item, permanently (Substance D's log keeps ~1,000).

An item's history is written with the item, in the request's transaction. The trail is its copy in
time order across all items, written by the indexer right after the commit (:meth:`catch_up`, see
:mod:`portal.indexing`): one writer per process appends in order, instead of every request appending
to the same last bucket at once. ``audited`` remembers how many of each item's history entries the
trail holds, so an entry is copied exactly once even when the indexer runs again. Entries about no
item (a policy change) are appended directly with :meth:`append`.

Entries are keyed by their time in microseconds with random low bits, so appends from several
processes go to different keys.
"""

import random
import time

from BTrees.LLBTree import LLBTree
from BTrees.LOBTree import LOBTree
from persistent import Persistent


class AuditTrail(Persistent):
    #: item oid -> how many of its history entries are in the trail (None on sites made before it).
    audited = None

    def __init__(self):
        self.entries = LOBTree()
        self.audited = LLBTree()

    def append(self, item_oid, entry):
        when = getattr(entry, "when", None)
        seconds = when.timestamp() if when is not None else time.time()
        key = int(seconds * 1_000_000) * 1024 + random.randrange(1024)
        while key in self.entries:
            key += 1
        self.entries[key] = (item_oid, entry)
        return key

    def catch_up(self, item_oid, history):
        """Append the entries of an item's ``history`` the trail does not hold yet."""
        done = self.audited.get(item_oid, 0)
        if len(history) <= done:
            return 0
        for entry in history[done:]:
            self.append(item_oid, entry)
        self.audited[item_oid] = len(history)
        return len(history) - done

    def count_audited(self):
        """Fill ``audited`` from the entries (a site whose trail was written by the requests)."""
        audited = LLBTree()
        for item_oid, _ in self.entries.values():
            if item_oid is not None:
                audited[item_oid] = audited.get(item_oid, 0) + 1
        self.audited = audited

    def latest(self, limit=50):
        """The newest entries first, as (item oid, entry)."""
        result = []
        for key in reversed(self.entries.keys()):
            result.append(self.entries[key])
            if len(result) >= limit:
                break
        return result

    def __len__(self):
        return len(self.entries)
