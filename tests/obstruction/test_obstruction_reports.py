"""Obstruction of officers as the people live it: an officer of 鱼山镇, threatened and pushed while
removing an illegal building, reports it with a photo; 昌江公安分局's liaison is told at once,
acknowledges within the hour and records its handling twice (出警, then the result); 鱼山镇 reads
both and closes the report. A report nobody acknowledges is reminded every half hour by the
deadline run and marked overdue after the hour. The procuratorate and another township see nothing
and may do nothing; the 司法局's supervisor sees the report; absurd input is refused in Chinese.
"""

import datetime
from types import SimpleNamespace

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals

import portal.obstruction as obstruction
from portal.calendar import SHANGHAI
from portal.deadlines import check_deadlines
from portal.items import now
from portal.notifications import inbox_of

PHOTO = b"\x89PNG\r\n\x1a\nphoto"
PDF = b"%PDF-1.4\n%%EOF"
GAJ, YS = "cj-gaj", "cj-yushan"
TITLE = "关于执法人员在鱼山村拆除违法建筑时遭暴力阻碍的报告"


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def texts_of(page, selector):
    return [" ".join(node.text.split()) for node in page.html.select(selector)]


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


def section(page, heading):
    for node in page.html.select(".portal-section"):
        title = node.select_one("h2")
        if title is not None and title.text.strip() == heading:
            return [" ".join(li.text.split()) for li in node.select("li")]
    return []


def field(page, label):
    for dt in page.html.select(".portal-fields dt"):
        if dt.text.strip() == label:
            return " ".join(dt.find_next_sibling("dd").text.split())
    return None


def history(page):
    return [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]


def minutes_ago(minutes):
    return f"{now() - datetime.timedelta(minutes=minutes):%Y-%m-%dT%H:%M}"


def fill_report(form, title=TITLE, occurred_at=None, injured=True):
    form["title"] = title
    form["occurred_at"] = occurred_at or minutes_ago(40)
    form["location"] = "鱼山镇鱼山村三组村委会东侧"
    form["duty"] = "依法强制拆除鱼山村三组违法建筑"
    form["means"] = "暴力和威胁"
    form["persons"] = "李某某，男，约50岁，违法建筑当事人，住鱼山村三组"
    form["description"] = "另有两名男子，约30岁，一人穿黑色夹克"
    form["account"] = "执法人员出示执法证件、宣读强制拆除决定后，李某某手持铁锹威胁，推倒执法队员王某。"
    form["officers"] = "王某（执法证号 36020001）、张某（执法证号 36020002）"
    if injured:
        form["injured"] = True
        form["injuries"] = "王某右手臂擦伤，已到鱼山镇卫生院处理"
    form["called_110"] = True
    form["video"] = "执法记录仪 DSJ-07，09:10—09:40，存执法队视频服务器"
    form["file"] = [("现场照片.png", PHOTO)]
    form["statements"] = [("执法人员陈述.pdf", PDF)]


def report(browser, **kw):
    """The officer follows 阻碍执法 → 报告阻碍执法 and submits the report."""
    page = browser.get("/").click("阻碍执法", href="obstruction-reports").click("报告阻碍执法")
    form = page.forms["obstruction-report-form"]
    fill_report(form, **kw)
    return form.submit("report").follow()


def item_in(root, page):
    transaction.begin()
    unit, name = page.request.path.strip("/").split("/")[1:3]
    return root["tenants"][unit][name]


def deadline_run(app, root, moment):
    """What ``portal-deadlines`` does at ``moment``, on the test's own connection; its counts."""
    threadlocals.push({"registry": app.registry, "request": None})
    try:
        counts = check_deadlines(root, SimpleNamespace(registry=app.registry), moment)
        transaction.commit()
    finally:
        threadlocals.pop()
    return counts


def inbox(root, login, about=TITLE):
    transaction.abort()
    box = inbox_of(root, login)
    texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
    return [text for text in texts if about in text]


@pytest.fixture
def township(person):
    return person("ys.officer")


@pytest.fixture
def police(person):
    return person("gaj.liaison")


