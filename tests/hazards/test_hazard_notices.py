"""Major safety hazard notices as the people use them: 鱼山镇 finds a gas leak and notifies 区市监局
and 区城管局 at once; each department's liaison acknowledges within the hours the notice gives them,
records its analysis and measures; a special meeting is called, a joint action recorded, and the
township closes the notice once the hazard is removed. A department that does not acknowledge is
reminded hourly by the deadline run and marked overdue; a third unit sees nothing; the 司法局's
supervisor sees what was sent.
"""

import datetime
from types import SimpleNamespace

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals

import portal.hazards as hazards
from portal.calendar import SHANGHAI
from portal.deadlines import check_deadlines
from portal.items import now
from portal.notifications import inbox_of

PHOTO = b"\x89PNG\r\n\x1a\nphoto"
TITLE = "关于某液化气站储罐阀门泄漏的重大安全隐患通报"
SCJ, CGJ = "cj-scjgj", "cj-cgj"
DRAFTED = "关于某农贸市场燃气管道私接乱接的隐患通报"


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
    """The lines of the item page's section headed ``heading``."""
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


def ack_status(page, unit):
    row = page.html.select_one(f".portal-ack tr[data-unit='{unit}']")
    return None if row is None else [" ".join(td.text.split()) for td in row.select("td")]


def history(page):
    return [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]


def tick(form, value):
    for box in form.fields["checkbox"]:
        if box._value == value:
            box.checked = True
            return
    raise AssertionError(f"no checkbox {value!r}")


def fill_notice(form, departments=(SCJ, CGJ), found_at=None, title=TITLE):
    form["title"] = title
    for code in departments:
        tick(form, code)
    form["location"] = "鱼山镇鱼山村桥头液化气站"
    form["hazard_kind"] = "燃气"
    found = found_at or now() - datetime.timedelta(minutes=40)
    form["found_at"] = found if isinstance(found, str) else f"{found:%Y-%m-%dT%H:%M}"
    form["findings"] = "检查发现2号储罐出液阀门处有明显液化气泄漏气味，现场检测浓度超标。"
    form["onsite_measures"] = "已责令停止充装作业，疏散周边群众，设置50米警戒区，关闭总阀。"
    form["urgency"] = "特急"
    form["file"] = [("现场照片.png", PHOTO)]


def notify(browser, send=True, **kw):
    """The township officer follows 隐患通报 → 通报重大安全隐患 and sends (or saves) a notice."""
    page = browser.get("/").click("隐患通报", href="hazards").click("通报重大安全隐患")
    form = page.forms["hazard-form"]
    fill_notice(form, **kw)
    return form.submit("send" if send else "save").follow()


def item_in(root, page):
    """The item of a page, read in the test's own connection."""
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
def scj(person):
    return person("scj.liaison")


@pytest.fixture
def cgj(person):
    return person("cg.liaison")


