"""Full text beside the object database: the items' words in SQLite FTS5, for the embedded default.

In the ``portal`` catalog, the text indexes would make up nine tenths of what indexing an item
writes (a posting bucket rewritten per distinct word, about 200 KB an item) and most of what
concurrent indexers collide on. With ``portal.fulltext = sqlite`` (the default on a FileStorage) the
words live in an FTS5 table in a file beside ``Data.fs`` instead, fed the same CJK bigrams as the
catalog's lexicon (:class:`~portal.items.catalog.CJKBigramSplitter`), with the splitter's segment
boundary as a word of its own so that phrases never match across punctuation, and each document's
distinct characters for one-character queries. The catalog's ``text``, ``title`` and ``chars``
indexes then stay empty.

It is derived data: the indexer writes it right after each commit (:mod:`portal.indexing`), before
the ZODB transaction that records the indexing; ``portal-reindex`` rebuilds it from the objects; a
site whose file is missing (a restored backup) is refilled at start. A hit is only a candidate: it
passes the same visibility query as every listing. ``portal.fulltext = zodb`` keeps the words in the
catalog (the choice for ZEO and RelStorage, where several machines share one database).
"""

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: The splitter's boundary word, as a token FTS5 keeps (a private-use character nobody types).
BOUNDARY_TOKEN = "\ue000"
SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS items USING fts5("
    "words, chars, tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")"
)


def tokens_of(words):
    """The splitter's words as FTS5 tokens, separated by spaces."""
    from .items.catalog import BOUNDARY

    return " ".join(BOUNDARY_TOKEN if word == BOUNDARY else word.lower() for word in words)


def document(text):
    """``(words, chars)`` columns for an item's searchable text."""
    from .items.catalog import CJKBigramSplitter, characters

    return tokens_of(CJKBigramSplitter().process([text])), " ".join(characters(text))


class SQLiteFullText:
    """The FTS5 table in one file; a connection per thread, WAL so that reading never waits."""

    def __init__(self, path):
        self.path = str(path)
        self._local = threading.local()
        with self.connection() as conn:
            conn.execute(SCHEMA)

    def connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return _Transaction(conn)

    def update(self, texts):
        """Store ``{docid: searchable text}`` (replacing what each docid had)."""
        if not texts:
            return
        rows = [(docid, *document(text)) for docid, text in texts.items()]
        with self.connection() as conn:
            conn.executemany("DELETE FROM items WHERE rowid = ?", [(docid,) for docid in texts])
            conn.executemany("INSERT INTO items(rowid, words, chars) VALUES (?, ?, ?)", rows)

    def remove(self, docids):
        if docids:
            with self.connection() as conn:
                conn.executemany("DELETE FROM items WHERE rowid = ?", [(docid,) for docid in docids])

    def phrase(self, words):
        """Docids whose words contain ``words`` (the splitter's output for a query) in order."""
        return self._match('words : "' + tokens_of(words) + '"')

    def character(self, char):
        return self._match(f'chars : "{char}"')

    def _match(self, expression):
        with self.connection() as conn:
            return [
                row[0] for row in conn.execute("SELECT rowid FROM items WHERE items MATCH ?", (expression,))
            ]

    def count(self):
        with self.connection() as conn:
            return conn.execute("SELECT count(*) FROM items").fetchone()[0]

    def clear(self):
        with self.connection() as conn:
            conn.execute("DELETE FROM items")


class _Transaction:
    """``with`` a connection: BEGIN IMMEDIATE ... COMMIT (ROLLBACK on an error)."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, value, traceback):
        self.conn.execute("ROLLBACK" if kind else "COMMIT")
        return False


def fulltext_for(settings):
    """The full-text store the settings choose, or None for the catalog's own text indexes."""
    choice = (settings.get("portal.fulltext") or "").strip()
    uri = settings.get("zodbconn.uri", "")
    if not choice:
        choice = "sqlite" if uri.startswith("filestorage://") else "zodb"
    if choice == "zodb":
        return None
    if choice == "sqlite" or choice.startswith("sqlite:"):
        path = choice[len("sqlite:") :].lstrip("/") if choice.startswith("sqlite:") else ""
        if choice.startswith("sqlite:///"):
            path = "/" + choice[len("sqlite:///") :]
        if not path:
            if not uri.startswith("filestorage://"):
                raise ValueError(
                    "portal.fulltext = sqlite needs a file path (sqlite:///…) beside this storage"
                )
            path = uri[len("filestorage://") :].partition("?")[0] + ".fulltext"
        return SQLiteFullText(path)
    raise ValueError(f"portal.fulltext must be zodb, sqlite or sqlite:///path, not {choice!r}")


def current_fulltext():
    from pyramid.threadlocal import get_current_registry

    return getattr(get_current_registry(), "portal_fulltext", None)


def includeme(config):
    config.registry.portal_fulltext = fulltext_for(config.registry.settings)


def refill(site, fulltext, limit=50_000, batch=500):
    """Fill an empty store from the items the catalog knows (a new file, a restored backup).

    Returns how many items were written; a site with more than ``limit`` items is left to
    ``portal-reindex`` (started by the operator, with progress shown), not to the start-up.
    """
    if fulltext is None or fulltext.count():
        return 0
    docids = list(site["catalogs"]["portal"]["item_type"]._rev_index.keys())
    if not docids:
        return 0
    if len(docids) > limit:
        log.warning("the full-text store is empty: run portal-reindex to fill it (%d items)", len(docids))
        return 0
    objectmap = site.__objectmap__
    written = 0
    for start in range(0, len(docids), batch):
        texts = {}
        for docid in docids[start : start + batch]:
            item = objectmap.object_for(docid)
            if item is not None and hasattr(item, "searchable_text"):
                texts[docid] = item.searchable_text()
        fulltext.update(texts)
        written += len(texts)
    log.info("full-text store filled from %d items", written)
    return written
