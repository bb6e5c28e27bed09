"""What happens when several people create items at once through the real forms.

    .venv/bin/python benchmarks/writes.py --storage all --clients 8 --seconds 60
        [--processes 3] [--kill] [--start-together]

For each storage (``file``: FileStorage, one app process configured like ``development.ini``;
``zeo``: a ``runzeo`` server and P app processes with ``server-sync true``; ``relstorage``: P app
processes on a fresh PostgreSQL database) it starts the real servers as separate OS processes
(``pserve`` on an ini file written to a temporary directory, the settings of ``development.ini``
with only the database changed), on an empty database: the first process creates the demo district
and people; the others start once it answers, or all at once with ``--start-together``.

Then N clients (threads, each with its own cookies, logged in as demo people, each on one app
process, round robin) fill the real forms over HTTP for S seconds, picking at random:

* a collaboration request, created and sent by a township officer (``ys.officer``, ``lm.officer``);
* a penalty filing saved and then submitted (报送) by a township officer;
* a regulation published by ``scj.officer`` to two townships;
* a complaint registered by a township officer;
* a case transfer saved by ``ys.officer``, its three materials uploaded, submitted, approved by
  ``ys.leader`` and sent.

Every form that takes a file gets a small real PDF. A request refused because its server is down
(``--kill`` kills one app process, and with ZEO the ZEO server too, half way, and restarts it a
second or two later) is sent again; a request cut off in the middle is counted as interrupted.

Measured per kind of POST: successes, 5xx and other unexpected answers, interrupted requests,
latency p50/p95; creations per second, overall and for the collaboration-request form alone;
conflict retries and conflict errors in the servers' logs. Then, reading the database without
writing (FileStorage and the ZEO server's file directly, RelStorage through its URI): every
creation the server acknowledged (its redirect to the new item) present exactly once, with its
number when the numbering step was acknowledged; numbers unique per item type; every attachment's
blob readable; the portal catalog's ``item_type`` index equal to the stored objects (polled for up
to 30 s while the servers still run, as indexing may lag the commit). Finally the bytes the run
wrote per created item (object records committed during the load; for RelStorage the growth of
``object_state``'s total relation size instead, which is not the same measure). Exits with 1
when an acknowledged creation was lost or duplicated, or the servers did not start.
"""

import argparse
import collections
import configparser
import http.client
import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))

PYTHON = sys.executable
DEMO_PASSWORD = "demo12345"
POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TOWNSHIPS = {"ys.officer": "cj-yushan", "lm.officer": "cj-lvmeng"}
DECISION_CODES = {"ys.officer": "鱼山镇罚决", "lm.officer": "吕蒙街道罚决"}
DEPARTMENT = "cj-scjgj"
#: The POSTs that create an item (the others are later steps of the same flow).
CREATIONS = ("request.send", "filing.save", "regulation.publish", "complaint.register", "transfer.save")
CONFLICT_PATTERNS = {
    "conflict retry": re.compile(r"conflict retry", re.I),
    "ConflictError": re.compile(r"^[\w.]*ConflictError\b"),  # the exception line of a traceback
}
CONFLICT_CLASS = re.compile(r"ConflictError: .*?class ([\w.]+)")
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Disconnected|Conflict\w*))(?::|$)")


# Servers ------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def development_settings():
    """``development.ini``'s ``[app:main]`` settings, uninterpolated (``%(here)s`` kept)."""
    parser = configparser.RawConfigParser()
    parser.read(PROJECT / "development.ini", encoding="utf-8")
    return {key: value for key, value in parser.items("app:main") if key != "use"}


def local_paths(value, site):
    """A setting with development.ini's ``var/`` directory moved to ``site``, ``%(here)s`` made absolute."""
    return value.replace("%(here)s/var", str(site)).replace("%(here)s", str(PROJECT))


#: ``--set key=value`` settings, for every app process.
EXTRA_SETTINGS = {}


def app_settings(site, uri=None):
    """development.ini's settings for a site in ``site``; ``uri`` replaces ``zodbconn.uri``."""
    settings = {key: local_paths(value, site) for key, value in development_settings().items()}
    settings["pyramid.reload_templates"] = "false"
    # An empty district: the load's own items are what is counted and checked.
    settings["portal.demo_content"] = "false"
    settings.update(EXTRA_SETTINGS)
    if uri is not None:
        settings["zodbconn.uri"] = uri
    return settings


