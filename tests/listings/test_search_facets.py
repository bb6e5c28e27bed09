"""Search by relevance or date, with facets counted over what the person may see, and its paging.

Through the real app (WebTest) as the demo people of 区市监局 and 鱼山镇, with the words in each
full-text store where search differs (SQLite beside the FileStorage, a PostgreSQL table, the
catalog's own text indexes); items of the sample types (tests/items/sample.py).
"""

import math
import sqlite3
import uuid
from urllib.parse import parse_qs, urlparse

import psycopg2
import pytest
import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from portal.fulltext import SQLiteFullText, fts_phrase, refill
from portal.items.catalog import CJKBigramSplitter
from portal.listings import search as searching
from portal.security import relations_to
from tests.conftest import POSTGRES, Browser, close_app, make_app
from tests.items import sample

STORES = ["sqlite", "postgresql", "zodb"]


@pytest.fixture(params=STORES)
def store_app(request, site_dir):
    """The app with its words in one of the full-text stores."""
    choice = request.param
    table = f"fulltext_{uuid.uuid4().hex[:16]}"
    if choice == "postgresql":
        choice = f"postgresql://postgres@127.0.0.1:5432/test?table={table}"
    application = make_app(site_dir, **{"portal.fulltext": choice})
    sample.register_types(application.registry)
    yield application
    transaction.abort()
    close_app(application)
    if request.param == "postgresql":
        with psycopg2.connect(POSTGRES) as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def add_food_safety(app):
    """Items saying 食品安全: in the title of some, only in the body of others; one of 区城管局's for
    吕蒙街道 (neither 区市监局 nor 鱼山镇 may see it) and a draft of 鱼山镇's (only 鱼山镇 may)."""
    with sample.site(app) as root:
        sample.add_rows(root)
        add = sample.add_item
        add(
            root,
            sample.SampleItem,
            "cj-yushan",
            "食品安全专项检查情况",
            minute=3,
            state="submitted",
            relations=[("recipient", "cj-scjgj")],
            body="对辖区餐饮单位开展检查。",
        )
        add(
            root,
            sample.SampleItem,
            "cj-yushan",
            "鱼山镇备案材料",
            minute=5,
            state="recorded",
            relations=[("recipient", "cj-scjgj")],
            body="本次检查涉及食品安全问题，食品安全整改已完成。",
            document_year=2025,
        )
        add(
            root,
            sample.SampleNotice,
            "cj-scjgj",
            "关于加强食品安全监管的通知",
            minute=1,
            state="recorded",
            relations=[("recipient", "*")],
            body="各单位：请做好食品安全工作。食品安全责任重大，食品安全检查不留死角。",
        )
        add(
            root,
            sample.SampleItem,
            "cj-cgj",
            "食品安全联合执法函",
            minute=4,
            state="submitted",
            relations=[("recipient", "cj-lvmeng")],
            body="食品安全",
        )
        add(root, sample.SampleItem, "cj-yushan", "草稿", minute=2, body="食品安全自查报告（草稿）")


@pytest.fixture
def food(store_app):
    add_food_safety(store_app)
    return store_app


def person(app, login):
    browser = Browser(app)
    browser.login(login)
    return browser


def titles(page):
    return [a.text.strip() for a in page.html.select("a.item-link")]


def count(page):
    return int(page.html.select_one(".list-count").text)


def facet(page, name):
    """``{value: count}`` of a facet's links, and the chosen value's count under ``"chosen"``."""
    section = page.html.select_one(f"#facet-{name}")
    found = {li["data-value"]: int(li["data-count"]) for li in section.select("li")}
    chosen = section.select_one(".facet-chosen")
    if chosen is not None:
        found["chosen"] = chosen["data-value"]
    return found


def facet_link(page, name, value):
    return page.html.select_one(f'#facet-{name} li[data-value="{value}"] a.facet-link')["href"]


# Order


