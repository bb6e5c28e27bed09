"""The demo district shows a living district: one example of each flow, filed through the forms."""

import transaction

from portal.items.catalog import item_types
from tests.conftest import close_app, make_app


def counts_by_type(app):
    db = app.registry._zodb_databases[""]
    conn = db.open()
    try:
        catalog = conn.root()["app_root"]["catalogs"]["portal"]
        return {name: len(catalog["item_type"].applyEq(name)) for name in item_types(app.registry)}
    finally:
        transaction.abort()
        conn.close()


def test_the_first_start_files_an_example_of_every_flow_and_the_next_start_none(tmp_path):
    app = make_app(tmp_path, **{"portal.demo_content": "true"})
    try:
        first = counts_by_type(app)
    finally:
        close_app(app)
    missing = sorted(name for name, count in first.items() if not count)
    assert not missing, f"flows without a demo example: {missing}"

    app = make_app(tmp_path, **{"portal.demo_content": "true"})
    try:
        assert counts_by_type(app) == first
    finally:
        close_app(app)


def test_without_the_setting_the_site_stays_empty(tmp_path):
    app = make_app(tmp_path)
    try:
        assert not any(counts_by_type(app).values())
    finally:
        close_app(app)
