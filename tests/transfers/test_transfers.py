"""Case transfers as the people use them: a township officer drafts, the leader approves, the unit
sends; the department's liaison signs, answers, both sides post progress, the case is closed.

Everything goes through the real app; what a person sees is read from the pages, and what the
dashboards rely on (the clock, the catalog) from the site itself.
"""

import datetime

from types import SimpleNamespace

import transaction
from hypatia.query import Any, Eq
from pyramid.threadlocal import manager as threadlocals
from webtest import Upload

from portal.calendar import SHANGHAI, add_hours, add_workdays, add_workdays_ex, workdays_between
from portal.deadlines import check_deadlines
from portal.items import now
from portal.notifications import inbox_of

YS, SCJ, CG = "cj-yushan", "cj-scjgj", "cj-cgj"
PDF = b"%PDF-1.4\n% a transfer letter\n"
SLOTS = {"letter": "移送函", "source": "案源材料", "evidence": "初步证据"}
STEPS = (
    "submit",
    "approve",
    "reject",
    "request_consent",
    "consent",
    "refuse_consent",
    "send",
    "sign",
    "accept",
    "decline",
    "progress",
    "close",
    "close_declined",
    "withdraw",
    "notify_extension",
)


def today():
    return now().date()


def person(browser_factory, login):
    browser = browser_factory()
    browser.login(login)
    return browser


def draft(
    browser,
    unit=YS,
    receiver=SCJ,
    title="某商贸公司无照经营案",
    found=None,
    time="",
    urgent=False,
    ongoing=False,
    measures="",
    major=False,
):
    """Fill in the draft form as the officer would; returns the response to saving it."""
    form = browser.get(f"/tenants/{unit}/@@new-transfer").forms["case-transfer"]
    form["receiver"] = receiver
    form["title"] = title
    form["party"] = "昌江区某商贸有限公司"
    form["found_date"] = (found or today()).isoformat()
    form["found_time"] = time
    form["facts"] = "日常巡查中发现当事人未取得营业执照从事经营活动。"
    form["urgent"] = urgent
    form["ongoing"] = ongoing
    form["measures"] = measures
    if major:
        form["major"] = True
    return form.submit("save")


def new_transfer(browser, **fields):
    """A saved draft's URL."""
    response = draft(browser, **fields)
    assert response.status_int == 302, errors(response)
    return response.location


def upload(browser, url, slot, filename=None, data=PDF):
    form = browser.get(url).forms[f"upload-{slot}"]
    form["upload"] = Upload(filename or f"{SLOTS[slot]}.pdf", data, "application/pdf")
    return form.submit("save_material")


def upload_all(browser, url):
    page = browser.get(url)
    for slot, kind in SLOTS.items():
        form = page.forms[f"upload-{slot}"]
        form["upload"] = Upload(f"{kind}.pdf", PDF, "application/pdf")
        assert form.submit("save_material").status_int == 302


def act(browser, url, name, comment="", follow=True):
    """Take a step with the form on the item page; returns the page shown afterwards."""
    form = browser.get(url).forms[f"{name}-form"]
    form["comment"] = comment
    response = form.submit(name)
    return response.follow() if follow and response.status_int == 302 else response


def token(browser):
    """The session's CSRF token (one per session), read once from the portal page."""
    if not hasattr(browser, "token"):
        browser.token = browser.csrf_token()
    return browser.token


def post(browser, url, name, status=302, **fields):
    """POST a step directly, as someone without the button on their page would."""
    data = {"csrf_token": token(browser), "comment": "", name: name, **fields}
    return browser.post(url + f"@@{name}", data, status=status)


def errors(page):
    """The error messages shown: the page's alert and each field's message."""
    return [" ".join(node.text.split()) for node in page.html.select(".alert-danger, [id^=error-]")]


def text_of(page, selector):
    node = page.html.select_one(selector)
    return " ".join(node.text.split()) if node is not None else None


def history(page):
    return [
        [cell.text.strip() for cell in row.find_all("td")]
        for row in page.html.select(".portal-history tbody tr")
    ]


def approved(browser_factory, officer, **fields):
    """A transfer with its materials, approved by the leader; returns (officer browser, url)."""
    url = new_transfer(officer, **fields)
    upload_all(officer, url)
    act(officer, url, "submit", follow=False)
    act(person(browser_factory, "ys.leader"), url, "approve", "同意移送", follow=False)
    return url


def item_at(root, url):
    transaction.abort()
    path = url.split("localhost/", 1)[1].strip("/").split("/")
    return root[path[0]][path[1]][path[2]]


