"""Suspected crimes referred to public security, as the people do it: two 鱼山镇 officers report a case
in writing, the principal approves it within its clock, the unit sends it with its materials to 昌江公安分局
and the 区人民检察院 gets the letter and the list of materials; public security signs the receipt and
opens a case (the unit hands over the seized items) or does not (the unit asks it to reconsider, then
the procuratorate to supervise, or closes). The clocks are counted across the National Day holiday;
the units with no part in a referral are refused.
"""

import datetime
import re

import pytest
import transaction

import portal.referrals as model
from portal.calendar import SHANGHAI, add_workdays
from portal.items import now
from portal.notifications import inbox_of

YS, GAJ, JCY = "cj-yushan", "cj-gaj", "cj-jcy"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
REQUIRED = {
    "letter": "涉嫌犯罪案件移送书",
    "report": "调查报告",
    "items": "涉案物品清单",
    "appraisal": "检验报告或鉴定意见",
}


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def errors(page):
    return [" ".join(n.text.split()) for n in page.html.select(".alert-danger, [id^=error-], .error-msg")]


def flashes(page):
    return " ".join(" ".join(n.text.split()) for n in page.html.select(".alert"))


def buttons(page):
    nodes = page.html.select(
        ".portal-actions form button, .portal-actions a, .portal-actions .portal-step button"
    )
    return sorted({" ".join(n.text.split()) for n in nodes})


def history(page):
    return [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]


def clock(page, key):
    row = page.html.select_one(f".portal-clocks tr[data-clock='{key}']")
    return None if row is None else [" ".join(td.text.split()) for td in row.select("td")]


def tick(form, *values):
    for box in form.fields["checkbox"]:
        if box._value in values:
            box.checked = True


def draft(officer, title, officers=("ys.liaison", "ys.officer"), filing=None, no_appraisal=False, status=302):
    """The officer fills in the draft form and saves it; returns the response."""
    url = f"/tenants/{YS}/@@new-referral" + (f"?filing={filing}" if filing else "")
    form = officer.get(url).forms["crime-referral"]
    if not filing:
        form["title"] = title
        form["party"] = "景德镇某某食品有限公司"
        form["facts"] = "当事人生产销售掺入工业明胶的糕点，货值金额经初步核算约十二万元。"
    form["offence"] = "生产、销售不符合安全标准的食品罪"
    form["found_date"] = now().date().isoformat()
    form["report"] = "经现场检查和抽样检验，当事人涉嫌生产、销售不符合安全标准的食品，建议移送公安机关。"
    tick(form, *officers)
    form["no_appraisal"] = no_appraisal
    return form.submit("save", status=status)


def new_referral(officer, title, **kw):
    response = draft(officer, title, **kw)
    return response.location


def upload(browser, url, slot, name=None):
    form = browser.get(url).forms[f"upload-{slot}"]
    form["file"] = [(name or f"{REQUIRED.get(slot, '其他材料')}.pdf", PDF)]
    return form.submit("upload")


def upload_required(browser, url, slots=REQUIRED):
    for slot in slots:
        assert upload(browser, url, slot).status_int == 302


def act(browser, url, name, comment="", status=None):
    """A step with the form on the item page; the page shown afterwards."""
    form = browser.get(url).forms[f"{name}-form"]
    form["comment"] = comment
    response = form.submit(name)
    return response.follow() if response.status_int == 302 else response


def form_step(browser, url, name, **values):
    """A step with a page of its own; the page shown afterwards (the form again on errors)."""
    form = browser.get(url + f"@@{name}").forms[f"{name}-form"]
    for key, value in values.items():
        form[key] = value
    response = form.submit(name)
    return response.follow() if response.status_int == 302 else response


def post(browser, url, name, status, **fields):
    token = browser.csrf_token()
    return browser.post(
        url + f"@@{name}", {"csrf_token": token, "comment": "", name: name, **fields}, status=status
    )


def item_at(root, url):
    transaction.abort()
    path = url.split("localhost/", 1)[-1].strip("/").split("/")
    return root[path[0]][path[1]][path[2]]


def inbox(root, login, about):
    transaction.abort()
    box = inbox_of(root, login)
    texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
    return [text for text in texts if about in text]


