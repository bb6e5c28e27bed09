"""Indexing after the commit: a request writes its items, one indexer per process writes the catalogs.

Every item a request adds, changes or removes would otherwise rewrite dozens of shared catalog
buckets (the text index's lexicon and postings above all) inside the request's own transaction, and
concurrent requests would collide there. Instead:

* The catalogs' indexes are in Substance D's *deferred* action mode. An item added or changed is
  queued once per transaction (:func:`queued`), and at commit its oid goes to
  :class:`PendingIndexing` (one small object on the site that merges concurrent writes by itself);
  for anything else Substance D hands its deferred actions to the :class:`DeferredProcessor`
  registered here, which records their oids there too. The request's transaction touches no
  catalog structure at all.
* After the request's transaction has committed, the :func:`indexing_tween` asks the process's
  :class:`Indexer` to drain: under a lock, in a transaction of its own, it reindexes every oid that
  this process queued (and any another process queued more than ``grace`` seconds ago, so that
  nothing stays stale when a process dies), removes them from the pending set, and commits. Requests
  that finish while it works find their oids done when they get the lock: one indexing transaction
  serves many requests (a group commit), and threads of one process never write the catalogs at once.
  The response leaves only once its items are indexed, so the person's next page lists them.
* A background thread drains every ``portal.indexer_interval`` seconds, for what no request
  drained (scripts, a process that died between its commit and its drain, indexing that failed).

Nothing acknowledged can be lost: the pending oids are committed with the item, so a crash after
the commit leaves them pending until some indexer takes them. ``portal-reindex`` (see
:mod:`portal.scripts.reindex`) rebuilds the catalogs from the objects when they must be trusted anew.
"""

import fcntl
import logging
import random
import threading
import time
import uuid

import transaction
from persistent import Persistent
from pyramid.settings import asbool
from pyramid.threadlocal import get_current_request, manager
from substanced.interfaces import MODE_DEFERRED, MODE_IMMEDIATE, IIndexingActionProcessor
from substanced.util import find_catalogs
from ZODB.POSException import ConflictError
from zope.interface import Interface, implementer

log = logging.getLogger(__name__)

#: The catalogs whose indexes are written by the indexer.
CATALOGS = ("system", "portal")
#: The environ key a request sets when it queued something (the tween then drains).
QUEUED = "portal.indexing.queued"


class PendingIndexing(Persistent):
    """The oids whose catalog entries are stale: ``{oid: (queued at, origin)}``.

    ``origin`` names the indexer of the process that queued it. Requests add, indexers remove;
    concurrent writers are merged three ways (:meth:`_p_resolveConflict`), so adding never
    conflicts with adding or removing. The dict is replaced, never changed in place, so that the
    states handed to the resolution are the ones written.
    """

    def __init__(self):
        self.entries = {}

    def add(self, oids, origin, when=None):
        when = time.time() if when is None else when
        entries = dict(self.entries)
        for oid in oids:
            entries[oid] = (when, origin)
        self.entries = entries

    def discard(self, taken):
        """Remove the entries in ``taken`` (oid -> entry) unless they were queued again since."""
        entries = dict(self.entries)
        for oid, entry in taken.items():
            if entries.get(oid) == entry:
                del entries[oid]
        self.entries = entries

    def __len__(self):
        return len(self.entries)

    def _p_resolveConflict(self, old_state, committed_state, new_state):
        old = old_state.get("entries", {})
        committed = committed_state.get("entries", {})
        new = new_state.get("entries", {})
        merged = dict(committed)
        for oid, entry in new.items():
            if old.get(oid) != entry:
                merged[oid] = entry
        for oid, entry in old.items():
            if oid not in new and committed.get(oid) == entry:
                merged.pop(oid, None)
        state = dict(committed_state)
        state["entries"] = merged
        return state


def pending_of(root):
    return getattr(root, "indexing_pending", None)


def site_of(index):
    """The site root an index belongs to (index -> catalog -> catalogs folder -> root)."""
    node = index
    while getattr(node, "__parent__", None) is not None:
        node = node.__parent__
    return node


