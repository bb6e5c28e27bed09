"""The audit trail: every transition of every item, permanently (Substance D's log keeps ~1,000),
chained by hashes so that a change made to it afterwards shows.

An item's history is written with the item, in the request's transaction. The trail is its copy in
time order across all items, written by the indexer right after the commit (:meth:`catch_up`, see
:mod:`portal.indexing`): one writer per process appends in order, instead of every request appending
to the same last bucket at once. ``audited`` remembers how many of each item's history entries the
trail holds, so an entry is copied exactly once even when the indexer runs again. Entries about no
item (a policy change, a login) are appended directly with :meth:`append`.

Entries are keyed by their time in microseconds with random low bits, so appends from several
processes go to different keys.

The hash chain (:mod:`.chain`)
------------------------------

Every entry is also a link of a chain: ``chain[position] = (key, digest)``, ``chained[key] =
position``, each digest hashing the entry with the previous link's digest, and the trail itself
holding the head (``chain_length``, ``chain_head``). The chain is in the order the entries were
appended, which is not always the order of their keys. Only the indexer links, in its own
transactions: :meth:`catch_up` links what it copies, and :meth:`link_waiting` links the entries
:meth:`append` stored in a request's transaction, which only adds their keys to ``waiting``
(a :class:`ChainQueue`, whose concurrent writers merge). A request therefore never writes the head.

The head is one object shared by every process: two processes' indexers appending at once both
write it, and one of them gets a ``ConflictError`` and runs its indexing transaction again
(:meth:`portal.indexing.Indexer._drain_locked` retries), now after the other's links. That is the
price of one sequence, paid only by indexers, never by a request; with ``portal.serialize_writes``
on RelStorage, or a ``portal.write_lock_file`` on ZEO, the indexers take turns and do not even
collide.

A site whose trail was written before the chain existed has its entries chained once, in key order,
by the evolution step :func:`chain_existing_entries` at start (:meth:`AuditTrail.start_chain`).
:meth:`AuditTrail.verify` checks the chain; ``/@@audit-chain`` and ``portal-audit-verify`` show it.
"""

import random
import time

from BTrees.LLBTree import LLBTree
from BTrees.LOBTree import LOBTree
from persistent import Persistent

from .chain import GENESIS, Verification, link_digest

#: The evolution step chaining a site's older entries.
CHAIN_STEP = "portal.audit.chain_existing_entries"
#: Links written between two savepoints when a whole trail is chained at once.
SAVEPOINT_EVERY = 10_000


class ChainQueue(Persistent):
    """Keys of entries stored in a request's transaction, waiting for the indexer to link them.

    Requests add, indexers remove; concurrent writers merge three ways (like
    :class:`portal.indexing.PendingIndexing`), so a request appending never conflicts with another
    or with an indexer. The dict is replaced, never changed in place.
    """

    def __init__(self):
        self.keys = {}

    def add(self, key):
        keys = dict(self.keys)
        keys[key] = time.time()
        self.keys = keys

    def discard(self, taken):
        keys = dict(self.keys)
        for key in taken:
            keys.pop(key, None)
        self.keys = keys

    def __contains__(self, key):
        return key in self.keys

    def __len__(self):
        return len(self.keys)

    def _p_resolveConflict(self, old_state, committed_state, new_state):
        old = old_state.get("keys", {})
        committed = committed_state.get("keys", {})
        new = new_state.get("keys", {})
        merged = dict(committed)
        for key, value in new.items():
            if key not in old:
                merged[key] = value
        for key in old:
            if key not in new:
                merged.pop(key, None)
        state = dict(committed_state)
        state["keys"] = merged
        return state