def write_app_ini(path, settings, port):
    """A pserve ini: the app, waitress on ``port``, INFO for the ``portal`` logger, the rest WARN."""
    lines = ["[app:main]", "use = call:portal:main"]
    lines += [f"{key} = {value.replace('%', '%%')}" for key, value in settings.items()]
    lines += [
        "",
        "[server:main]",
        "use = egg:waitress#main",
        f"listen = 127.0.0.1:{port}",
        "threads = 4",
        "",
        "[loggers]\nkeys = root, portal\n",
        "[handlers]\nkeys = console\n",
        "[formatters]\nkeys = generic\n",
        "[logger_root]\nlevel = WARN\nhandlers = console\n",
        "[logger_portal]\nlevel = INFO\nhandlers =\nqualname = portal\n",
        "[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nlevel = NOTSET",
        "formatter = generic\n",
        "[formatter_generic]\nformat = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class Process:
    """A server run as a separate OS process, its output appended to a log file."""

    def __init__(self, name, argv, log, port):
        self.name, self.argv, self.log, self.port = name, argv, log, port
        self.popen = None

    def start(self):
        env = dict(os.environ, PYTHONPATH=str(PROJECT))
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PROJECT, start_new_session=True
            )

    def kill(self):
        """kill -9, as a crash would."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self):
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait_listening(self, timeout=180, path=None):
        """Wait until the port accepts connections (and ``path`` answers below 500)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise StartupFailed(
                    f"{self.name} exited with {self.popen.returncode}: {last_exception(self.log)}"
                )
            try:
                if path is None:
                    socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                    return
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                connection.request("GET", path)
                if connection.getresponse().status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise StartupFailed(f"{self.name} did not answer within {timeout} s; see {self.log}")


class StartupFailed(RuntimeError):
    """A server exited or did not answer while starting."""


def last_exception(log):
    """The last traceback's exception line in a log (what made the process exit)."""
    lines = Path(log).read_text("utf-8", "replace").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    if not starts:
        return "(no traceback in the log)"
    after = [line for line in lines[starts[-1] + 1 :] if line and not line.startswith((" ", "\t"))]
    return after[0][:300] if after else "(incomplete traceback)"


def app_process(directory, name, settings):
    port = free_port()
    ini = directory / f"{name}.ini"
    write_app_ini(ini, settings, port)
    return Process(name, [PYTHON, "-m", "pyramid.scripts.pserve", str(ini)], directory / f"{name}.log", port)


class Deployment:
    """A storage and its app processes, started on an empty database in a temporary directory."""

    kind = ""

    def __init__(self, directory, processes):
        self.directory = directory
        self.processes = processes
        self.apps = []
        self.backend = None  # the ZEO server, when there is one

    def extra_settings(self):
        """Settings the app processes of this deployment get beside development.ini's."""
        return {}

    def app_uri(self, index):
        raise NotImplementedError

    def start(self, together=False):
        """Start the backend, then the apps: the first alone until it answers, unless ``together``."""
        if self.backend is not None:
            self.backend.start()
            self.backend.wait_listening()
        self.apps = [
            app_process(
                self.directory,
                f"app-{i + 1}",
                {**app_settings(self.directory, self.app_uri(i)), **self.extra_settings()},
            )
            for i in range(self.processes)
        ]
        first, rest = (self.apps, []) if together else (self.apps[:1], self.apps[1:])
        for group in (first, rest):
            for app in group:
                app.start()
            for app in group:
                app.wait_listening(path="/login")

    @property
    def ports(self):
        return [app.port for app in self.apps]

    def crash_and_restart(self, pause=1.5):
        """kill -9 the last app process (and the ZEO server), restart them ``pause`` s later."""
        victims = [self.apps[-1]] + ([self.backend] if self.backend is not None else [])
        for process in victims:
            process.kill()
        time.sleep(pause)
        for process in reversed(victims):
            process.start()
        for process in reversed(victims):
            process.wait_listening(path="/login" if process is not self.backend else None)
        return [process.name for process in victims]

    def stop(self):
        for app in self.apps:
            app.stop()
        if self.backend is not None:
            self.backend.stop()

    def logs(self):
        return [app.log for app in self.apps] + ([self.backend.log] if self.backend else [])

    def open_storage(self):
        """The storage, opened for reading (the servers may still run)."""
        raise NotImplementedError

    def size_marker(self):
        """Where the storage stands before the load, for :meth:`bytes_written`."""
        return time.time()

    def bytes_written(self, marker):
        """Bytes of object records committed since ``marker`` (FileStorage: iterate the transactions)."""
        from persistent.timestamp import TimeStamp

        moment = time.gmtime(marker)
        start = TimeStamp(*moment[:5], moment[5] + marker % 1).raw()
        storage = self.open_storage()
        try:
            return sum(len(record.data or b"") for txn in storage.iterator(start) for record in txn)
        finally:
            storage.close()

    def cleanup(self):
        pass


class FileDeployment(Deployment):
    """One app process on a FileStorage, with development.ini's ``zodbconn.uri`` (paths moved)."""

    kind = "file"
    bytes_measure = "object records committed during the load (FileStorage iterator)"

    def __init__(self, directory, processes=1):
        super().__init__(directory, 1)

    def app_uri(self, index):
        return None  # development.ini's own, with var/ moved to the temporary directory

    def open_storage(self):
        """The app's own ``zodbconn.uri``, opened read-only."""
        import zodburi

        uri = app_settings(self.directory)["zodbconn.uri"]
        factory, _ = zodburi.resolve_uri(uri + ("&" if "?" in uri else "?") + "read_only=1")
        return factory()