def test_township_notifies_two_departments_who_acknowledge_and_act(township, scj, cgj, root):
    page = notify(township)
    url = page.request.path
    item = item_in(root, page)
    sent = item.sent_at
    assert text_of(page, ".portal-state") == "已通报，待确认收悉"
    assert text_of(page, ".portal-number").startswith("鱼山镇隐〔")
    assert texts_of(page, ".portal-flag") == ["特急"]
    # The hours clock runs from the send: two hours to acknowledge, shown to the minute.
    assert text_of(page, ".portal-sent") == f"{sent:%Y-%m-%d %H:%M}"
    due = sent + datetime.timedelta(hours=hazards.ACK_HOURS)
    assert text_of(page, ".portal-ack-due") == f"{due:%Y-%m-%d %H:%M}"
    assert text_of(page, ".portal-due") == f"确认收悉期限：{due:%Y-%m-%d %H:%M}"
    assert text_of(page, ".portal-ack-left") in ("（还有1小时59分钟）", "（还有2小时）")
    assert text_of(page, ".portal-waiting") == "等待区城管局、区市监局确认收悉"
    assert ack_status(page, SCJ)[1].startswith("未确认收悉，还有")
    assert field(page, "通报部门") == "区城管局、区市监局"
    assert field(page, "隐患类别（行业）") == "燃气"
    assert "现场照片.png" in text_of(page, ".portal-attachments")
    assert (item.due, item.awaiting) == (item.ack_due, (CGJ, SCJ))
    assert buttons(page) == sorted(["提议召开专题会议", "登记联合执法行动", "办结"])

    # 区市监局's liaison finds it in the listing: it may acknowledge, not yet respond.
    listing = scj.get("/@@hazards")
    assert "鱼山镇" in text_of(listing, ".portal-listing tbody")
    page = listing.click(TITLE)
    assert buttons(page) == sorted(["确认收悉", "提议召开专题会议", "登记联合执法行动"])
    refused = scj.get(url + "@@respond").follow()
    assert "请先确认收悉，再反馈研判分析和处置措施" in text_of(refused, ".alert-danger")
    page = press(page, "acknowledge")
    status = ack_status(page, SCJ)[1]
    assert status.startswith("已确认收悉") and "通报后" in status and "市监局联系人" in status
    assert text_of(page, ".portal-waiting") == "等待区城管局确认收悉"
    assert text_of(page, ".portal-state") == "已通报，待确认收悉"
    assert item_in(root, page).awaiting == (CGJ,)
    # Acknowledging twice is refused with the reason.
    token = scj.csrf_token()
    again = scj.post(url + "@@acknowledge", {"csrf_token": token}).follow()
    assert "本单位已于" in text_of(again, ".alert-danger")

    # 区城管局 acknowledges: every department has, the notice is being handled.
    page = press(cgj.get(url), "acknowledge")
    assert text_of(page, ".portal-state") == "已确认收悉，处置中"
    assert text_of(page, ".portal-ack-left") is None
    assert text_of(page, ".portal-waiting") == "等待区城管局、区市监局研判分析、提出处置建议并采取措施"
    assert item_in(root, page).due is None

    # 区市监局 records its analysis and measures; an empty one is refused first.
    form = scj.get(url).click("反馈研判分析和处置措施").forms["respond-form"]
    refused = form.submit("respond")
    assert "请至少填写研判分析、处置建议或采取的措施中的一项" in errors(refused)
    form = refused.forms["respond-form"]
    form["analysis"] = "储罐阀门密封件老化，存在燃爆风险，属重大事故隐患。"
    form["suggestions"] = "建议继续停业，待更换阀门并经检测合格后方可恢复充装。"
    form["measures"] = "已派特种设备检验人员到场，对储罐实施查封。"
    form["file"] = [("检验意见.pdf", b"%PDF-1.4\n%%EOF")]
    page = form.submit("respond").follow()
    assert text_of(page, ".portal-waiting") == "等待区城管局研判分析、提出处置建议并采取措施"
    # A second, later record from the same department.
    form = scj.get(url + "@@respond").forms["respond-form"]
    form["measures"] = "已约谈液化气站负责人，责令限期更换阀门。"
    form.submit("respond").follow()

    # The township sees both.
    page = township.get(url)
    lines = section(page, "研判分析与处置措施")
    assert len(lines) == 2
    assert lines[0].startswith("区市监局 市监局联系人")
    assert "研判分析：储罐阀门密封件老化，存在燃爆风险，属重大事故隐患。" in lines[0]
    assert "处置建议：建议继续停业" in lines[0] and "采取的措施：已派特种设备检验人员到场" in lines[0]
    assert "采取的措施：已约谈液化气站负责人，责令限期更换阀门。" in lines[1]
    assert "检验意见.pdf" in text_of(page, ".portal-attachments")

    # The township calls a special meeting; the meeting's time cannot precede the hazard.
    form = page.click("提议召开专题会议").forms["call_meeting-form"]
    form["held_at"] = "2020-01-01T09:00"
    form["place"] = "鱼山镇政府三楼会议室"
    form["topic"] = "研究液化气站隐患整改和联合执法方案"
    refused = form.submit("call_meeting")
    assert any(m.startswith("会议时间不能早于隐患发现时间") for m in errors(refused))
    assert refused.forms["call_meeting-form"]["place"].value == "鱼山镇政府三楼会议室"
    meeting_at = now() + datetime.timedelta(days=1)
    form = refused.forms["call_meeting-form"]
    form["held_at"] = f"{meeting_at:%Y-%m-%dT%H:%M}"
    form.submit("call_meeting").follow()
    lines = section(scj.get(url), "专题会议")
    assert lines and lines[0].startswith(
        f"鱼山镇提议召开专题会议：{meeting_at:%Y-%m-%d %H:%M}，地点：鱼山镇政府三楼会议室"
    )
    # The meeting is a coordination meeting of 鱼山镇, its notice sent to the departments.
    assert "会议通知 鱼山镇会〔" in lines[0]
    meeting = scj.get("/@@meetings").click("专题会议：研究液化气站隐患整改和联合执法方案")
    assert "重大安全隐患通报" in meeting.text and "签收" in meeting.text

    # 区城管局 records the joint enforcement action it took part in.
    form = cgj.get(url).click("登记联合执法行动").forms["joint_action-form"]
    form["action_date"] = f"{now():%Y-%m-%d}"
    tick(form, CGJ)
    tick(form, SCJ)
    tick(form, "cj-yushan")
    form["actions_taken"] = "联合检查液化气站，查封2号储罐，清理周边违规堆放物品。"
    form["result"] = "储罐已查封，隐患点已隔离。"
    page = form.submit("joint_action").follow()
    lines = section(township.get(url), "联合执法行动")
    assert lines == [
        f"{now():%Y-%m-%d} 联合执法，参与单位：区城管局、区市监局、鱼山镇；"
        "行动情况：联合检查液化气站，查封2号储罐，清理周边违规堆放物品。；结果：储罐已查封，隐患点已隔离。"
        "（区城管局 城管局联系人 登记）"
    ]

    # The township closes once the hazard is removed, and says so.
    form = township.get(url).click("办结").forms["close-form"]
    form["note"] = "液化气站已更换全部阀门，经检测合格。"
    refused = form.submit("close")
    assert "隐患整改完毕后才能办结；请核实后勾选“隐患已整改完毕”" in errors(refused)
    form = refused.forms["close-form"]
    assert form["note"].value == "液化气站已更换全部阀门，经检测合格。"
    form["removed"] = True
    page = form.submit("close").follow()
    assert text_of(page, ".portal-state") == "已办结"
    assert "液化气站已更换全部阀门，经检测合格。" in field(page, "办结情况")
    assert buttons(page) == []
    assert history(page) == [
        "起草",
        "通报",
        "确认收悉",
        "确认收悉",
        "研判分析与处置",
        "研判分析与处置",
        "提议召开专题会议",
        "联合执法行动",
        "办结",
    ]
    assert buttons(scj.get(url)) == []