def test_relevance_puts_title_matches_first_and_date_order_newest_first(food):
    scj = person(food, "scj.officer")
    page = scj.get("/search", {"q": "食品安全"})
    assert count(page) == 3
    ranked = titles(page)
    # Title matches first (the filing says it twice, only in its body); of them, the notice, older,
    # but saying it four times more in its body.
    assert ranked == ["关于加强食品安全监管的通知", "食品安全专项检查情况", "鱼山镇备案材料"]
    assert page.html.select_one("#search-sort option[selected]")["value"] == "relevance"
    # By the last change, the body-only match (the newest) comes first.
    by_date = scj.get("/search", {"q": "食品安全", "sort": "modified"})
    assert titles(by_date) == ["鱼山镇备案材料", "食品安全专项检查情况", "关于加强食品安全监管的通知"]
    by_created = scj.get(page.html.select_one('a.sort-link[href*="sort=created"]')["href"])
    assert titles(by_created) == titles(by_date)
    # An order no link offers falls back to the default, as in every list.
    assert titles(scj.get("/search", {"q": "食品安全", "sort": "title;drop"})) == ranked


def test_ties_in_relevance_go_to_the_newest_change(store_app):
    with sample.site(store_app) as root:
        sample.add_rows(root)
        for minute, title in [
            (1, "第一份安全生产通知"),
            (9, "第三份安全生产通知"),
            (5, "第二份安全生产通知"),
        ]:
            sample.add_item(
                root,
                sample.SampleNotice,
                "cj-scjgj",
                title,
                minute=minute,
                relations=[("recipient", "*")],
                body="同样的正文。",
            )
    page = person(store_app, "ys.officer").get("/search", {"q": "安全生产"})
    assert titles(page) == ["第三份安全生产通知", "第二份安全生产通知", "第一份安全生产通知"]


# Facets


def test_facet_counts_are_the_visible_results_of_each_person(food):
    scj = person(food, "scj.officer").get("/search", {"q": "食品安全"})
    assert facet(scj, "type") == {"sample_item": 2, "sample_notice": 1}
    # 区城管局's letter to 吕蒙街道 and 鱼山镇's draft are counted nowhere for 区市监局.
    assert facet(scj, "unit") == {"cj-yushan": 2, "cj-scjgj": 1}
    assert facet(scj, "year") == {"2026": 2, "2025": 1}
    assert facet(scj, "state") == {"recorded": 2, "submitted": 1}
    assert "区城管局" not in scj.text

    ys = person(food, "ys.officer").get("/search", {"q": "食品安全"})
    assert count(ys) == 4
    # 鱼山镇 sees its own draft: one more of its own than 区市监局 may count.
    assert facet(ys, "unit") == {"cj-yushan": 3, "cj-scjgj": 1}
    assert facet(ys, "state") == {"recorded": 2, "submitted": 1, "draft": 1}
    assert facet(ys, "type") == {"sample_item": 3, "sample_notice": 1}
    for name in searching.FACETS:
        assert sum(n for value, n in facet(ys, name).items() if value != "chosen") == count(ys)


def test_a_facet_narrows_keeps_the_words_combines_and_can_be_removed(food):
    ys = person(food, "ys.officer")
    page = ys.get("/search", {"q": "食品安全", "sort": "modified"})
    narrowed = ys.get(facet_link(page, "unit", "cj-yushan"))
    assert count(narrowed) == 3
    assert parse_qs(urlparse(narrowed.request.url).query)["q"] == ["食品安全"]
    assert titles(narrowed) == ["鱼山镇备案材料", "食品安全专项检查情况", "草稿"]
    assert facet(narrowed, "unit") == {"chosen": "cj-yushan"}
    assert "鱼山镇（3）" in narrowed.html.select_one("#facet-unit .facet-chosen").text
    # The other facets now count the narrowed results; a second one combines with the first.
    assert facet(narrowed, "state") == {"recorded": 1, "submitted": 1, "draft": 1}
    both = ys.get(facet_link(narrowed, "state", "draft"))
    assert titles(both) == ["草稿"]
    assert facet(both, "type") == {"sample_item": 1}
    # The chosen order is kept, and the form carries the facets to a new search.
    form = both.forms["search-form"]
    assert form["unit"].value == "cj-yushan" and form["state"].value == "draft"
    assert form["sort"].value == "modified"
    # Removing the unit keeps the state.
    removed = ys.get(both.html.select_one("#facet-unit a.facet-remove")["href"])
    assert titles(removed) == ["草稿"]
    assert facet(removed, "unit") == {"cj-yushan": 1}
    # The year facet narrows too, and facets alone (no words) list what the person may see.
    by_year = ys.get("/search", {"year": "2025"})
    assert titles(by_year) == ["鱼山镇备案材料"]