@implementer(IIndexingActionProcessor)
class DeferredProcessor:
    """What Substance D calls with the deferred actions of a committing transaction."""

    def __init__(self, index):
        self.index = index

    def get_queue(self):
        if getattr(self.index, "_p_jar", None) is None:
            return None
        return pending_of(site_of(self.index))

    def active(self):
        return self.get_queue() is not None

    def add(self, actions):
        pending = self.get_queue()
        indexer = indexer_for_current()
        pending.add({action.oid for action in actions}, indexer.origin if indexer else "")
        request = get_current_request()
        if request is not None:
            request.environ[QUEUED] = True

    # Substance D's processor interface; the portal's indexer does this work.
    def engage(self):
        pass

    disengage = sync = engage

    def process(self, sleep=5, once=False):
        indexer = indexer_for_current()
        if indexer is not None:
            indexer.drain(everything=True)


def indexer_for_current():
    from pyramid.threadlocal import get_current_registry

    return getattr(get_current_registry(), "portal_indexer", None)


def defer_indexes(site):
    """Put every index of the catalogs the indexer serves in deferred mode (kept on the index)."""
    catalogs = site["catalogs"]
    for name in CATALOGS:
        if name in catalogs:
            for index in catalogs[name].values():
                if getattr(index, "action_mode", None) is not MODE_DEFERRED:
                    index.action_mode = MODE_DEFERRED


#: The catalog of Substance D's back office: folders, people, the site; not the items (below).
SYSTEM = "system"
#: The catalog of the items (``portal.items.catalog``).
PORTAL = "portal"
#: Indexes whose list of documents without a value is read (a sorted listing puts those last). In
#: the others a document without a value is simply absent, and nothing is written for it: hypatia
#: would otherwise rewrite a bucket of its ``_not_indexed`` set per index per item (the text
#: indexes when the words are kept beside the catalog, ``category`` of everything but the library).
SORTED_INDEXES = frozenset({"created", "modified", "due", "number"})
_ABSENT = object()


def in_an_item(resource):
    """Whether ``resource`` is an item or inside one (an attachment)."""
    from .items import Item

    node = resource
    while node is not None:
        if isinstance(node, Item):
            return True
        node = getattr(node, "__parent__", None)
    return False


def belongs(catalog, resource):
    """Whether ``catalog`` keeps an entry for ``resource``.

    The ``portal`` catalog holds the items and nothing else (its index views leave everything
    else out, and an entry per folder, person or attachment would only cost writes). The system
    catalog holds what Substance D's back office lists (the site, units, people) and no items nor
    what is inside them: the portal's pages, search and listings read the ``portal`` catalog, where
    Casbin's visibility query applies. An attachment is in no catalog; its words are its item's.
    Together this halves what indexing an item writes.
    """
    from .items import Item

    if catalog.__name__ == PORTAL:
        return isinstance(resource, Item)
    if catalog.__name__ == SYSTEM:
        return not in_an_item(resource)
    return True


def catalogs_of(resource):
    """The catalogs of ``resource``'s lineage that keep an entry for it."""
    return [catalog for catalog in find_catalogs(resource) if belongs(catalog, resource)]


def holds(index, docid):
    """Whether ``index`` has an entry for ``docid`` (a value, or a recorded absence of one)."""
    if docid in index._not_indexed:
        return True
    rev = getattr(index, "_rev_index", None)
    if rev is not None:
        return docid in rev
    words = getattr(getattr(index, "index", None), "_docwords", None)
    return words is not None and docid in words


def reindex_in(catalog, resource, oid):
    """Substance D's ``reindex_resource``, writing nothing for a value the document does not have."""
    for name, index in catalog.items():
        if (
            name in SORTED_INDEXES
            or getattr(index, "discriminator", None) is None
            or not hasattr(index, "_not_indexed")
            or index.discriminate(resource, _ABSENT) is not _ABSENT
        ):
            index.reindex_resource(resource, oid=oid, action_mode=MODE_IMMEDIATE)
        elif holds(index, oid):
            index.unindex_doc(oid)
    if oid not in catalog.objectids:
        catalog.objectids.insert(oid)


