"""Fixtures for logins, sessions and password resets: a clock the tests move, the mails sent."""

import time

import pytest
from pyramid.interfaces import IAuthenticationPolicy

from portal.people import auth


class Clock:
    """The throttle's and the tickets' clock (``portal.people.auth.now``) and the ticket cookie's."""

    def __init__(self, app):
        self.moment = time.time()
        self.cookie = app.registry.getUtility(IAuthenticationPolicy).cookie

    def __call__(self):
        return self.moment

    def advance(self, seconds):
        self.moment += seconds
        self.cookie.now = self.moment


@pytest.fixture
def clock(app, monkeypatch):
    clock = Clock(app)
    monkeypatch.setattr(auth, "now", clock)
    yield clock
    clock.cookie.now = None


@pytest.fixture
def mail_dir(site_dir):
    return site_dir / "mail"


def audit_actions(root, limit=200):
    import transaction

    transaction.begin()
    return [(entry.action, entry.details.get("login")) for _, entry in root.audit_trail.latest(limit)]