def test_the_unit_facet_shows_ten_units_and_more_on_request(app):
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_rows(root)
        units = sorted(root["tenants"])[:12]
        for i, unit in enumerate(units):
            for j in range(i + 1):
                sample.add_item(
                    root,
                    sample.SampleNotice,
                    unit,
                    f"专项整治通知{i}-{j}",
                    minute=i * 20 + j,
                    relations=[("recipient", "*")],
                )
    page = person(app, "ys.officer").get("/search", {"q": "专项整治"})
    shown = facet(page, "unit")
    # The ten with the most hits, most first.
    assert list(shown) == list(reversed(units))[:10]
    assert list(shown.values()) == list(range(12, 2, -1))
    more = Browser(app)
    more.login("ys.officer")
    everything = more.get(page.html.select_one("#facet-unit a.facet-more")["href"])
    assert len(facet(everything, "unit")) == 12
    assert everything.html.select_one("#facet-unit a.facet-fewer") is not None


def test_over_the_facet_limit_the_counts_are_estimated_and_say_so(app, monkeypatch):
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_rows(root)
        for i in range(6):
            sample.add_item(
                root,
                sample.SampleNotice,
                "cj-scjgj" if i < 4 else "cj-cgj",
                f"安全检查通知{i}",
                minute=i,
                relations=[("recipient", "*")],
            )
    ys = person(app, "ys.officer")
    exact = ys.get("/search", {"q": "安全检查"})
    assert facet(exact, "unit") == {"cj-scjgj": 4, "cj-cgj": 2}
    assert exact.html.select_one("#facets-sampled") is None
    monkeypatch.setattr(searching, "FACET_LIMIT", 4)
    monkeypatch.setattr(searching, "FACET_SAMPLE", 3)
    page = ys.get("/search", {"q": "安全检查"})
    assert count(page) == 6
    # Every second hit is counted, twice: estimates, marked as such.
    units = facet(page, "unit")
    assert sum(units.values()) == 6 and all(n % 2 == 0 for n in units.values())
    assert all(
        li.text.strip().endswith(f"（约 {li['data-count']}）") for li in page.html.select("#facet-unit li")
    )
    note = " ".join(page.html.select_one("#facets-sampled").text.split())
    assert "均匀抽取 3 项" in note and "约数" in note
    # A chosen value's count is exact: every hit has it.
    narrowed = ys.get(facet_link(page, "type", "sample_notice"))
    assert "示例通知（6）" in narrowed.html.select_one("#facet-type .facet-chosen").text


# Parameters


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "no_such_type"}, "没有“no_such_type”这一事项类型"),
        ({"unit": "cj-nowhere"}, "没有代码为“cj-nowhere”的单位"),
        ({"year": "20x6"}, "年份应为 1949 到 2100 之间的四位数字"),
        ({"year": "1800"}, "年份应为 1949 到 2100 之间的四位数字"),
        ({"state": "lost"}, "没有“lost”这一状态"),
        ({"type": "sample_notice", "state": "closed"}, "“示例通知”没有“closed”这一状态"),
        ({"page": "-3"}, "页码应为"),
        ({"unit": "cj-yushan\x00"}, "不能含有控制字符"),
    ],
)
def test_bad_parameters_are_refused_in_chinese(app, browser, params, message):
    sample.register_types(app.registry)
    browser.login("ys.officer")
    page = browser.get("/search", {"q": "通知", **params}, status=400)
    assert message in page.text


def test_the_last_page_and_every_page_between(store_app):
    with sample.site(store_app) as root:
        sample.add_rows(root)
        for i in range(47):
            sample.add_item(
                root,
                sample.SampleNotice,
                "cj-scjgj",
                f"第{i:02d}号执法检查通知" if i % 3 == 0 else f"第{i:02d}号通知",
                minute=i,
                relations=[("recipient", "*")],
                body="执法检查" * (i % 5 + 1),
            )
    ys = person(store_app, "ys.officer")
    for sort in ("relevance", "modified"):
        pages = [titles(ys.get("/search", {"q": "执法检查", "sort": sort, "page": n})) for n in (1, 2, 3)]
        assert [len(p) for p in pages] == [20, 20, 7]
        # Every hit exactly once over the pages, title matches first by relevance.
        seen = [t for p in pages for t in p]
        assert sorted(seen) == sorted(
            f"第{i:02d}号执法检查通知" if i % 3 == 0 else f"第{i:02d}号通知" for i in range(47)
        )
        if sort == "relevance":
            assert all("执法检查" in t for t in seen[:16]) and not any("执法检查" in t for t in seen[16:])
        else:
            assert seen == sorted(seen, reverse=True)
        # A page past the last shows the last; the largest page number allowed too.
        assert titles(ys.get("/search", {"q": "执法检查", "sort": sort, "page": "9"})) == pages[2]
        last = ys.get("/search", {"q": "执法检查", "sort": sort, "page": "100000"})
        assert titles(last) == pages[2]
        assert last.html.select_one(".pagination .active").text.strip() == "3"


