"""Fixtures for logins, sessions and password resets: a clock the tests move, the mails sent."""

import time

import pytest

from portal.people import auth


class Clock:
    """The throttle's and the tickets' clock (``portal.people.auth.now``)."""

    def __init__(self):
        self.moment = time.time()

    def __call__(self):
        return self.moment

    def advance(self, seconds):
        self.moment += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(auth, "now", clock)
    return clock


@pytest.fixture
def mail_dir(site_dir):
    return site_dir / "mail"


def audit_actions(root, limit=200):
    import transaction

    transaction.begin()
    return [(entry.action, entry.details.get("login")) for _, entry in root.audit_trail.latest(limit)]