class ZeoDeployment(Deployment):
    """A runzeo server on a FileStorage with blobs; each app a ZConfig client with server-sync."""

    kind = "zeo"
    bytes_measure = "object records committed during the load (the server's FileStorage)"

    def __init__(self, directory, processes):
        super().__init__(directory, processes)
        self.data_fs = directory / "Data.fs"
        self.blobs = directory / "server-blobs"
        self.blobs.mkdir()
        port = free_port()
        config = directory / "zeo-server.conf"
        config.write_text(
            f"<zeo>\n  address 127.0.0.1:{port}\n</zeo>\n"
            f"<filestorage>\n  path {self.data_fs}\n  blob-dir {self.blobs}\n</filestorage>\n"
        )
        argv = [PYTHON, "-m", "ZEO.runzeo", "-C", str(config)]
        self.backend = Process("zeo", argv, directory / "zeo.log", port)

    def extra_settings(self):
        """The app processes share one machine: they take turns writing through a lock file, and
        keep the items' words in one SQLite file (as ``production.ini`` advises for ZEO on one
        machine)."""
        return {
            "portal.write_lock_file": str(self.directory / "write.lock"),
            "portal.fulltext": f"sqlite:///{self.directory / 'fulltext.sqlite'}",
        }

    def app_uri(self, index):
        cache = self.directory / f"blobcache-{index + 1}"
        cache.mkdir(exist_ok=True)
        config = self.directory / f"zeo-client-{index + 1}.conf"
        config.write_text(
            "%import ZEO\n<zodb>\n  <clientstorage>\n"
            f"    server 127.0.0.1:{self.backend.port}\n    blob-dir {cache}\n"
            "    shared-blob-dir false\n    server-sync true\n  </clientstorage>\n</zodb>\n"
        )
        return f"zconfig://{config}"

    def open_storage(self):
        """The server's file, read directly (a read-only FileStorage takes no lock)."""
        from ZODB.FileStorage import FileStorage

        return FileStorage(str(self.data_fs), read_only=True, blob_dir=str(self.blobs))


class RelStorageDeployment(Deployment):
    """App processes on a fresh PostgreSQL database (history-free), dropped afterwards."""

    kind = "relstorage"
    bytes_measure = "growth of pg_total_relation_size('object_state'): table, TOAST and indexes"

    def __init__(self, directory, processes):
        super().__init__(directory, processes)
        self.database = f"bench_writes_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{self.database}"')

    def _admin(self, statement):
        import psycopg2

        connection = psycopg2.connect(POSTGRES)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def uri(self, blobs, **extra):
        query = {"keep_history": "false", "blob_dir": blobs, "shared_blob_dir": "false", **extra}
        return f"postgres://postgres@127.0.0.1:5432/{self.database}?" + urllib.parse.urlencode(query)

    def app_uri(self, index):
        return self.uri(self.directory / f"blobcache-{index + 1}")

    def open_storage(self):
        import zodburi

        cache = self.directory / "blobcache-check"
        factory, _ = zodburi.resolve_uri(self.uri(cache, read_only="true"))
        return factory()

    def size_marker(self):
        return self._object_state_size()

    def bytes_written(self, marker):
        return self._object_state_size() - marker

    def _object_state_size(self):
        import psycopg2

        dsn = POSTGRES.replace("dbname=test", f"dbname={self.database}")
        with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('object_state')")
            return cursor.fetchone()[0]

    def cleanup(self):
        self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


DEPLOYMENTS = {"file": FileDeployment, "zeo": ZeoDeployment, "relstorage": RelStorageDeployment}


# HTTP: a person with cookies, and the forms of a page ------------------------------------------------


class Interrupted(Exception):
    """The connection broke after the request was sent: whether it took effect is unknown."""


@dataclass
class Answer:
    status: int
    location: str
    body: str
    seconds: float