def test_a_large_group_is_put_in_date_order_and_the_page_says_so(app, monkeypatch):
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_rows(root)
        for i in range(5):
            sample.add_item(
                root,
                sample.SampleNotice,
                "cj-scjgj",
                f"通知{i}",
                minute=i,
                relations=[("recipient", "*")],
                body="消防" * (5 - i),
            )
    ys = person(app, "ys.officer")
    scored = ys.get("/search", {"q": "消防"})
    # Scored: the body that says it most first.
    assert titles(scored) == ["通知0", "通知1", "通知2", "通知3", "通知4"]
    assert scored.html.select_one("#rank-unscored") is None
    monkeypatch.setattr(searching, "RANK_LIMIT", 3)
    unscored = ys.get("/search", {"q": "消防"})
    assert titles(unscored) == ["通知4", "通知3", "通知2", "通知1", "通知0"]
    assert "组内按更新时间排列" in unscored.html.select_one("#rank-unscored").text


# The pieces on their own


def test_ordering_by_walking_the_index_equals_sorting_from_either_end(app):
    sample.register_types(app.registry)
    with sample.site(app) as root:
        for i in range(30):
            sample.add_item(root, sample.SampleNotice, "cj-scjgj", f"通知{i}", minute=i % 7)
    with sample.site(app, commit=False) as root:
        catalog = root["catalogs"]["portal"]
        everything = catalog["item_type"].applyEq("sample_notice")
        docids = catalog.family.IF.Set(list(everything)[::2])
        index = catalog["modified"]
        for start in range(0, 16):
            for size in (1, 4, 20):
                sorted_way = searching.ordered_slice(index, docids, start, size)
                walked = searching.ordered_slice(index, docids, start, size, sort_all=0, walk_cost=0)
                assert walked == sorted_way, (start, size)
        values = [index._rev_index[d] for d in searching.ordered_slice(index, docids, 0, 15)]
        assert values == sorted(values, reverse=True) and len(values) == 15


def test_sqlite_relevance_is_fts5s_bm25_for_the_documents_asked_only(tmp_path):
    store = SQLiteFullText(tmp_path / "fulltext.sqlite")
    texts = {
        1: "食品安全专项检查，食品安全无小事",
        2: "关于加强食品安全监管的通知。各单位：食品安全责任重大",
        3: "安全生产检查",
        4: "食品。安全",
        5: "饮用水安全与食品安全，鱼",
        6: "鱼山镇",
        **{docid: f"第{docid}份材料" for docid in range(7, 12)},
    }
    store.update(texts, {1: "食品安全专项检查"})
    words = CJKBigramSplitter().process(["食品安全"])
    expression = "(words : " + fts_phrase(words) + ') OR (chars : "鱼")'
    with sqlite3.connect(store.path) as conn:
        expected = dict(
            conn.execute("SELECT rowid, -bm25(items) FROM items WHERE items MATCH ?", (expression,))
        )
    terms = [[(("phrase", words), 3), (("char", "鱼"), 2)]]
    scores = store.relevance([1, 2, 5, 6], terms)
    assert set(scores) == {1, 2, 5, 6}
    for docid in (1, 2, 5, 6):
        assert math.isclose(scores[docid], expected[docid], rel_tol=1e-9), docid
    # The number of documents holding a term is asked when not given.
    assert store.relevance([1], [[(("phrase", words), None)]])[1] > 0
    assert sorted(store.title_matches([words])) == [1]