# The whole way, township to department ------------------------------------------------------------


def test_township_sends_and_department_handles_to_closure(browser_factory, root):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer)
    page = officer.get(url)
    assert text_of(page, "#clock").startswith("等待鱼山镇报送领导审批")
    assert text_of(page, "#transfer-due").startswith(add_workdays(today(), 5).strftime("%Y-%m-%d"))
    assert "鱼山镇" in text_of(page, "#sender") and "综合行政执法队" in text_of(page, "#sender")
    upload_all(officer, url)
    page = officer.get(url)
    for slot, kind in SLOTS.items():
        assert text_of(page, f"#material-{slot} li").startswith(f"{kind}.pdf")
    assert officer.get(page.html.select_one("#material-letter li a")["href"]).body == PDF

    page = act(officer, url, "submit", "请审批")
    assert text_of(page, "#clock").startswith("等待鱼山镇主要领导审批")
    leader = person(browser_factory, "ys.leader")
    page = act(leader, url, "approve", "同意以镇政府名义移送")
    assert page.html.select_one(".portal-state").text == "已批准，待移送"
    page = act(officer, url, "send")
    assert page.html.select_one(".portal-state").text == "已移送，待签收"
    assert text_of(page, "#fields dd") == f"鱼山镇移〔{today().year}〕1号"
    assert not page.html.select("#sent-late")

    # The department's liaison finds it in its listing, signs, and has 5 working days to answer.
    liaison = person(browser_factory, "scj.liaison")
    listing = liaison.get("/transfers")
    assert [a.text for a in listing.html.select("#transfers tbody td a")] == ["某商贸公司无照经营案"]
    catalog = root["catalogs"]["portal"]
    transaction.abort()
    waiting = (Eq(catalog["item_type"], "case_transfer") & Any(catalog["awaiting"], [SCJ])).execute()
    assert [item.title for item in waiting.all()] == ["某商贸公司无照经营案"]
    assert text_of(liaison.get(url), "#clock").startswith("等待区市监局签收")

    page = act(liaison, url, "sign", "已签收")
    answer_due = add_workdays(today(), 5)
    assert text_of(page, "#answer-due").startswith(answer_due.strftime("%Y-%m-%d"))
    item = item_at(root, url)
    assert (item.due, item.awaiting) == (answer_due, (SCJ,))
    page = act(liaison, url, "accept", "予以受理，已立案调查")
    assert page.html.select_one(".portal-state").text == "已受理，办理中"

    act(person(browser_factory, "scj.officer"), url, "progress", "已约谈当事人，责令限期改正", follow=False)
    act(officer, url, "progress", "当事人已停止经营", follow=False)
    page = act(liaison, url, "close", "当事人已办理营业执照，给予警告")
    assert page.html.select_one(".portal-state").text == "已结案"
    assert text_of(page, "#result") == "当事人已办理营业执照，给予警告"
    posts = [" ".join(li.text.split()) for li in page.html.select("#progress li")]
    assert posts[0].startswith("区市监局 市监局执法人员") and "责令限期改正" in posts[0]
    assert posts[1].startswith("鱼山镇 鱼山镇执法人员") and "停止经营" in posts[1]
    assert [row[3] for row in history(page)] == [
        "起草",
        "上传移送函",
        "上传案源材料",
        "上传初步证据",
        "报送领导审批",
        "批准移送",
        "移送",
        "签收",
        "受理",
        "通报进展",
        "通报进展",
        "结案",
    ]
    assert not page.html.select("#steps form")
    item = item_at(root, url)
    assert (item.due, item.awaiting, item.sent_late, item.answered_late) == (None, (), False, False)


# Refusals before sending --------------------------------------------------------------------------


