"""Absurd input on the live forms, as a slip of the keyboard or an attack would type it: refused
next to its field in Chinese, everything typed shown again, nothing stored."""

import datetime
import time

import pytest

from portal.items import now
from tests.complaints.test_complaints import outcome, press, register
from tests.filings.test_filings import NEW, complete_values, field_error, fill, typed
from tests.requests.test_collab_requests import new_request
from tests.transfers.test_transfers import draft


def refused_filing(browser, **changes):
    form = fill(browser.get(NEW).forms["penalty-filing"], complete_values(**changes))
    before = typed(form)
    page = form.submit("save", status=200)
    after = typed(page.forms["penalty-filing"])
    for name, value in before.items():
        if isinstance(value, str) and len(value) > 60_000:
            # The multipart parser (the standard library's cgi) decodes a line of more than 64 KiB
            # in pieces and may garble the character across a cut: the start is what comes back.
            assert after[name][:1000] == value[:1000], name
        else:
            assert after[name] == value, name
    return page


@pytest.fixture
def officer(browser_factory):
    person = browser_factory()
    person.login("ys.officer")
    return person


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"decision_date": "0001-01-01"}, "decision_date", "决定日期不能早于 2000-01-01"),
        ({"decision_date": "1999-12-31"}, "decision_date", "决定日期不能早于 2000-01-01"),
        ({"case_filing_date": "0001-01-01"}, "case_filing_date", "立案日期不能早于 2000-01-01"),
        ({"performance_deadline": "9999-12-31"}, "performance_deadline", "履行期限不能晚于"),
        ({"performance_deadline": "2003-05-01"}, "performance_deadline", "履行期限不能早于决定日期"),
        ({"party_id": "91360202MA38ABCD1L"}, "party_id", "统一社会信用代码校验码不正确"),
        (
            {"party_type": "其他组织", "party_id": "913602020000000000"},
            "party_id",
            "统一社会信用代码校验码不正确",
        ),
        ({"title": "某超市\x00销售过期食品案"}, "title", "不能包含空字符（NUL）"),
        ({"party_name": "某超市\x1b[31m"}, "party_name", "不能包含控制字符"),
        ({"party_address": "鱼山街\n8 号"}, "party_address", "不能包含控制字符"),
        ({"facts": "事实\x00"}, "facts", "不能包含空字符"),
        ({"title": "案" * 201}, "title", "案件名称最多 200 个字"),
        ({"party_name": "名" * 201}, "party_name", "最多 200 个字"),
        ({"evidence": "证" * 20_001}, "evidence", "证据最多 20000 个字"),
    ],
)
def test_absurd_filing_input_is_refused_beside_its_field(officer, changes, field, message):
    page = refused_filing(officer, **changes)
    assert message in field_error(page, field), field_error(page, field)


def test_a_two_megabyte_facts_field_is_refused_quickly(officer):
    started = time.monotonic()
    page = refused_filing(officer, facts="违法事实" * 512 * 1024)
    assert time.monotonic() - started < 10
    assert "违法事实最多 20000 个字" in field_error(page, "facts")
    assert "违法事实" not in officer.get("/penalty-filings").text.split("案件名称")[-1]


def test_a_two_megabyte_title_gets_a_message_not_a_500(officer):
    page = refused_filing(officer, title="题" * 2 * 1024 * 1024)
    assert "案件名称最多 200 个字" in field_error(page, "title")


def test_tabs_and_line_breaks_are_kept_in_long_texts(officer):
    form = fill(
        officer.get(NEW).forms["penalty-filing"],
        complete_values(facts="一、销售过期牛奶；\n二、\t未建立进货台账。"),
    )
    page = form.submit("save", status=302).follow()
    assert "二、\t未建立进货台账" in page.text


def test_long_texts_say_their_limit(officer):
    page = officer.get(NEW)
    control = page.html.select_one("#penalty-filing [name='facts']")
    assert "最多 20000 字" in control.find_parent(class_="form-group").text
    assert control["maxlength"] == "20000"
    assert page.html.select_one("#penalty-filing [name='title']")["maxlength"] == "200"


