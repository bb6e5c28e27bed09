"""The catalog's Chinese text search: the splitter, abbreviations, document numbers, one character.

The splitter is checked on its own; queries run against a real site's ``portal`` catalog with
items of the sample types added the normal way (indexed on add).
"""

import uuid

import psycopg2
import pytest
import transaction

from portal.items.catalog import (
    BOUNDARY,
    CJKBigramSplitter,
    expansions,
    snippet,
    text_query,
)
from tests.conftest import POSTGRES, close_app, make_app
from tests.items import sample


def split(text):
    return [word for word in CJKBigramSplitter().process([text]) if word != BOUNDARY]


# The splitter


def test_chinese_runs_become_overlapping_bigrams():
    assert split("行政处罚") == ["行政", "政处", "处罚"]


def test_ascii_words_stay_whole_and_digits_stay_searchable():
    assert split("PDF scan v2") == ["PDF", "scan", "v2"]
    # 12号 is one segment: the number alone and the pair with 号 are both words.
    assert split("〔2026〕12号") == ["2026", "12", "12号"]


def test_full_width_digits_are_ascii_digits():
    assert split("２０２６年度") == ["2026", "2026年", "年度"]


def test_punctuation_separates_segments_with_a_boundary_word():
    words = CJKBigramSplitter().process(["中华。华人"])
    assert words == ["中华", BOUNDARY, "华人"]


def test_the_splitter_is_idempotent_on_its_own_words():
    # hypatia splits a phrase query's words a second time.
    splitter = CJKBigramSplitter()
    words = splitter.process(["鱼山镇备12号文件"])
    assert splitter.process(words) == words


def test_abbreviations_expand_both_ways():
    assert expansions("市场监管") == ["市场监督管理"]
    assert "城管局" in expansions("城市管理局")
    assert expansions("行政处罚") == []


def test_snippet_shows_the_matched_region():
    before, match, after = snippet("关于加强市场监督管理领域行政处罚工作的通知", "市场监管")
    assert (before, match) == ("关于加强", "市场监督管理")
    assert after.startswith("领域行政处罚")
    assert snippet("无关的文字", "处罚") is None


# Queries against a real catalog


@pytest.fixture(params=["sqlite", "postgresql", "zodb"])
def catalog_app(request, site_dir):
    """The app with its words in each full-text store: SQLite beside the FileStorage, a table in
    PostgreSQL (as beside RelStorage), or the catalog's own text indexes (as on ZEO)."""
    choice = request.param
    table = f"fulltext_{uuid.uuid4().hex[:16]}"
    if choice == "postgresql":
        choice = f"postgresql://postgres@127.0.0.1:5432/test?table={table}"
    application = make_app(site_dir, **{"portal.fulltext": choice})
    yield application
    transaction.abort()
    close_app(application)
    if request.param == "postgresql":
        with psycopg2.connect(POSTGRES) as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


@pytest.fixture
def catalog_items(catalog_app):
    """Items of the sample types whose texts the queries below are about; returns their titles."""
    app = catalog_app
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_item(
            root,
            sample.SampleItem,
            "cj-yushan",
            "关于某商贸公司的备案",
            body="根据市场监督管理部门的通报，本镇依法作出行政处罚决定。",
            number="鱼山镇备〔2026〕12号",
        )
        sample.add_item(
            root,
            sample.SampleItem,
            "cj-yushan",
            "第12号事项的补充材料",
            body="另见鱼山镇备〔2026〕13号。",
            number="鱼山镇备〔2026〕14号",
        )
        sample.add_item(root, sample.SampleNotice, "cj-scjgj", "中华。华人通知", body="标点两侧")
        sample.add_item(root, sample.SampleNotice, "cj-scjgj", "城管局联合执法通知", body="甲")
        sample.add_item(
            root,
            sample.SampleItem,
            "cj-cgj",
            "现场照片",
            body="见附件",
            attachment_text="扫描件：景德镇市青花陶瓷有限公司无证经营",
        )
    return app


def titles(app, words):
    with sample.site(app, commit=False) as root:
        catalog = root["catalogs"]["portal"]
        query = text_query(catalog, words)
        return sorted(item.title for item in query.execute().all())


def test_an_abbreviation_finds_the_full_name(catalog_items):
    # 市场监管 is the abbreviation of 市场监督管理: plain bigram phrases would not find it.
    assert titles(catalog_items, "市场监管 处罚") == ["关于某商贸公司的备案"]
    assert titles(catalog_items, "城市管理") == ["城管局联合执法通知"]


def test_a_document_number_finds_that_number_only(catalog_items):
    assert titles(catalog_items, "鱼山镇备〔2026〕12号") == ["关于某商贸公司的备案"]
    assert titles(catalog_items, "2026") == ["关于某商贸公司的备案", "第12号事项的补充材料"]
    assert titles(catalog_items, "12号") == ["关于某商贸公司的备案", "第12号事项的补充材料"]


def test_one_character_uses_the_characters_index(catalog_items):
    assert titles(catalog_items, "甲") == ["城管局联合执法通知"]
    assert titles(catalog_items, "罚") == ["关于某商贸公司的备案"]


def test_no_hit_across_punctuation(catalog_items):
    # "中华。华人" has the bigrams 中华 and 华人 side by side, but not the phrase 中华人.
    assert titles(catalog_items, "中华人") == []
    assert titles(catalog_items, "中华") == ["中华。华人通知"]


def test_attachment_text_is_searched(catalog_items):
    assert titles(catalog_items, "青花陶瓷") == ["现场照片"]


def test_nothing_to_search_for_is_no_query(catalog_items):
    with sample.site(catalog_items, commit=False) as root:
        assert text_query(root["catalogs"]["portal"], "  ，。 ") is None


def test_a_changed_text_index_is_refilled_at_start_and_kept_afterwards(app, site_dir):
    from tests.conftest import close_app, make_app

    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_item(root, sample.SampleItem, "cj-yushan", "行政处罚决定备案")
        # As if the splitter had changed since the index was built.
        root["catalogs"]["portal"]["text"].__factory_hash__ = 0
    close_app(app)
    index_oids = []
    for _ in range(2):
        restarted = make_app(site_dir)
        try:
            assert titles(restarted, "处罚决定") == ["行政处罚决定备案"]
            with sample.site(restarted, commit=False) as root:
                index_oids.append(root["catalogs"]["portal"]["text"]._p_oid)
        finally:
            close_app(restarted)
    # The second start found the index current and kept it (no reindexing at every start).
    assert index_oids[0] == index_oids[1]
