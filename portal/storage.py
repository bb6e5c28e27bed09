"""Opening the database: the embedded FileStorage with a native blob directory, and start-up retries.

``zodbconn.uri`` chooses the storage. For the embedded default the portal registers the URI scheme
``filestorage://PATH?blob_dir=DIR`` (a zodburi resolver, see setup.cfg), which opens ZODB's
``FileStorage(PATH, blob_dir=DIR)``. zodburi's own ``file://…?blobstorage_dir=…`` wraps the
FileStorage in ``ZODB.blob.BlobStorage`` instead, and that wrapper deletes committed attachment
files when other transactions abort at the same moment (see ``tests/test_storage.py``): a
``file://`` URI with ``blobstorage_dir`` is therefore opened as ``filestorage://`` too.
"""

import logging
import os
import random
import time
from urllib.parse import parse_qsl

from zodburi import resolve_uri
from zodburi.resolvers import Resolver

log = logging.getLogger(__name__)


class FileStorageResolver(Resolver):
    """``filestorage://PATH?blob_dir=DIR&connection_cache_size=N``: FileStorage with native blobs."""

    _int_args = ("create", "read_only", "pack_gc")
    _string_args = ("blob_dir",)
    _bytesize_args = ("quota",)

    def __call__(self, uri):
        _, rest = uri.split("://", 1)
        path, _, query = rest.partition("?")
        kw, unused = self.interpret_kwargs(dict(parse_qsl(query)))
        path = os.path.normpath(path)

        def factory():
            from ZODB.FileStorage import FileStorage

            if kw.get("blob_dir"):
                os.makedirs(kw["blob_dir"], exist_ok=True)
            return FileStorage(path, **kw)

        return factory, unused


resolve_filestorage = FileStorageResolver()


def native_blobs(uri):
    """``file://P?blobstorage_dir=D&…`` as ``filestorage://P?blob_dir=D&…``; other URIs unchanged."""
    if not uri.startswith("file://") or "blobstorage_dir=" not in uri:
        return uri
    path, _, query = uri[len("file://") :].partition("?")
    params = [
        ("blob_dir" if key == "blobstorage_dir" else key, value)
        for key, value in parse_qsl(query)
        if key != "blobstorage_layout"
    ]
    return "filestorage://" + path + "?" + "&".join(f"{key}={value}" for key, value in params)


def prepare_storage(uri, attempts=10):
    """Open the database once and close it, retrying: several processes starting together on a new
    database race to create it (RelStorage's tables, the root object ZODB makes in every new
    database), and all but one fail the first time. A FileStorage admits one process anyway."""
    if uri.startswith(("file://", "filestorage://", "memory://")):
        return
    from ZODB import DB

    for attempt in range(attempts):
        try:
            factory, _ = resolve_uri(uri)
            DB(factory()).close()
            return
        except Exception as error:
            if attempt == attempts - 1:
                raise
            log.info("database not ready (%s); trying again", type(error).__name__)
            time.sleep(random.uniform(0.1, 0.3) * (attempt + 1))


def before_retry(event):
    """pyramid_retry runs a request again after a write conflict: say so, for the operators, and
    wait a moment, longer after each attempt, so that requests that collided do not collide again
    by starting over in step (RelStorage's row locks above all)."""
    error = event.exception
    request = event.request
    attempt = event.environ.get("retry.attempt", 0)
    log.info("conflict retry: %s %s (%s: %s)", request.method, request.path, type(error).__name__, error)
    time.sleep(random.uniform(0, 0.02 * (2**attempt)))


def includeme(config):
    config.add_subscriber(before_retry, "pyramid_retry.IBeforeRetry")