def test_sending_needs_the_leaders_approval_and_every_material(browser_factory):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer)
    page = post(officer, url, "send").follow()
    assert "“某商贸公司无照经营案”当前状态为“草稿”，不能移送" in errors(page)
    act(officer, url, "submit", follow=False)
    page = post(officer, url, "send").follow()
    assert "当前状态为“待领导审批”，不能移送" in errors(page)[0]
    # Only the leader approves; the officer may not, nor may anyone of another unit.
    post(officer, url, "approve", status=403)
    post(person(browser_factory, "scj.leader"), url, "approve", status=403)
    act(person(browser_factory, "ys.leader"), url, "approve", follow=False)

    page = post(officer, url, "send").follow()
    assert errors(page) == ["尚缺以下移送材料，不能移送：移送函、案源材料、初步证据。请先上传。"]
    # Materials added after the approval go back to the leader, who approves what will be sent.
    upload(officer, url, "letter")
    assert "当前状态为“待领导审批”，不能移送" in errors(post(officer, url, "send").follow())[0]
    upload(officer, url, "source")
    act(person(browser_factory, "ys.leader"), url, "approve", follow=False)
    page = post(officer, url, "send").follow()
    assert errors(page) == ["尚缺以下移送材料，不能移送：初步证据。请先上传。"]
    upload(officer, url, "evidence")
    act(person(browser_factory, "ys.leader"), url, "approve", follow=False)
    page = act(person(browser_factory, "ys.liaison"), url, "send")
    assert page.html.select_one(".portal-state").text == "已移送，待签收"
    # Once sent it cannot be edited, sent again or given more materials.
    page = officer.get(url + "@@edit").follow()
    assert errors(page) == ["“已移送，待签收”的移送不能修改"]
    assert "当前状态为“已移送，待签收”，不能移送" in errors(post(officer, url, "send").follow())[0]
    assert not officer.get(url).html.select("#materials form")


def test_what_the_leader_approved_is_what_is_sent(browser_factory, root):
    """The leader approves a transfer without 初步证据; the officer then adds the evidence and tries to
    send it without asking again. The change sends it back to the leader, and nothing goes unapproved."""
    officer = person(browser_factory, "ys.officer")
    leader = person(browser_factory, "ys.leader")
    url = new_transfer(officer)
    upload(officer, url, "letter")
    upload(officer, url, "source")
    act(officer, url, "submit", follow=False)
    act(leader, url, "approve", "同意", follow=False)

    page = upload(officer, url, "evidence").follow()
    assert page.html.select_one(".portal-state").text == "待领导审批"
    assert text_of(page, "#clock").startswith("等待鱼山镇主要领导审批")
    assert history(page)[-1][3:] == ["重新报送领导审批", "领导批准后上传了初步证据“初步证据.pdf”，须重新审批"]
    page = post(officer, url, "send").follow()
    assert "当前状态为“待领导审批”，不能移送" in errors(page)[0]
    assert item_at(root, url).number == ""

    # Approved again, as it now is, it goes.
    act(leader, url, "approve", "证据已补充，同意", follow=False)
    page = act(officer, url, "send")
    assert page.html.select_one(".portal-state").text == "已移送，待签收"

    # Whatever else changes an approved transfer, the send refuses it and asks the leader again.
    url = approved(browser_factory, officer, title="某洗车店占道经营案")
    item = item_at(root, url)
    item.facts = "改动后的违法事实"
    transaction.commit()
    page = officer.get(url)
    assert (
        text_of(page, "#send-blocked .help-block")
        == "领导批准后移送材料或内容有变更，须重新报送领导审批后才能移送"
    )
    page = post(officer, url, "send").follow()
    assert errors(page) == ["领导批准后移送材料或内容有变更，须重新报送领导审批后才能移送"]
    assert page.html.select_one(".portal-state").text == "待领导审批"


def test_leader_sends_it_back_and_the_officer_withdraws_it(browser_factory, root):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer)
    act(officer, url, "submit", follow=False)
    leader = person(browser_factory, "ys.leader")
    page = officer.get(url + "@@edit").follow()
    assert errors(page) == ["“待领导审批”的移送不能修改"]
    page = act(leader, url, "reject")
    assert "请填写退回修改的理由" in errors(page)
    page = act(leader, url, "reject", "基本事实不清，请补充现场检查情况")
    assert page.html.select_one(".portal-state").text == "草稿"
    assert history(page)[-1][3:] == ["退回修改", "基本事实不清，请补充现场检查情况"]
    form = officer.get(url + "@@edit").forms["case-transfer"]
    form["title"] = "某商贸公司无照经营及超范围经营案"
    form.submit("save").follow()
    page = officer.get(url)
    assert page.html.select_one("h1").contents[0].strip() == "某商贸公司无照经营及超范围经营案"
    assert history(page)[-1][2:4] == ["鱼山镇执法人员", "修改草稿"]

    post(leader, url, "withdraw", status=403)
    page = act(officer, url, "withdraw")
    assert "请填写撤销的理由" in errors(page)
    page = act(officer, url, "withdraw", "经核实属本镇管辖，由本镇立案查处")
    assert page.html.select_one(".portal-state").text == "已撤销"
    assert not page.html.select("#clock") and not page.html.select("#steps form")
    item = item_at(root, url)
    assert (item.due, item.awaiting, item.is_open) == (None, (), False)
    assert "当前状态为“已撤销”，不能报送领导审批" in errors(post(officer, url, "submit").follow())[0]


