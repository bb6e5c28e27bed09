"""Several app processes on one database, with the same code: ZEO and RelStorage on PostgreSQL.

Each "process" here is a separate app with its own storage client, its own ZODB caches and its own
policy engine, as two waitress processes would have. A role granted through one is in force in the
other at its next request, without a restart.
"""

import pytest
import transaction
import ZEO

from tests.conftest import PROJECT, Browser, close_app, make_app


def grant_through_web(browser, login, role):
    page = browser.get("/tenants/cj-yushan/@@members")
    form = page.forms["grant-role"]
    form["login"] = login
    form["role"] = role
    return form.submit("grant").follow()


def roles_shown(browser, login):
    """The roles the members page of 鱼山镇 shows for ``login``."""
    page = browser.get("/tenants/cj-yushan/@@members")
    row = page.html.find("tr", {"data-login": login})
    return row.get_text(" ", strip=True) if row else ""


def check_two_processes(first, second):
    """A grant made in one process is in force in the other at its next request."""
    admin_a, admin_b = Browser(first), Browser(second)
    admin_a.login("ys.admin")
    admin_b.login("ys.admin")
    assert "联系人" not in roles_shown(admin_b, "ys.officer")
    # Before the grant, ys.officer (an officer, not a unit admin) is refused the members page in both.
    officer_b = Browser(second)
    officer_b.login("ys.officer")
    officer_b.get("/tenants/cj-yushan/@@members", status=403)

    grant_through_web(admin_a, "ys.officer", "unit_admin")

    assert "单位管理员" in roles_shown(admin_b, "ys.officer")
    officer_b.get("/tenants/cj-yushan/@@members", status=200)


@pytest.mark.relstorage
def test_relstorage_two_processes(postgres_uri, tmp_path):
    first = make_app(tmp_path / "a", **{"zodbconn.uri": postgres_uri(tmp_path / "a" / "blobcache")})
    second = make_app(tmp_path / "b", **{"zodbconn.uri": postgres_uri(tmp_path / "b" / "blobcache")})
    try:
        check_two_processes(first, second)
    finally:
        transaction.abort()
        close_app(first)
        close_app(second)


def test_zeo_two_processes(tmp_path):
    (tmp_path / "server-blobs").mkdir()
    address, stop = ZEO.server(path=str(tmp_path / "Data.fs"), blob_dir=str(tmp_path / "server-blobs"))
    host, port = address

    def uri(name):
        """A ZConfig file for one client: ``server-sync`` makes each new transaction ask the server
        for what was committed (zodburi's ``zeo://`` cannot set it); without it a client may begin a
        transaction before the other's invalidation has reached it, and see the old policy."""
        cache = tmp_path / name / "blobcache"
        cache.mkdir(parents=True)
        config = tmp_path / name / "zeo.conf"
        config.write_text(
            "%import ZEO\n<zodb>\n  <clientstorage>\n"
            f"    server {host}:{port}\n    blob-dir {cache}\n    shared-blob-dir false\n"
            "    server-sync true\n  </clientstorage>\n</zodb>\n"
        )
        return f"zconfig://{config}"

    first = make_app(tmp_path / "a", **{"zodbconn.uri": uri("a")})
    second = make_app(tmp_path / "b", **{"zodbconn.uri": uri("b")})
    try:
        check_two_processes(first, second)
    finally:
        transaction.abort()
        close_app(first)
        close_app(second)
        stop()


START_ONE = """
import sys
from tests.conftest import close_app, make_app
app = make_app(sys.argv[1], **{"zodbconn.uri": sys.argv[2]})
conn = app.registry._zodb_databases[""].open()
site = conn.root()["app_root"]
print(len(site["tenants"]), len(site["principals"]["users"]))
conn.close()
close_app(app)
"""


def start_together(uris, tmp_path):
    """Start one process per URI at the same moment on an empty database; what each printed."""
    import subprocess
    import sys

    processes = []
    for n, uri in enumerate(uris):
        directory = tmp_path / f"p{n}"
        directory.mkdir(exist_ok=True)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", START_ONE, str(directory), uri],
                cwd=str(PROJECT),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        results.append(out.split())
    return results


def check_started_together(results):
    """Every process came up and saw one site: 27 units, the admin and the demo people."""
    from portal.site import DEMO_PEOPLE

    assert results == [["27", str(1 + len(DEMO_PEOPLE))]] * len(results)


@pytest.mark.relstorage
def test_relstorage_processes_started_together_on_an_empty_database(postgres_uri, tmp_path):
    uris = [postgres_uri(tmp_path / f"p{n}" / "blobcache") for n in range(3)]
    check_started_together(start_together(uris, tmp_path))


def test_zeo_processes_started_together_on_an_empty_database(tmp_path):
    (tmp_path / "server-blobs").mkdir()
    address, stop = ZEO.server(path=str(tmp_path / "Data.fs"), blob_dir=str(tmp_path / "server-blobs"))
    host, port = address
    uris = []
    for n in range(3):
        cache = tmp_path / f"p{n}" / "blobcache"
        cache.mkdir(parents=True)
        config = tmp_path / f"p{n}" / "zeo.conf"
        config.write_text(
            "%import ZEO\n<zodb>\n  <clientstorage>\n"
            f"    server {host}:{port}\n    blob-dir {cache}\n    shared-blob-dir false\n"
            "    server-sync true\n  </clientstorage>\n</zodb>\n"
        )
        uris.append(f"zconfig://{config}")
    try:
        check_started_together(start_together(uris, tmp_path))
    finally:
        stop()


@pytest.mark.parametrize("ini", ["development.ini", "production.ini"])
def test_one_ini_file_serves_each_process_on_its_own_port(ini):
    """``pserve production.ini http_port=6544``: the port given on the command line is the one served."""
    from paste.deploy import loadwsgi

    for port in ("6543", "6544"):
        context = loadwsgi.loadcontext(
            loadwsgi.SERVER, f"config:{ini}", relative_to=str(PROJECT), global_conf={"http_port": port}
        )
        assert context.local_conf["listen"].endswith(":" + port)
