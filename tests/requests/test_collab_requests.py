"""Collaboration requests as the people use them: 鱼山镇 asks 区市监局 for a technical appraisal, the
department's liaison signs for it, extends, its officer answers, the township closes; urgent requests
get staff on site; late answers are recorded late; a third unit sees nothing.
"""

import datetime
from types import SimpleNamespace

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals

from portal.deadlines import check_deadlines
from portal.calendar import SHANGHAI, add_workdays_ex, workdays_between
from portal.items import now
from portal.notifications import inbox_of
from portal.requests import parse_office_close

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PROVISIONAL = "（日历数据暂缺，按工作日暂计）"


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def errors(page):
    return [" ".join(e.text.split()) for e in page.html.select(".help-block, .errorMsg, .error")]


def press(page, action):
    """Submit the button form of ``@@action`` on an item page; returns the page after it."""
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on the page")


def buttons(page):
    actions = page.html.select(".portal-actions form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def new_request(browser, kind="技术鉴定", urgent=False, evidence=False, send=True, files=None):
    page = browser.get("/").click("协作请求", href="collab-requests").click("新建协作请求")
    form = page.forms["collab-request-form"]
    form["title"] = "关于某超市销售疑似假冒白酒的技术鉴定请求"
    form["department"] = "cj-scjgj"
    form["kind"] = kind
    form["facts"] = "2026年11月20日检查发现某超市货架上有疑似假冒白酒12瓶。"
    form["question"] = "请鉴定上述白酒是否为假冒注册商标的商品。"
    form["urgent"] = urgent
    form["evidence_at_risk"] = evidence
    form["file"] = files if files is not None else [("检查笔录.pdf", PDF)]
    return form.submit("send" if send else "save").follow()


def received_at(page):
    return datetime.datetime.strptime(text_of(page, ".portal-received"), "%Y-%m-%d %H:%M")


@pytest.fixture
def township(person):
    return person("ys.officer")


@pytest.fixture
def liaison(person):
    return person("scj.liaison")


def overdue_run(app, root, moment):
    """What ``portal-deadlines`` does at ``moment``, on the test's own connection."""
    threadlocals.push({"registry": app.registry, "request": None})
    try:
        check_deadlines(root, SimpleNamespace(registry=app.registry), moment)
        transaction.commit()
    finally:
        threadlocals.pop()


def item_in(root, page):
    """The item of a page, read in the test's own connection."""
    transaction.begin()
    unit, name = page.request.path.strip("/").split("/")[1:3]
    return root["tenants"][unit][name]


def test_appraisal_request_signed_extended_answered_and_closed(township, liaison, person, root):
    page = new_request(township)
    url = page.request.path
    assert text_of(page, ".portal-state") == "已发送，待签收"
    # The request reached the department when it was sent: its 3 working days already run.
    expected = add_workdays_ex(received_at(page), 3, root.calendar_overrides)
    assert text_of(page, ".portal-waiting") == "等待区市监局签收并书面答复"
    assert text_of(page, ".portal-due") == f"答复期限：{expected.date:%Y-%m-%d}"
    assert text_of(page, ".portal-signed") == "尚未签收（不影响答复期限）"
    assert text_of(page, ".portal-number").startswith("鱼山镇协〔")
    assert "检查笔录.pdf" in text_of(page, ".portal-attachments")

    # The department's liaison finds it in the listing and signs for it: the clock stays as it runs.
    listing = liaison.get("/@@collab-requests")
    page = listing.click("关于某超市销售疑似假冒白酒的技术鉴定请求")
    assert buttons(page) == ["签收"]
    page = press(page, "receive")
    assert text_of(page, ".portal-signed") != "尚未签收（不影响答复期限）"
    assert text_of(page, ".portal-due") == f"答复期限：{expected.date:%Y-%m-%d}"
    assert text_of(page, ".portal-waiting") == "等待区市监局书面答复"
    assert (text_of(page, ".portal-provisional") == PROVISIONAL) == expected.provisional
    assert buttons(page) == ["书面答复", "延期"]

    # An extension must move the due date later; the refusal keeps what was typed.
    form = liaison.get(url + "@@extend").forms["extend-form"]
    form["new_due"] = f"{expected.date - datetime.timedelta(days=1):%Y-%m-%d}"
    form["reason"] = "需送省级检验机构检验"
    refused = form.submit("extend")
    assert f"新的答复期限必须晚于当前期限 {expected.date:%Y-%m-%d}" in errors(refused)
    assert refused.forms["extend-form"]["reason"].value == "需送省级检验机构检验"
    form = refused.forms["extend-form"]
    new_due = expected.date + datetime.timedelta(days=20)
    form["new_due"] = f"{new_due:%Y-%m-%d}"
    page = form.submit("extend").follow()
    assert text_of(page, ".portal-due") == f"答复期限：{new_due:%Y-%m-%d}"

    # The township sees the extension and its reason.
    page = township.get(url)
    assert text_of(page, ".portal-extensions li").startswith(
        f"已延期至 {new_due:%Y-%m-%d}，理由：需送省级检验机构检验"
    )
    assert buttons(page) == []

    # The department's officer answers in writing, with the appraisal report attached.
    officer = person("scj.officer")
    form = officer.get(url).click("书面答复").forms["answer-form"]
    form["answer_text"] = "经鉴定，上述白酒系假冒注册商标的商品。"
    form["file"] = [("鉴定意见.pdf", PDF)]
    page = form.submit("answer").follow()
    assert text_of(page, ".portal-state") == "已答复"
    assert text_of(page, ".portal-ontime") == "按期答复"

    # The township reads the answer and closes the request.
    page = township.get(url)
    assert text_of(page, ".portal-answer-text") == "经鉴定，上述白酒系假冒注册商标的商品。"
    assert "鉴定意见.pdf" in text_of(page, ".portal-attachments")
    assert text_of(page, ".portal-waiting") == "等待鱼山镇查阅答复并办结"
    page = press(page, "close")
    assert text_of(page, ".portal-state") == "已办结"
    history = [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]
    assert history == ["起草", "发送", "签收", "延期", "书面答复", "办结"]

    item = item_in(root, page)
    assert (item.answered_late, item.late_by_workdays, item.due) == (False, 0, None)


def test_wrong_role_and_wrong_state_are_refused(township, liaison):
    page = new_request(township)
    url = page.request.path
    token = township.csrf_token()
    # The township may not sign for its own request, nor answer it.
    township.post(url + "@@receive", {"csrf_token": token}, status=403)
    township.get(url + "@@answer", status=403)
    page = press(liaison.get(url), "receive")
    # Signing twice is refused with the reason.
    token = liaison.csrf_token()
    page = liaison.post(url + "@@receive", {"csrf_token": token}).follow()
    assert "当前状态为“已签收，待答复”，不能签收" in text_of(page, ".alert-danger")
    # The department may not close the township's request.
    liaison.post(url + "@@close", {"csrf_token": token}, status=403)
    # A POST without the session's token is refused.
    liaison.post(url + "@@receive", {"csrf_token": "forged"}, status=400)


def test_urgent_request_records_staff_on_site(township, liaison):
    page = new_request(township, kind="认定", urgent=True, evidence=True)
    url = page.request.path
    assert [f.text for f in page.html.select(".portal-flag")] == ["情况紧急", "证据可能灭失"]
    form = liaison.get(url).click("登记现场处置").forms["onsite-form"]
    form["staff"] = "张明、李华"
    form["arrived_at"] = "2026-11-27 25:61"
    form["note"] = "已对涉案物品先行登记保存"
    refused = form.submit("onsite")
    assert "请按“年-月-日 时:分”填写，例如 2026-11-27 09:30" in errors(refused)
    assert refused.forms["onsite-form"]["staff"].value == "张明、李华"
    form = refused.forms["onsite-form"]
    form["arrived_at"] = f"{now() + datetime.timedelta(hours=2):%Y-%m-%d %H:%M}"
    refused = form.submit("onsite")
    assert "到场时间不能晚于现在" in errors(refused)
    arrived = now() - datetime.timedelta(hours=1)
    form = refused.forms["onsite-form"]
    form["arrived_at"] = f"{arrived:%Y-%m-%dT%H:%M}"
    form.submit("onsite").follow()
    page = township.get(url)
    assert (
        text_of(page, ".portal-onsite li")
        == f"张明、李华于 {arrived:%Y-%m-%d %H:%M} 到达现场：已对涉案物品先行登记保存"
    )
    # A determination that is not complex cannot be extended.
    page = press(liaison.get(url), "receive")
    form = liaison.get(url + "@@extend").forms["extend-form"]
    form["new_due"] = "2030-01-10"
    form["reason"] = "需要补充调查"
    refused = form.submit("extend")
    assert "只有技术鉴定或案情复杂的请求可以延期；案情复杂的，请勾选并说明理由" in errors(refused)
    form = refused.forms["extend-form"]
    form["complex_case"] = True
    page = form.submit("extend").follow()
    assert text_of(page, ".portal-due") == "答复期限：2030-01-10"


def test_onsite_record_refused_when_not_urgent(township, liaison):
    url = new_request(township).request.path
    page = liaison.get(url + "@@onsite").follow()
    assert "该请求未标注“情况紧急”或“证据可能灭失”，无需登记现场处置" in text_of(page, ".alert-danger")


def test_late_answer_is_recorded_with_working_days(township, liaison, person, root):
    page = new_request(township)
    url = page.request.path
    press(liaison.get(url), "receive")
    # The request was in fact signed for weeks ago.
    item = item_in(root, page)
    receipt = now() - datetime.timedelta(days=30)
    due = item.start_answer_clock(receipt, root.calendar_overrides)
    transaction.commit()

    officer = person("scj.officer")
    form = officer.get(url + "@@answer").forms["answer-form"]
    form["answer_text"] = "经鉴定，系假冒商品。"
    page = form.submit("answer").follow()
    late_by = workdays_between(due.date, now(), root.calendar_overrides)
    assert late_by > 0
    assert text_of(page, ".portal-late") == f"逾期 {late_by} 个工作日"
    item = item_in(root, page)
    assert (item.answered_late, item.late_by_workdays, item.answer_due) == (True, late_by, due.date)


@pytest.mark.parametrize(
    "receipt, due",
    [
        (datetime.datetime(2025, 9, 30, 9, 0, tzinfo=SHANGHAI), datetime.date(2025, 10, 11)),
        (datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI), datetime.date(2026, 10, 10)),
    ],
)
def test_due_date_skips_national_day_holiday(township, liaison, root, receipt, due):
    url = new_request(township).request.path
    page = press(liaison.get(url), "receive")
    item = item_in(root, page)
    item.start_answer_clock(receipt, root.calendar_overrides)
    assert (item.due, item.due_provisional) == (due, False)
    transaction.commit()
    assert text_of(liaison.get(url), ".portal-due") == f"答复期限：{due:%Y-%m-%d}"