class Person:
    """One logged-in person: cookies, one app process; a request refused (server down) is retried."""

    def __init__(self, port, login, refused_wait=90):
        self.port, self.login_name, self.refused_wait = port, login, refused_wait
        self.cookies = {}

    def request(self, method, path, body=None, content_type=None):
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        deadline = time.monotonic() + self.refused_wait
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                connection.connect()
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                continue
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (http.client.HTTPException, OSError) as error:
                if method == "GET" and time.monotonic() < deadline:  # nothing changed: ask again
                    time.sleep(0.2)
                    continue
                raise Interrupted(str(error)) from error
            finally:
                connection.close()
            self._keep_cookies(response)
            location = urllib.parse.urlsplit(response.getheader("Location", "")).path
            return Answer(response.status, location, text, time.perf_counter() - started)

    def _keep_cookies(self, response):
        for header in response.msg.get_all("Set-Cookie") or ():
            pair = header.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value.strip('"') and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)

    def get(self, path):
        answer = self.request("GET", path)
        if answer.status != 200:
            raise UnexpectedAnswer("GET", path, answer)
        return answer

    def log_in(self):
        form = Form.of(self.get("/login").body, id="login-form")
        form.set("login", self.login_name)
        form.set("password", "admin12345" if self.login_name == "admin" else DEMO_PASSWORD)
        answer = form.submit(self, "/login", "submit")
        if answer.status != 302:
            raise UnexpectedAnswer("POST", "/login", answer)
        return self


class UnexpectedAnswer(Exception):
    def __init__(self, method, path, answer):
        super().__init__(f"{method} {path}: {answer.status}")
        self.answer = answer


class Form:
    """An HTML form's controls in document order, filled and encoded as a browser would."""

    def __init__(self, node):
        self.action = node.get("action") or ""
        self.multipart = "multipart" in (node.get("enctype") or "")
        self.controls = []  # [name, value, kind, extra]: kind text, check, file, button
        for control in node.find_all(["input", "select", "textarea", "button"]):
            name = control.get("name")
            if not name:
                continue
            kind = (
                control.get("type", "text").lower() if control.name in ("input", "button") else control.name
            )
            if control.name == "button" or kind in ("submit", "image"):
                self.controls.append([name, control.get("value", ""), "button", False])
            elif kind in ("checkbox", "radio"):
                self.controls.append([name, control.get("value", "on"), "check", control.has_attr("checked")])
            elif kind == "file":
                self.controls.append([name, None, "file", None])
            elif control.name == "select":
                options = control.find_all("option")
                chosen = [o for o in options if o.has_attr("selected")] or options[:1]
                self.controls.append(
                    [name, chosen[0].get("value", chosen[0].text) if chosen else "", "text", None]
                )
            elif control.name == "textarea":
                self.controls.append([name, control.text, "text", None])
            elif kind not in ("reset",):
                self.controls.append([name, control.get("value", ""), "text", None])

    @classmethod
    def of(cls, html, id=None, action=None, button=None):
        """The form of a page with this id, posting to a path ending in ``action``, or with ``button``."""
        soup = BeautifulSoup(html, "html.parser")
        for node in soup.find_all("form"):
            if id is not None and node.get("id") != id:
                continue
            if action is not None and not (node.get("action") or "").endswith(action):
                continue
            if button is not None and not node.find(attrs={"name": button}):
                continue
            return cls(node)
        raise LookupError(f"no form {id or action or button} on the page")

    def set(self, name, value):
        for control in self.controls:
            if control[0] == name and control[2] == "text":
                control[1] = value
                return self
        raise LookupError(f"no field {name}")

    def check(self, name, *values):
        """Tick the boxes (or the radio button) named ``name`` with these values, untick the others."""
        boxes = [c for c in self.controls if c[0] == name and c[2] == "check"]
        if not boxes:
            raise LookupError(f"no box {name}")
        for box in boxes:
            box[3] = box[1] in values if values else True
        return self

    def attach(self, name, filename, data):
        for control in self.controls:
            if control[0] == name and control[2] == "file":
                control[1] = (filename, data)
                return self
        raise LookupError(f"no file field {name}")

    def fields(self, button):
        out = []
        for name, value, kind, extra in self.controls:
            if kind == "button" and name != button:
                continue
            if kind == "check" and not extra:
                continue
            out.append((name, value if kind != "file" else (value or ("", b""))))
        return out

    def encode(self, button):
        if not self.multipart:
            return urllib.parse.urlencode(self.fields(button)).encode(), "application/x-www-form-urlencoded"
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in self.fields(button):
            if isinstance(value, tuple):
                filename, data = value
                head = (
                    f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {'application/pdf' if filename else 'application/octet-stream'}\r\n"
                )
                parts.append(head.encode() + b"\r\n" + data)
            else:
                parts.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}'.encode())
        body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
        return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"

    def submit(self, person, page_path, button):
        body, content_type = self.encode(button)
        path = urllib.parse.urljoin(page_path, self.action) if self.action else page_path
        return person.request("POST", path, body, content_type)


# The flows ---------------------------------------------------------------------------------------


@dataclass
class Created:
    """An acknowledged creation: where the server said the item is, and what it must hold."""

    kind: str
    path: str
    title: str
    numbered: bool = False  # the step that gives the item its number was acknowledged


#: The flows a client may run (its methods), one picked at random each time.
FLOWS = ("request", "filing", "regulation", "complaint", "transfer")