class AuditTrail(Persistent):
    #: item oid -> how many of its history entries are in the trail (None on sites made before it).
    audited = None
    #: position -> (key, digest); None before the chain existed (see :meth:`start_chain`).
    chain = None
    #: key -> position.
    chained = None
    #: The keys :meth:`append` stored, not linked yet (a :class:`ChainQueue`).
    waiting = None
    #: How many links the chain has, and the last one's digest (the head).
    chain_length = 0
    chain_head = GENESIS

    def __init__(self):
        self.entries = LOBTree()
        self.audited = LLBTree()
        self.chain = LOBTree()
        self.chained = LLBTree()
        self.waiting = ChainQueue()

    def _store(self, item_oid, entry):
        when = getattr(entry, "when", None)
        seconds = when.timestamp() if when is not None else time.time()
        key = int(seconds * 1_000_000) * 1024 + random.randrange(1024)
        while key in self.entries:
            key += 1
        self.entries[key] = (item_oid, entry)
        return key

    def append(self, item_oid, entry):
        """Store an entry about no item (a policy change, a login) in the request's transaction; the
        indexer links it after the commit (see the module)."""
        key = self._store(item_oid, entry)
        if self.waiting is not None:
            self.waiting.add(key)
        _ask_the_indexer()
        return key

    def catch_up(self, item_oid, history):
        """Append and link the entries of an item's ``history`` the trail does not hold yet (the
        indexer, in its own transaction)."""
        done = self.audited.get(item_oid, 0)
        if len(history) <= done:
            return 0
        for entry in history[done:]:
            self._link(self._store(item_oid, entry), item_oid, entry)
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

    # the chain ---------------------------------------------------------------------------------

    def _link(self, key, item_oid, entry):
        """Make the stored entry at ``key`` the chain's next link (the indexer only)."""
        if self.chain is None:
            # The trail predates the chain and its evolution step has not run: its entries first.
            self.start_chain()
            if key in self.chained:
                return
        position = self.chain_length
        digest = link_digest(position, key, item_oid, entry, self.chain_head)
        self.chain[position] = (key, digest)
        self.chained[key] = position
        self.chain_length = position + 1
        self.chain_head = digest

    def link_waiting(self):
        """Link the entries :meth:`append` stored, in key order (the indexer, after the commit);
        returns how many."""
        if self.waiting is None or not len(self.waiting):
            return 0
        taken = sorted(self.waiting.keys)
        linked = 0
        for key in taken:
            pair = self.entries.get(key)
            if pair is not None and (self.chained is None or key not in self.chained):
                self._link(key, *pair)
                linked += 1
        self.waiting.discard(taken)
        return linked

    def has_waiting(self):
        return self.waiting is not None and len(self.waiting) > 0

    def start_chain(self):
        """Chain the entries written before the chain existed, in key order, once; returns how many.

        A trail already chained is left alone: linking an entry found beside the chain now would
        hide its insertion.
        """
        if self.chain is not None:
            return 0
        self.chain = LOBTree()
        self.chained = LLBTree()
        self.waiting = ChainQueue()
        self.chain_length = 0
        self.chain_head = GENESIS
        jar = self._p_jar
        count = 0
        for key, (item_oid, entry) in self.entries.items():
            self._link(key, item_oid, entry)
            count += 1
            if jar is not None and count % SAVEPOINT_EVERY == 0:
                # Bounded memory on a long trail: what was written so far may leave the cache.
                jar.transaction_manager.get().savepoint(optimistic=True)
                jar.cacheGC()
        return count

    def verify(self, anchor=None):
        """Check the whole chain (see :mod:`.chain`); returns ``(links checked, first break or
        None)``. ``anchor``: ``(length, head digest hex)`` noted down earlier."""
        return Verification.of(self, anchor).run(self)


def _ask_the_indexer():
    """Have the indexer run right after the current request's commit (else its next round)."""
    from pyramid.threadlocal import get_current_request

    from ..indexing import QUEUED

    request = get_current_request()
    if request is not None:
        request.environ[QUEUED] = True


def chain_existing_entries(root, registry=None):
    """Evolution step: chain the entries a trail holds from before the chain existed."""
    trail = getattr(root, "audit_trail", None)
    if trail is not None:
        trail.start_chain()


def includeme(config):
    from .views import audit_chain_link

    config.add_evolution_step(chain_existing_entries, name=CHAIN_STEP)
    config.add_nav_link(910, "审计链校验", audit_chain_link)
    config.scan(".views")