def test_receipt_after_office_hours_counts_from_next_day(township, liaison, root):
    url = new_request(township).request.path
    item = item_in(root, press(liaison.get(url), "receive"))
    thursday_evening = datetime.datetime(2026, 11, 26, 18, 0, tzinfo=SHANGHAI)
    assert item.start_answer_clock(thursday_evening, None, parse_office_close("17:30")).date == datetime.date(
        2026, 12, 2
    )
    assert item.start_answer_clock(thursday_evening, None, None).date == datetime.date(2026, 12, 1)
    assert parse_office_close("") is None
    with pytest.raises(ValueError):
        parse_office_close("half past five")


def test_year_without_calendar_data_is_provisional(township, liaison, root):
    url = new_request(township).request.path
    item = item_in(root, press(liaison.get(url), "receive"))
    item.start_answer_clock(datetime.datetime(2030, 3, 1, 9, 0, tzinfo=SHANGHAI), root.calendar_overrides)
    assert (item.due, item.due_provisional) == (datetime.date(2030, 3, 6), True)
    transaction.commit()
    page = township.get(url)
    assert text_of(page, ".portal-provisional") == PROVISIONAL


def test_third_unit_is_refused_everywhere(township, liaison, person):
    page = new_request(township, urgent=True)
    url = page.request.path
    download = page.html.select_one(".portal-attachments a")["href"]
    press(liaison.get(url), "receive")
    outsider = person("cg.liaison")
    token = outsider.csrf_token()
    outsider.get(url, status=403)
    outsider.get(download, status=403)
    for action in ("answer", "extend", "onsite"):
        outsider.get(url + "@@" + action, status=403)
    for action in ("send", "receive", "answer", "extend", "onsite", "close"):
        outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
    assert "关于某超市" not in outsider.get("/@@collab-requests").text
    # Neither may a department create requests in a township's name, nor anyone in another unit's.
    outsider.get("/tenants/cj-cgj/@@new-collab-request", status=403)
    outsider.get("/tenants/cj-yushan/@@new-collab-request", status=403)


