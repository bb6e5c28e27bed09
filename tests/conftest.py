"""Fixtures: real apps on real FileStorages in temporary directories.

A template site (the demo district and people) is built once per test session; each test gets its
own copy of its Data.fs, so tests never share state and bcrypt hashes the demo passwords once.
"""

import shutil
import uuid
from pathlib import Path

import psycopg2
import pytest
import transaction
from webtest import TestApp

import portal
from portal.site import DEMO_PASSWORD

PROJECT = Path(portal.__file__).resolve().parent.parent
#: The PostgreSQL server the RelStorage tests use (CI starts it before the tests).
POSTGRES = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def settings_for(directory, **extra):
    directory = Path(directory)
    (directory / "blobs").mkdir(parents=True, exist_ok=True)
    settings = {
        "zodbconn.uri": f"filestorage://{directory}/Data.fs?blob_dir={directory}/blobs",
        "substanced.secret": "test-secret",
        "substanced.initial_login": "admin",
        "substanced.initial_password": "admin12345",
        "pyramid.default_locale_name": "zh_Hans",
        "portal.demo": "true",
        "portal.policy_dir": str(PROJECT / "policies"),
        "portal.tenants_dir": str(PROJECT / "tenants"),
        # Mails are written as files here (see mail_dir), never sent.
        "portal.mail_debug_dir": str(directory / "mail"),
    }
    settings.update(extra)
    return settings


def make_app(directory, **extra):
    return portal.main({}, **settings_for(directory, **extra))


@pytest.fixture(scope="session")
def template_site(tmp_path_factory):
    """A site built once: Data.fs with the demo district, policy and people."""
    directory = tmp_path_factory.mktemp("template")
    app = make_app(directory)
    close_app(app)
    return directory


def close_app(app):
    """Stop the app's background indexing, then close its databases."""
    indexer = getattr(app.registry, "portal_indexer", None)
    if indexer is not None:
        indexer.stop()
    for db in getattr(app.registry, "_zodb_databases", {}).values():
        db.close()


@pytest.fixture
def site_dir(template_site, tmp_path):
    """A private copy of the template site's storage."""
    directory = tmp_path / "site"
    directory.mkdir()
    shutil.copy(template_site / "Data.fs", directory / "Data.fs")
    shutil.copytree(template_site / "blobs", directory / "blobs")
    return directory


@pytest.fixture
def app(site_dir):
    """The WSGI app on a private FileStorage (the demo district, demo people)."""
    application = make_app(site_dir)
    yield application
    transaction.abort()
    close_app(application)


class Browser(TestApp):
    """A WebTest app with the steps a person takes: log in, switch unit."""

    def login(self, login, password=DEMO_PASSWORD):
        page = self.get("/login")
        form = page.forms["login-form"]
        form["login"] = login
        form["password"] = password
        response = form.submit("submit")
        assert response.status_int == 302, response.text[:2000]
        return response.follow()

    def logout(self):
        """退出 is a button: a POST with the session's CSRF token (a GET only shows the button)."""
        page = self.get("/logout")
        return page.forms["logout-form"].submit().follow()

    def switch_unit(self, unit):
        token = self.csrf_token()
        return self.post("/switch-unit", {"unit": unit, "csrf_token": token}).follow()

    def csrf_token(self):
        page = self.get("/")
        return page.html.find("input", {"name": "csrf_token"})["value"]


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def browser_factory(app):
    """More people at once, each with their own cookies, on the same site."""
    return lambda: Browser(app)


@pytest.fixture
def root(app):
    """The site root in a fresh connection (abort or commit with ``transaction``)."""
    db = app.registry._zodb_databases[""]
    conn = db.open()
    yield conn.root()["app_root"]
    transaction.abort()
    conn.close()


@pytest.fixture
def postgres_uri(tmp_path):
    """A fresh PostgreSQL database for RelStorage, dropped afterwards."""
    # Unique across test processes running at once (pytest -n): never another test's database.
    name = f"portal_scaleout_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(POSTGRES)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield (
        lambda blobs: (
            f"postgres://postgres@127.0.0.1:5432/{name}?keep_history=false"
            f"&blob_dir={blobs}&shared_blob_dir=false&cache_local_mb=0"
        )
    )
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