def test_the_draft_form_explains_what_is_missing(browser_factory):
    officer = person(browser_factory, "ys.officer")
    form = officer.get(f"/tenants/{YS}/@@new-transfer").forms["case-transfer"]
    receivers = [value for value, _, _ in form["receiver"].options if value]
    assert SCJ in receivers and CG in receivers and YS not in receivers and "cj-lvmeng" not in receivers
    page = form.submit("save")
    assert page.status_int == 200
    found = errors(page)
    for message in ("请选择接收单位", "请填写案件名称", "请填写发现违法行为的日期"):
        assert message in found
    tomorrow = today() + datetime.timedelta(days=1)
    page = draft(officer, found=tomorrow, ongoing=True, title="保留的案件名称")
    assert "发现日期不能晚于今天" in errors(page)
    assert "违法行为正在进行的，请写明已责令停止或采取的制止措施" in errors(page)
    assert page.forms["case-transfer"]["title"].value == "保留的案件名称"


def test_upload_refuses_what_is_not_what_it_says(browser_factory):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer)
    page = upload(officer, url, "letter", "移送函.pdf", b"MZ\x90\x00 not a pdf")
    assert (
        "“移送函.pdf”的内容不是PDF 文件，与文件扩展名不符，已拒收。"
        "请重新选择文件（表单出错后，已选择的文件不会保留）"
    ) in errors(page)
    form = officer.get(url).forms["upload-letter"]
    page = form.submit("save_material")
    assert "请选择要上传的文件" in errors(page)
    assert officer.get(url).html.select("#material-letter .label-default")


# A major or difficult case: the department's consent first ----------------------------------------


def test_major_case_is_sent_only_with_the_departments_consent(browser_factory):
    officer = person(browser_factory, "ys.officer")
    url = approved(browser_factory, officer, major=True)
    # No way to send it on the page: the button is disabled and says why.
    page = officer.get(url)
    assert "send-form" not in page.forms
    assert page.html.select_one("#send-blocked button").has_attr("disabled")
    assert text_of(page, "#send-blocked .help-block") == "重大疑难案件须先征得区市监局同意后才能移送"
    page = post(officer, url, "send").follow()
    assert errors(page) == ["重大疑难案件须先征得区市监局同意后才能移送"]
    assert text_of(page, "#consent") == "尚未征求区市监局同意"

    scj = person(browser_factory, "scj.liaison")
    scj.get(url, status=403)
    page = act(officer, url, "request_consent", "案情复杂，涉及检验鉴定，请予同意")
    assert text_of(page, "#clock").startswith("等待鱼山镇移送；等待区市监局答复是否同意接收")
    post(person(browser_factory, "scj.officer"), url, "consent", status=403)
    page = act(scj, url, "refuse_consent")
    assert "请填写不同意接收的理由" in errors(page)
    act(scj, url, "refuse_consent", "不属于本局管辖", follow=False)
    assert "send-form" not in officer.get(url).forms
    page = post(officer, url, "send").follow()
    assert errors(page) == ["重大疑难案件须先征得区市监局同意后才能移送（对方已不同意接收）"]

    act(officer, url, "request_consent", "补充了检验报告，请再予研究", follow=False)
    page = act(scj, url, "consent", "同意移送")
    assert text_of(page, "#consent") == "区市监局已同意接收"
    page = officer.get(url)
    assert "send-form" in page.forms and not page.html.select("#send-blocked")
    page = act(officer, url, "send")
    assert page.html.select_one(".portal-state").text == "已移送，待签收"


# Deadlines ----------------------------------------------------------------------------------------


def test_due_date_counts_working_days_across_national_day(browser_factory, root):
    """Found Monday 2025-09-29: 09-30 is day 1, 10-01..10-08 are the holiday, 10-09, 10-10 and the
    working Saturday 10-11 are days 2–4, Sunday 10-12 is off, Monday 10-13 is day 5."""
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer, found=datetime.date(2025, 9, 29))
    page = officer.get(url)
    assert text_of(page, "#transfer-due") == "2025-10-13 （发现违法行为后5个工作日内）"
    assert "（已逾期）" in text_of(page, "#clock")
    assert item_at(root, url).due == datetime.date(2025, 10, 13)