def test_bad_input_is_explained_and_kept(township):
    page = township.get("/tenants/cj-yushan/@@new-collab-request")
    form = page.forms["collab-request-form"]
    form["title"] = "关于某饭店油烟扰民的认定请求"
    form["question"] = "   "
    form["file"] = [("认定材料.pdf", b"MZ\x90\x00 not a pdf")]
    refused = form.submit("send")
    assert refused.status_int == 200
    messages = errors(refused)
    for message in (
        "请选择被请求的区级部门",
        "请选择请求类别：认定、技术鉴定或咨询意见",
        "请填写案件基本事实",
        "请填写请求事项",
    ):
        assert message in messages
    assert any("“认定材料.pdf”的内容不是PDF 文件" in m and "请重新选择附件" in m for m in messages)
    assert "如选择了附件，请重新选择" in text_of(refused, ".alert-danger")
    assert refused.forms["collab-request-form"]["title"].value == "关于某饭店油烟扰民的认定请求"
    assert "关于某饭店" not in township.get("/@@collab-requests").text


def test_draft_is_changed_then_sent(township, liaison):
    page = new_request(township, send=False)
    url = page.request.path
    assert text_of(page, ".portal-state") == "草稿"
    assert buttons(page) == ["修改", "发送"]
    liaison.get(url, status=403)
    form = page.click("修改").forms["collab-request-form"]
    assert form["facts"].value == "2026年11月20日检查发现某超市货架上有疑似假冒白酒12瓶。"
    form["title"] = ""
    form["kind"] = "咨询意见"
    refused = form.submit("save")
    assert "请填写标题" in errors(refused)
    form = refused.forms["collab-request-form"]
    assert form["kind"].value == "咨询意见"
    form["title"] = "关于白酒标签标注是否合规的咨询"
    form["file"] = [("标签照片.png", b"\x89PNG\r\n\x1a\nlabel")]
    page = form.submit("save").follow()
    assert (text_of(page, "h1"), text_of(page, ".portal-kind")) == (
        "关于白酒标签标注是否合规的咨询",
        "咨询意见",
    )
    assert "标签照片.png" in text_of(page, ".portal-attachments")
    page = press(page, "send")
    assert text_of(page, ".portal-state") == "已发送，待签收"
    assert text_of(liaison.get(url), "h1") == "关于白酒标签标注是否合规的咨询"
    # Once sent, the request is the department's to answer; the township can no longer change it.
    page = township.get(url + "@@edit").follow()
    assert "已发送，不能再修改" in text_of(page, ".alert-danger")


