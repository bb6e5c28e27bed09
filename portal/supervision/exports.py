"""导出: the overview, the ranking and the evaluation report as files, made in the background.

A person asks for an export with a POST (``@@supervision-export``); the file is made in a thread of
the process with its own ZODB connection, so the page answers at once and the request's transaction
holds nothing while a large district's workbook is written. The person waits on a progress page
that asks a small JSON endpoint (``@@supervision-export-status``, polled by ``static/exports.js``:
the Content-Security-Policy allows no inline script), then downloads the file
(``@@supervision-export-download``).

A job is two files in the export folder (``portal.export_dir``; by default ``exports/`` beside a
FileStorage's ``Data.fs``, else a folder per database under the system's temporary folder; readable
by the portal's user only): ``<id>.json`` (whose it
is, what, its progress) and the file itself. Any process sharing the folder answers for any job, so
a progress page may be served by another process than the one writing the file. A job belongs to
the login that asked: nobody else may see its progress or download it, and the download passes the
same Casbin decision as the page it exports (the supervisor's ``view:supervision``), asked again at
the moment of the download. Files are removed ``portal.export_keep_minutes`` after they were asked
for (60 by default); a job whose process died is reported failed once it stopped moving.
"""

import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import transaction
from pyramid.threadlocal import manager as threadlocals

from ..items import now

log = logging.getLogger(__name__)

DEFAULT_KEEP_MINUTES = 60
#: A running job whose state has not moved for this long was lost with its process.
STALLED_SECONDS = 600
#: Unfinished exports one person may have at once.
PER_PERSON = 3
#: Exports made at once in a process (the others wait their turn, "排队中").
AT_ONCE = 1
JOB_ID_LENGTH = 32
_turns = threading.BoundedSemaphore(AT_ONCE)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STATUS_TITLES = {"queued": "排队中", "running": "正在生成", "done": "已完成", "failed": "生成失败"}


@dataclass
class Job:
    """One export as its ``<id>.json`` keeps it."""

    id: str
    login: str
    kind: str
    title: str
    permission: str
    params: dict
    filename: str
    content_type: str
    created: float
    expires: float
    status: str = "queued"
    done: int = 0
    total: int = 0
    step: str = "等待开始"
    updated: float = 0.0
    #: When the thread began making the file, and the processor time it took (seconds).
    started: float = 0.0
    cpu_seconds: float = 0.0
    error: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def percent(self):
        if self.status == "done":
            return 100
        if not self.total:
            return 0
        return min(99, int(100 * self.done / self.total))

    @property
    def status_title(self):
        return STATUS_TITLES.get(self.status, self.status)

    @property
    def finished(self):
        return self.status in ("done", "failed")


