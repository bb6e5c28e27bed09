"""Writers take turns: the threads of a process, and processes sharing a lock file or a PostgreSQL
database (an advisory lock), never hold the write lock at the same time."""

import subprocess
import sys
import threading
import time

import pytest

from portal.indexing import WriteLock, postgres_dsn
from tests.conftest import PROJECT

HOLD = """
import sys, time
from portal.indexing import WriteLock, postgres_dsn
kind, where = sys.argv[1], sys.argv[2]
lock = WriteLock(dsn=where) if kind == "pg" else WriteLock(path=where)
for _ in range(3):
    with lock:
        start = time.time()
        time.sleep(0.15)
        print(start, time.time(), flush=True)
"""


def overlapping(intervals):
    ordered = sorted(intervals)
    return [(a, b) for a, b in zip(ordered, ordered[1:], strict=False) if b[0] < a[1]]


def held_by_processes(kind, where, count=3):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD, kind, where], cwd=PROJECT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(count)
    ]
    intervals = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        intervals += [tuple(map(float, line.split())) for line in out.splitlines()]
    return intervals


def test_threads_take_turns():
    lock, intervals = WriteLock(), []

    def writer():
        for _ in range(3):
            with lock:
                start = time.time()
                time.sleep(0.02)
                intervals.append((start, time.time()))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(intervals) == 12 and overlapping(intervals) == []


def test_processes_sharing_a_lock_file_take_turns(tmp_path):
    intervals = held_by_processes("file", str(tmp_path / "write.lock"))
    assert len(intervals) == 9 and overlapping(intervals) == []


@pytest.mark.relstorage
def test_processes_on_one_postgresql_database_take_turns():
    dsn = postgres_dsn("postgres://postgres@127.0.0.1:5432/test?keep_history=false")
    assert dsn == "host=127.0.0.1 port=5432 user=postgres dbname=test"
    intervals = held_by_processes("pg", dsn)
    assert len(intervals) == 9 and overlapping(intervals) == []
