"""Full text beside the object database: the items' words in SQLite FTS5 or in PostgreSQL.

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
passes the same visibility query as every listing.

On RelStorage the words go to a table of the same PostgreSQL database (``portal.fulltext =
postgresql``, the default there; :class:`PostgresFullText`), which every app process shares. ZEO's
processes on one machine may share an SQLite file (``sqlite:///…``) or use a PostgreSQL server
(``postgresql://…``); ``portal.fulltext = zodb`` keeps the words in the catalog (the default on ZEO:
nothing beside the database to set up, at the price of about 200 KB written per item).
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


def token_list(words):
    """The splitter's words as the stores' tokens (lower case; the boundary as a private character)."""
    from .items.catalog import BOUNDARY

    return [BOUNDARY_TOKEN if word == BOUNDARY else word.lower() for word in words]


def tokens_of(words):
    """The splitter's words as FTS5 tokens, separated by spaces."""
    return " ".join(token_list(words))


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


class PostgresFullText:
    """The words in a PostgreSQL table beside RelStorage's (or any PostgreSQL database).

    Each document is one or more rows of ``tsvector`` values written as literals: every bigram and
    boundary word a lexeme with its positions (no text search configuration touches them, so no
    locale decides what a Chinese character is), the distinct characters a second ``tsvector``.
    A phrase is the ``<->`` chain of its words; both columns have GIN indexes. PostgreSQL keeps
    positions up to 16,383, so a long document is cut into overlapping chunks of :attr:`CHUNK`
    words, each a row: a phrase shorter than the overlap is found wherever it stands.
    """

    CHUNK = 16_000
    OVERLAP = 200

    def __init__(self, dsn, table="portal_fulltext"):
        import re

        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", table):
            raise ValueError(f"not a table name: {table!r}")
        self.dsn = dsn
        self.table = table
        self._local = threading.local()
        with self.connection() as cursor:
            # Several processes may start at once on a new database: one creates, the others wait.
            cursor.execute("SELECT pg_advisory_xact_lock(7319000002)")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (docid bigint NOT NULL, chunk integer NOT NULL,"
                " words tsvector NOT NULL, chars tsvector NOT NULL, PRIMARY KEY (docid, chunk))"
            )
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_words ON {table} USING gin (words)")
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_chars ON {table} USING gin (chars)")

    def connection(self):
        import psycopg2

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = psycopg2.connect(self.dsn)
        return _PostgresTransaction(conn)

    @staticmethod
    def lexeme(token):
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

    def rows(self, docid, text):
        from .items.catalog import CJKBigramSplitter, characters

        words = token_list(CJKBigramSplitter().process([text]))
        chars = " ".join(self.lexeme(char) for char in sorted(set(characters(text))))
        step = self.CHUNK - self.OVERLAP
        starts = range(0, max(len(words) - self.OVERLAP, 1), step) if len(words) > self.CHUNK else [0]
        for chunk, start in enumerate(starts):
            positions = {}
            for offset, word in enumerate(words[start : start + self.CHUNK], 1):
                positions.setdefault(word, []).append(str(offset))
            vector = " ".join(f"{self.lexeme(w)}:{','.join(p)}" for w, p in positions.items())
            yield docid, chunk, vector, chars if chunk == 0 else ""

    def update(self, texts):
        if not texts:
            return
        rows = [row for docid, text in texts.items() for row in self.rows(docid, text)]
        with self.connection() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE docid = ANY(%s)", (list(texts),))
            cursor.executemany(
                f"INSERT INTO {self.table} (docid, chunk, words, chars) "
                "VALUES (%s, %s, %s::tsvector, %s::tsvector)",
                rows,
            )

    def remove(self, docids):
        if docids:
            with self.connection() as cursor:
                cursor.execute(f"DELETE FROM {self.table} WHERE docid = ANY(%s)", (list(docids),))

    def phrase(self, words):
        tokens = token_list(words)
        if not tokens:
            return []
        query = " <-> ".join(self.lexeme(token) for token in tokens)
        return self._match("words", query)

    def character(self, char):
        return self._match("chars", self.lexeme(char))

    def _match(self, column, query):
        with self.connection() as cursor:
            cursor.execute(f"SELECT DISTINCT docid FROM {self.table} WHERE {column} @@ %s::tsquery", (query,))
            return [row[0] for row in cursor.fetchall()]

    def count(self):
        with self.connection() as cursor:
            cursor.execute(f"SELECT count(DISTINCT docid) FROM {self.table}")
            return cursor.fetchone()[0]

    def clear(self):
        with self.connection() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")


class _PostgresTransaction:
    """``with`` a psycopg2 connection: a cursor, committed (or rolled back on an error)."""

    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        self.cursor = self.conn.cursor()
        return self.cursor

    def __exit__(self, kind, value, traceback):
        try:
            self.cursor.close()
        finally:
            if kind:
                self.conn.rollback()
            else:
                self.conn.commit()
        return False


def postgres_fulltext(choice, uri):
    """``postgresql``: a table in the RelStorage database itself; ``postgresql://…?table=…``: any."""
    from urllib.parse import parse_qs, urlsplit

    from .indexing import postgres_dsn

    if choice in ("postgres", "postgresql"):
        target, table = uri, "portal_fulltext"
    else:
        target = choice
        table = parse_qs(urlsplit(choice).query).get("table", ["portal_fulltext"])[0]
    if not target.startswith(("postgres://", "postgresql://")):
        raise ValueError("portal.fulltext = postgresql needs a RelStorage URI or a postgresql://… address")
    return PostgresFullText(postgres_dsn(target), table)


def fulltext_for(settings):
    """The full-text store the settings choose, or None for the catalog's own text indexes."""
    choice = (settings.get("portal.fulltext") or "").strip()
    uri = settings.get("zodbconn.uri", "")
    if not choice:
        if uri.startswith("filestorage://"):
            choice = "sqlite"
        elif uri.startswith(("postgres://", "postgresql://")):
            choice = "postgresql"
        else:
            choice = "zodb"
    if choice == "zodb":
        return None
    if choice.startswith(("postgres", "postgresql")):
        return postgres_fulltext(choice, uri)
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
    raise ValueError(
        f"portal.fulltext must be zodb, sqlite, sqlite:///path, postgresql or postgresql://…, not {choice!r}"
    )


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