def reindex_oids(root, oids):
    """Bring the catalogs' entries for ``oids`` in line with the objects (gone ones unindexed), and
    copy their new history entries to the audit trail."""
    from .fulltext import current_fulltext
    from .items import Item
    from .supervision.figures import FigureTracker

    objectmap = root.__objectmap__
    everywhere = [root["catalogs"][name] for name in CATALOGS if name in root["catalogs"]]
    trail = getattr(root, "audit_trail", None)
    fulltext = current_fulltext()
    figures = FigureTracker(root)
    texts, titles, gone = {}, {}, []
    for oid in oids:
        resource = objectmap.object_for(oid)
        counted = figures.before(oid)
        if resource is None:
            for catalog in everywhere:
                catalog.unindex_resource(oid, action_mode=MODE_IMMEDIATE)
            figures.after(oid, counted)
            gone.append(oid)
            continue
        wanted = catalogs_of(resource)
        for catalog in wanted:
            reindex_in(catalog, resource, oid)
        for catalog in everywhere:
            # Items indexed in the system catalog by an earlier version leave it when next indexed.
            if catalog not in wanted and oid in catalog.objectids:
                catalog.unindex_resource(oid, action_mode=MODE_IMMEDIATE)
        figures.after(oid, counted)
        if isinstance(resource, Item):
            texts[oid] = resource.searchable_text()
            titles[oid] = resource.title or ""
            if trail is not None:
                trail.catch_up(oid, resource.history)
    if fulltext is not None:
        # Before the ZODB transaction commits: if it fails, the words are written again next time.
        fulltext.update(texts, titles)
        fulltext.remove(gone)