def sent_referral(person, title, **kw):
    """A referral reported, approved and sent; its URL."""
    officer = person("ys.officer")
    url = new_referral(officer, title, **kw)
    upload_required(officer, url)
    act(officer, url, "report")
    act(person("ys.leader"), url, "approve", "同意移送")
    act(officer, url, "send")
    return url


@pytest.fixture
def officer(person):
    return person("ys.officer")


@pytest.fixture
def leader(person):
    return person("ys.leader")


@pytest.fixture
def police(person):
    return person("gaj.liaison")


@pytest.fixture
def procuratorate(person):
    return person("jcy.liaison")


# The whole way: reported, approved, sent, opened, items handed over ---------------------------------


def test_reported_approved_sent_opened_and_items_handed_over(
    officer, leader, police, procuratorate, person, root
):
    title = "某食品公司生产销售掺有工业明胶的糕点案"
    page = officer.get("/").click("涉罪移送", href="referrals").click("起草涉嫌犯罪案件移送")
    assert "不得以行政处罚代替移送" in page.text
    url = new_referral(officer, title)
    page = officer.get(url)
    assert text_of(page, ".portal-state") == "草稿"
    # The report names the two officers; the letter and the other materials go in their slots.
    assert "鱼山镇执法人员" in page.text and "鱼山镇联系人" in page.text
    assert "尚缺以下移送材料" not in page.text  # the send step is not offered before approval
    upload_required(officer, url)
    page = upload(officer, url, "other", "现场照片说明.pdf").follow()
    assert "已上传其他材料：现场照片说明.pdf" in flashes(page)

    reported = now()
    page = act(officer, url, "report", "请负责人审批")
    due = add_workdays(reported.date(), 3, root.calendar_overrides)
    assert text_of(page, ".portal-state") == "已书面报告，待负责人决定"
    assert f"负责人应于 {due:%Y-%m-%d} 前决定是否移送" in flashes(page)
    assert clock(page, "decide")[1:4] == [
        "自书面报告之日起3个工作日",
        f"{reported:%Y-%m-%d %H:%M}",
        f"{due:%Y-%m-%d}",
    ]
    assert inbox(root, "ys.leader", title) == [
        f"鱼山镇执法人员鱼山镇联系人、鱼山镇执法人员书面报告涉嫌犯罪案件《{title}》，请于 {due:%Y-%m-%d} 前决定是否移送公安机关"
    ]
    # The officer cannot decide; the principal can.
    post(officer, url, "approve", 403)
    assert {"批准移送", "不予移送", "退回补充"} <= set(buttons(leader.get(url)))
    page = act(leader, url, "approve", "同意移送")
    assert text_of(page, ".portal-state") == "已批准，待移送"
    assert clock(page, "decide")[4].endswith("完成")
    send_clock = clock(page, "send")
    assert send_clock[1] == "自批准移送之时起24小时"
    approved_at = datetime.datetime.strptime(send_clock[2], "%Y-%m-%d %H:%M")
    assert send_clock[3] == f"{approved_at + datetime.timedelta(hours=24):%Y-%m-%d %H:%M}"
    assert inbox(root, "ys.officer", title)[-1].startswith(f"负责人已批准移送涉嫌犯罪案件《{title}》，请于 ")

    # Public security and the procuratorate see nothing before it is sent.
    police.get(url, status=403)
    procuratorate.get(url, status=403)

    page = act(officer, url, "send")
    item = item_at(root, url)
    assert re.fullmatch(r"鱼山镇刑〔\d{4}〕[1-9]\d*号", item.number)
    assert f"已移送昌江公安分局（{item.number}），移送书及材料目录已抄送区人民检察院" in flashes(page)
    assert text_of(page, ".portal-state") == "已移送，待签收回执"
    assert item.awaiting == (GAJ,)
    police_due = add_workdays(item.sent_at, 3, root.calendar_overrides)
    assert item.due == police_due
    assert inbox(root, "gaj.liaison", title) == [
        f"鱼山镇移送涉嫌犯罪案件《{title}》（{item.number}），请签收回执，并于 {police_due:%Y-%m-%d} 前决定是否立案"
    ]
    assert inbox(root, "jcy.liaison", title)[0].startswith("抄送：")

    # The procuratorate's copy: the letter, and the list of the materials (not the materials).
    page = procuratorate.get(url)
    letter = page.html.select_one("#material-letter a")
    assert letter is not None and letter.text == "涉嫌犯罪案件移送书.pdf"
    procuratorate.get(letter["href"], status=200)
    listed = page.html.select_one("#material-report .portal-listed-only")
    assert listed is not None and listed.text == "调查报告.pdf"
    report_file = [f for f in item.attachments() if f.kind == "调查报告"][0]
    procuratorate.get(url + report_file.__name__ + "/@@download", status=403)
    assert buttons(page) == []
    # Public security sees every material.
    page = police.get(url)
    police.get(page.html.select_one("#material-report a")["href"], status=200)

    page = act(police, url, "sign_receipt", "已收到案卷材料")
    assert text_of(page, ".portal-state") == "已签收回执，待决定是否立案"
    page = form_step(police, url, "open_case", case_number="昌公（刑）立字〔2026〕15号", comment="")
    assert text_of(page, ".portal-state") == "已立案，待移交涉案物品"
    item = item_at(root, url)
    handover_due = add_workdays(item.police_decided_at, 3, root.calendar_overrides)
    assert item.awaiting == (YS,) and item.due == handover_due
    assert inbox(root, "ys.officer", title)[-1] == (
        f"昌江公安分局已对鱼山镇移送的《{title}》决定立案，请于 {handover_due:%Y-%m-%d} 前移交涉案物品"
    )

    # The handover: the items and who received them, or the form says what is missing.
    page = form_step(officer, url, "handover", handed_at=f"{now():%Y-%m-%dT%H:%M}")
    assert "请填写移交的涉案物品；没有涉案物品的，请勾选“本案无涉案物品需要移交”" in errors(page)
    page = form_step(
        officer,
        url,
        "handover",
        handed_at=f"{now():%Y-%m-%dT%H:%M}",
        receiver="公安分局 王某",
        items="糕点 320 盒、工业明胶 2 袋",
    )
    assert text_of(page, ".portal-state") == "已立案，涉案物品已移交"
    assert clock(page, "handover")[4].endswith("完成")
    assert history(page)[-1] == "移交涉案物品"
    assert inbox(root, "gaj.liaison", title)[-1].startswith("鱼山镇已移交")
    item = item_at(root, url)
    assert not item.is_open and item.due is None