class Client:
    """One concurrent user of the benchmark: logs in as the people its flows need, runs flows."""

    def __init__(self, number, port, tally, run_id, flows=None):
        self.number, self.tally, self.run_id = number, tally, run_id
        self.flows = [getattr(self, name) for name in (flows or FLOWS)]
        self.township = list(TOWNSHIPS)[number % 2]
        self.people = {}
        for login in {self.township, "ys.officer", "ys.leader", "scj.officer"}:
            self.people[login] = Person(port, login).log_in()
        self.sequence = 0
        self.random = random.Random(number)

    def title(self, words):
        self.sequence += 1
        return f"{words}（压测{self.run_id}-{self.number}-{self.sequence}）"

    def serial(self):
        """A number no other client uses, for the numbers people type (决定书文号, 发文字号)."""
        return self.number * 100000 + self.sequence

    def post(self, kind, person, page_path, form, button, expect=302):
        """Submit a form, count the answer under ``kind``; returns the answer or None if not ``expect``."""
        try:
            answer = form.submit(person, page_path, button)
        except Interrupted:
            self.tally.interrupted(kind)
            return None
        self.tally.answer(kind, answer)
        return answer if answer.status == expect else None

    def new_form(self, person, path, form_id):
        page = person.get(path)
        return Form.of(page.body, id=form_id)

    def run_one(self):
        flow = self.random.choice(self.flows)
        try:
            flow()
        except UnexpectedAnswer as error:
            self.tally.answer("GET (pages)", error.answer)

    def request(self):
        person, unit = self.people[self.township], TOWNSHIPS[self.township]
        path = f"/tenants/{unit}/@@new-collab-request"
        form = self.new_form(person, path, "collab-request-form")
        title = self.title("关于某超市销售疑似假冒白酒的技术鉴定请求")
        form.set("title", title).set("department", DEPARTMENT).set("kind", "技术鉴定")
        form.set("facts", "2026年11月20日检查发现某超市货架上有疑似假冒白酒12瓶。")
        form.set("question", "请鉴定上述白酒是否为假冒注册商标的商品。")
        form.attach("file", "检查笔录.pdf", PDF)
        answer = self.post("request.send", person, path, form, "send")
        if answer:
            self.tally.created(Created("request", answer.location, title, numbered=True))

    def filing(self):
        person, unit = self.people[self.township], TOWNSHIPS[self.township]
        path = f"/tenants/{unit}/@@new-penalty-filing"
        form = self.new_form(person, path, "penalty-filing")
        title = self.title("某某超市销售过期食品案")
        today = time.strftime("%Y-%m-%d")
        for name, value in {
            "department": DEPARTMENT,
            "title": title,
            "party_name": "景德镇某某超市有限公司",
            "party_id": "91360202MA38ABCD1K",
            "party_address": "昌江区鱼山镇鱼山街 8 号",
            "facts": "当事人销售超过保质期的牛奶 12 盒",
            "evidence": "现场检查笔录、现场照片、询问笔录",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
            "fine_amount": "5000",
            "performance": "自收到本决定书之日起十五日内到指定银行缴纳罚款",
            "performance_deadline": today,
            "decision_number": f"{DECISION_CODES[self.township]}〔{time.strftime('%Y')}〕{self.serial()}号",
            "decision_date": today,
            "case_filing_date": today,
            "service_date": today,
        }.items():
            form.set(name, value)
        form.check("party_type", "法人").check("checkbox", "警告", "罚款")
        form.check("legal_review").check("collective_discussion")
        form.attach("upload", "决定书.pdf", PDF)
        answer = self.post("filing.save", person, path, form, "save")
        if not answer:
            return
        created = self.tally.created(Created("filing", answer.location, title))
        page = person.get(answer.location)
        submit = Form.of(page.body, button="submit")
        if self.post("filing.submit", person, answer.location, submit, "submit"):
            created.numbered = True

    def regulation(self):
        person = self.people["scj.officer"]
        path = f"/tenants/{DEPARTMENT}/@@new-regulation"
        form = self.new_form(person, path, "regulation-form")
        title = self.title("关于加强食品安全行政执法协作的通知")
        form.set("category", "行政规范性文件").set("title", title)
        form.set("issuing_number", f"昌市监发〔{time.strftime('%Y')}〕{self.serial()}号")
        form.set("issuing_organ", "区市场监督管理局").set("issue_date", time.strftime("%Y-%m-%d"))
        form.set("body", "各乡镇（街道）：现将食品安全执法协作有关事项通知如下。")
        form.check("checkbox", "cj-yushan", "cj-lvmeng")
        form.attach("upload", "通知.pdf", PDF)
        answer = self.post("regulation.publish", person, path, form, "publish")
        if answer:
            self.tally.created(Created("regulation", answer.location, title, numbered=True))

    def complaint(self):
        person, unit = self.people[self.township], TOWNSHIPS[self.township]
        path = f"/tenants/{unit}/@@new-complaint"
        form = self.new_form(person, path, "complaint-form")
        title = self.title("某工地夜间施工噪声扰民")
        form.set("channel", "12345热线").set("person_name", "王女士").set("person_phone", "13800000000")
        form.set("title", title).set("content", "小区旁工地每晚22点后仍在施工，噪声扰民。")
        form.attach("file", "来信.pdf", PDF)
        answer = self.post("complaint.register", person, path, form, "register")
        if answer:
            self.tally.created(Created("complaint", answer.location, title, numbered=True))

    def transfer(self):
        officer, leader = self.people["ys.officer"], self.people["ys.leader"]
        path = "/tenants/cj-yushan/@@new-transfer"
        form = self.new_form(officer, path, "case-transfer")
        title = self.title("某商贸公司无照经营案")
        form.set("receiver", DEPARTMENT).set("title", title).set("party", "昌江区某商贸有限公司")
        form.set("found_date", time.strftime("%Y-%m-%d"))
        form.set("facts", "日常巡查中发现当事人未取得营业执照从事经营活动。")
        answer = self.post("transfer.save", officer, path, form, "save")
        if not answer:
            return
        url = answer.location
        created = self.tally.created(Created("transfer", url, title))
        page = officer.get(url).body
        for slot, name in (("letter", "移送函"), ("source", "案源材料"), ("evidence", "初步证据")):
            upload = Form.of(page, id=f"upload-{slot}").attach("upload", f"{name}.pdf", PDF)
            if not self.post("transfer.material", officer, url, upload, "save_material"):
                return
        for step, person in (("submit", officer), ("approve", leader), ("send", officer)):
            form = Form.of(person.get(url).body, id=f"{step}-form").set("comment", "")
            if not self.post(f"transfer.{step}", person, url, form, step):
                return
        created.numbered = True


