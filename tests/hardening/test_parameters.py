"""Hand-edited URLs: every listing answers a hostile parameter with 400 and a Chinese page, never
a 500, and a page past the last shows the last page."""

import pytest

LISTINGS = (
    "/penalty-filings",
    "/@@collab-requests",
    "/@@complaints",
    "/transfers",
    "/inbox",
    "/outbox",
    "/todo",
    "/search?q=%E8%B6%85%E5%B8%82",
    "/library",
    "/regulations",
)
#: Far too large, negative, zero, words, a float, a full-width digit, past the cap, junk, a NUL.
HOSTILE_PAGES = ("99999999999999999999", "-1", "0", "abc", "1e3", "%EF%BC%91", "2.5", "100001", "+7+x", "%00")


def with_param(path, param):
    return path + ("&" if "?" in path else "?") + param


@pytest.fixture
def officer(browser):
    browser.login("ys.officer")
    return browser


@pytest.mark.parametrize("path", LISTINGS)
@pytest.mark.parametrize("page", HOSTILE_PAGES)
def test_a_hostile_page_number_is_refused_in_chinese(officer, path, page):
    response = officer.get(with_param(path, f"page={page}"), status=400)
    assert "页码应为 1 到 100000 之间的整数" in response.text
    assert response.html.find("h1").text == "请求有误"


@pytest.mark.parametrize("path", LISTINGS)
def test_a_page_past_the_last_shows_the_last_page(officer, path):
    response = officer.get(with_param(path, "page=99999"), status=200)
    assert response.html.find("h1") is not None


@pytest.mark.parametrize("path", LISTINGS)
def test_bytes_that_are_not_text_are_refused_in_chinese(officer, path):
    response = officer.get(with_param(path, "page=1&q=%00%ff%fe"), status=400)
    assert "无法识别的字符" in response.text


def test_a_nul_in_the_search_words_is_refused(officer):
    response = officer.get("/search?q=%E8%B6%85%00", status=400)
    assert "搜索词中不能含有控制字符" in response.text
    assert "超市" in officer.get("/search?q=%E8%B6%85%E5%B8%82").text


def test_search_words_far_too_long_are_cut_not_refused(officer):
    assert officer.get("/search?q=" + "%E8%B6%85" * 5000).status_int == 200


@pytest.mark.parametrize("before", ("99999999999999999999999", "-5", "abc", "9223372036854775808"))
def test_the_notifications_page_refuses_a_hostile_key(officer, before):
    response = officer.get(f"/notifications?before={before}", status=400)
    assert "“更早的通知”链接的参数不正确" in response.text


def test_the_notifications_page_takes_a_real_key(officer):
    assert officer.get("/notifications?before=9223372036854775807").status_int == 200
    assert officer.get("/notifications?before=").status_int == 200


@pytest.mark.parametrize("param", ("sort=%00", "order=up", "type=<script>", "unit=x&category=y&year=99999"))
def test_unknown_choices_fall_back_to_the_defaults(officer, param):
    for path in ("/inbox", "/library"):
        response = officer.get(with_param(path, param), status="*")
        assert response.status_int in (200, 400), (path, param)
