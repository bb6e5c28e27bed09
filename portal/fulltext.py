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

Search ranks by relevance from the store (:mod:`portal.listings.search`): each store also keeps the
items' titles as words of their own (whether a query word is in the title), and scores the visible
hits of a search only (:meth:`SQLiteFullText.relevance`, :meth:`PostgresFullText.relevance`).
"""

import json
import logging
import math
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

#: The splitter's boundary word, as a token FTS5 keeps (a private-use character nobody types).
BOUNDARY_TOKEN = "\ue000"
TOKENIZE = "tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\""
SCHEMA = f"CREATE VIRTUAL TABLE IF NOT EXISTS items USING fts5(words, chars, {TOKENIZE})"
#: The titles' words (a table of its own: a store made before it existed gains it, and is filled by
#: :func:`refill`, without rewriting the words).
TITLES_SCHEMA = f"CREATE VIRTUAL TABLE IF NOT EXISTS titles USING fts5(words, {TOKENIZE})"
#: FTS5's bm25() parameters (``fts5_aux.c``), used by :meth:`SQLiteFullText.relevance`.
BM25_K1 = 1.2
BM25_B = 0.75


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


def title_words(title):
    """The words of a title, as the stores keep them (the same splitter as the text)."""
    from .items.catalog import CJKBigramSplitter

    return CJKBigramSplitter().process([title or ""])


def fts_phrase(words):
    """An FTS5 phrase for the splitter's ``words`` (its tokens never hold a double quote)."""
    return '"' + tokens_of(words) + '"'


def occurrences(haystack, needle):
    """How many times ``needle`` occurs in ``haystack``, overlapping ones included."""
    count, at = 0, haystack.find(needle)
    while at >= 0:
        count += 1
        at = haystack.find(needle, at + 1)
    return count