# Counting ----------------------------------------------------------------------------------------


def form_errors(html):
    """The error messages of a form shown again, in one line."""
    soup = BeautifulSoup(html, "html.parser")
    found = soup.select(".alert-danger, .errorMsg, [id^=error-]")
    return " / ".join(" ".join(node.text.split()) for node in found)[:200] or "(no message)"


class Tally:
    """What the clients saw, per kind of POST (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = collections.defaultdict(collections.Counter)
        self.latencies = collections.defaultdict(list)
        self.refusals = collections.defaultdict(collections.Counter)  # a POST answered with the form again
        self.creations = []

    def answer(self, kind, answer):
        with self.lock:
            self.statuses[kind][answer.status] += 1
            self.latencies[kind].append(answer.seconds)
            if answer.status == 200 and kind != "GET (pages)":
                self.refusals[kind][form_errors(answer.body)] += 1

    def interrupted(self, kind):
        with self.lock:
            self.statuses[kind]["interrupted"] += 1

    def created(self, created):
        with self.lock:
            self.creations.append(created)
        return created


def log_in_clients(clients, ports, tally, run_id, flows=None):
    """The clients, logged in in parallel (a login checks a bcrypt hash), round robin over ports."""
    users = [None] * clients

    def log_in(number):
        users[number] = Client(number, ports[number % len(ports)], tally, run_id, flows)

    threads = [threading.Thread(target=log_in, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if None in users:
        raise RuntimeError("a client could not log in")
    return users


def run_load(deployment, clients, seconds, kill=False, flows=None):
    """N clients on the app processes (round robin) for ``seconds``; returns (tally, elapsed, killed)."""
    tally = Tally()
    run_id = uuid.uuid4().hex[:6]
    ports = deployment.ports
    users = log_in_clients(clients, ports, tally, run_id, flows)
    stop = threading.Event()
    errors = []

    def work(client):
        while not stop.is_set():
            try:
                client.run_one()
            except Exception as error:  # noqa: BLE001 - kept and shown; the load goes on
                errors.append(repr(error))
                time.sleep(0.2)

    threads = [threading.Thread(target=work, args=(user,), daemon=True) for user in users]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    killed = []
    if kill:
        time.sleep(seconds / 2)
        killed = deployment.crash_and_restart()
    time.sleep(max(0.0, started + seconds - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join(180)
    tally.client_errors = collections.Counter(errors)
    return tally, time.monotonic() - started, killed


def log_counts(paths):
    """Conflict retries and errors, and the exception lines by type, in the servers' logs."""
    counts = collections.Counter()
    exceptions = collections.Counter()
    for path in paths:
        if not Path(path).exists():
            continue
        for line in Path(path).read_text("utf-8", "replace").splitlines():
            for name, pattern in CONFLICT_PATTERNS.items():
                if pattern.search(line):
                    counts[name] += 1
            match = EXCEPTION_LINE.match(line)
            if match:
                exceptions[match.group(1)] += 1
            match = CONFLICT_CLASS.search(line)
            if match:
                exceptions[f"conflict on {match.group(1)}"] += 1
    return counts, exceptions