def test_an_on_site_arrival_years_before_the_request_is_refused(browser_factory):
    township, liaison = browser_factory(), browser_factory()
    township.login("ys.officer")
    liaison.login("scj.liaison")
    url = new_request(township, kind="认定", urgent=True).request.path
    form = liaison.get(url + "@@onsite").forms["onsite-form"]
    form["staff"] = "张明"
    form["arrived_at"] = "2019-11-27T09:30"
    page = form.submit("onsite", status=200)
    assert "到场时间不能早于请求起草时间前一天" in page.text
    assert page.forms["onsite-form"]["staff"].value == "张明"
    form["arrived_at"] = "0001-01-01T00:00"
    assert "到场时间不能早于 2000-01-01" in form.submit("onsite", status=200).text


def test_a_case_opened_before_the_complaint_came_in_is_refused(browser_factory):
    officer = browser_factory()
    officer.login("scj.officer")
    url = register(officer, "举报某药店销售过期药品", days_ago=3).request.path
    press(officer.get(url), "verify")
    long_ago = (now() - datetime.timedelta(days=400)).date()
    page = outcome(officer, url, "open_case", case_number="昌市监立〔2026〕15号", case_date=f"{long_ago}")
    assert "立案日期不能早于收到举报投诉的日期" in page.text
    assert page.forms["open_case-form"]["case_number"].value == "昌市监立〔2026〕15号"


def test_a_complaint_received_in_year_one_is_refused(browser_factory):
    officer = browser_factory()
    officer.login("scj.officer")
    form = officer.get("/tenants/cj-scjgj/@@new-complaint").forms["complaint-form"]
    form["channel"] = "来电"
    form["received_at"] = "0001-01-01T08:00"
    form["anonymous"] = True
    form["title"] = "反映问题"
    form["content"] = "内容"
    assert "收到时间不能早于 2000-01-01" in form.submit("register", status=200).text


def test_a_transfer_found_in_year_one_is_refused(officer):
    page = draft(officer, found=datetime.date(1, 1, 1))
    assert page.status_int == 200
    assert "发现违法行为的日期不能早于 2000-01-01" in page.text
    assert page.forms["case-transfer"]["title"].value == "某商贸公司无照经营案"


def test_an_old_regulation_is_fine_but_not_one_from_before_1949(browser_factory):
    department = browser_factory()
    department.login("scj.officer")
    form = department.get("/tenants/cj-scjgj/@@new-regulation").forms["regulation-form"]
    form["category"] = form["category"].options[1][0]
    form["title"] = "中华人民共和国行政处罚法（1996年）"
    form["body"] = "正文"
    form["issue_date"] = "1896-03-17"
    form.set("checkbox", True, index=0)
    page = form.submit("save", status=200)
    assert "印发日期不能早于 1949-10-01" in page.text
    form = page.forms["regulation-form"]
    form["issue_date"] = "1996-03-17"
    assert form.submit("save").status_int == 302


def test_a_nul_in_a_library_title_is_refused(browser_factory):
    department = browser_factory()
    department.login("scj.officer")
    form = department.get("/tenants/cj-scjgj/@@share-document").forms["document-form"]
    form["title"] = "范本\x00"
    form["description"] = "说明" * 10_001
    page = form.submit("share", status=200)
    assert "标题不能包含空字符（NUL）" in page.text
    assert "说明最多 20000 个字" in page.text


def test_a_body_larger_than_the_site_takes_gets_a_chinese_page(site_dir):
    from webtest import TestApp

    from tests.conftest import close_app, make_app

    app = make_app(site_dir, **{"portal.request_max_mb": "1"})
    try:
        response = TestApp(app).post(NEW, {"title": "题" * 1024 * 1024}, status=413)
        assert "提交的内容过大" in response.text and "1 MB" in response.text
        assert response.headers["X-Frame-Options"] == "DENY"
    finally:
        close_app(app)