class Indexer:
    """The process's one writer of the catalogs (see the module's docstring).

    ``grace``: seconds after which another process's queued oids are taken too. ``batch``: oids
    per indexing transaction. ``interval``: seconds between background drains (0: none).
    """

    def __init__(self, registry, grace=10.0, batch=500, interval=2.0, attempts=10):
        self.registry = registry
        self.origin = uuid.uuid4().hex[:12]
        self.grace = grace
        self.batch = batch
        self.interval = interval
        self.attempts = attempts
        self.lock = threading.Lock()
        self.conflicts = 0
        self.indexed = 0
        self._thread = None
        self._stopped = threading.Event()

    @property
    def db(self):
        return self.registry._zodb_databases[""]

    def drain(self, everything=False, gather=0.0):
        """Index what is pending for this process; returns how many oids were indexed.

        ``gather``: at most this many seconds to wait, first, for the requests of this process that
        are writing now: their items are then indexed in the same transaction (see
        :meth:`_gather`)."""
        done = 0
        with self.lock:
            if gather:
                self._gather(gather)
            while True:
                count = self._drain_batch(everything)
                done += count
                if count < self.batch:
                    return done

    def _gather(self, limit):
        """Wait while other requests of this process are writing (at most ``limit`` seconds).

        Each indexing transaction rewrites a bucket of every index it touches; items created one
        after the other have neighbouring document ids (:class:`ObjectIds`), so indexed together
        they share those buckets, and the bytes written per item fall with the size of the group.
        The requests gathered wait for this drain (they queue on the indexer's lock) and then find
        their items indexed.
        """
        lock = getattr(self.registry, "portal_write_lock", None)
        if lock is None:
            return
        deadline = time.monotonic() + limit
        while lock.writers and time.monotonic() < deadline:
            time.sleep(0.002)

    def _drain_batch(self, everything):
        manager.push({"registry": self.registry, "request": None})
        lock = getattr(self.registry, "portal_write_lock", None)
        try:
            if lock is not None:
                with lock:
                    return self._drain_locked(everything)
            return self._drain_locked(everything)
        finally:
            manager.pop()

    def _drain_locked(self, everything):
        for attempt in range(self.attempts):
            tm = transaction.TransactionManager()
            conn = self.db.open(transaction_manager=tm)
            try:
                tm.begin()
                root = conn.root().get("app_root")
                pending = None if root is None else pending_of(root)
                trail = None if root is None else getattr(root, "audit_trail", None)
                # Entries a request stored about no item wait here to be linked (portal.audit).
                unlinked = trail is not None and trail.has_waiting()
                if (pending is None or not len(pending)) and not unlinked:
                    tm.abort()
                    return 0
                taken = self._choose(pending.entries, everything) if pending is not None else {}
                if not taken and not unlinked:
                    tm.abort()
                    return 0
                if unlinked:
                    trail.link_waiting()
                if taken:
                    reindex_oids(root, sorted(taken))
                    pending.discard(taken)
                tm.get().note(f"portal: indexed {len(taken)} objects")
                tm.commit()
                self.indexed += len(taken)
                return len(taken)
            except ConflictError:
                tm.abort()
                self.conflicts += 1
                log.info("conflict retry: indexing (attempt %d)", attempt + 1)
                time.sleep(0.005 * (attempt + 1))
            except Exception:
                tm.abort()
                raise
            finally:
                conn.close()
        log.warning("indexing gave up after %d conflicts; the background drain retries", self.attempts)
        return 0

    def _choose(self, entries, everything):
        cutoff = time.time() - self.grace
        chosen = {}
        for oid, entry in entries.items():
            if everything or entry[1] == self.origin or entry[0] < cutoff:
                chosen[oid] = entry
                if len(chosen) >= self.batch:
                    break
        return chosen

    # the background drain ------------------------------------------------------------------------

    def start(self):
        """Start the background drain (once; no-op when ``interval`` is 0)."""
        if self.interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="portal-indexer", daemon=True)
        self._thread.start()

    def stop(self, wait=5.0):
        """Stop the background drain (waiting for a round in progress to end)."""
        self._stopped.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def _run(self):
        while not self._stopped.wait(self.interval):
            try:
                self.drain()
            except Exception as error:
                if self._database_closed():
                    return
                log.exception("background indexing failed: %s", error)

    def _database_closed(self):
        try:
            storage = self.db.storage
            return getattr(storage, "_is_read_only", None) is None and not storage.__len__
        except Exception:
            return True


def indexing_tween_factory(handler, registry):
    """After the request's transaction has committed, index what it queued before answering."""

    gather = float(registry.settings.get("portal.indexer_gather_ms", 50)) / 1000

    def indexing_tween(request):
        indexer = registry.portal_indexer
        indexer.start()
        response = handler(request)
        if request.environ.pop(QUEUED, False):
            try:
                indexer.drain(gather=gather)
            except Exception:
                # The items are committed; the background drain indexes them shortly.
                log.exception("indexing after commit failed; left to the background drain")
        return response

    return indexing_tween


#: Methods whose requests change the database.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class WriteLock:
    """One writer at a time: the threads of this process, and, on RelStorage, every process.

    Python runs one thread at a time anyway (the GIL): requests that change the database in parallel
    in one process gain no speed, only collisions on the structures they share (Substance D's object
    map and folders above all), each paid for by running a request again. On RelStorage the lock
    also spans the processes, as a PostgreSQL advisory lock held on a connection of its own (released
    by the server if the process dies), so app processes and their indexers take turns instead of
    colliding. ZEO has no such lock to offer: processes on one machine can share a lock file
    (``portal.write_lock_file``, released by the system if the process dies); otherwise they still
    collide with each other and ``pyramid_retry`` runs the loser again.
    """

    #: The advisory lock's key (any constant the database does not use for something else).
    KEY = 7_319_000_001

    def __init__(self, dsn=None, path=None):
        self.dsn = dsn
        self.path = path
        self._lock = threading.Lock()
        self._conn = None
        self._file = None
        #: Requests of this process writing now, or waiting to (see :meth:`Indexer._gather`).
        self.writers = 0
        self._counting = threading.Lock()

    def count_writer(self, change):
        with self._counting:
            self.writers += change

    def __enter__(self):
        self._lock.acquire()
        try:
            if self.dsn:
                self._advisory("SELECT pg_advisory_lock(%s)")
            elif self.path:
                self._flock(fcntl.LOCK_EX)
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc):
        try:
            if self.dsn:
                self._advisory("SELECT pg_advisory_unlock(%s)")
            elif self.path:
                self._flock(fcntl.LOCK_UN)
        finally:
            self._lock.release()
        return False

    def _flock(self, operation):
        if self._file is None:
            self._file = open(self.path, "a+b")  # noqa: SIM115 - held for the process's life
        fcntl.flock(self._file.fileno(), operation)

    def _advisory(self, statement):
        import psycopg2

        for attempt in range(2):
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg2.connect(self.dsn)
                    self._conn.autocommit = True
                with self._conn.cursor() as cursor:
                    cursor.execute(statement, (self.KEY,))
                return
            except psycopg2.OperationalError:
                # A lost connection has lost its lock too: connect again.
                self._conn = None
                if attempt:
                    raise