def test_not_opened_reconsidered_upheld_then_supervised_and_opened(
    officer, police, procuratorate, person, root
):
    title = "某粮油店销售假冒注册商标食用油案"
    url = sent_referral(person, title)
    act(police, url, "sign_receipt")
    # Not opening a case comes back with reasons and the materials.
    page = form_step(police, url, "decline_case", reason="现有证据不足以证明销售金额达到追诉标准")
    assert "不予立案的，应当相应退回案卷材料；退回后请勾选" in errors(page)
    page = form_step(
        police, url, "decline_case", reason="现有证据不足以证明销售金额达到追诉标准", materials_returned=True
    )
    assert text_of(page, ".portal-state") == "不予立案"
    item = item_at(root, url)
    objection_due = add_workdays(item.police_decided_at, 3, root.calendar_overrides)
    assert (item.awaiting, item.due) == ((YS,), objection_due)
    told = inbox(root, "ys.officer", title)[-1]
    assert (
        "决定不予立案：现有证据不足以证明销售金额达到追诉标准" in told
        and f"可于 {objection_due:%Y-%m-%d} 前提请复议" in told
    )
    assert "决定不予立案" in inbox(root, "jcy.liaison", title)[-1]

    page = act(officer, url, "reconsider", "销售记录显示金额已超过五万元")
    assert text_of(page, ".portal-state") == "已提请复议，待复议决定"
    assert inbox(root, "gaj.liaison", title)[-1].startswith(f"鱼山镇对《{title}》不予立案提请复议")
    page = act(police, url, "uphold", "销售记录真实性无法核实")
    assert text_of(page, ".portal-state") == "复议维持不予立案"
    assert clock(page, "supervision")[1] == "自收到复议决定之日起3个工作日"

    # The procuratorate is asked to supervise; it sees the request and records what it did.
    post(police, url, "supervision_result", 403, outcome="notify", note="")
    page = act(officer, url, "suggest_supervision", "请检察院对不予立案进行监督")
    assert text_of(page, ".portal-state") == "已建议检察院立案监督"
    assert inbox(root, "jcy.liaison", title)[-1].startswith(
        f"鱼山镇建议对昌江公安分局不予立案的《{title}》进行立案监督"
    )
    page = procuratorate.get(url)
    assert "请检察院对不予立案进行监督" in page.text
    assert item_at(root, url).awaiting == (JCY,)
    page = form_step(
        procuratorate, url, "supervision_result", outcome="notify", note="已要求公安分局说明理由，理由不成立"
    )
    assert "已要求公安机关说明不立案理由，认为理由不成立，通知公安机关立案" in page.text
    assert item_at(root, url).awaiting == (GAJ,)
    page = form_step(police, url, "open_case", comment="根据检察院通知立案")
    assert text_of(page, ".portal-state") == "已立案，待移交涉案物品"
    page = form_step(
        officer,
        url,
        "handover",
        handed_at=f"{now():%Y-%m-%dT%H:%M}",
        none=True,
        note="涉案食用油已由当事人全部售出，无扣押物品",
    )
    assert text_of(page, ".portal-state") == "已立案，涉案物品已移交"
    assert "本案无涉案物品需要移交" in page.text


