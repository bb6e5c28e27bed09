"""The PostgreSQL full-text store on the real server: phrases in order, never across punctuation,
long documents, quotes and backslashes, one character, removal."""

import uuid

import psycopg2
import pytest

from portal.fulltext import PostgresFullText
from portal.items.catalog import CJKBigramSplitter
from tests.conftest import POSTGRES


@pytest.fixture
def store(tmp_path):
    table = f"fulltext_{uuid.uuid4().hex[:16]}"
    yield PostgresFullText(POSTGRES, table)
    with psycopg2.connect(POSTGRES) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def phrase(store, text):
    return sorted(store.phrase(CJKBigramSplitter().process([text])))


def test_a_phrase_is_found_in_order_and_not_across_punctuation(store):
    store.update({1: "关于加强食品安全执法协作的通知", 2: "食品。安全检查", 3: "安全食品"})
    assert phrase(store, "食品安全") == [1]
    assert phrase(store, "安全") == [1, 2, 3]
    assert phrase(store, "执法协作") == [1]


def test_a_phrase_deep_in_a_long_document_is_found(store):
    filler = "甲乙丙丁" * 9_000  # 36,000 characters: past PostgreSQL's 16,383 positions
    store.update({7: filler + "违法事实清楚证据确凿" + filler})
    assert phrase(store, "证据确凿") == [7]
    assert store.count() == 1


def test_quotes_backslashes_and_one_character(store):
    store.update({5: "it's a back\\slash 鱼"})
    assert phrase(store, "it's") == [5]
    assert phrase(store, "back\\slash") == [5]
    assert store.character("鱼") == [5]


def test_an_update_replaces_and_a_removal_forgets(store):
    store.update({9: "行政处罚"})
    store.update({9: "行政许可"})
    assert phrase(store, "行政处罚") == []
    assert phrase(store, "行政许可") == [9]
    store.remove([9])
    assert phrase(store, "行政许可") == [] and store.count() == 0