def postgres_dsn(uri):
    """The psycopg2 DSN of a RelStorage ``postgres://user:password@host:port/db?…`` URI, or None."""
    from urllib.parse import unquote, urlsplit

    if not uri.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(uri)
    fields = {
        "host": parts.hostname,
        "port": parts.port,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "dbname": parts.path.lstrip("/") or None,
    }
    return " ".join(f"{key}={value}" for key, value in fields.items() if value)


def write_lock_tween_factory(handler, registry):
    """A request that changes the database holds the :class:`WriteLock` (readers never do)."""
    lock = registry.portal_write_lock

    def write_lock_tween(request):
        if request.method not in WRITES:
            return handler(request)
        lock.count_writer(1)
        try:
            with lock:
                return handler(request)
        finally:
            lock.count_writer(-1)

    return write_lock_tween


def drain(registry, everything=True):
    """Index everything pending now (scripts and tests call this after their own commits)."""
    return registry.portal_indexer.drain(everything=everything)


class ObjectIds:
    """Object ids (the catalogs' document ids) in one ascending run per process.

    Substance D draws a random start per connection, so items created one after the other by a
    process's threads land in unrelated buckets of every index. Drawn from one run per process,
    they are neighbours, and indexed together (:meth:`Indexer._gather`) they share buckets. Each
    process starts its run at random, as Substance D does; an id already taken (another process's
    run) starts a new run.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.next = None

    def take(self, objectmap):
        maxint = objectmap.family.maxint
        with self.lock:
            while True:
                if self.next is None or self.next > maxint:
                    self.next = random.randrange(1, maxint // 2)
                oid, self.next = self.next, self.next + 1
                if oid not in objectmap.objectid_to_path:
                    return oid
                self.next = None


OBJECT_IDS = ObjectIds()


def ids_in_runs():
    from substanced.objectmap import ObjectMap

    ObjectMap.new_objectid = lambda objectmap: OBJECT_IDS.take(objectmap)


def catalogs_keep_what_belongs():
    """Substance D indexes an added or changed object in every catalog of its lineage (its
    subscribers call ``index_resource`` and ``reindex_resource``); a catalog now ignores what does
    not belong in it (:func:`belongs`). Removal is untouched: a catalog unindexes what it holds."""
    from substanced.catalog import Catalog

    if getattr(Catalog, "_portal_filtered", False):
        return
    index_resource, reindex_resource = Catalog.index_resource, Catalog.reindex_resource

    def index_if_it_belongs(catalog, resource, oid=None, action_mode=None):
        if belongs(catalog, resource) and not queued(catalog, resource, oid, action_mode):
            index_resource(catalog, resource, oid=oid, action_mode=action_mode)

    def reindex_if_it_belongs(catalog, resource, oid=None, action_mode=None):
        if belongs(catalog, resource) and not queued(catalog, resource, oid, action_mode):
            reindex_resource(catalog, resource, oid=oid, action_mode=action_mode)

    Catalog.index_resource = index_if_it_belongs
    Catalog.reindex_resource = reindex_if_it_belongs
    Catalog._portal_filtered = True
    no_extents_of_items()


def queued(catalog, resource, oid, action_mode):
    """An item added or changed: its oid queued for the indexer (True), in one go at the commit.

    What Substance D would do in the deferred mode, without its way there: an action per index per
    change, sorted out at the commit, of which the indexer reads only the oid; nor does the
    request's transaction insert the item into the catalog's list of documents (a bucket every
    writer shares: the indexer inserts it). False where Substance D's own path is taken: another
    catalog, an explicit ``action_mode``, a catalog not stored yet."""
    if catalog.__name__ != PORTAL or action_mode is not None:
        return False
    jar = getattr(catalog, "_p_jar", None)
    if jar is None:
        return False
    if oid is None:
        from substanced.util import get_oid

        oid = get_oid(resource)
    QueuedItems.of(jar.transaction_manager, catalog).oids.add(oid)
    return True


class QueuedItems:
    """The oids of the items a transaction added or changed, queued for the indexer at its commit.

    Joined to the transaction (a data manager) for its savepoints: a rollback restores the oids
    queued when the savepoint was taken."""

    def __init__(self, manager, catalog):
        self.transaction_manager = manager
        self.catalog = catalog
        self.oids = set()

    @classmethod
    def of(cls, manager, catalog):
        current = manager.get()
        try:
            return current.data(cls)
        except KeyError:
            queue = cls(manager, catalog)
            current.join(queue)
            current.set_data(cls, queue)
            current.addBeforeCommitHook(queue.flush)
            return queue

    def flush(self):
        """Before the commit: the oids into the site's pending set (see :class:`DeferredProcessor`)."""
        if not self.oids:
            return
        pending = pending_of(site_of(self.catalog))
        if pending is None:
            return
        indexer = indexer_for_current()
        pending.add(self.oids, indexer.origin if indexer else "")
        request = get_current_request()
        if request is not None:
            request.environ[QUEUED] = True

    def savepoint(self):
        return _QueuedSavepoint(self, set(self.oids))

    def abort(self, transaction):
        self.oids = set()

    tpc_begin = commit = tpc_vote = tpc_finish = tpc_abort = abort

    def sortKey(self):
        return "portal.indexing.QueuedItems"