def test_unacknowledged_department_is_reminded_hourly_then_marked_overdue(
    township, scj, cgj, root, app, monkeypatch
):
    # Sent three and a half hours ago (the test sets the clock the send reads).
    sent = (now() - datetime.timedelta(hours=3, minutes=30)).replace(second=0, microsecond=0)
    monkeypatch.setattr(hazards, "now", lambda: sent)
    page = notify(township, found_at=sent - datetime.timedelta(minutes=20))
    monkeypatch.undo()
    url = page.request.path
    assert text_of(page, ".portal-sent") == f"{sent:%Y-%m-%d %H:%M}"
    press(scj.get(url), "acknowledge")
    before = {login: inbox(root, login) for login in ("cg.liaison", "scj.liaison", "ys.officer")}

    # Half an hour after the send: nobody is reminded yet.
    counts = deadline_run(app, root, sent + datetime.timedelta(minutes=30))
    assert counts.get("hazard reminders", 0) == 0
    # After an hour, 区城管局 (not acknowledged) is reminded; 区市监局 (acknowledged) is not.
    counts = deadline_run(app, root, sent + datetime.timedelta(minutes=65))
    assert counts.get("hazard reminders", 0) == 1
    reminder = inbox(root, "cg.liaison")[len(before["cg.liaison"]) :]
    assert len(reminder) == 1 and reminder[0].startswith("催办：鱼山镇通报的重大安全隐患《")
    assert "本单位尚未确认收悉" in reminder[0]
    assert inbox(root, "scj.liaison") == before["scj.liaison"]
    # The same run again, or ten minutes later, reminds nobody: at most once an hour.
    assert deadline_run(app, root, sent + datetime.timedelta(minutes=65)).get("hazard reminders", 0) == 0
    assert deadline_run(app, root, sent + datetime.timedelta(minutes=75)).get("hazard reminders", 0) == 0
    assert len(inbox(root, "cg.liaison")) == len(before["cg.liaison"]) + 1

    # Past the two hours: marked overdue once, which tells 区城管局 and the township; an hour
    # later it is reminded again.
    counts = deadline_run(app, root, sent + datetime.timedelta(minutes=130))
    assert (counts.get("hazard reminders", 0), counts["overdue"]) == (0, 1)
    assert deadline_run(app, root, sent + datetime.timedelta(minutes=131))["overdue"] == 0
    assert deadline_run(app, root, sent + datetime.timedelta(minutes=180)).get("hazard reminders", 0) == 0
    assert deadline_run(app, root, sent + datetime.timedelta(minutes=190)).get("hazard reminders", 0) == 1
    texts = inbox(root, "cg.liaison")[len(before["cg.liaison"]) :]
    assert len(texts) == 3 and texts[1].startswith(f"《{TITLE}》已超期")
    assert texts[2].startswith("催办：") and "已超期" in texts[2]
    assert any("已超期" in text for text in inbox(root, "ys.officer")[len(before["ys.officer"]) :])
    assert inbox(root, "scj.liaison") == before["scj.liaison"]

    page = cgj.get(url)
    assert history(page)[-1] == "已超期"
    assert text_of(page, ".portal-ack-left").startswith("（已超期")
    status, reminders = ack_status(page, CGJ)[1:]
    assert status.startswith("未确认收悉，已超期")
    assert reminders.startswith("已催办 2 次，最近")
    assert ack_status(page, SCJ)[1].startswith("已确认收悉")

    # 区城管局 acknowledges at last: recorded late, and the reminders stop.
    page = press(page, "acknowledge")
    assert ack_status(page, CGJ)[1].endswith("超过确认期限")
    assert text_of(page, ".portal-state") == "已确认收悉，处置中"
    assert deadline_run(app, root, sent + datetime.timedelta(hours=6)).get("hazard reminders", 0) == 0


