"""One site per test module, each person logged in once (see ``tests/requests/conftest.py``)."""

from tests.requests.conftest import app, person  # noqa: F401