class _QueuedSavepoint:
    def __init__(self, queue, oids):
        self.queue = queue
        self.oids = oids

    def rollback(self):
        self.queue.oids = set(self.oids)


def no_extents_of_items():
    """Substance D's object map also keeps, per content type, the set of its objects' ids (its
    "extents"; read only for its own catalogs, indexes and files). Items are left out of it: it
    would cost two more shared buckets per item created."""
    from substanced.objectmap import ExtentMap

    from .items import Item

    add = ExtentMap.add

    def add_unless_item(extents, obj, oid):
        if not isinstance(obj, Item):
            add(extents, obj, oid)

    ExtentMap.add = add_unless_item


def includeme(config):
    settings = config.registry.settings
    catalogs_keep_what_belongs()
    ids_in_runs()
    config.registry.portal_indexer = Indexer(
        config.registry,
        grace=float(settings.get("portal.indexer_grace", 10)),
        interval=float(settings.get("portal.indexer_interval", 2)),
    )
    config.registry.registerAdapter(DeferredProcessor, (Interface,), IIndexingActionProcessor)
    config.add_tween("portal.indexing.indexing_tween_factory", over="pyramid_tm.tm_tween_factory")
    if asbool(settings.get("portal.serialize_writes", True)):
        config.registry.portal_write_lock = WriteLock(
            postgres_dsn(settings.get("zodbconn.uri", "")), settings.get("portal.write_lock_file") or None
        )
        config.add_tween(
            "portal.indexing.write_lock_tween_factory",
            over="pyramid_tm.tm_tween_factory",
            under="portal.indexing.indexing_tween_factory",
        )