def test_not_opened_and_closed_by_the_unit(officer, police, person):
    url = sent_referral(person, "某养殖户非法收购野生动物案")
    act(police, url, "sign_receipt")
    form_step(police, url, "decline_case", reason="犯罪情节显著轻微", materials_returned=True)
    page = act(officer, url, "close", "")
    assert "请填写依法处理的情况" in errors(page)
    page = act(officer, url, "close", "已依法给予行政处罚，罚没款已缴纳")
    assert text_of(page, ".portal-state") == "不予立案，已办结"
    assert clock(page, "objection")[4] == "未行使"


def test_the_principal_refuses_with_reasons_or_returns_for_more(officer, leader, root):
    url = new_referral(officer, "某烟酒店销售假烟案")
    act(officer, url, "report")
    page = act(leader, url, "return", "请补充涉案物品的数量和货值")
    assert text_of(page, ".portal-state") == "草稿"
    assert inbox(root, "ys.officer", "某烟酒店销售假烟案")[-1].endswith("请补充：请补充涉案物品的数量和货值")
    act(officer, url, "report")
    page = act(leader, url, "refuse", "")
    assert "请填写不予移送的理由" in errors(page)
    page = act(leader, url, "refuse", "货值金额未达到刑事立案追诉标准")
    assert text_of(page, ".portal-state") == "负责人决定不予移送"
    assert "决定不予移送。理由：货值金额未达到刑事立案追诉标准" in page.text
    assert inbox(root, "ys.officer", "某烟酒店销售假烟案")[-1].endswith("：货值金额未达到刑事立案追诉标准")
    assert not item_at(root, url).is_open


def test_the_report_names_two_officers_of_the_unit_and_one_of_them_reports_it(officer, person):
    response = draft(officer, "某作坊非法添加案", officers=("ys.officer",), status=200)
    assert "书面报告须由两名以上执法人员提出，请至少选择两名" in errors(response)
    assert response.forms["crime-referral"]["title"].value == "某作坊非法添加案"  # kept

    # A login from another unit, posted by hand, is refused.
    form = officer.get(f"/tenants/{YS}/@@new-referral").forms["crime-referral"]
    form["title"], form["party"], form["offence"] = "某作坊非法添加案", "某作坊", "生产、销售有毒、有害食品罪"
    form["found_date"], form["facts"], form["report"] = now().date().isoformat(), "事实", "报告"
    tick(form, "ys.officer")
    fields = form.submit_fields("save")
    end = fields.index(("__end__", "officers:sequence"))
    fields.insert(end, ("checkbox", "scj.officer"))
    response = officer.post(f"/tenants/{YS}/@@new-referral", fields, status=200)
    assert "只能选择本单位的执法人员" in errors(response)

    # Named officers other than the one who drafted: only they report it.
    url = new_referral(officer, "某作坊非法添加案", officers=("ys.liaison", "ys.deputy"))
    page = officer.get(url)
    blocked = page.html.select_one("#report-blocked")
    assert blocked is not None and "书面报告须由报告所列执法人员之一提交" in blocked.text
    page = act(person("ys.liaison"), url, "report")
    assert text_of(page, ".portal-state") == "已书面报告，待负责人决定"


