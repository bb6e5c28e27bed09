"""How many committed attachments each way of opening FileStorage loses while other writers abort.

    .venv/bin/python benchmarks/blobs.py [--runs 10]

Eight threads store blobs, half of each thread's transactions committing and half aborting; then
every committed blob is read back. ZODB's ``BlobStorage`` wrapper (zodburi's ``file://`` with
``blobstorage_dir``) loses some on some runs; FileStorage with a native ``blob_dir`` (what the
portal opens) must lose none.
"""

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from ZODB.blob import BlobStorage
from ZODB.FileStorage import FileStorage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_storage import commit_and_abort_blobs  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    logging.getLogger("ZODB.Connection").setLevel(logging.CRITICAL)
    kinds = {
        "BlobStorage wrapper": lambda d: BlobStorage(str(d / "blobs"), FileStorage(str(d / "Data.fs"))),
        "native blob_dir": lambda d: FileStorage(str(d / "Data.fs"), blob_dir=str(d / "blobs")),
    }
    print(f"{'storage':<22}{'runs':>6}{'runs losing':>13}{'committed':>11}{'lost':>7}")
    for name, open_storage in kinds.items():
        committed = lost = losing = 0
        for _run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                done, gone = commit_and_abort_blobs(open_storage(Path(tmp)))
            committed += done
            lost += gone
            losing += bool(gone)
        print(f"{name:<22}{args.runs:>6}{losing:>13}{committed:>11}{lost:>7}")


if __name__ == "__main__":
    main()