def test_officer_reports_police_acknowledge_and_handle_the_township_closes(township, police, root):
    before = {login: inbox(root, login) for login in ("gaj.liaison", "ys.leader", "ys.officer", "ys.liaison")}
    page = report(township)
    url = page.request.path
    item = item_in(root, page)
    sent = item.sent_at
    assert text_of(page, ".alert-info") == (
        f"已报告昌江公安分局。公安机关须于 {item.ack_due:%Y-%m-%d %H:%M} 前接报（报告后 1 小时内）"
    )
    assert text_of(page, ".portal-state") == "已报告，待公安机关接报"
    assert text_of(page, ".portal-number").startswith("鱼山镇阻〔")
    assert texts_of(page, ".portal-flag") == ["执法人员受伤"]
    # The hour runs from the submission: shown to the minute, on the page and in the due panel.
    due = sent + datetime.timedelta(hours=obstruction.ACK_HOURS)
    assert text_of(page, ".portal-sent") == f"{sent:%Y-%m-%d %H:%M}"
    assert text_of(page, ".portal-ack-due") == f"{due:%Y-%m-%d %H:%M}"
    assert text_of(page, ".portal-due") == f"接报期限：{due:%Y-%m-%d %H:%M}"
    assert text_of(page, ".portal-ack-left") in ("（还有59分钟）", "（还有1小时）")
    assert text_of(page, ".portal-waiting") == "等待昌江公安分局接报"
    assert (item.due, item.awaiting, item.units_in("recipient")) == (item.ack_due, (GAJ,), (GAJ,))
    assert field(page, "报告公安机关") == "昌江公安分局"
    assert field(page, "阻碍方式") == "暴力和威胁"
    assert field(page, "执法人员受伤情况") == "王某右手臂擦伤，已到鱼山镇卫生院处理"
    assert field(page, "现场报警") == "已当场拨打110报警"
    assert field(page, "视频资料").startswith("执法记录仪 DSJ-07")
    attachments = text_of(page, ".portal-attachments")
    assert "现场照片.png" in attachments and "执法人员陈述.pdf" in attachments
    assert buttons(page) == ["办结"]

    # The police liaison is told at once; the township's leader hears one of its officers was
    # obstructed; the officer who reported is told nothing.
    arrived = (
        f"鱼山镇报告阻碍执法：《{TITLE}》（{item.number}），{item.occurred_at:%Y-%m-%d %H:%M} "
        f"在鱼山镇鱼山村三组村委会东侧执法时遭暴力和威胁阻碍，有执法人员受伤。"
        f"请于 {due:%Y-%m-%d %H:%M} 前接报，并及时出警、依法查处"
    )
    assert inbox(root, "gaj.liaison") == [*before["gaj.liaison"], arrived]
    assert inbox(root, "ys.leader") == [
        *before["ys.leader"],
        f"本单位执法人员执法时遭阻碍：《{TITLE}》（{item.number}），已报告昌江公安分局",
    ]
    assert inbox(root, "ys.officer") == before["ys.officer"]

    # The police liaison finds it in the listing (and no button to report one itself).
    listing = police.get("/@@obstruction-reports")
    assert "鱼山镇" in text_of(listing, ".portal-listing tbody")
    assert "报告阻碍执法" not in listing.text
    page = listing.click(TITLE)
    assert buttons(page) == ["接报"]
    refused = police.get(url + "@@handle").follow()
    assert "请先接报，再反馈处理情况" in text_of(refused, ".alert-danger")
    page = press(page, "acknowledge")
    assert text_of(page, ".portal-state") == "公安机关已接报，处理中"
    assert field(page, "接报").startswith("昌江公安分局 公安分局联系人")
    assert "超过接报期限" not in field(page, "接报")
    assert text_of(page, ".portal-waiting") == "等待昌江公安分局反馈出警、受理和处理结果"
    assert text_of(page, ".portal-ack-left") is None
    assert item_in(root, page).due is None
    assert buttons(page) == ["反馈处理情况"]
    # Acknowledging twice is refused with the reason; acknowledging told the township nothing.
    again = police.post(url + "@@acknowledge", {"csrf_token": police.csrf_token()}).follow()
    assert "不能接报" in text_of(again, ".alert-danger")
    assert inbox(root, "ys.officer") == before["ys.officer"]

    # First update: officers sent to the scene; a time before the incident is refused first.
    form = page.click("反馈处理情况").forms["handle-form"]
    form["step"] = "出警"
    form["happened_at"] = f"{item.occurred_at - datetime.timedelta(hours=2):%Y-%m-%dT%H:%M}"
    form["detail"] = "鱼山派出所民警刘某、陈某到达现场，控制李某某，带回派出所询问。"
    refused = form.submit("handle")
    assert any(m.startswith("处理时间不能早于事发时间（") for m in errors(refused))
    form = refused.forms["handle-form"]
    assert form["detail"].value == "鱼山派出所民警刘某、陈某到达现场，控制李某某，带回派出所询问。"
    form["happened_at"] = minutes_ago(20)
    page = form.submit("handle").follow()
    assert text_of(page, ".portal-state") == "公安机关已接报，处理中"
    told = inbox(root, "ys.officer")[len(before["ys.officer"]) :]
    assert len(told) == 1 and told[0].startswith(f"昌江公安分局反馈了阻碍执法报告《{TITLE}》的处理情况：")
    assert "出警（民警到达现场）" in told[0]

    # Second update: the result. Without a result, or 不予处理 without reasons, it is refused.
    form = police.get(url + "@@handle").forms["handle-form"]
    form["step"] = "结果"
    form["happened_at"] = minutes_ago(5)
    form["detail"] = "依据《治安管理处罚法》第五十条，对李某某行政拘留十日。"
    refused = form.submit("handle")
    assert "处理环节为“处理结果”，请选择处理结果" in errors(refused)
    form = refused.forms["handle-form"]
    form["outcome"] = "不予处理"
    refused = form.submit("handle")
    assert "不予处理的，请写明理由" in errors(refused)
    form = refused.forms["handle-form"]
    form["outcome"] = "治安管理处罚"
    form["case_number"] = "昌公(鱼)行罚决字〔2026〕15号"
    form["file"] = [("行政处罚决定书.pdf", PDF)]
    page = form.submit("handle").follow()
    assert text_of(page, ".portal-state") == "公安机关已反馈处理结果"
    assert text_of(page, ".portal-waiting") == "公安机关已反馈处理结果，等待鱼山镇办结"

    # The township sees both updates and the police's document, and closes the report.
    page = township.get(url)
    lines = section(page, "公安机关处理情况")
    assert len(lines) == 2
    assert "出警（民警到达现场）" in lines[0]
    assert "鱼山派出所民警刘某、陈某到达现场" in lines[0] and "（昌江公安分局 公安分局联系人" in lines[0]
    assert "处理结果：治安管理处罚" in lines[1] and "行政拘留十日" in lines[1]
    assert "案件编号：昌公(鱼)行罚决字〔2026〕15号" in lines[1]
    assert "行政处罚决定书.pdf" in text_of(page, ".portal-attachments")
    assert buttons(page) == ["办结"]
    close_page = page.click("办结")
    assert "公安机关已反馈处理结果。办结后不再计算接报期限" in close_page.text
    form = close_page.forms["close-form"]
    form["note"] = "李某某已被行政拘留，违法建筑已依法拆除，王某伤情已愈。"
    page = form.submit("close").follow()
    assert text_of(page, ".portal-state") == "已办结"
    assert "李某某已被行政拘留" in field(page, "办结情况")
    assert buttons(page) == []
    assert buttons(police.get(url)) == []
    assert history(page) == ["报告公安机关", "接报", "反馈处理情况", "反馈处理结果", "办结"]
    assert inbox(root, "gaj.liaison")[-1].startswith(f"鱼山镇已办结阻碍执法报告《{TITLE}》")