def test_the_case_goes_only_with_its_materials(officer, leader, root):
    url = new_referral(officer, "某药店销售假药案", no_appraisal=True)
    act(officer, url, "report")
    act(leader, url, "approve")
    page = officer.get(url)
    blocked = page.html.select_one("#send-blocked")
    assert (
        "尚缺以下移送材料，不能移送：涉嫌犯罪案件移送书、调查报告、涉案物品清单。请先上传。" in blocked.text
    )
    post(officer, url, "send", 302)
    assert item_at(root, url).state == "approved"
    # A program renamed .pdf is refused.
    form = officer.get(url).forms["upload-letter"]
    form["file"] = [("移送书.pdf", b"MZ\x90\x00 not a pdf")]
    page = form.submit("upload")
    assert "与文件扩展名不符" in page.text
    upload_required(officer, url, ("letter", "report", "items"))  # no appraisal needed in this case
    page = act(officer, url, "send")
    assert text_of(page, ".portal-state") == "已移送，待签收回执"
    # Sent: the materials are what went.
    assert "upload-other" not in officer.get(url).forms
    response = officer.post(url + "@@upload?slot=other", {"csrf_token": officer.csrf_token()}, status=302)
    assert "“已移送，待签收回执”的移送不能再上传移送材料" in flashes(response.follow())


# The clocks across National Day ----------------------------------------------------------------------


def test_working_day_clocks_skip_the_holiday_and_the_24_hours_do_not(
    officer, leader, police, root, monkeypatch
):
    """Reported Wednesday 2026-09-30 16:00, the eve of National Day (10-01 to 10-07, Saturday 10-10 a
    working day): the principal's 3 working days end 2026-10-10. Approved 18:00 the same evening, the
    24 hours end 2026-10-01 18:00, a holiday; sent 2026-10-08 09:00, 159 hours late. Public security's
    3 working days from then end 2026-10-12."""
    url = new_referral(officer, "某商行销售伪劣化肥案")
    upload_required(officer, url)
    monkeypatch.setattr(model, "now", lambda: at(2026, 9, 30, 16, 0))
    page = act(officer, url, "report")
    assert clock(page, "decide")[2:4] == ["2026-09-30 16:00", "2026-10-10"]
    assert text_of(page, ".portal-due") == "期限：2026-10-10"

    monkeypatch.setattr(model, "now", lambda: at(2026, 9, 30, 18, 0))
    page = act(leader, url, "approve")
    assert clock(page, "decide")[4] == "2026-09-30 18:00 完成"
    assert clock(page, "send")[2:4] == ["2026-09-30 18:00", "2026-10-01 18:00"]
    assert "移送期限 2026-10-01 18:00（批准后24小时内，节假日不停止）" in text_of(
        officer.get(url), ".portal-step-intros"
    )

    monkeypatch.setattr(model, "now", lambda: at(2026, 10, 8, 9, 0))
    page = act(officer, url, "send")
    assert clock(page, "send")[4] == "2026-10-08 09:00 完成（超过期限159小时）"
    assert "逾期移送超过期限159小时" in text_of(page, ".portal-flag")
    assert clock(page, "police")[2:4] == ["2026-10-08 09:00", "2026-10-12"]
    item = item_at(root, url)
    assert (item.due, item.awaiting) == (datetime.date(2026, 10, 12), (GAJ,))

    # Public security decides on Monday 10-12: in time. Another 3 working days for the handover.
    monkeypatch.setattr(model, "now", lambda: at(2026, 10, 12, 17, 0))
    act(police, url, "sign_receipt")
    page = form_step(police, url, "open_case")
    assert clock(page, "police")[4] == "2026-10-12 17:00 完成"
    assert clock(page, "handover")[3] == "2026-10-15"