def test_extension_is_told_before_the_due_date_and_never_past_ten_working_days(browser_factory, root):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer)
    too_late = add_workdays(today(), 11)
    form = officer.get(url).forms["notify_extension-form"]
    form["new_due"] = too_late.isoformat()
    form["reason"] = "需调取银行流水核实经营额"
    page = form.submit("notify_extension").follow()
    assert errors(page) == [f"移送期限最长不超过10个工作日（自发现违法行为之日 {today():%Y-%m-%d} 起算）"]
    assert not item_at(root, url).units_in("cc")

    later = add_workdays(today(), 8)
    form = officer.get(url).forms["notify_extension-form"]
    form["new_due"] = later.isoformat()
    form["reason"] = "需调取银行流水核实经营额"
    page = form.submit("notify_extension").follow()
    assert f"移送期限延至{later:%Y-%m-%d}" in page.text
    assert text_of(page, "#transfer-due").startswith(later.strftime("%Y-%m-%d"))
    item = item_at(root, url)
    assert item.due == later and workdays_between(today(), later) == 8

    # The department is told: it sees the notice before anything is sent.
    scj = person(browser_factory, "scj.liaison")
    assert history(scj.get(url))[-1][3:] == [
        "告知延期移送",
        f"需调取银行流水核实经营额（移送期限延至{later:%Y-%m-%d}）",
    ]
    post(scj, url, "sign", status=403)


def test_no_extension_after_the_due_date(browser_factory, root):
    officer = person(browser_factory, "ys.officer")
    found = today() - datetime.timedelta(days=40)
    url = new_transfer(officer, found=found)
    due = add_workdays(found, 5)
    page = post(
        officer, url, "notify_extension", new_due=add_workdays(found, 9).isoformat(), reason="调查"
    ).follow()
    assert errors(page) == [f"已超过移送期限（{due:%Y-%m-%d}），延期须在期限届满前告知，请尽快移送"]
    assert item_at(root, url).extended_due is None


def test_late_sending_is_recorded_once(browser_factory, root):
    officer = person(browser_factory, "ys.officer")
    found = today() - datetime.timedelta(days=30)
    url = approved(browser_factory, officer, found=found)
    late_by = workdays_between(add_workdays(found, 5), today())
    page = act(officer, url, "send")
    assert text_of(page, "#sent-late") == f"逾期移送 {late_by} 个工作日"
    scj = person(browser_factory, "scj.liaison")
    assert text_of(scj.get("/transfers"), "#transfers .label-warning") == "逾期移送"

    # The answer is late too when the receiver lets its 5 working days pass.
    act(scj, url, "sign", follow=False)
    item = item_at(root, url)
    item.answer_due = today() - datetime.timedelta(days=14)
    transaction.commit()
    page = act(scj, url, "decline", "不属于本局管辖，请移送区城管局")
    assert text_of(page, "#answered-late") == (
        f"逾期答复 {workdays_between(item_at(root, url).answer_due, today())} 个工作日"
    )
    item = item_at(root, url)
    assert (item.sent_late, item.late_by) == (True, late_by)
    assert text_of(page, "#decline-reason") == "不属于本局管辖，请移送区城管局"


