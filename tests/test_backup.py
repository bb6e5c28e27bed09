"""Backups restore completely: every item and every attachment readable after a restore, with the
commands of ``docs/operations.md`` (repozo plus the blob directory; pg_dump for RelStorage)."""

import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import transaction

from tests.conftest import POSTGRES, Browser, close_app, make_app

BIN = Path(sys.executable).parent
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def file_requests(app, count=3):
    """The township files collaboration requests with an attachment each; their page paths."""
    browser = Browser(app)
    browser.login("ys.officer")
    paths = []
    for n in range(count):
        page = browser.get("/tenants/cj-yushan/@@new-collab-request")
        form = page.forms["collab-request-form"]
        form["title"] = f"关于第{n + 1}批疑似假冒白酒的技术鉴定请求"
        form["department"] = "cj-scjgj"
        form["kind"] = "技术鉴定"
        form["facts"] = "检查发现疑似假冒白酒。"
        form["question"] = "请鉴定。"
        form["file"] = [(f"检查笔录{n + 1}.pdf", PDF + str(n).encode())]
        paths.append(form.submit("send").follow().request.path)
    return paths


def check_everything_readable(app, paths):
    browser = Browser(app)
    browser.login("ys.officer")
    for n, path in enumerate(paths):
        page = browser.get(path)
        assert f"第{n + 1}批" in page.text
        links = [a["href"] for a in page.html.select("a[href*='@@download']")]
        assert links, page.text[:500]
        for link in links:
            assert browser.get(link).body == PDF + str(n).encode()
    assert len(browser.get("/outbox").html.select("a[href*='cr-']")) >= len(paths)
    # Search too: the words are found again (a restored FileStorage's full-text file is refilled).
    assert "第2批" in browser.get("/search", {"q": "第2批 白酒"}).text


def test_filestorage_backup_with_repozo_and_the_blob_directory_restores_everything(tmp_path):
    live = tmp_path / "live"
    app = make_app(live)
    paths = file_requests(app)
    close_app(app)

    backups = tmp_path / "backups"
    (backups / "repozo").mkdir(parents=True)
    subprocess.run([BIN / "repozo", "-B", "-z", "-r", backups / "repozo", "-f", live / "Data.fs"], check=True)
    # Blob files never change once written: copying the directory after Data.fs's backup holds
    # every blob that backup refers to.
    shutil.copytree(live / "blobs", backups / "blobs")

    restored = tmp_path / "restored"
    restored.mkdir()
    subprocess.run([BIN / "repozo", "-R", "-r", backups / "repozo", "-o", restored / "Data.fs"], check=True)
    shutil.copytree(backups / "blobs", restored / "blobs")
    app = make_app(restored)
    try:
        check_everything_readable(app, paths)
    finally:
        transaction.abort()
        close_app(app)


@pytest.mark.relstorage
def test_relstorage_backup_with_pg_dump_restores_everything(postgres_uri, tmp_path):
    app = make_app(tmp_path / "live", **{"zodbconn.uri": postgres_uri(tmp_path / "live" / "cache")})
    paths = file_requests(app)
    close_app(app)

    source = postgres_uri(tmp_path).split("/")[3].split("?")[0]
    target = source + "_restored"
    dump = tmp_path / "portal.dump"
    subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", dump, source], check=True)
    admin = psycopg2.connect(POSTGRES)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}"')
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(["pg_restore", "-h", "127.0.0.1", "-U", "postgres", "-d", target, dump], check=True)
        uri = postgres_uri(tmp_path / "restored" / "cache").replace(f"/{source}?", f"/{target}?")
        app = make_app(tmp_path / "restored", **{"zodbconn.uri": uri})
        try:
            check_everything_readable(app, paths)
        finally:
            transaction.abort()
            close_app(app)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.close()