def test_third_unit_sees_nothing_and_the_supervisor_sees_what_was_sent(township, scj, person, root):
    page = notify(township, send=False, departments=(SCJ,), title=DRAFTED)
    url = page.request.path
    assert text_of(page, ".portal-state") == "草稿"
    assert buttons(page) == sorted(["修改草稿", "发送"])
    supervisor = person("sfj.supervisor")
    # A draft is its township's own: neither the department nor the supervisor sees it.
    scj.get(url, status=403)
    supervisor.get(url, status=403)
    assert DRAFTED not in supervisor.get("/@@hazards").text

    # The township corrects its draft before sending: what it typed is there.
    form = page.click("修改草稿").forms["hazard-form"]
    assert [box._value for box in form.fields["checkbox"] if box.checked] == [SCJ]
    assert form["location"].value == "鱼山镇鱼山村桥头液化气站"
    form["location"] = "鱼山镇农贸市场东侧"
    page = form.submit("save").follow()
    assert field(page, "隐患地点") == "鱼山镇农贸市场东侧"
    page = press(page, "send")
    assert text_of(page, ".portal-state") == "已通报，待确认收悉"
    download = page.html.select_one(".portal-attachments a")["href"]

    # The supervisor sees it once sent, read-only.
    page = supervisor.get(url)
    assert text_of(page, "h1") == DRAFTED
    assert buttons(page) == []
    assert DRAFTED in supervisor.get("/@@hazards").text

    # 吕蒙街道 sees nothing and may do nothing.
    outsider = person("lm.officer")
    outsider.get(url, status=403)
    outsider.get(download, status=403)
    assert DRAFTED not in outsider.get("/@@hazards").text
    token = outsider.csrf_token()
    for action in ("respond", "call_meeting", "joint_action", "close"):
        outsider.get(url + "@@" + action, status=403)
    for action in ("send", "acknowledge", "respond", "call_meeting", "joint_action", "close"):
        outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
    outsider.get("/tenants/cj-yushan/@@new-hazard", status=403)
    # A department neither notifies in a township's name nor closes its notice; the township
    # does not acknowledge for the department.
    scj.get("/tenants/cj-yushan/@@new-hazard", status=403)
    scj.get(url + "@@close", status=403)
    township.post(url + "@@acknowledge", {"csrf_token": township.csrf_token()}, status=403)
    # A POST without the session's token is refused.
    scj.post(url + "@@acknowledge", {"csrf_token": "forged"}, status=400)


def test_bad_input_is_explained_in_chinese_and_kept(township):
    page = township.get("/tenants/cj-yushan/@@new-hazard")
    assert "2 小时内确认收悉" in page.text
    form = page.forms["hazard-form"]
    fill_notice(form, departments=(), found_at="0001-01-01T09:00", title="关于某废品站堆放易燃物的隐患通报")
    refused = form.submit("send")
    assert refused.status_int == 200
    messages = errors(refused)
    assert "请至少选择一个通报部门" in messages
    assert "发现时间不能早于 2000-01-01，请核对年份" in messages
    assert "如选择了附件，请重新选择" in text_of(refused, ".alert-danger")
    form = refused.forms["hazard-form"]
    assert form["title"].value == "关于某废品站堆放易燃物的隐患通报"
    assert form["location"].value == "鱼山镇鱼山村桥头液化气站"

    tick(form, SCJ)
    form["found_at"] = f"{now() + datetime.timedelta(hours=3):%Y-%m-%dT%H:%M}"
    form["urgency"] = ""
    form["findings"] = "   "
    refused = form.submit("send")
    messages = errors(refused)
    assert "发现时间不能晚于现在" in messages
    assert "请填写发现的情况" in messages
    assert any(m.startswith("请选择紧急程度") for m in messages)
    assert "关于某废品站" not in township.get("/@@hazards").text

    # A joint action on year 1 is refused the same way.
    form = refused.forms["hazard-form"]
    form["found_at"] = f"{now() - datetime.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    form["urgency"] = "一般"
    form["findings"] = "废品站内堆放大量易燃纸板，无消防器材。"
    page = form.submit("send").follow()
    form = page.click("登记联合执法行动").forms["joint_action-form"]
    form["action_date"] = "0001-01-01"
    form["actions_taken"] = "检查"
    form["result"] = "整改"
    refused = form.submit("joint_action")
    messages = errors(refused)
    assert "行动日期不能早于 2000-01-01，请核对年份" in messages
    assert "请至少选择一个参与单位" in messages