def test_urgent_case_is_due_within_24_hours(browser_factory, root):
    officer = person(browser_factory, "ys.officer")
    page = draft(officer, urgent=True)
    assert "情况紧急的，须填写发现违法行为的时间（24小时的移送时限由此起算）" in errors(page)

    found_at = (now() - datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    url = new_transfer(officer, urgent=True, found=found_at.date(), time=found_at.strftime("%H:%M"))
    due = add_hours(found_at, 24)
    assert text_of(officer.get(url), "#transfer-due").startswith(due.strftime("%Y-%m-%d %H:%M"))
    assert item_at(root, url).due == due
    assert "notify_extension-form" not in officer.get(url).forms
    page = post(
        officer, url, "notify_extension", new_due=add_workdays(today(), 3).isoformat(), reason="x"
    ).follow()
    assert errors(page) == ["情况紧急的案件须在发现后24小时内移送，不能延期"]

    # Found 48½ hours ago: sent 24½ hours late, counted in whole hours begun.
    found_at = (now() - datetime.timedelta(hours=48, minutes=30)).replace(second=0, microsecond=0)
    url = approved(
        browser_factory,
        officer,
        title="某液化气站违规充装案",
        urgent=True,
        found=found_at.date(),
        time=found_at.strftime("%H:%M"),
    )
    page = act(officer, url, "send")
    assert text_of(page, "#sent-late") == "逾期移送 25 小时"


def test_ongoing_violation_is_told_to_the_receiver_at_once(browser_factory):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(
        officer, title="某工地夜间违规施工案", ongoing=True, measures="已当场责令停止施工，暂扣施工机具"
    )
    scj = person(browser_factory, "scj.liaison")
    page = scj.get(url)
    assert text_of(page, "#measures") == "已当场责令停止施工，暂扣施工机具"
    assert history(page)[-1][3:] == ["告知正在进行的违法行为", "已当场责令停止施工，暂扣施工机具"]
    assert [a.text for a in scj.get("/transfers").html.select("#transfers tbody td a")] == [
        "某工地夜间违规施工案"
    ]
    post(scj, url, "sign", status=403)
    person(browser_factory, "cg.liaison").get(url, status=403)
    # Saving again with the same measures tells nobody twice.
    officer.get(url + "@@edit").forms["case-transfer"].submit("save")
    assert [row[3] for row in history(officer.get(url))].count("告知正在进行的违法行为") == 1
    # The unit already told cannot be swapped for another.
    form = officer.get(url + "@@edit").forms["case-transfer"]
    form["receiver"] = CG
    assert "已告知或征求同意的接收单位不能更改；如需移送其他单位，请撤销本移送后重新起草" in errors(
        form.submit("save")
    )


# The receiver's clock runs from receipt ---------------------------------------------------------------


def day(value):
    """A date as the pages write it."""
    return value.strftime("%Y-%m-%d")


def sent_at(browser_factory, officer, monkeypatch, moment, **fields):
    """An approved transfer sent at ``moment``; returns its URL."""
    import portal.transfers

    url = approved(browser_factory, officer, **fields)
    monkeypatch.setattr(portal.transfers, "now", lambda: moment)
    act(officer, url, "send", follow=False)
    monkeypatch.undo()
    return url


def overdue_run(app, root, moment):
    """What ``portal-deadlines`` does at ``moment``, on the test's own connection."""
    threadlocals.push({"registry": app.registry, "request": None})
    try:
        check_deadlines(root, SimpleNamespace(registry=app.registry), moment)
        transaction.commit()
    finally:
        threadlocals.pop()


def test_the_answer_clock_runs_from_receipt_even_when_nobody_signs(browser_factory, root, app, monkeypatch):
    """Sent Wednesday 2026-09-30 at 16:00: the 5 working days run over National Day as the calendar
    says, and a transfer nobody signs for falls overdue all the same."""
    officer = person(browser_factory, "ys.officer")
    moment = datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    url = sent_at(browser_factory, officer, monkeypatch, moment)
    due = add_workdays_ex(moment, 5, root.calendar_overrides).date
    assert due > datetime.date(2026, 10, 8)  # the holiday does not count

    liaison = person(browser_factory, "scj.liaison")
    page = liaison.get(url)
    assert page.html.select_one(".portal-state").text == "已移送，待签收"
    assert text_of(page, "#received-at") == "2026-09-30 16:00"
    assert text_of(page, "#signed-at") == "尚未签收（不影响答复期限）"
    assert text_of(page, "#answer-due").startswith(day(due))
    assert text_of(page, "#clock").startswith("等待区市监局签收并书面答复是否受理")
    item = item_at(root, url)
    assert (item.due, item.awaiting) == (due, (SCJ,))

    # Nobody signs; the overdue run after the due date finds it.
    overdue_run(app, root, datetime.datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI))
    page = liaison.get(url)
    assert history(page)[-1][3] == "已超期"
    assert "（已逾期）" in text_of(page, "#clock")

    # Signing later is recorded and moves nothing.
    page = act(liaison, url, "sign")
    assert text_of(page, "#signed-at") != "尚未签收（不影响答复期限）"
    assert text_of(page, "#answer-due").startswith(day(due))
    assert item_at(root, url).due == due


def test_a_late_evening_receipt_counts_from_the_next_day(browser_factory, root, app, monkeypatch):
    """Received Tuesday 2026-12-01 at 21:54, after 17:30: counted from Wednesday, as requests are."""
    monkeypatch.setattr(app.registry, "portal_office_close", datetime.time(17, 30))
    officer = person(browser_factory, "ys.officer")
    moment = datetime.datetime(2026, 12, 1, 21, 54, tzinfo=SHANGHAI)
    url = sent_at(browser_factory, officer, monkeypatch, moment)
    page = officer.get(url)
    assert text_of(page, "#answer-due").startswith(day(datetime.date(2026, 12, 9)))
    assert item_at(root, url).due == datetime.date(2026, 12, 9)


