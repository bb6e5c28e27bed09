"""What search costs with many items: relevance and date order, first and last page, facets, per store.

    .venv/bin/python benchmarks/search.py --items 100000 [--store sqlite|postgresql|zodb|all] [--runs 20]

Builds (once, cached in ``benchmarks/results/search-<N>/``) the site of ``benchmarks/listings.py``
(N items of the sample types over the district's 27 units, Chinese titles and bodies) with the words
in the catalog's own text indexes, and fills the other stores from its items once: the SQLite file
beside the Data.fs, and a table ``bench_fulltext_<N>`` in the PostgreSQL database ``test``. Then, on
each store (``portal.fulltext``), as ``scj.officer`` (区市监局) and ``sfj.supervisor`` (who sees
every unit's items once sent), it measures the search page for a few queries: the whole page
through the app (WebTest: query, order, page of 20 objects, facets, template), first and last page,
by relevance and by the last change; and in process the parts: the visible hits, the page's order,
the facets.

Figures are medians and 95th percentiles in milliseconds.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import transaction

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(HERE))

import listings  # noqa: E402

from portal.fulltext import PostgresFullText, SQLiteFullText, refill  # noqa: E402
from portal.listings.search import SearchPage, SearchParams  # noqa: E402

POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"
#: (name, query): two words with hundreds of hits, a rare word (a telephone number found in the
#: newest item the person may see, see :func:`rare_word`), a word in every item.
QUERIES = [
    ("two words", "市场监管 处罚"),
    ("rare word", None),
    ("common word", "有限公司"),
]
PEOPLE = [("scj.officer", "cj-scjgj"), ("sfj.supervisor", "cj-sfj")]


def store_setting(store, items):
    if store == "postgresql":
        return f"postgresql://postgres@127.0.0.1:5432/test?table=bench_fulltext_{items}"
    return store


#: The supervisors read every item of the sample types (the sample rows know no supervision).
SUPERVISOR_ROWS = [
    ["role:supervisor", "unit:cj-sfj", "*", item_type, "view"]
    for item_type in ("sample_item", "sample_notice")
]


def fill_stores(directory, items):
    """Fill the SQLite file and the PostgreSQL table from the site's items (once each), and give
    the supervisors the rows that let them read every item."""
    app = listings.make_app(directory, **{"portal.fulltext": "zodb"})
    try:
        from tests.items import sample

        with sample.site(app) as root:
            sample.add_rows(root, SUPERVISOR_ROWS)
        stores = {
            "sqlite": SQLiteFullText(directory / "Data.fs.fulltext"),
            "postgresql": PostgresFullText(POSTGRES, f"bench_fulltext_{items}"),
        }
        for name, store in stores.items():
            with sample.site(app, commit=False) as root:
                start = time.perf_counter()
                written = refill(root, store, limit=10**9)
                if written:
                    seconds = time.perf_counter() - start
                    print(f"  filled the {name} store from {written:,} items in {seconds:.0f} s")
                    if name == "postgresql":
                        # What autovacuum does soon after: without statistics PostgreSQL reads
                        # the whole table for a few docids.
                        with store.connection() as cursor:
                            cursor.execute(f"ANALYZE {store.table}")
    finally:
        listings.close(app)


class InProcess:
    """A request in the app's registry as a person acting in a unit (no HTTP, no template)."""

    def __init__(self, app, login, unit):
        from pyramid.request import Request, apply_request_extensions
        from pyramid.threadlocal import manager

        from portal.people import find_person

        self.conn = app.registry._zodb_databases[""].open()
        self.manager = manager

        def request(query):
            req = Request.blank("/search?" + urlencode(query))
            req.registry = app.registry
            apply_request_extensions(req)
            req.root = self.conn.root()["app_root"]
            req.__dict__["user"] = find_person(req.root, login)
            req.__dict__["login"] = login
            req.__dict__["acting_unit"] = unit
            manager.push({"registry": app.registry, "request": req})
            return req

        self.make_request = request

    def run(self, query, what):
        def call():
            request = self.make_request(query)
            try:
                return what(request)
            finally:
                self.manager.pop()
                transaction.abort()

        return call

    def close(self):
        transaction.abort()
        self.conn.close()


def hits(request):
    return SearchPage(request, SearchParams.from_request(request)).count


def ordered_page(request):
    return SearchPage(request, SearchParams.from_request(request)).page_items()


def facets(request):
    return SearchPage(request, SearchParams.from_request(request)).facets()


def rare_word(request):
    """The telephone number in the newest item the person may see (the bodies end with one)."""
    found = SearchPage(request, SearchParams(words="", sort="modified", facets={"type": "sample_item"}))
    item = found.page_items()[1][0]
    return re.search(r"0798-([0-9]{7})", item.searchable_text()).group(1)


def measure(app, store, runs):
    from tests.conftest import Browser

    print(f"Store: {store}")
    for login, unit in PEOPLE:
        browser = Browser(app)
        browser.login(login)
        bench = InProcess(app, login, unit)
        try:
            for name, words in QUERIES:
                words = words or bench.run({}, rare_word)()
                count = bench.run({"q": words}, hits)()
                pages = max(1, -(-count // 20))
                print(f"  {login} “{words}” ({name}): {count:,} hits, {pages:,} pages")
                listings.report(
                    "    visible hits (in process)", listings.timed(bench.run({"q": words}, hits), runs)
                )
                for sort in ("relevance", "modified"):
                    for page in (1, pages):
                        query = {"q": words, "sort": sort, "page": page}
                        unscored = bench.run(query, ordered_page)()[2]
                        label = f"{sort}, page {page}" + (" (a group in date order)" if unscored else "")
                        listings.report(
                            f"    hits + order + {label}",
                            listings.timed(bench.run(query, ordered_page), runs),
                        )
                        listings.report(
                            f"    whole page (WebTest), {label}",
                            listings.timed(lambda query=query, b=browser: b.get("/search", query), runs),
                        )
                sampled = bench.run({"q": words}, facets)()[1]
                listings.report(
                    "    hits + facets" + (f" (estimated from {sampled:,})" if sampled else ""),
                    listings.timed(bench.run({"q": words}, facets), runs),
                )
        finally:
            bench.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "zodb", "all"], default="all")
    args = parser.parse_args()
    directory = HERE / "results" / f"search-{args.items}"
    if not (directory / "built").exists():
        print(f"Building a site of {args.items:,} items in {directory} ...", flush=True)
        seconds = listings.build(directory, args.items, **{"portal.fulltext": "zodb"})
        print(f"Built in {seconds:.0f} s ({os.path.getsize(directory / 'Data.fs') / 1e6:.0f} MB)", flush=True)
    stores = ["sqlite", "postgresql", "zodb"] if args.store == "all" else [args.store]
    fill_stores(directory, args.items)
    print(f"{args.items:,} items; {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    for store in stores:
        app = listings.make_app(directory, **{"portal.fulltext": store_setting(store, args.items)})
        try:
            measure(app, store, args.runs)
        finally:
            listings.close(app)


if __name__ == "__main__":
    main()