def test_a_reconsideration_after_its_three_working_days_is_refused(
    officer, police, person, root, monkeypatch
):
    """Not opened on 2026-09-30: the unit may ask to reconsider until 2026-10-10 (the holiday does not
    count); on Monday 10-12 it is too late, and a suggestion to the procuratorate is said late."""
    url = sent_referral(person, "某超市销售病死猪肉案")
    act(police, url, "sign_receipt")
    monkeypatch.setattr(model, "now", lambda: at(2026, 9, 30, 10, 0))
    page = form_step(police, url, "decline_case", reason="证据不足", materials_returned=True)
    assert clock(page, "objection")[3] == "2026-10-10"
    assert "请于 2026-10-10 前提出（3个工作日）" in text_of(officer.get(url), ".portal-step-intros")

    monkeypatch.setattr(model, "now", lambda: at(2026, 10, 12, 9, 0))
    page = officer.get(url)
    assert "提请复议" not in buttons(page)
    page = post(officer, url, "reconsider", 302, comment="理由").follow()
    assert "提请复议须在收到不予立案通知后3个工作日内（2026-10-10 前）提出，已超过期限" in flashes(page)
    page = act(officer, url, "suggest_supervision", "请求立案监督")
    assert text_of(page, ".portal-state") == "已建议检察院立案监督"
    assert clock(page, "objection")[4] == "2026-10-12 09:00 完成（超过期限1个工作日）"


# Who sees and does what ------------------------------------------------------------------------------


def test_units_not_addressed_are_refused(officer, leader, police, procuratorate, person, root):
    court = person("fy.liaison")
    url = new_referral(officer, "某作坊生产有毒豆芽案")
    upload_required(officer, url)
    for browser in (police, procuratorate, court, person("lm.officer")):
        browser.get(url, status=403)
    act(officer, url, "report")
    post(police, url, "approve", 403)
    post(procuratorate, url, "approve", 403)
    act(leader, url, "approve")
    act(officer, url, "send")

    # Sent: public security and the procuratorate see it; the court and other units still do not.
    court.get(url, status=403)
    person("lm.officer").get(url, status=403)
    police.get(url, status=200)
    procuratorate.get(url, status=200)
    # Each acts only on its own steps.
    post(procuratorate, url, "sign_receipt", 403)
    post(court, url, "sign_receipt", 403)
    post(officer, url, "sign_receipt", 403)
    post(police, url, "send", 403)
    post(police, url, "handover", 403)
    post(procuratorate, url, "decline_case", 403, reason="x", materials_returned="true")
    # Their listings show only what is addressed or copied to them.
    assert "某作坊生产有毒豆芽案" in police.get("/@@referrals").text
    assert "某作坊生产有毒豆芽案" in procuratorate.get("/@@referrals").text
    assert "某作坊生产有毒豆芽案" not in court.get("/@@referrals").text
    # Public security does not refer cases to itself; the judicial units draft none.
    person("jcy.liaison").get(f"/tenants/{JCY}/@@new-referral", status=403)
    court.get("/tenants/cj-fy/@@new-referral", status=403)
    # The supervisor reads what was sent, and acts on nothing.
    supervisor = person("sfj.supervisor")
    assert supervisor.get(url).status_int == 200
    post(supervisor, url, "sign_receipt", 403)


def test_the_draft_is_changed_and_absurd_input_explained(officer, root):
    url = new_referral(officer, "某小作坊无证生产白酒案")
    page = officer.get(url).click("修改草稿")
    form = page.forms["crime-referral"]
    assert form["title"].value == "某小作坊无证生产白酒案"
    assert sorted(box._value for box in form.fields["checkbox"] if box.checked) == [
        "ys.liaison",
        "ys.officer",
    ]
    form["found_date"] = "0001-01-01"
    form["facts"] = "事实\x07"
    page = form.submit("save")
    assert page.status_int == 200
    assert "发现日期不能早于 2000-01-01，请核对年份" in errors(page)
    assert "涉嫌犯罪事实不能包含控制字符（如从其他文件复制时带入的不可见字符），请删除后重新填写" in errors(
        page
    )
    form = page.forms["crime-referral"]
    assert form["title"].value == "某小作坊无证生产白酒案"
    form["found_date"] = now().date().isoformat()
    form["facts"] = "当事人未取得许可生产白酒，现场查获散装白酒 600 斤。"
    for box in form.fields["checkbox"]:
        box.checked = box._value in ("ys.officer", "ys.deputy")
    page = form.submit("save").follow()
    item = item_at(root, url)
    assert item.officers == ("ys.deputy", "ys.officer")
    assert item.officer_names == ("鱼山镇分管领导", "鱼山镇执法人员")
    assert "当事人未取得许可生产白酒" in page.text