def test_notifications_go_to_who_acts_next(township, scj, cgj, person, root):
    logins = ("scj.liaison", "scj.leader", "scj.officer", "cg.liaison", "ys.officer", "ys.liaison")
    title = "关于某烟花爆竹仓库超量储存的隐患通报"
    before = {login: inbox(root, login, title) for login in logins}
    page = notify(township, title=title)
    url = page.request.path
    item = item_in(root, page)
    arrived = (
        f"鱼山镇通报重大安全隐患：《{title}》（{item.number}），地点：鱼山镇鱼山村桥头液化气站。"
        f"请于 {item.ack_due:%Y-%m-%d %H:%M} 前确认收悉，并及时研判分析、采取措施"
    )
    for login in ("scj.liaison", "scj.leader", "cg.liaison"):
        assert inbox(root, login, title) == [*before[login], arrived]
    assert inbox(root, "scj.officer", title) == before["scj.officer"]
    # Acknowledging tells nobody; the township reads it on the page.
    press(scj.get(url), "acknowledge")
    assert inbox(root, "ys.officer", title) == before["ys.officer"]
    form = scj.get(url + "@@respond").forms["respond-form"]
    form["analysis"] = "仓库超量储存，存在爆炸风险。"
    form.submit("respond")
    responded = f"区市监局就鱼山镇通报的重大安全隐患《{title}》反馈了研判分析和处置措施，请查看"
    assert inbox(root, "ys.officer", title) == [*before["ys.officer"], responded]
    assert inbox(root, "ys.liaison", title) == [*before["ys.liaison"], responded]
    # A meeting called by a department reaches the township and the other department.
    form = scj.get(url + "@@call_meeting").forms["call_meeting-form"]
    form["held_at"] = f"{now() + datetime.timedelta(hours=4):%Y-%m-%dT%H:%M}"
    form["place"] = "区市监局会议室"
    form["topic"] = "仓库隐患处置"
    form.submit("call_meeting")
    assert inbox(root, "ys.officer", title)[-1].startswith(
        f"区市监局就重大安全隐患《{title}》提议召开专题会议"
    )
    assert inbox(root, "cg.liaison", title)[-1].startswith(
        f"区市监局就重大安全隐患《{title}》提议召开专题会议"
    )
    assert inbox(root, "scj.liaison", title) == [*before["scj.liaison"], arrived]


def test_the_hours_clock_counts_clock_time_over_nights_and_holidays(township, root):
    """The two hours are elapsed time: a notice sent on the eve of National Day at 23:30 is due at
    01:30 on the holiday; reminders come an hour after the send, then hourly."""
    page = notify(township, send=False)
    item = item_in(root, page)
    assert (item.state, item.sent_at, item.departments) == ("draft", None, (CGJ, SCJ))
    moment = datetime.datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI)
    item.state = "notified"
    item.start_clock(moment)
    assert item.ack_due == datetime.datetime(2026, 10, 1, 1, 30, tzinfo=SHANGHAI)
    assert (item.due, item.awaiting) == (item.ack_due, (CGJ, SCJ))
    assert item.departments_to_remind(moment + datetime.timedelta(minutes=59)) == []
    assert item.departments_to_remind(moment + datetime.timedelta(hours=1)) == [CGJ, SCJ]
    item.mark_reminded(CGJ, moment + datetime.timedelta(hours=1))
    assert item.departments_to_remind(moment + datetime.timedelta(minutes=90)) == [SCJ]
    assert hazards.span(datetime.timedelta(minutes=65)) == "1小时5分钟"
    assert hazards.span(datetime.timedelta(hours=50)) == "2天2小时"
    transaction.abort()
