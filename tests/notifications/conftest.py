"""The tests here run on the portal with the sample item type (see :mod:`tests.deadlines.sample`)."""

import pytest
import transaction

from tests.conftest import close_app
from tests.deadlines.sample import make_sample_app


@pytest.fixture
def app(site_dir):
    application = make_sample_app(site_dir)
    yield application
    transaction.abort()
    close_app(application)