def test_police_not_acknowledging_are_reminded_every_half_hour_then_marked_overdue(
    township, police, app, root
):
    title = "关于执法人员在鱼山街查处占道经营时遭威胁的报告"
    page = report(township, title=title, injured=False)
    url = page.request.path
    item = item_in(root, page)
    sent, path = item.sent_at, item.__name__
    assert texts_of(page, ".portal-flag") == []
    before = len(inbox(root, "gaj.liaison", title))
    transaction.abort()

    def reminders():
        transaction.begin()
        return dict(root["tenants"][YS][path].reminders)

    # Ten minutes on: nothing. Half an hour on: the liaison is reminded, once however often it runs.
    deadline_run(app, root, sent + datetime.timedelta(minutes=10))
    assert reminders() == {}
    counts = deadline_run(app, root, sent + datetime.timedelta(minutes=31))
    assert counts["obstruction reminders"] >= 1
    assert reminders()["count"] == 1
    texts = inbox(root, "gaj.liaison", title)[before:]
    assert len(texts) == 1 and texts[0].startswith(f"催办：鱼山镇报告的阻碍执法《{title}》")
    assert "本单位尚未接报" in texts[0] and "已超期" not in texts[0]
    deadline_run(app, root, sent + datetime.timedelta(minutes=31))
    deadline_run(app, root, sent + datetime.timedelta(minutes=58))
    assert reminders()["count"] == 1

    # Past the hour: marked overdue once (which tells the police and the township); half an hour
    # later reminded again, saying it is overdue.
    deadline_run(app, root, sent + datetime.timedelta(minutes=62))
    deadline_run(app, root, sent + datetime.timedelta(minutes=63))
    assert reminders()["count"] == 1
    texts = inbox(root, "gaj.liaison", title)[before:]
    assert len(texts) == 2 and texts[1].startswith(f"《{title}》已超期")
    assert any(t.startswith(f"《{title}》已超期") for t in inbox(root, "ys.officer", title))
    deadline_run(app, root, sent + datetime.timedelta(minutes=93))
    assert reminders()["count"] == 2
    texts = inbox(root, "gaj.liaison", title)[before:]
    assert len(texts) == 3 and texts[2].startswith("催办：") and "已超期" in texts[2]

    page = police.get(url)
    assert history(page) == ["报告公安机关", "已超期"]
    assert text_of(page, ".portal-reminders").startswith("已催办 2 次，最近")
    # Acknowledged at last: the reminders stop.
    page = press(page, "acknowledge")
    assert text_of(page, ".portal-state") == "公安机关已接报，处理中"
    deadline_run(app, root, sent + datetime.timedelta(hours=5))
    assert reminders()["count"] == 2
    assert len(inbox(root, "gaj.liaison", title)) == before + 3