def test_empty_answer_is_refused(township, liaison):
    url = new_request(township).request.path
    press(liaison.get(url), "receive")
    form = liaison.get(url + "@@answer").forms["answer-form"]
    form["file"] = [("鉴定意见.pdf", PDF)]
    refused = form.submit("answer")
    assert "请填写书面答复" in errors(refused)
    assert text_of(liaison.get(url), ".portal-state") == "已签收，待答复"


def test_the_clock_runs_from_receipt_even_when_nobody_signs(township, liaison, root, app, monkeypatch):
    """Sent Wednesday 2026-09-30 at 16:00, the eve of National Day: the 3 working days run over the
    holiday as the calendar says, whether or not the department signs; unsigned, it falls overdue."""
    import portal.requests as model

    sent = datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    monkeypatch.setattr(model, "now", lambda: sent)
    page = new_request(township)
    monkeypatch.undo()
    url = page.request.path
    due = add_workdays_ex(sent, 3, root.calendar_overrides).date
    assert due == datetime.date(2026, 10, 10)
    assert text_of(page, ".portal-received") == "2026-09-30 16:00"
    assert text_of(page, ".portal-signed") == "尚未签收（不影响答复期限）"
    assert text_of(page, ".portal-due") == "答复期限：2026-10-10"

    # The department sees it among what waits for it, with the due date, before anyone signs.
    page = liaison.get(url)
    assert text_of(page, ".portal-waiting") == "等待区市监局签收并书面答复"
    assert text_of(page, ".portal-due") == "答复期限：2026-10-10"
    item = item_in(root, page)
    assert (item.state, item.awaiting, item.due) == ("sent", ("cj-scjgj",), due)

    # Nobody signs. The overdue run after the due date marks it overdue.
    overdue_run(app, root, datetime.datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI))
    page = liaison.get(url)
    history = [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]
    assert history[-1] == "已超期"
    assert text_of(page, ".portal-state") == "已发送，待签收"