# Checking the database ---------------------------------------------------------------------------


def open_root(storage):
    import ZODB

    db = ZODB.DB(storage, pool_size=1)
    connection = db.open()
    return db, connection, connection.root()["app_root"]


def walk(resource):
    """Every resource of the site below ``resource``: folders and what they hold, depth first."""
    from substanced.folder import Folder

    stack = [resource]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Folder):
            stack.extend(current.values())


def catalog_difference(root):
    """(items missing from the catalog's item_type index, index entries without a stored object)."""
    from portal.items import Item

    index = root["catalogs"]["portal"]["item_type"]
    indexed = set(index._rev_index.keys())
    stored, items = set(), set()
    for resource in walk(root):
        oid = getattr(resource, "__oid__", None)
        if oid is not None:
            stored.add(oid)
            if isinstance(resource, Item):
                items.add(oid)
    return len(items - indexed), len(indexed - stored)


def poll_catalog(deployment, timeout=30):
    """Wait (servers running) for the catalog to match the stored objects; returns the difference."""
    deadline = time.monotonic() + timeout
    while True:
        db, connection, root = open_root(deployment.open_storage())
        try:
            difference = catalog_difference(root)
        finally:
            connection.close()
            db.close()
        if difference == (0, 0) or time.monotonic() > deadline:
            return difference
        time.sleep(2)


def resolve(root, path):
    node = root
    for name in [part for part in path.split("/") if part]:
        try:
            node = node[name]
        except (KeyError, TypeError):
            return None
    return node


def blob_problem(attachment):
    """Why an attachment's blob cannot be read back at its size, or None."""
    try:
        with attachment.blob.open("r") as blob:
            size = len(blob.read())
    except Exception as error:  # noqa: BLE001 - any failure to read is what is counted
        return f"{type(error).__name__}: {str(error)[:80]}"
    return None if size == attachment.size else f"{size} bytes instead of {attachment.size}"


def check_items(root, creations):
    """Lost, duplicated and unnumbered acknowledged creations; duplicate numbers; unreadable blobs.

    Returns the counts and a few examples of unreadable attachments (their paths and why)."""
    from portal.items import Attachment, Item

    by_title = collections.Counter()
    numbers = collections.Counter()
    attachments, problems = 0, []
    for resource in walk(root):
        if isinstance(resource, Item):
            by_title[(resource.item_type, resource.title)] += 1
            if resource.number:
                numbers[(resource.item_type, resource.number)] += 1
        elif isinstance(resource, Attachment):
            attachments += 1
            problem = blob_problem(resource)
            if problem:
                item = resource.__parent__
                problems.append(f"{item.__parent__.__name__}/{item.__name__}/{resource.__name__}: {problem}")
    lost = duplicated = unnumbered = 0
    for created in creations:
        item = resolve(root, created.path)
        if not isinstance(item, Item) or item.title != created.title:
            lost += 1
            continue
        if by_title[(item.item_type, created.title)] > 1:
            duplicated += 1
        if created.numbered and not item.number:
            unnumbered += 1
    return {
        "lost": lost,
        "duplicated": duplicated,
        "unnumbered": unnumbered,
        "duplicate numbers": sum(n - 1 for n in numbers.values() if n > 1),
        "attachments": attachments,
        "unreadable attachments": len(problems),
    }, problems[:5]


def check_database(deployment, creations):
    db, connection, root = open_root(deployment.open_storage())
    try:
        return check_items(root, creations)  # (counts, examples of unreadable attachments)
    finally:
        connection.close()
        db.close()


# One storage -------------------------------------------------------------------------------------


@dataclass
class Result:
    storage: str
    processes: int
    clients: int
    seconds: float
    tally: Tally
    killed: list
    conflicts: collections.Counter
    exceptions: collections.Counter
    checks: dict
    catalog_missing: int
    catalog_orphans: int
    bytes_written: int
    bytes_measure: str
    startup: float
    notes: list = field(default_factory=list)

    def creations(self, kind=None):
        return sum(1 for c in self.tally.creations if kind is None or c.kind == kind)

    @property
    def failed(self):
        return bool(self.checks.get("lost") or self.checks.get("duplicated"))


def bench(
    storage, clients=8, seconds=60, processes=3, kill=False, start_together=False, keep=False, flows=None
):
    """Run one storage end to end; returns a :class:`Result`."""
    directory = Path(tempfile.mkdtemp(prefix=f"bench-writes-{storage}-"))
    deployment = DEPLOYMENTS[storage](directory, processes)
    try:
        began = time.monotonic()
        deployment.start(together=start_together)
        startup = time.monotonic() - began
        marker = deployment.size_marker()
        tally, elapsed, killed = run_load(deployment, clients, seconds, kill=kill, flows=flows)
        missing, orphans = poll_catalog(deployment)
        deployment.stop()
        checks, unreadable = check_database(deployment, tally.creations)
        written = deployment.bytes_written(marker)
        conflicts, exceptions = log_counts(deployment.logs())
        return Result(
            storage,
            len(deployment.apps),
            clients,
            elapsed,
            tally,
            killed,
            conflicts,
            exceptions,
            checks,
            missing,
            orphans,
            written,
            deployment.bytes_measure,
            startup,
            notes=[f"unreadable: {example}" for example in unreadable],
        )
    finally:
        deployment.stop()
        deployment.cleanup()
        if keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