def test_the_hour_counts_clock_time_over_nights_and_holidays(township, root):
    """The hour is elapsed time: a report submitted at 23:30 on the eve of National Day is due at
    00:30 on the holiday; the first reminder comes half an hour after the submission."""
    page = report(township, title="关于夜间巡查时遭围堵的报告", injured=False)
    item = item_in(root, page)
    moment = datetime.datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI)
    item.start_clock(moment)
    assert item.ack_due == datetime.datetime(2026, 10, 1, 0, 30, tzinfo=SHANGHAI)
    assert (item.due, item.awaiting) == (item.ack_due, (GAJ,))
    assert not item.needs_reminder(moment + datetime.timedelta(minutes=29))
    assert item.needs_reminder(moment + datetime.timedelta(minutes=30))
    item.mark_reminded(moment + datetime.timedelta(minutes=30))
    assert not item.needs_reminder(moment + datetime.timedelta(minutes=45))
    assert obstruction.span(datetime.timedelta(minutes=65)) == "1小时5分钟"
    transaction.abort()


def test_judicial_organs_and_other_units_see_nothing_the_supervisor_sees_it(township, police, person, root):
    title = "关于执法人员在鱼山菜市场暂扣物品时遭撕扯的报告"
    page = report(township, title=title)
    url = page.request.path
    download = page.html.select_one(".portal-attachments a")["href"]

    # The 司法局's supervisor sees the report and its files, read-only.
    supervisor = person("sfj.supervisor")
    page = supervisor.get(url)
    assert text_of(page, "h1") == title
    assert buttons(page) == []
    supervisor.get(download, status=200)
    assert title in supervisor.get("/@@obstruction-reports").text
    token = supervisor.csrf_token()
    for action in ("acknowledge", "close"):
        supervisor.post(url + "@@" + action, {"csrf_token": token}, status=403)

    # The procuratorate and another township: nothing to see, nothing to do, nothing to report.
    for login in ("jcy.liaison", "lm.officer"):
        outsider = person(login)
        outsider.get(url, status=403)
        outsider.get(download, status=403)
        assert title not in outsider.get("/@@obstruction-reports").text
        token = outsider.csrf_token()
        for action in ("handle", "close"):
            outsider.get(url + "@@" + action, status=403)
        for action in ("acknowledge", "handle", "close"):
            outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
        outsider.get(f"/tenants/{YS}/@@new-obstruction-report", status=403)
    person("jcy.liaison").get("/tenants/cj-jcy/@@new-obstruction-report", status=403)
    # 吕蒙街道 may report its own officers' incidents, in its own name.
    assert person("lm.officer").get("/tenants/cj-lvmeng/@@new-obstruction-report").status_int == 200

    # The police neither close the unit's report nor report to themselves; the township does not
    # acknowledge or record handling for the police.
    police.get(url + "@@close", status=403)
    police.post(url + "@@close", {"csrf_token": police.csrf_token()}, status=403)
    police.get(f"/tenants/{GAJ}/@@new-obstruction-report", status=403)
    token = township.csrf_token()
    for action in ("acknowledge", "handle"):
        township.post(url + "@@" + action, {"csrf_token": token}, status=403)
    township.get(url + "@@handle", status=403)
    # A POST without the session's token is refused.
    police.post(url + "@@acknowledge", {"csrf_token": "forged"}, status=400)
    assert text_of(township.get(url), ".portal-state") == "已报告，待公安机关接报"


