"""A form left open while the person logged in again elsewhere (the session's CSRF token changed):
submitting it saves nothing, and shows the same form again with everything typed, a fresh token and
a Chinese message, for every flow's form. A stale POST without a form does nothing either."""

import pytest
from webtest import Upload

from tests.filings.test_filings import NEW as NEW_FILING
from tests.filings.test_filings import complete_values, fill, pdf_bytes
from tests.transfers.test_transfers import new_transfer

STALE = "页面已过期"


def go_stale(form):
    """What a form opened under an earlier session carries: a token the session no longer has."""
    form["csrf_token"] = "f" * 40
    return form


def assert_shown_again(browser, response, formid, typed):
    assert response.status_int == 400
    assert STALE in response.text and "已填写的内容均已保留" in response.text
    form = response.forms[formid]
    for name, value in typed.items():
        assert form[name].value == value, name
    assert form["csrf_token"].value == browser.csrf_token()
    return form


@pytest.fixture
def officer(browser_factory):
    person = browser_factory()
    person.login("ys.officer")
    return person


def test_a_stale_filing_keeps_the_typed_text_and_asks_for_the_file_again(officer):
    form = fill(officer.get(NEW_FILING).forms["penalty-filing"], complete_values(title="昨晚写好的案件"))
    response = go_stale(form).submit("save", status=400)
    again = assert_shown_again(
        officer,
        response,
        "penalty-filing",
        {
            "title": "昨晚写好的案件",
            "facts": complete_values()["facts"],
            "party_id": complete_values()["party_id"],
        },
    )
    assert "请重新选择" in response.text
    assert "昨晚写好的案件" not in officer.get("/penalty-filings").text
    # The person chooses the file again and saves: it works with the fresh token.
    again["upload"] = Upload("决定书.pdf", pdf_bytes(), "application/pdf")
    saved = again.submit("save", status=302).follow()
    assert "昨晚写好的案件" in saved.text


def test_a_stale_collaboration_request_is_shown_again(officer):
    form = officer.get("/tenants/cj-yushan/@@new-collab-request").forms["collab-request-form"]
    form["title"] = "关于某超市疑似假冒白酒的鉴定请求"
    form["department"] = "cj-scjgj"
    form["kind"] = "技术鉴定"
    form["facts"] = "检查发现疑似假冒白酒12瓶。\n另有空瓶若干。"
    form["question"] = "请鉴定是否假冒。"
    response = go_stale(form).submit("send", status=400)
    again = assert_shown_again(
        officer,
        response,
        "collab-request-form",
        {"title": "关于某超市疑似假冒白酒的鉴定请求", "facts": "检查发现疑似假冒白酒12瓶。\n另有空瓶若干。"},
    )
    assert again["department"].value == "cj-scjgj"
    assert "关于某超市疑似假冒白酒" not in officer.get("/@@collab-requests").text
    assert again.submit("send", status=302)


def test_a_stale_complaint_is_shown_again(officer):
    form = officer.get("/tenants/cj-yushan/@@new-complaint").forms["complaint-form"]
    form["channel"] = "来电"
    form["person_name"] = "王女士"
    form["person_phone"] = "13800000000"
    form["title"] = "夜间施工噪声"
    form["content"] = "每晚22点后仍在施工。"
    response = go_stale(form).submit("register", status=400)
    assert_shown_again(
        officer, response, "complaint-form", {"title": "夜间施工噪声", "content": "每晚22点后仍在施工。"}
    )


def test_a_stale_transfer_draft_is_shown_again(officer):
    form = officer.get("/tenants/cj-yushan/@@new-transfer").forms["case-transfer"]
    form["receiver"] = "cj-scjgj"
    form["title"] = "某商贸公司无照经营案"
    form["party"] = "某商贸有限公司"
    form["found_date"] = "2026-01-05"
    form["facts"] = "未取得营业执照从事经营活动。"
    response = go_stale(form).submit("save", status=400)
    assert_shown_again(
        officer, response, "case-transfer", {"title": "某商贸公司无照经营案", "found_date": "2026-01-05"}
    )


def test_a_stale_step_posted_from_the_item_page_comes_back_on_the_item_page(officer):
    url = new_transfer(officer)
    form = officer.get(url).forms["withdraw-form"]
    form["comment"] = "当事人已办理营业执照，撤销移送"
    response = go_stale(form).submit("withdraw", status=400)
    assert_shown_again(officer, response, "withdraw-form", {"comment": "当事人已办理营业执照，撤销移送"})
    assert "已撤销" not in officer.get(url).text


def test_a_stale_regulation_and_library_document_are_shown_again(browser_factory):
    department = browser_factory()
    department.login("scj.officer")
    form = department.get("/tenants/cj-scjgj/@@new-regulation").forms["regulation-form"]
    form["title"] = "关于加强食品安全监管的通知"
    form["body"] = "各乡镇（街道）：\n现将有关事项通知如下。"
    response = go_stale(form).submit("publish", status=400)
    assert_shown_again(
        department, response, "regulation-form", {"body": "各乡镇（街道）：\n现将有关事项通知如下。"}
    )
    form = department.get("/tenants/cj-scjgj/@@share-document").forms["document-form"]
    form["title"] = "执法文书范本"
    response = go_stale(form).submit("share", status=400)
    assert_shown_again(department, response, "document-form", {"title": "执法文书范本"})


def test_a_stale_button_without_a_form_does_nothing_and_says_so(browser_factory):
    person = browser_factory()
    person.login("lm.officer")
    response = person.post("/switch-unit", {"unit": "cj-cgj", "csrf_token": "f" * 40}, status=400)
    assert STALE in response.text
    assert "Bad CSRF" not in response.text


def test_a_crafted_post_with_a_formid_to_an_action_does_nothing(officer):
    """A forged cross-site POST carrying a form id is no way around the token."""
    url = new_transfer(officer)
    response = officer.post(
        url + "@@withdraw",
        {"csrf_token": "f" * 40, "__formid__": "withdraw-form", "comment": "伪造", "withdraw": "withdraw"},
        status=400,
    )
    assert STALE in response.text
    assert "已撤销" not in officer.get(url).text


def test_a_forged_post_from_another_site_does_not_come_back_prefilled(officer):
    form = officer.get("/tenants/cj-yushan/@@new-collab-request").forms["collab-request-form"]
    form["title"] = "伪造的请求"
    form["facts"] = "攻击者写好的内容"
    response = go_stale(form).submit("send", status=400, headers={"Origin": "https://evil.example"})
    assert STALE in response.text
    assert "攻击者写好的内容" not in response.text and "伪造的请求" not in response.text
    # The portal's own page (same Origin) gets its form back.
    response = go_stale(form).submit("send", status=400, headers={"Origin": "http://localhost"})
    assert "攻击者写好的内容" in response.text
