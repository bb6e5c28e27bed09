"""``portal-deadlines``, run by cron: reminders a working day ahead, overdue marks, each once."""

import datetime

import transaction
from ZODB import DB
from ZODB.FileStorage import FileStorage
from pyramid.threadlocal import manager

from portal.items import reindex
from portal.notifications import inbox_of
from portal.scripts.deadlines import main
from tests.conftest import close_app, settings_for
from tests.deadlines.sample import add_sample, at, make_sample_app

SCJ = ["scj.admin", "scj.deputy", "scj.leader", "scj.liaison", "scj.officer"]
YUSHAN = ["ys.admin", "ys.deputy", "ys.leader", "ys.liaison", "ys.officer"]


def write_ini(site_dir, tmp_path):
    lines = ["[app:main]", "use = egg:enforcement-portal"]
    lines += [f"{key} = {value}" for key, value in settings_for(site_dir).items()]
    path = tmp_path / "cron.ini"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


class Site:
    """The site's storage, opened between runs (a FileStorage admits one process at a time).

    ``Site(directory)`` only looks (read-only, no app); ``Site(directory, app=True)`` runs the portal
    to set items up, since adding and reindexing need its registry.
    """

    def __init__(self, directory, app=False):
        self.app = make_sample_app(directory) if app else None
        if app:
            self.db = self.app.registry._zodb_databases[""]
        else:
            storage = FileStorage(
                str(directory / "Data.fs"), blob_dir=str(directory / "blobs"), read_only=True
            )
            self.db = DB(storage)
        self.conn = self.db.open()
        self.root = self.conn.root()["app_root"]

    def texts(self, login):
        box = inbox_of(self.root, login)
        return [] if box is None else [n.text for _, n in box.latest()]

    def close(self):
        transaction.abort()
        self.conn.close()
        if self.app is not None:
            close_app(self.app)
        else:
            self.db.close()


def run(ini, now, capsys):
    assert main([ini, "--now", now]) == 0
    return capsys.readouterr().out.strip()


def test_run_reminds_marks_overdue_and_repeats_nothing(site_dir, tmp_path, capsys):
    site = Site(site_dir, app=True)
    root, registry = site.root, site.app.registry
    # Friday 2026-11-27, 10:00. The next working day is Monday 2026-11-30.
    add_sample(root, registry, "monday", "周一到期的", due=datetime.date(2026, 11, 30))
    add_sample(root, registry, "noon", "中午到期的", due=at(2026, 11, 27, 12, 0))
    add_sample(root, registry, "late", "已超期的", due=datetime.date(2026, 11, 26))
    add_sample(root, registry, "later", "下周五到期的", due=datetime.date(2026, 12, 4))
    add_sample(root, registry, "signed", "已签收的", due=datetime.date(2026, 11, 20), state="signed")
    site.close()
    ini = write_ini(site_dir, tmp_path)

    assert run(ini, "2026-11-27T10:00", capsys) == (
        "portal-deadlines 2026-11-27 10:00: reminded 2 items, marked 1 overdue, 20 notifications sent"
    )
    site = Site(site_dir)
    assert sorted(site.texts("scj.liaison")) == [
        "《中午到期的》将于 2026-11-27 12:00 到期（一个工作日内到期），等待本单位签收",
        "《周一到期的》将于 2026-11-30 到期（一个工作日内到期），等待本单位签收",
        "《已超期的》已超期（到期日 2026-11-26），等待本单位签收",
    ]
    for login in SCJ:
        assert len(site.texts(login)) == 3
    for login in YUSHAN:  # the owner hears of the overdue item only
        assert site.texts(login) == ["《已超期的》已超期（到期日 2026-11-26），等待本单位签收"]
    assert site.texts("lm.officer") == []
    late = site.root["tenants"]["cj-yushan"]["late"]
    entry = late.history[-1]
    assert (entry.login, entry.name, entry.unit, entry.title) == ("system", "系统", "", "已超期")
    assert entry.comment == "到期日 2026-11-26 已过，等待本单位签收"
    assert entry.when == at(2026, 11, 27, 10, 0)
    assert len(site.root["tenants"]["cj-yushan"]["later"].history) == 0
    assert len(site.root["tenants"]["cj-yushan"]["signed"].history) == 0
    site.close()

    # Half an hour later: nothing new.
    assert run(ini, "2026-11-27T10:30", capsys).endswith(
        "reminded 0 items, marked 0 overdue, 0 notifications sent"
    )
    site = Site(site_dir)
    assert len(site.texts("scj.liaison")) == 3
    assert [e.title for e in site.root["tenants"]["cj-yushan"]["late"].history] == ["已超期"]
    site.close()

    # Monday: the noon item is overdue now; the Monday item was reminded already.
    assert run(ini, "2026-11-30T09:00", capsys).endswith(
        "reminded 0 items, marked 1 overdue, 10 notifications sent"
    )
    site = Site(site_dir)
    assert site.texts("scj.officer")[0] == ("《中午到期的》已超期（到期日 2026-11-27 12:00），等待本单位签收")
    site.close()


def test_extended_due_date_is_reminded_and_marked_again(site_dir, tmp_path, capsys):
    site = Site(site_dir, app=True)
    add_sample(site.root, site.app.registry, "late", "延期的", due=datetime.date(2026, 11, 26))
    site.close()
    ini = write_ini(site_dir, tmp_path)
    assert "marked 1 overdue" in run(ini, "2026-11-27T10:00", capsys)

    site = Site(site_dir, app=True)
    item = site.root["tenants"]["cj-yushan"]["late"]
    item.set_due(datetime.date(2026, 11, 30), awaiting=["cj-scjgj"], waiting_for="等待本单位签收")
    manager.push({"registry": site.app.registry, "request": None})
    try:
        reindex(item)
        transaction.commit()
    finally:
        manager.pop()
    site.close()

    assert "reminded 1 items, marked 0 overdue" in run(ini, "2026-11-27T11:00", capsys)
    assert "reminded 0 items, marked 1 overdue" in run(ini, "2026-12-01T08:00", capsys)
    site = Site(site_dir)
    assert [e.comment for e in site.root["tenants"]["cj-yushan"]["late"].history] == [
        "到期日 2026-11-26 已过，等待本单位签收",
        "到期日 2026-11-30 已过，等待本单位签收",
    ]
    site.close()