def test_a_department_officer_reports_too(person, root):
    officer = person("scj.officer")
    page = officer.get("/@@obstruction-reports").click("报告阻碍执法")
    form = page.forms["obstruction-report-form"]
    fill_report(form, title="关于市监局执法人员检查时遭威胁的报告", injured=False)
    page = form.submit("report").follow()
    assert text_of(page, ".portal-number").startswith("昌市监阻〔")
    assert field(page, "报告单位") == "区市监局"
    assert "关于市监局执法人员检查时遭威胁的报告" in person("gaj.liaison").get("/@@obstruction-reports").text
    person("ys.officer").get(page.request.path, status=403)


def test_absurd_input_is_explained_in_chinese_and_kept(township):
    title = "关于某废品站检查时遭辱骂威胁的报告"
    page = township.get(f"/tenants/{YS}/@@new-obstruction-report")
    assert "1 小时内接报" in page.text
    form = page.forms["obstruction-report-form"]
    assert form["police"].value == GAJ
    fill_report(form, title=title, occurred_at=f"{now() + datetime.timedelta(hours=3):%Y-%m-%dT%H:%M}")
    form["location"] = "鱼山镇\x00废品站"
    form["duty"] = "现场检查\x1b[31m"
    form["persons"] = ""
    form["description"] = "   "
    form["injuries"] = ""
    form["means"] = ""
    refused = form.submit("report")
    assert refused.status_int == 200
    messages = errors(refused)
    assert "发生时间不能晚于现在" in messages
    assert any(m.startswith("发生地点不能包含空字符（NUL）") for m in messages)
    assert any(m.startswith("正在执行的公务不能包含控制字符") for m in messages)
    assert any(m.startswith("请选择阻碍方式") for m in messages)
    form = refused.forms["obstruction-report-form"]
    assert form["title"].value == title
    assert form["account"].value.startswith("执法人员出示执法证件")

    # Year 1; the persons missing; injured without the injuries.
    form["occurred_at"] = "0001-01-01T09:00"
    form["location"] = "鱼山镇废品站"
    form["duty"] = "现场检查"
    form["means"] = "威胁"
    refused = form.submit("report")
    messages = errors(refused)
    assert "发生时间不能早于 2000-01-01，请核对年份" in messages
    refused = refused.forms["obstruction-report-form"]
    refused["occurred_at"] = minutes_ago(30)
    refused = refused.submit("report")
    messages = errors(refused)
    assert "请填写阻碍人员的身份，或身份不明人员的体貌特征和人数" in messages
    assert "已勾选“有执法人员受伤”，请填写受伤人员及伤情" in messages
    # A 2 MB account is refused too.
    form = refused.forms["obstruction-report-form"]
    form["account"] = "经过" * 1_000_000
    refused = form.submit("report")
    assert any(m.startswith("事件经过最多 5000 个字") for m in errors(refused))
    assert title not in township.get("/@@obstruction-reports").text