def export_dir(settings):
    """The folder of the export jobs (made if missing, for the portal's user only)."""
    configured = settings.get("portal.export_dir")
    uri = settings.get("zodbconn.uri", "")
    if configured:
        path = Path(configured)
    elif uri.startswith("filestorage://"):
        # Beside Data.fs, as its words for search are: the site's files in one place.
        path = Path(uri[len("filestorage://") :].partition("?")[0]).parent / "exports"
    else:
        site = hashlib.sha256(uri.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / "portal-exports" / site
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def keep_seconds(settings):
    try:
        return max(1, int(settings.get("portal.export_keep_minutes", DEFAULT_KEEP_MINUTES))) * 60
    except ValueError:
        return DEFAULT_KEEP_MINUTES * 60


class JobStore:
    """The jobs of one export folder."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def state_path(self, job_id):
        return self.directory / f"{job_id}.json"

    def file_path(self, job):
        return self.directory / f"{job.id}{Path(job.filename).suffix}"

    def save(self, job):
        job.updated = time.time()
        path = self.state_path(job.id)
        temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(json.dumps(asdict(job), ensure_ascii=False))
        os.replace(temporary, path)

    def load(self, job_id):
        """The job of that id, or None (an id of another form, an unknown or expired job)."""
        if not isinstance(job_id, str) or len(job_id) != JOB_ID_LENGTH or not job_id.isalnum():
            return None
        try:
            job = Job(**json.loads(self.state_path(job_id).read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if job.expires < time.time():
            self.remove(job)
            return None
        if not job.finished and time.time() - job.updated > STALLED_SECONDS:
            job.status, job.error = "failed", "生成中断（服务进程已重启），请重新导出"
        return job

    def remove(self, job):
        for path in (self.state_path(job.id), self.file_path(job)):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def jobs(self):
        for path in self.directory.glob("*.json"):
            job = self.load(path.stem)  # removes the expired ones
            if job is not None:
                yield job

    def sweep(self, keep):
        """Remove expired jobs and files left without a job (a process died while writing)."""
        list(self.jobs())
        limit = time.time() - keep
        for path in self.directory.iterdir():
            if path.suffix == ".json":
                continue
            try:
                if path.stat().st_mtime < limit and not self.state_path(path.stem.split(".")[0]).exists():
                    path.unlink()
            except FileNotFoundError:
                pass

    def unfinished_of(self, login):
        return [job for job in self.jobs() if job.login == login and not job.finished]


def store_of(registry):
    store = getattr(registry, "portal_export_store", None)
    if store is None:
        store = registry.portal_export_store = JobStore(export_dir(registry.settings))
    return store


def new_job(request, kind, title, permission, params, filename, content_type, extra=None):
    """A job for the person asking, saved as queued."""
    settings = request.registry.settings
    created = time.time()
    return Job(
        id=secrets.token_hex(JOB_ID_LENGTH // 2),
        login=request.login,
        kind=kind,
        title=title,
        permission=permission,
        params=params,
        filename=filename,
        content_type=content_type,
        created=created,
        expires=created + keep_seconds(settings),
        extra=dict(extra or {}),
    )


def start(request, job, build):
    """Save ``job`` and make its file in a thread once the request's transaction has committed:
    ``build(root, registry, job, progress)`` returns the file's bytes; ``progress(done, total,
    step)`` moves the job's progress. A request that fails, or is run again after a conflict,
    leaves no job behind (only the run that commits starts one)."""
    store = store_of(request.registry)
    db = request.root._p_jar.db()
    registry = request.registry

    def after_commit(committed):
        if not committed:
            return
        store.sweep(keep_seconds(registry.settings))
        store.save(job)
        worker = threading.Thread(
            target=run,
            args=(db, registry, store, job, build),
            name=f"portal-export-{job.id[:8]}",
            daemon=True,
        )
        worker.start()

    request.tm.get().addAfterCommitHook(after_commit)


def run(db, registry, store, job, build):
    """The thread's work: its own connection and transaction manager, read only, closed at the end."""
    last = [0.0]

    def progress(done, total, step=None):
        job.done, job.total = done, total
        if step:
            job.step = step
        if time.time() - last[0] >= 0.2 or done >= total:
            store.save(job)
            last[0] = time.time()

    with _turns:
        manager = transaction.TransactionManager()
        connection = db.open(transaction_manager=manager)
        threadlocals.push({"registry": registry, "request": None})
        try:
            manager.begin()
            root = connection.root()["app_root"]
            job.status, job.step, job.started = "running", "统计数字", time.time()
            store.save(job)
            cpu = time.thread_time()
            data = build(root, registry, job, progress)
            path = store.file_path(job)
            temporary = path.with_suffix(path.suffix + ".part")
            temporary.write_bytes(data)
            os.replace(temporary, path)
            job.status, job.step, job.done = "done", "已完成", job.total or 1
            job.total = job.total or 1
            job.cpu_seconds = time.thread_time() - cpu
            store.save(job)
        except Exception:
            log.exception("export %s (%s) failed", job.id, job.kind)
            job.status, job.error = "failed", "生成失败，请重新导出；仍然失败请联系系统管理员"
            store.save(job)
        finally:
            manager.abort()
            connection.close()
            threadlocals.pop()


def moment_text(moment=None):
    moment = moment or now()
    return f"{moment:%Y%m%d-%H%M}"