def test_a_transfer_page_writes_dates_as_every_other_page(browser_factory, monkeypatch):
    """YYYY-MM-DD, and YYYY-MM-DD HH:MM with a time, as on the other pages of the portal."""
    officer = person(browser_factory, "ys.officer")
    moment = datetime.datetime(2026, 11, 23, 9, 5, tzinfo=SHANGHAI)
    found = datetime.date(2026, 11, 20)
    url = sent_at(browser_factory, officer, monkeypatch, moment, found=found, time="08:30")
    page = officer.get(url)
    assert text_of(page, "#found") == "2026-11-20 08:30"
    assert text_of(page, "#sent-at") == "2026-11-23 09:05"
    assert text_of(page, "#received-at") == "2026-11-23 09:05"
    assert text_of(page, "#transfer-due").startswith("2026-11-27 ")
    assert text_of(page, "#answer-due").startswith("2026-11-30（")
    assert "年" not in " ".join(text_of(page, sel) for sel in ("#fields", "#clock"))


# A department sends to a township; the township declines -----------------------------------------


def test_department_sends_to_township_which_declines(browser_factory):
    officer = person(browser_factory, "scj.officer")
    form = officer.get(f"/tenants/{SCJ}/@@new-transfer").forms["case-transfer"]
    receivers = [value for value, _, _ in form["receiver"].options if value]
    assert YS in receivers and "cj-lvmeng" in receivers and CG not in receivers
    assert "major" not in form.fields
    url = new_transfer(officer, unit=SCJ, receiver=YS, title="某小区占道经营案")
    upload_all(officer, url)
    act(officer, url, "submit", follow=False)
    act(person(browser_factory, "scj.leader"), url, "approve", follow=False)
    page = act(person(browser_factory, "scj.liaison"), url, "send")
    assert text_of(page, "#fields dd") == f"昌市监移〔{today().year}〕1号"

    township = person(browser_factory, "ys.liaison")
    post(person(browser_factory, "ys.officer"), url, "sign", status=403)
    page = post(township, url, "accept").follow()
    assert "当前状态为“已移送，待签收”，不能受理" in errors(page)[0]
    act(township, url, "sign", follow=False)
    page = act(township, url, "decline")
    assert "请填写不予受理的理由" in errors(page)
    page = act(township, url, "decline", "该路段属区城管局管辖")
    assert text_of(page, "#clock").startswith("鱼山镇不予受理，等待区市监局结案")
    post(township, url, "close_declined", status=403)
    post(officer, url, "close", status=403)
    page = act(officer, url, "close_declined", "已转区城管局处理")
    assert page.html.select_one(".portal-state").text == "已结案"


# A third unit sees nothing and may do nothing -----------------------------------------------------


def test_a_third_unit_is_refused_everywhere(browser_factory):
    officer = person(browser_factory, "ys.officer")
    url = approved(browser_factory, officer, ongoing=True, measures="已责令停止")
    act(officer, url, "send", follow=False)
    files = [a["href"] for a in officer.get(url).html.select("#materials li a")]
    assert len(files) == 3
    outsider = person(browser_factory, "cg.liaison")
    outsider.get(url, status=403)
    outsider.get(url + "@@edit", status=403)
    for href in files:
        outsider.get(href, status=403)
        outsider.get(href.replace("/@@download", "/"), status=403)
    for name in STEPS:
        post(outsider, url, name, status=403)
    token = outsider.csrf_token()
    outsider.post(url + "@@upload?slot=letter", {"csrf_token": token}, status=403)
    outsider.get(f"/tenants/{YS}/@@new-transfer", status=403)
    assert not outsider.get("/transfers").html.select("#transfers")
    # A township member without the officer role drafts nothing; the listing is still theirs.
    person(browser_factory, "ys.leader").get(f"/tenants/{YS}/@@new-transfer", status=403)


def test_listing_is_newest_first_and_paged(browser_factory):
    officer = person(browser_factory, "ys.officer")
    new_transfer(officer, title="第1号案")
    fields = {"receiver": SCJ, "party": "某公司", "found_date": today().isoformat(), "facts": "事实"}
    for number in range(2, 23):
        officer.post(
            f"/tenants/{YS}/@@new-transfer",
            {"csrf_token": token(officer), **fields, "title": f"第{number}号案", "save": "save"},
            status=302,
        )
    page = officer.get("/transfers")
    titles = [a.text for a in page.html.select("#transfers tbody td a")]
    assert titles[:2] == ["第22号案", "第21号案"] and len(titles) == 20
    assert [a.text for a in officer.get("/transfers?page=2").html.select("#transfers tbody td a")] == [
        "第2号案",
        "第1号案",
    ]
    assert "案件移送" in [a.text for a in page.html.select(".portal-nav a")]