# Report ------------------------------------------------------------------------------------------


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(result):
    tally = result.tally
    lines = [
        f"== {result.storage}: {result.processes} app process(es), {result.clients} clients, "
        f"{result.seconds:.0f} s (servers ready in {result.startup:.0f} s)"
        + (f"; killed and restarted: {', '.join(result.killed)}" if result.killed else ""),
        f"{'POST':<22}{'ok':>7}{'5xx':>7}{'other':>7}{'cut':>6}{'p50 ms':>9}{'p95 ms':>9}",
    ]
    for kind in sorted(tally.statuses):
        statuses = tally.statuses[kind]
        ok = sum(n for s, n in statuses.items() if s in ((200,) if kind == "GET (pages)" else (302, 303)))
        server = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
        cut = statuses.get("interrupted", 0)
        other = sum(statuses.values()) - ok - server - cut
        latency = [1000 * s for s in tally.latencies[kind]]
        p50, p95 = percentile(latency, 0.5), percentile(latency, 0.95)
        lines.append(f"{kind:<22}{ok:>7}{server:>7}{other:>7}{cut:>6}{p50:>9.0f}{p95:>9.0f}")
    total = sum(sum(v for v in s.values()) for k, s in tally.statuses.items() if k != "GET (pages)")
    errors = sum(
        n
        for k, s in tally.statuses.items()
        if k != "GET (pages)"
        for st, n in s.items()
        if isinstance(st, int) and st >= 500
    )
    requests = result.creations("request")
    lines += [
        f"POSTs answered 5xx: {errors} of {total} ({100 * errors / max(total, 1):.0f}%)",
        f"creations acknowledged: {result.creations()} ({result.creations() / result.seconds:.2f}/s); "
        f"collaboration requests: {requests} ({requests / result.seconds:.2f}/s)",
        "in the servers' logs: "
        + ", ".join(f"{name} {result.conflicts.get(name, 0)}" for name in CONFLICT_PATTERNS)
        + "; exceptions: "
        + (", ".join(f"{n}× {name}" for name, n in result.exceptions.most_common(8)) or "none"),
        "database: "
        + ", ".join(f"{name} {value}" for name, value in result.checks.items())
        + f"; catalog: {result.catalog_missing} items not indexed, "
        + f"{result.catalog_orphans} entries without object",
        f"bytes written per creation: {result.bytes_written / max(result.creations(), 1):,.0f} "
        f"({result.bytes_written:,} bytes: {result.bytes_measure})",
    ]
    for kind, messages in sorted(tally.refusals.items()):
        lines.append(f"{kind} shown again: " + "; ".join(f"{n}× {m}" for m, n in messages.most_common(3)))
    lines += result.notes
    if tally.client_errors:
        lines.append(
            "client errors: " + "; ".join(f"{n}× {e[:120]}" for e, n in tally.client_errors.most_common(4))
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storage", choices=[*DEPLOYMENTS, "all"], default="all")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processes", type=int, default=3, help="app processes on ZEO and RelStorage")
    parser.add_argument("--kill", action="store_true", help="kill -9 and restart a server half way")
    parser.add_argument("--start-together", action="store_true", help="start all app processes at once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for every app process (e.g. portal.indexer_gather_ms=150)",
    )
    parser.add_argument(
        "--flows", default=",".join(FLOWS), help=f"the flows the clients run (default: {','.join(FLOWS)})"
    )
    options = parser.parse_args(argv)
    for pair in options.set:
        key, _, value = pair.partition("=")
        EXTRA_SETTINGS[key.strip()] = value.strip()
    logging.basicConfig(level=logging.ERROR)  # not FileStorage's "Ignoring index" at every look
    storages = list(DEPLOYMENTS) if options.storage == "all" else [options.storage]
    failed = False
    for storage in storages:
        try:
            result = bench(
                storage,
                clients=options.clients,
                seconds=options.seconds,
                processes=options.processes,
                kill=options.kill,
                start_together=options.start_together,
                keep=options.keep,
                flows=[flow for flow in options.flows.split(",") if flow],
            )
        except StartupFailed as error:
            print(f"== {storage}: the servers did not start: {error}", flush=True)
            failed = True
            continue
        print(report(result), flush=True)
        failed = failed or result.failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
