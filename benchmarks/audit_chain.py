"""What the audit trail's hash chain costs: chaining an older trail at start, the bytes the chain adds,
and checking it, as the page does (a part per load, each on a cold connection) and as the script does.

    .venv/bin/python benchmarks/audit_chain.py [--entries 100000] [--batch 20000] [--seconds 3]

A trail of ``--entries`` entries (each a history entry like the flows write, about one of many items)
is written to a FileStorage without its chain, as an older site's trail; then chained at once (the
evolution step), then checked.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

import transaction
from ZODB import DB
from ZODB.FileStorage import FileStorage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.audit import AuditTrail  # noqa: E402
from portal.audit.chain import Verification  # noqa: E402
from portal.calendar import SHANGHAI  # noqa: E402
from portal.items import Entry  # noqa: E402


def old_trail(root, count):
    """A trail as written before the chain: entries only."""
    trail = AuditTrail()
    for name in ("chain", "chained", "waiting"):
        delattr(trail, name)
    root["trail"] = trail
    start = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
    for number in range(count):
        entry = Entry(
            "send",
            "发送",
            "ys.officer",
            "鱼山镇执法人员",
            "cj-yushan",
            "鱼山镇",
            f"请于三个工作日内答复。第 {number} 件",
            "draft",
            "sent",
            when=start + datetime.timedelta(seconds=number * 7),
            details={"recipients": ["cj-scjgj"]},
        )
        trail._store(1_000_000 + number // 4, entry)
        if number % 10_000 == 9_999:
            transaction.commit()
    transaction.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=20_000, help="the page's portal.audit_verify_batch")
    parser.add_argument("--seconds", type=float, default=3.0, help="the page's portal.audit_verify_seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Data.fs"
        db = DB(FileStorage(str(path)), cache_size=5000)
        conn = db.open()
        old_trail(conn.root(), args.entries)
        db.pack()
        size_before = os.path.getsize(path)
        conn.cacheMinimize()

        started = time.perf_counter()
        chained = conn.root()["trail"].start_chain()
        transaction.commit()
        chaining = time.perf_counter() - started
        db.pack()
        conn.close()
        size_after = os.path.getsize(path)
        print(f"entries                      {args.entries:>10,}")
        print(f"chaining at start            {chaining:>10.1f} s  ({chained / chaining:,.0f} entries/s)")
        print(f"Data.fs before / after, packed {size_before / 1e6:>8.1f} MB / {size_after / 1e6:.1f} MB")

        # The page: a part per load, each load on a connection whose cache is cold.
        db.close()
        db = DB(FileStorage(str(path), read_only=True), cache_size=5000)
        verification, loads, slowest = None, 0, 0.0
        started = time.perf_counter()
        while verification is None or not verification.finished:
            conn = db.open()
            trail = conn.root()["trail"]
            conn.cacheMinimize()
            if verification is None:
                verification = Verification.of(trail)
            begun = time.perf_counter()
            verification.step(trail, limit=args.batch, seconds=args.seconds)
            slowest = max(slowest, time.perf_counter() - begun)
            verification = Verification.from_state(verification.state())
            loads += 1
            transaction.abort()
            conn.close()
        total = time.perf_counter() - started
        print(
            f"page check                   {total:>10.1f} s  in {loads} loads (at most {args.batch:,} "
            f"or {args.seconds:g} s each), slowest load {slowest:.2f} s, broken: {verification.broken}"
        )

        conn = db.open()
        trail = conn.root()["trail"]
        started = time.perf_counter()
        checked, broken = trail.verify()
        total = time.perf_counter() - started
        print(
            f"check at once (script)       {total:>10.1f} s  ({checked / total:,.0f} links/s), "
            f"broken: {broken}"
        )
        conn.close()
        db.close()


if __name__ == "__main__":
    main()