# Notifications ------------------------------------------------------------------------------------


def inbox(root, login):
    """The texts of a person's notifications, oldest first."""
    transaction.abort()
    box = inbox_of(root, login)
    return [n.text for _, n in reversed(box.latest())] if box is not None else []


def test_notifications_tell_who_acts_next_what_just_happened(browser_factory, root):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer)
    upload_all(officer, url)
    everyone = ("ys.officer", "ys.leader", "ys.liaison", "scj.liaison", "scj.officer", "scj.leader")
    # Drafting and uploading are the unit's own routine: nobody hears of them.
    assert [inbox(root, login) for login in everyone] == [[]] * len(everyone)

    act(officer, url, "submit", follow=False)
    assert inbox(root, "ys.leader") == ["鱼山镇报送移送《某商贸公司无照经营案》，待主要领导审批"]
    assert inbox(root, "ys.liaison") == [] and inbox(root, "ys.officer") == []

    act(person(browser_factory, "ys.leader"), url, "approve", follow=False)
    approved_text = "鱼山镇移送《某商贸公司无照经营案》已获主要领导批准，待移送"
    assert inbox(root, "ys.officer") == [approved_text]
    assert inbox(root, "ys.liaison") == [approved_text]
    assert len(inbox(root, "ys.leader")) == 1

    act(officer, url, "send", follow=False)
    item = item_at(root, url)
    assert inbox(root, "scj.liaison") == [
        f"鱼山镇向区市监局移送《某商贸公司无照经营案》（{item.number}），"
        f"请于 {item.answer_due:%Y-%m-%d} 前书面答复是否受理"
    ]
    assert inbox(root, "scj.officer") == [] and inbox(root, "scj.leader") == []
    assert len(inbox(root, "ys.liaison")) == 1

    liaison = person(browser_factory, "scj.liaison")
    act(liaison, url, "sign", follow=False)
    act(liaison, url, "accept", "予以受理", follow=False)
    assert inbox(root, "ys.officer") == [approved_text, "鱼山镇移送《某商贸公司无照经营案》已被区市监局受理"]
    assert inbox(root, "ys.leader") == ["鱼山镇报送移送《某商贸公司无照经营案》，待主要领导审批"]
    assert len(inbox(root, "scj.liaison")) == 1 and inbox(root, "scj.officer") == []


# Search ---------------------------------------------------------------------------------------------


def test_search_snippet_keeps_full_width_punctuation(browser_factory):
    officer = person(browser_factory, "ys.officer")
    url = new_transfer(officer, title="某烟酒店无证经营案")
    form = officer.get(url + "@@edit").forms["case-transfer"]
    form["facts"] = "当事人（昌江区某烟酒店）未取得营业执照，擅自销售散装白酒。"
    form.submit("save").follow()
    page = officer.get("/search", {"q": "营业执照"})
    snippets = [" ".join(node.text.split()) for node in page.html.select(".search-snippet")]
    assert any("当事人（昌江区某烟酒店）未取得营业执照，擅自销售" in text for text in snippets), snippets
    assert page.html.select_one(".search-snippet mark").text == "营业执照"


def test_transfers_sent_before_the_receipt_clock_get_it_when_the_site_is_brought_up_to_date(
    browser_factory, root, app, monkeypatch
):
    """A site from before the clock ran from receipt: a transfer sent and not signed for had no due
    date. The evolution step gives it the clock it should have had, from when it was sent."""
    from portal.transfers import clocks_from_receipt

    officer = person(browser_factory, "ys.officer")
    moment = datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    url = sent_at(browser_factory, officer, monkeypatch, moment)
    item = item_at(root, url)
    item.received_at = item.answer_due = None
    item.set_due(None)
    transaction.commit()

    threadlocals.push({"registry": app.registry, "request": None})
    try:
        clocks_from_receipt(root, app.registry)
        transaction.commit()
    finally:
        threadlocals.pop()
    item = item_at(root, url)
    assert item.received_at == moment
    assert item.due == add_workdays_ex(moment, 5, root.calendar_overrides).date
    assert item.awaiting == ("cj-scjgj",)
