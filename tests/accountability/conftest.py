"""One site per test module, each person logged in once on it (see :mod:`tests.module_site`)."""

from tests.module_site import app, person  # noqa: F401 (fixtures)