def test_a_store_without_titles_gets_them_at_start(app, site_dir):
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_rows(root)
        sample.add_item(
            root, sample.SampleNotice, "cj-scjgj", "正文很长的通知", relations=[("recipient", "*")]
        )
        sample.add_item(
            root,
            sample.SampleNotice,
            "cj-scjgj",
            "另一份材料",
            minute=9,
            relations=[("recipient", "*")],
            body="正文很长的通知" * 3,
        )
    store = app.registry.portal_fulltext
    # As a store made before titles were kept.
    with sqlite3.connect(store.path) as conn:
        conn.execute("DROP TABLE titles")
    close_app(app)
    restarted = make_app(site_dir)
    try:
        sample.register_types(restarted.registry)
        assert restarted.registry.portal_fulltext.has_titles()
        page = person(restarted, "ys.officer").get("/search", {"q": "正文很长"})
        assert titles(page) == ["正文很长的通知", "另一份材料"]
        with sample.site(restarted, commit=False) as root:
            # Nothing more to do at the next start.
            assert refill(root, restarted.registry.portal_fulltext) == 0
    finally:
        close_app(restarted)


def test_a_postgresql_table_made_before_titles_gains_them(site_dir):
    from portal.fulltext import PostgresFullText

    table = f"fulltext_{uuid.uuid4().hex[:16]}"
    with psycopg2.connect(POSTGRES) as conn, conn.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {table} (docid bigint NOT NULL, chunk integer NOT NULL,"
            " words tsvector NOT NULL, chars tsvector NOT NULL, PRIMARY KEY (docid, chunk))"
        )
        cursor.execute(f"INSERT INTO {table} VALUES (7, 0, '''旧的'':1', '''旧'':1')")
    try:
        store = PostgresFullText(POSTGRES, table)
        assert store.count() == 1 and not store.has_titles()
        store.update({}, {7: "旧的标题"})
        assert store.has_titles()
        assert store.title_matches([CJKBigramSplitter().process(["标题"])]) == [7]
        assert store.phrase(CJKBigramSplitter().process(["旧的"])) == [7]
    finally:
        with psycopg2.connect(POSTGRES) as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


# Property: facet counts equal counts over the visible results

PEOPLE = {"ys.officer": "cj-yushan", "scj.officer": "cj-scjgj"}
UNITS = ["cj-yushan", "cj-scjgj", "cj-cgj", "cj-lvmeng"]
STATES = list(sample.WORKFLOW.states)

examples = st.lists(
    st.tuples(
        st.sampled_from(list(sample.TYPES)),
        st.sampled_from(UNITS),
        st.lists(
            st.tuples(st.sampled_from(["recipient", "cc", "participant"]), st.sampled_from([*UNITS, "*"])),
            max_size=2,
        ),
        st.sampled_from(STATES),
        st.sampled_from([2024, 2025, 2026]),
        st.booleans(),
    ),
    min_size=1,
    max_size=10,
)


@pytest.fixture
def searchers(app):
    sample.register_types(app.registry)
    with sample.site(app) as root:
        sample.add_rows(root)
    return {login: person(app, login) for login in PEOPLE}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(specs=examples)
def test_facet_counts_equal_counts_over_the_visible_results(app, searchers, specs):
    with sample.site(app) as root:
        for i, (type_name, owner, relations, state, year, titled) in enumerate(specs):
            sample.add_item(
                root,
                sample.TYPES[type_name],
                owner,
                "协作事项" if titled else f"第{i}件",
                relations=relations,
                state=state,
                minute=i,
                body="执法协作",
                document_year=year,
            )
    try:
        engine = app.registry.policy_engine
        for login, browser in searchers.items():
            unit = PEOPLE[login]
            want = {name: {} for name in searching.FACETS}
            with sample.site(app, commit=False) as root:
                engine.sync(root.policy_store)
                for tenant in root["tenants"].values():
                    for name, item in tenant.items():
                        if name.startswith("sample_") and engine.permits(
                            login, unit, relations_to(item, unit), item.item_type, "view"
                        ):
                            for facet_name, value in [
                                ("type", item.item_type),
                                ("unit", item.owner),
                                ("year", str(item.document_year)),
                                ("state", item.state),
                            ]:
                                want[facet_name][value] = want[facet_name].get(value, 0) + 1
            page = browser.get("/search", {"q": "协作"})
            assert count(page) == sum(want["type"].values())
            for name in searching.FACETS:
                assert facet(page, name) == want[name], (login, name)
    finally:
        with sample.site(app) as root:
            for tenant in root["tenants"].values():
                for name in [name for name in tenant if name.startswith("sample_")]:
                    tenant.remove(name)