def test_sending_after_office_hours_counts_from_the_next_day(township, root, app, monkeypatch):
    import portal.requests as model

    monkeypatch.setattr(app.registry, "portal_office_close", parse_office_close("17:30"))
    monkeypatch.setattr(model, "now", lambda: datetime.datetime(2026, 12, 1, 21, 54, tzinfo=SHANGHAI))
    page = new_request(township)
    assert (
        text_of(page, ".portal-due") == "答复期限：2026-12-07"
    )  # Wednesday 12-02 counts as the day of receipt


def test_notifications_go_to_who_acts_next(township, liaison, person, root):
    def inbox(login):
        transaction.abort()
        box = inbox_of(root, login)
        texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
        return [text for text in texts if "假冒白酒" in text]

    before = {login: inbox(login) for login in ("scj.liaison", "scj.officer", "ys.officer", "ys.liaison")}
    page = new_request(township)
    url = page.request.path
    item = item_in(root, page)
    arrived = (
        f"鱼山镇向区市监局请求技术鉴定：《关于某超市销售疑似假冒白酒的技术鉴定请求》（{item.number}），"
        f"请于 {item.due:%Y-%m-%d} 前书面答复"
    )
    assert inbox("scj.liaison") == [*before["scj.liaison"], arrived]
    assert inbox("scj.officer") == before["scj.officer"]
    press(liaison.get(url), "receive")
    assert inbox("scj.liaison") == [*before["scj.liaison"], arrived]
    assert inbox("ys.officer") == before["ys.officer"]
    form = liaison.get(url + "@@answer").forms["answer-form"]
    form["answer_text"] = "经鉴定，系假冒商品。"
    form.submit("answer")
    answered = "区市监局已书面答复鱼山镇的请求《关于某超市销售疑似假冒白酒的技术鉴定请求》，待查阅后办结"
    assert inbox("ys.officer") == [*before["ys.officer"], answered]
    assert inbox("ys.liaison") == [*before["ys.liaison"], answered]


def test_requests_sent_before_the_receipt_clock_get_it_when_the_site_is_brought_up_to_date(app, township):
    """A site from before the clock ran from receipt: a request sent and not signed for had no due
    date. The evolution step gives it the clock it should have had, from when it was sent."""
    from pyramid.threadlocal import manager
    from pyramid.traversal import find_resource

    from portal.requests import clocks_from_receipt

    path = new_request(township).request.path
    conn = app.registry._zodb_databases[""].open()
    try:
        root = conn.root()["app_root"]
        item = find_resource(root, path)
        item.received_at = None
        item.set_due(None)
        transaction.commit()
        manager.push({"registry": app.registry, "request": None})
        try:
            clocks_from_receipt(root, app.registry)
            transaction.commit()
        finally:
            manager.pop()
        expected = add_workdays_ex(item.sent_at, 3, root.calendar_overrides, app.registry.portal_office_close)
        assert item.received_at == item.sent_at
        assert item.due == expected.date
        assert item.awaiting == ("cj-scjgj",)
    finally:
        transaction.abort()
        conn.close()
