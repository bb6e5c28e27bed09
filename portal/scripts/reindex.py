"""``portal-reindex <ini file>``: rebuild the catalogs' entries from the stored objects.

The catalogs are derived data: every object the object map knows is indexed again, and every catalog
entry whose object is gone is removed, in batches of their own transactions, with progress shown.
Run it after restoring a backup taken while the indexer was behind, or whenever the catalogs must
be trusted anew; the portal may keep serving meanwhile.
"""

import argparse
import sys
import time

import transaction
from pyramid.paster import bootstrap

from ..indexing import CATALOGS, reindex_oids


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="portal-reindex", description=__doc__.splitlines()[0])
    parser.add_argument("config_uri", help="the portal's ini file, e.g. production.ini")
    parser.add_argument("--batch", type=int, default=500, help="objects per transaction")
    return parser.parse_args(argv)


def all_oids(root):
    """Every oid the object map knows, and every oid a catalog holds."""
    oids = set(root.__objectmap__.objectid_to_path.keys())
    for name in CATALOGS:
        if name in root["catalogs"]:
            oids.update(root["catalogs"][name].objectids)
    return sorted(oids)


def main(argv=None, out=None):
    args = parse_args(argv)
    out = out or sys.stdout
    env = bootstrap(args.config_uri)
    try:
        root = env["root"]
        oids = all_oids(root)
        started = time.monotonic()
        for start in range(0, len(oids), args.batch):
            batch = oids[start : start + args.batch]
            for attempt in range(5):
                try:
                    transaction.begin()
                    reindex_oids(root, batch)
                    transaction.get().note(f"portal-reindex: {start + len(batch)} of {len(oids)}")
                    transaction.commit()
                    break
                except Exception:
                    transaction.abort()
                    if attempt == 4:
                        raise
            done = start + len(batch)
            elapsed = time.monotonic() - started
            rate = done / elapsed if elapsed else 0
            eta = (len(oids) - done) / rate if rate else 0
            print(f"{done}/{len(oids)} objects, {rate:.0f}/s, {eta:.0f} s to go", file=out, flush=True)
    finally:
        env["closer"]()
        for db in env["registry"]._zodb_databases.values():
            db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