def varints(data):
    """The SQLite varints of ``data`` (the encoding of FTS5's records)."""
    values, i = [], 0
    while i < len(data):
        value = 0
        for k in range(9):
            byte = data[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values


class SQLiteFullText:
    """The FTS5 table in one file; a connection per thread, WAL so that reading never waits."""

    def __init__(self, path):
        self.path = str(path)
        self._local = threading.local()
        with self.connection() as conn:
            conn.execute(SCHEMA)
            conn.execute(TITLES_SCHEMA)

    def connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return _Transaction(conn)

    def update(self, texts, titles=None):
        """Store ``{docid: searchable text}`` and ``{docid: title}`` (replacing what each docid had)."""
        texts, titles = texts or {}, titles or {}
        if not texts and not titles:
            return
        rows = [(docid, *document(text)) for docid, text in texts.items()]
        title_rows = [(docid, tokens_of(title_words(title))) for docid, title in titles.items()]
        with self.connection() as conn:
            conn.executemany("DELETE FROM items WHERE rowid = ?", [(docid,) for docid in texts])
            conn.executemany("INSERT INTO items(rowid, words, chars) VALUES (?, ?, ?)", rows)
            conn.executemany("DELETE FROM titles WHERE rowid = ?", [(docid,) for docid in titles])
            conn.executemany("INSERT INTO titles(rowid, words) VALUES (?, ?)", title_rows)

    def remove(self, docids):
        if docids:
            with self.connection() as conn:
                conn.executemany("DELETE FROM items WHERE rowid = ?", [(docid,) for docid in docids])
                conn.executemany("DELETE FROM titles WHERE rowid = ?", [(docid,) for docid in docids])

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

    def has_titles(self):
        with self.connection() as conn:
            return conn.execute("SELECT rowid FROM titles LIMIT 1").fetchone() is not None

    def clear(self):
        with self.connection() as conn:
            conn.execute("DELETE FROM items")
            conn.execute("DELETE FROM titles")

    # relevance -----------------------------------------------------------------------------------

    def title_matches(self, phrases, docids=None):
        """Docids whose title holds one of ``phrases`` (each the splitter's words for a query word).

        ``docids`` is not used: FTS5 asked for given rows by id evaluates the phrase once per row
        (2,000 rows: 120–650 ms at 100,000 items, where all the titles holding it take 2–50 ms)."""
        expression = " OR ".join(fts_phrase(words) for words in phrases if words)
        if not expression:
            return []
        with self.connection() as conn:
            return [
                row[0] for row in conn.execute("SELECT rowid FROM titles WHERE titles MATCH ?", (expression,))
            ]

    def matches(self, term):
        """How many documents hold ``term`` (``("phrase", words)`` or ``("char", character)``)."""
        kind, value = term
        expression = f'chars : "{value}"' if kind == "char" else "words : " + fts_phrase(value)
        with self.connection() as conn:
            return conn.execute("SELECT count(*) FROM items WHERE items MATCH ?", (expression,)).fetchone()[0]

    def totals(self, conn):
        """``(documents, tokens)`` of the table, from FTS5's own averages record (what bm25() reads)."""
        row = conn.execute("SELECT block FROM items_data WHERE id = 1").fetchone()
        values = varints(row[0]) if row is not None else []
        return (values[0], sum(values[1:])) if values else (0, 0)

    def relevance(self, docids, terms):
        """``{docid: score}`` for ``docids`` (the visible hits), higher is better: FTS5's bm25 of the
        query over the words and characters, the same figure as ``-bm25(items)``, computed for these
        documents only.

        ``terms``: for each query word, its alternatives, each ``(term, documents holding it or
        None)``; a word's score is the sum of its alternatives' (as bm25 sums an OR). FTS5's bm25()
        itself cannot be limited to given rows (it counts each phrase over the whole table again
        for every row asked by id), so the statistics come from the store and each document's
        phrase frequencies from its stored words.
        """
        docids = list(docids)
        if not docids:
            return {}
        with self.connection() as conn:
            documents, tokens = self.totals(conn)
            rows = conn.execute(
                "SELECT rowid, words, chars FROM items WHERE rowid IN (SELECT value FROM json_each(?))",
                (json.dumps(docids),),
            ).fetchall()
        if not documents:
            return {}
        average = tokens / documents
        weighted = []
        for alternatives in terms:
            for term, holding in alternatives:
                if holding is None:
                    holding = self.matches(term)
                if not holding:
                    continue
                idf = max(math.log((documents - holding + 0.5) / (holding + 0.5)), 1e-6)
                kind, value = term
                needle = f" {value} " if kind == "char" else f" {tokens_of(value)} "
                weighted.append((kind, needle, idf))
        scores = {}
        for docid, words, chars in rows:
            words, chars = f" {words} ", f" {chars} "
            length = (words.count(" ") - 1 if words.strip() else 0) + (
                chars.count(" ") - 1 if chars.strip() else 0
            )
            norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average)
            score = 0.0
            for kind, needle, idf in weighted:
                tf = occurrences(chars if kind == "char" else words, needle)
                if tf:
                    score += idf * tf * (BM25_K1 + 1) / (tf + norm)
            scores[docid] = score
        return scores


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
    A phrase is the ``<->`` chain of its words; the columns have GIN indexes. The title's words are
    a third ``tsvector`` on the first row. PostgreSQL keeps
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
            # The title's words, on each document's first row (a table made before has it added).
            cursor.execute(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS title tsvector NOT NULL DEFAULT ''::tsvector"
            )
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_title ON {table} USING gin (title)")

    def connection(self):
        import psycopg2

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = psycopg2.connect(self.dsn)
        return _PostgresTransaction(conn)

    @staticmethod
    def lexeme(token):
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"

    def vector(self, words):
        """A ``tsvector`` literal: each word a lexeme with its positions (from 1)."""
        positions = {}
        for offset, word in enumerate(words, 1):
            positions.setdefault(word, []).append(str(offset))
        return " ".join(f"{self.lexeme(w)}:{','.join(p)}" for w, p in positions.items())

    def rows(self, docid, text, title=""):
        from .items.catalog import CJKBigramSplitter, characters

        words = token_list(CJKBigramSplitter().process([text]))
        chars = " ".join(self.lexeme(char) for char in sorted(set(characters(text))))
        title = self.vector(token_list(title_words(title))[: self.CHUNK])
        step = self.CHUNK - self.OVERLAP
        starts = range(0, max(len(words) - self.OVERLAP, 1), step) if len(words) > self.CHUNK else [0]
        for chunk, start in enumerate(starts):
            vector = self.vector(words[start : start + self.CHUNK])
            yield docid, chunk, vector, chars if chunk == 0 else "", title if chunk == 0 else ""

    def update(self, texts, titles=None):
        """Store ``{docid: searchable text}`` and ``{docid: title}``; a title without its text only
        replaces the title (what :func:`refill` gives a store made before titles were kept)."""
        texts, titles = texts or {}, titles or {}
        rows = [row for docid, text in texts.items() for row in self.rows(docid, text, titles.get(docid, ""))]
        retitled = [
            (self.vector(token_list(title_words(t))[: self.CHUNK]), d)
            for d, t in titles.items()
            if d not in texts
        ]
        if not rows and not retitled:
            return
        with self.connection() as cursor:
            if texts:
                cursor.execute(f"DELETE FROM {self.table} WHERE docid = ANY(%s)", (list(texts),))
                cursor.executemany(
                    f"INSERT INTO {self.table} (docid, chunk, words, chars, title) "
                    "VALUES (%s, %s, %s::tsvector, %s::tsvector, %s::tsvector)",
                    rows,
                )
            cursor.executemany(
                f"UPDATE {self.table} SET title = %s::tsvector WHERE docid = %s AND chunk = 0", retitled
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

    def has_titles(self):
        with self.connection() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.table} WHERE length(title) > 0)")
            return cursor.fetchone()[0]

    def clear(self):
        with self.connection() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")

    # relevance -----------------------------------------------------------------------------------

    def tsquery(self, term):
        kind, value = term
        if kind == "char":
            return "chars", self.lexeme(value)
        return "words", " <-> ".join(self.lexeme(token) for token in token_list(value))

    #: Up to this many hits, their titles are read by docid rather than every title holding a word.
    TITLES_BY_DOCID = 5_000

    def title_matches(self, phrases, docids=None):
        """Docids whose title holds one of ``phrases`` (each the splitter's words for a query word);
        only among ``docids`` when given (a few hits: read by the primary key)."""
        queries = [self.tsquery(("phrase", words))[1] for words in phrases if words]
        if not queries:
            return []
        query = " | ".join(f"({q})" for q in queries)
        with self.connection() as cursor:
            if docids is not None and len(docids) <= self.TITLES_BY_DOCID:
                cursor.execute(
                    f"SELECT docid FROM {self.table} "
                    "WHERE docid = ANY(%s) AND chunk = 0 AND title @@ %s::tsquery",
                    (list(docids), query),
                )
            else:
                cursor.execute(f"SELECT docid FROM {self.table} WHERE title @@ %s::tsquery", (query,))
            return [row[0] for row in cursor.fetchall()]

    def relevance(self, docids, terms):
        """``{docid: score}`` for ``docids`` (the visible hits), higher is better: the sum over the
        query's words of ``ts_rank`` (normalised by the log of the document's length), computed for
        these documents only (``terms`` as :meth:`SQLiteFullText.relevance` takes them)."""
        docids = list(docids)
        scores = dict.fromkeys(docids, 0.0)
        queries = [
            self.tsquery(term) for alternatives in terms for term, holding in alternatives if holding != 0
        ]
        if not docids or not queries:
            return scores
        # One pass over the hits' rows, read by the primary key (a condition on the words would
        # read every row holding them), each term a column of the sum.
        columns = ", ".join(
            f"sum(CASE WHEN {column} @@ %s::tsquery THEN ts_rank({column}, %s::tsquery, 1) ELSE 0 END)"
            for column, _ in queries
        )
        params = [query for _, query in queries for _ in (0, 1)]
        with self.connection() as cursor:
            cursor.execute(
                f"SELECT docid, {columns} FROM {self.table} WHERE docid = ANY(%s) GROUP BY docid",
                (*params, docids),
            )
            for docid, *ranks in cursor.fetchall():
                scores[docid] = sum(ranks)
        return scores


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
    """Fill an empty store from the items the catalog knows (a new file, a restored backup), or the
    titles of a store made before titles were kept.

    Returns how many items were written; a site with more than ``limit`` items is left to
    ``portal-reindex`` (started by the operator, with progress shown), not to the start-up.
    """
    if fulltext is None:
        return 0
    words = not fulltext.count()
    if not words and fulltext.has_titles():
        return 0
    docids = list(site["catalogs"]["portal"]["item_type"]._rev_index.keys())
    if not docids:
        return 0
    what = "the full-text store is empty" if words else "the full-text store has no titles"
    if len(docids) > limit:
        log.warning("%s: run portal-reindex to fill it (%d items)", what, len(docids))
        return 0
    objectmap = site.__objectmap__
    written = 0
    for start in range(0, len(docids), batch):
        texts, titles = {}, {}
        for docid in docids[start : start + batch]:
            item = objectmap.object_for(docid)
            if item is not None and hasattr(item, "searchable_text"):
                titles[docid] = item.title or ""
                if words:
                    texts[docid] = item.searchable_text()
        fulltext.update(texts, titles)
        written += len(titles)
    log.info("%s: filled from %d items", what, written)
    return written
