"""The audit trail: every transition of every item, permanently (Substance D's log keeps ~1,000).

Entries are keyed by a microsecond timestamp with random low bits, so concurrent requests append to
different keys and BTrees resolve their writes to one bucket without a conflict in most cases.
"""

import random
import time

from BTrees.LOBTree import LOBTree
from persistent import Persistent


class AuditTrail(Persistent):
    def __init__(self):
        self.entries = LOBTree()

    def append(self, item_oid, entry):
        key = int(time.time() * 1_000_000) * 1024 + random.randrange(1024)
        while key in self.entries:
            key += 1
        self.entries[key] = (item_oid, entry)
        return key

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
