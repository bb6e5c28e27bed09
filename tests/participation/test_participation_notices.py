"""Participation notices as the people use them: 区市监局 asks 鱼山镇 in writing to take part in a
special inspection, 鱼山镇's liaison signs and names who attends, the department sees them and records
the outcome; an urgent phone call comes first and the written notice follows, or is flagged when it
does not follow within one working day; other units see nothing, the 司法局's supervisor sees what
was sent; bad input is explained in Chinese and what was typed is kept.
"""

import datetime
from types import SimpleNamespace

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals

from portal.calendar import SHANGHAI, add_workdays_ex
from portal.deadlines import check_deadlines
from portal.items import now
from portal.notifications import inbox_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
TITLE = "关于参加冬季食品安全专项监督检查的通知"
ATTENDEES = "张三 综合行政执法队队员 13807980001\n李四，网格员，0798-8388888"


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def texts_of(page, selector):
    return [" ".join(node.text.split()) for node in page.html.select(selector)]


def errors(page):
    return texts_of(page, ".help-block, .errorMsg, .error")


def field(page, label):
    """The text of a field of the item page (``<dt>label</dt><dd>text</dd>``)."""
    for dt in page.html.select(".portal-fields dt"):
        if dt.text.strip() == label:
            return " ".join(dt.find_next_sibling("dd").text.split())
    return None


def section(page, heading):
    """The lines of a section of the item page."""
    for node in page.html.select(".portal-section"):
        h2 = node.find("h2")
        if h2 is not None and h2.text.strip() == heading:
            return [" ".join(li.text.split()) for li in node.select("li")]
    return []


def history(page):
    return texts_of(page, ".portal-history td:nth-of-type(4)")


def flags(page):
    return texts_of(page, ".portal-flag")


def press(page, action):
    """Submit the button form of ``@@action`` on an item page; returns the page after it."""
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on the page")


def buttons(page):
    actions = page.html.select(".portal-actions form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def minute(moment):
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def fill_written(form, starts_at, title=None):
    """The written notice's fields (not the township)."""
    if title is not None:
        form["title"] = title
    form["kind"] = "专项监督检查"
    form["starts_at"] = minute(starts_at)
    form["ends_at"] = minute(starts_at + datetime.timedelta(hours=8))
    form["place"] = "鱼山镇人民政府一楼会议室集合"
    form["needs_people"] = "综合行政执法人员2名"
    form["needs_materials"] = "辖区食品经营主体名册"
    form["needs_cooperation"] = "通知经营主体负责人到场"
    form["contact_person"] = "赵敏"
    form["contact_phone"] = "0798-8220000"


def new_notice(browser, title=TITLE, starts_at=None, send=True):
    """A department officer writes a written notice to 鱼山镇 through the listing's button."""
    starts_at = starts_at or now() + datetime.timedelta(days=14)
    page = browser.get("/").click("参与通知", href="participation-notices").click("新建参与通知")
    form = page.forms["participation-notice-form"]
    form["township"] = "cj-yushan"
    fill_written(form, starts_at, title)
    form["file"] = [("参与通知.pdf", PDF)]
    return form.submit("send" if send else "save").follow()


def phone_call(browser, title, called_at=None):
    """A department records the urgent call it made to 鱼山镇."""
    called_at = called_at or now() - datetime.timedelta(minutes=10)
    page = browser.get("/@@participation-notices").click("登记电话通知")
    form = page.forms["participation-call-form"]
    form["title"] = title
    form["township"] = "cj-yushan"
    form["kind"] = "专项监督检查"
    form["called_at"] = minute(called_at)
    form["callee"] = "王五（综合执法办主任）"
    form["phone_said"] = "明天上午9点到某工地开展扬尘专项检查，请派2名执法人员参加"
    return form.submit("save").follow()


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


def inbox(root, login, words):
    transaction.abort()
    box = inbox_of(root, login)
    texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
    return [text for text in texts if words in text]


@pytest.fixture
def department(person):
    return person("scj.officer")


@pytest.fixture
def township(person):
    return person("ys.liaison")


def test_written_notice_signed_confirmed_seen_and_completed(department, township, person, root):
    starts_at = now().replace(second=0, microsecond=0) + datetime.timedelta(days=14)
    page = new_notice(department, starts_at=starts_at)
    url = page.request.path
    assert text_of(page, ".portal-state") == "已发送，待签收"
    assert text_of(page, ".portal-number").startswith(f"昌市监参〔{now():%Y}〕")
    # The township's answer is due one working day after the notice reached it (the event is later).
    item = item_in(root, page)
    expected = add_workdays_ex(item.sent_at, 1, root.calendar_overrides).date
    assert text_of(page, ".portal-due") == f"确认期限：{expected:%Y-%m-%d}"
    assert text_of(page, ".portal-waiting") == "等待鱼山镇签收并确认参加人员"
    assert field(page, "时间") == f"{minute(starts_at)} 至 {starts_at + datetime.timedelta(hours=8):%H:%M}"
    assert field(page, "参与单位") == "鱼山镇"
    assert field(page, "联系人") == "赵敏 0798-8220000"
    assert field(page, "签收") == "尚未签收"
    assert "参与通知.pdf" in text_of(page, ".portal-attachments")
    sent = f"区市监局通知鱼山镇参加专项监督检查：《{TITLE}》（{item.number}）"
    assert any(text.startswith(sent) for text in inbox(root, "ys.liaison", TITLE))

    # The township's liaison finds it in the listing and signs for it: the clock stays as it runs.
    page = township.get("/@@participation-notices").click(TITLE)
    assert buttons(page) == ["签收"]
    page = press(page, "receive")
    assert text_of(page, ".portal-state") == "已签收，待确认参加"
    assert text_of(page, ".portal-due") == f"确认期限：{expected:%Y-%m-%d}"
    assert text_of(page, ".portal-waiting") == "等待鱼山镇确认参加人员"
    assert field(page, "签收").startswith("鱼山镇联系人 ")
    assert buttons(page) == ["无法参加", "确认参加人员"]

    # It names who will attend, one a line.
    form = page.click("确认参加人员").forms["confirm-form"]
    form["attendees"] = ATTENDEES
    form["note"] = "携带执法记录仪"
    page = form.submit("confirm").follow()
    assert text_of(page, ".portal-state") == "已确认参加"

    # The department sees who comes, and is told.
    page = department.get(url)
    assert section(page, "参加人员") == [
        "张三（综合行政执法队队员，13807980001）",
        "李四（网格员，0798-8388888）",
        "备注：携带执法记录仪",
    ]
    assert section(page, "答复情况")[0].endswith("答复，按期")
    assert text_of(page, ".portal-waiting") == "等待区市监局在活动结束后登记完成情况"
    assert inbox(root, "scj.officer", "已确认参加") == [f"鱼山镇已确认参加《{TITLE}》，参加人员：张三、李四"]
    # Before the event there is no outcome to record.
    assert buttons(page) == ["撤销通知"]
    refused = department.get(url + "@@complete").follow()
    assert f"活动开始（{minute(starts_at)}）后才能登记完成情况" in text_of(refused, ".alert-danger")

    # The event took place.
    item = item_in(root, page)
    item.starts_at = now() - datetime.timedelta(hours=5)
    item.ends_at = now() - datetime.timedelta(hours=1)
    transaction.commit()
    page = department.get(url).click("登记完成情况")
    form = page.forms["complete-form"]
    form["outcome"] = "检查经营主体15家，发现问题3处，已责令整改；鱼山镇派员2名参加。"
    form["file"] = [("检查情况汇总.pdf", PDF)]
    page = form.submit("complete").follow()
    assert text_of(page, ".portal-state") == "已完成"
    assert section(page, "完成情况")[0] == "检查经营主体15家，发现问题3处，已责令整改；鱼山镇派员2名参加。"
    assert "检查情况汇总.pdf" in text_of(page, ".portal-attachments")
    assert history(page) == ["起草", "发送", "签收", "确认参加", "完成"]
    assert buttons(page) == []
    item = item_in(root, page)
    assert (item.due, item.awaiting, item.replied_late) == (None, (), False)


def test_township_cannot_attend_and_says_why_then_can_after_all(department, township, root):
    title = "关于参加药品经营许可现场核查的通知"
    url = new_notice(department, title=title).request.path
    page = press(township.get(url), "receive")
    form = page.click("无法参加").forms["decline-form"]
    form["reason"] = "同一时间辖区内有防汛任务，人员无法抽调"
    page = form.submit("decline").follow()
    assert text_of(page, ".portal-state") == "乡镇（街道）无法参加"
    page = department.get(url)
    assert section(page, "无法参加的原因") == ["同一时间辖区内有防汛任务，人员无法抽调"]
    assert text_of(page, ".portal-waiting") == "等待区市监局查阅；活动结束后登记完成情况"
    assert inbox(root, "scj.liaison", title) == [
        f"鱼山镇无法参加《{title}》：同一时间辖区内有防汛任务，人员无法抽调"
    ]
    # Before the event the township may still name its people.
    form = township.get(url).click("确认参加人员").forms["confirm-form"]
    form["attendees"] = "王五 副镇长 13907980002"
    page = form.submit("confirm").follow()
    assert text_of(page, ".portal-state") == "已确认参加"
    assert section(department.get(url), "参加人员") == ["王五（副镇长，13907980002）"]


def test_an_event_sooner_than_a_working_day_is_answered_before_it_starts(department, township):
    starts_at = now().replace(second=0, microsecond=0) + datetime.timedelta(hours=3)
    page = new_notice(department, title="关于参加燃气经营场所行政确认的通知", starts_at=starts_at)
    assert text_of(page, ".portal-due") == f"确认期限：{minute(starts_at)}"


def test_urgent_phone_call_first_written_notice_later(person, root):
    liaison, township = person("scj.liaison"), person("ys.liaison")
    title = "关于参加某工地扬尘污染专项检查的通知"
    called_at = now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=10)
    page = liaison.get("/@@participation-notices").click("登记电话通知")
    assert page.forms["participation-call-form"]["caller"].value == "市监局联系人"
    page = phone_call(liaison, title, called_at)
    url = page.request.path
    assert text_of(page, ".portal-state") == "电话已通知，待补书面通知"
    due = add_workdays_ex(called_at, 1, root.calendar_overrides).date
    assert text_of(page, ".portal-due") == f"补发书面通知期限：{due:%Y-%m-%d}"
    assert text_of(page, ".portal-waiting") == "等待区市监局补发书面通知"
    assert section(page, "电话通知") == [
        f"{minute(called_at)} 市监局联系人电话通知鱼山镇王五（综合执法办主任）："
        "明天上午9点到某工地开展扬尘专项检查，请派2名执法人员参加",
        f"书面通知应于 {due:%Y-%m-%d} 前补发",
    ]
    assert flags(page) == []
    assert buttons(page) == ["撤销通知", "补发书面通知"]
    # It waits for the department: its due panel lists it.
    assert title in text_of(liaison.get("/"), "#deadlines")

    # The township, phoned, sees the record but has nothing to do before the written notice.
    page = township.get(url)
    assert text_of(page, ".portal-state") == "电话已通知，待补书面通知"
    assert buttons(page) == []

    # The department completes the written notice (what the call said is already there) and sends it.
    form = liaison.get(url).click("补发书面通知").forms["send_written-form"]
    assert (form["title"].value, form["kind"].value) == (title, "专项监督检查")
    fill_written(form, now() + datetime.timedelta(days=1))
    form["file"] = [("书面通知.pdf", PDF)]
    page = form.submit("send_written").follow()
    assert text_of(page, ".portal-state") == "已发送，待签收"
    assert text_of(page, ".portal-waiting") == "等待鱼山镇签收并确认参加人员"
    assert text_of(page, ".portal-due").startswith("确认期限：")
    assert flags(page) == []
    assert section(page, "电话通知")[1].startswith("书面通知已于 ")
    assert history(page) == ["电话通知", "补发书面通知"]
    assert "书面通知.pdf" in text_of(page, ".portal-attachments")
    assert title not in text_of(liaison.get("/"), "#deadlines")
    # Now the township signs and answers as for any written notice.
    page = press(township.get(url), "receive")
    assert text_of(page, ".portal-state") == "已签收，待确认参加"


def test_phone_call_without_written_notice_after_a_working_day_is_flagged(department, app, root):
    title = "关于参加某加油站安全专项检查的通知"
    page = phone_call(department, title)
    url = page.request.path
    item = item_in(root, page)
    due = item.written_due
    assert flags(page) == []

    # portal-deadlines, run the morning after the working day the written notice was due by.
    overdue_run(
        app, root, datetime.datetime.combine(due + datetime.timedelta(days=1), datetime.time(9), SHANGHAI)
    )
    page = department.get(url)
    assert flags(page) == ["电话通知后逾期未补书面通知"]
    assert history(page)[-1] == "已超期"
    listing = department.get("/@@participation-notices")
    row = next(tr for tr in listing.html.select(".portal-listing tbody tr") if title in tr.text)
    assert [flag.text for flag in row.select(".portal-flag")] == ["电话通知后逾期未补书面通知"]
    assert inbox(root, "scj.liaison", title) == [
        f"《{title}》已超期（到期日 {due:%Y-%m-%d}），等待区市监局补发书面通知"
    ]

    # The written notice sent afterwards is marked late, for good.
    form = department.get(url + "@@send_written").forms["send_written-form"]
    fill_written(form, now() + datetime.timedelta(days=2))
    page = form.submit("send_written").follow()
    assert text_of(page, ".portal-state") == "已发送，待签收"
    assert flags(page) == ["书面通知逾期补发"]
    assert section(page, "电话通知")[1].endswith("补发（逾期补发）")


def test_the_written_notice_after_a_friday_call_is_due_on_the_adjusted_working_saturday(department):
    """Called Friday 2026-02-13: the next working day is Saturday 02-14, a 调休 working day."""
    called_at = datetime.datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)
    page = phone_call(department, "关于参加春节前烟花爆竹专项检查的通知", called_at)
    assert text_of(page, ".portal-due") == "补发书面通知期限：2026-02-14"
    # Long past: flagged without waiting for the overdue run.
    assert flags(page) == ["电话通知后逾期未补书面通知"]


def test_written_notice_after_the_event_the_call_started(department, township, root):
    """Phoned yesterday for an inspection that began this morning: the written notice still follows;
    its start may not lie before the day of the call; the township only signs; the outcome is recorded."""
    title = "关于参加某化工企业突发环境事件应急检查的通知"
    called_at = now().replace(second=0, microsecond=0) - datetime.timedelta(days=1)
    url = phone_call(department, title, called_at).request.path
    form = department.get(url + "@@send_written").forms["send_written-form"]
    fill_written(form, called_at - datetime.timedelta(days=1))
    refused = form.submit("send_written")
    assert f"开始时间不能早于电话通知的日期（{called_at.astimezone(SHANGHAI):%Y-%m-%d}）" in errors(refused)
    form = refused.forms["send_written-form"]
    started = now().replace(second=0, microsecond=0) - datetime.timedelta(hours=2)
    form["starts_at"] = minute(started)
    form["ends_at"] = ""
    page = form.submit("send_written").follow()
    assert text_of(page, ".portal-state") == "已发送，待签收"
    assert text_of(page, ".portal-waiting") == "等待鱼山镇签收书面通知"
    assert inbox(root, "ys.liaison", title)[-1].endswith("请签收书面通知（活动已开始，无需再确认参加人员）")
    page = press(township.get(url), "receive")
    assert buttons(page) == []
    assert text_of(page, ".portal-waiting") == "等待区市监局登记完成情况"
    form = department.get(url).click("登记完成情况").forms["complete-form"]
    form["outcome"] = "已完成应急检查，鱼山镇按电话通知派员3名到场配合。"
    page = form.submit("complete").follow()
    assert text_of(page, ".portal-state") == "已完成"
    assert history(page) == ["电话通知", "补发书面通知", "签收", "完成"]


def test_other_units_see_nothing(department, township, person):
    title = "关于参加食品小作坊登记行政审批现场核查的通知"
    page = new_notice(department, title=title)
    url = page.request.path
    download = page.html.select_one(".portal-attachments a")["href"]
    for login in ("lm.officer", "cg.liaison"):
        outsider = person(login)
        token = outsider.csrf_token()
        outsider.get(url, status=403)
        outsider.get(download, status=403)
        for action in ("send_written", "confirm", "decline", "complete", "cancel", "edit"):
            outsider.get(url + "@@" + action, status=403)
        for action in ("send", "receive"):
            outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
        assert title not in outsider.get("/@@participation-notices").text
    # A township writes no participation notices, and nobody writes one in another unit's name.
    person("lm.officer").get("/tenants/cj-lvmeng/@@new-participation-notice", status=403)
    person("lm.officer").get("/tenants/cj-lvmeng/@@new-participation-call", status=403)
    person("cg.liaison").get("/tenants/cj-scjgj/@@new-participation-notice", status=403)


def test_roles_and_states_are_kept(department, township, person):
    url = new_notice(department, title="关于参加特种设备使用登记行政确认的通知").request.path
    token = township.csrf_token()
    # The township's officer sees it but signs for nothing; the department does not answer for it.
    officer = person("ys.officer")
    assert buttons(officer.get(url)) == []
    officer.post(url + "@@receive", {"csrf_token": officer.csrf_token()}, status=403)
    department.get(url + "@@confirm", status=403)
    township.get(url + "@@complete", status=403)
    township.get(url + "@@cancel", status=403)
    # Confirming before signing is refused with the reason.
    page = township.get(url + "@@confirm").follow()
    assert "当前状态为“已发送，待签收”，不能确认参加" in text_of(page, ".alert-danger")
    press(township.get(url), "receive")
    page = township.post(url + "@@receive", {"csrf_token": token}).follow()
    assert "当前状态为“已签收，待确认参加”，不能签收" in text_of(page, ".alert-danger")
    township.post(url + "@@receive", {"csrf_token": "forged"}, status=400)


def test_supervisor_sees_a_notice_once_sent(department, person):
    title = "关于参加校园周边食品安全专项检查的通知"
    page = new_notice(department, title=title, send=False)
    url = page.request.path
    assert text_of(page, ".portal-state") == "草稿"
    assert buttons(page) == ["修改草稿", "发送"]
    supervisor = person("sfj.supervisor")
    supervisor.get(url, status=403)
    person("ys.liaison").get(url, status=403)
    assert title not in supervisor.get("/@@participation-notices").text
    page = press(page, "send")
    assert text_of(page, ".portal-state") == "已发送，待签收"
    page = supervisor.get(url)
    assert text_of(page, "h1") == title
    assert buttons(page) == []
    assert title in supervisor.get("/@@participation-notices").text


def test_withdrawn_notice_tells_the_township(department, township, root):
    title = "关于参加农贸市场行政审批现场踏勘的通知"
    url = new_notice(department, title=title).request.path
    form = department.get(url).click("撤销通知").forms["cancel-form"]
    form["reason"] = "检查计划调整，活动取消"
    page = form.submit("cancel").follow()
    assert text_of(page, ".portal-state") == "已撤销"
    assert section(page, "撤销原因") == ["检查计划调整，活动取消"]
    assert text_of(page, ".portal-due") is None
    assert inbox(root, "ys.liaison", "已撤销") == [f"区市监局已撤销《{title}》：检查计划调整，活动取消"]
    assert buttons(township.get(url)) == []


def test_bad_input_is_explained_and_kept(department, township):
    title = "关于参加电动自行车销售企业专项检查的通知"
    page = department.get("/tenants/cj-scjgj/@@new-participation-notice")
    form = page.forms["participation-notice-form"]
    form["title"] = title
    form["township"] = "cj-yushan"
    fill_written(form, now() - datetime.timedelta(days=1))
    form["contact_phone"] = "找赵敏"
    refused = form.submit("send")
    assert refused.status_int == 200
    messages = errors(refused)
    assert any(m.startswith("开始时间不能早于发出通知的时间（") for m in messages)
    assert any(m.startswith("“找赵敏”不是有效的电话号码") for m in messages)
    assert "如选择了附件，请重新选择" in text_of(refused, ".alert-danger")
    form = refused.forms["participation-notice-form"]
    assert (form["title"].value, form["place"].value) == (title, "鱼山镇人民政府一楼会议室集合")

    # Each field right, but the end before the start and nothing asked of the township.
    starts_at = now() + datetime.timedelta(days=3)
    form["starts_at"] = minute(starts_at)
    form["ends_at"] = minute(starts_at - datetime.timedelta(hours=1))
    form["contact_phone"] = "13807980003"
    form["needs_people"] = form["needs_materials"] = form["needs_cooperation"] = "  "
    refused = form.submit("send")
    messages = errors(refused)
    assert "结束时间必须晚于开始时间" in messages
    assert "请至少填写一项需要乡镇（街道）提供的人员、材料或配合事项" in messages
    form = refused.forms["participation-notice-form"]
    assert form["ends_at"].value == minute(starts_at - datetime.timedelta(hours=1))

    # A year-1 date and a control character are refused too, in Chinese.
    form["starts_at"] = "0001-01-01 09:00"
    form["title"] = title + "\x07"
    refused = form.submit("send")
    messages = errors(refused)
    assert "开始时间不能早于 2000-01-01，请核对年份" in messages
    assert any(m.startswith("标题不能包含控制字符") for m in messages)
    assert title not in department.get("/@@participation-notices").text

    # The phone call's record: not in the future, and what was said.
    form = department.get("/tenants/cj-scjgj/@@new-participation-call").forms["participation-call-form"]
    form["title"] = title
    form["township"] = "cj-yushan"
    form["kind"] = "专项监督检查"
    form["called_at"] = minute(now() + datetime.timedelta(hours=2))
    form["callee"] = "王五"
    refused = form.submit("save")
    messages = errors(refused)
    assert "通话时间不能晚于现在" in messages
    assert "请填写通话内容" in messages
    assert refused.forms["participation-call-form"]["callee"].value == "王五"

    # The attendees: none, a line without a position, a wrong number, a control character.
    url = new_notice(department, title=title).request.path
    press(township.get(url), "receive")
    form = township.get(url + "@@confirm").forms["confirm-form"]
    form["attendees"] = "   "
    refused = form.submit("confirm")
    assert any(m.startswith("请至少填写一名参加人员（每行一人") for m in errors(refused))
    for typed, message in (
        ("张三 13807980001", "第1行“张三 13807980001”：请依次填写姓名、职务、联系电话，用空格分隔"),
        ("张三 队员 13807980001\n\n李四 网格员 12ab", "第3行：“12ab”不是有效的电话号码"),
        ("张三 队员 13807980001\x00", "参加人员不能包含空字符（NUL）等控制字符"),
    ):
        form = refused.forms["confirm-form"]
        form["attendees"] = typed
        refused = form.submit("confirm")
        assert any(m.startswith(message) for m in errors(refused)), (typed, errors(refused))
        assert refused.forms["confirm-form"]["attendees"].value.startswith("张三")
    assert text_of(township.get(url), ".portal-state") == "已签收，待确认参加"


def test_a_draft_whose_event_has_begun_is_not_sent(department, root):
    title = "关于参加二手车交易市场行政确认的通知"
    page = new_notice(department, title=title, send=False)
    url = page.request.path
    item = item_in(root, page)
    item.starts_at = now().replace(second=0, microsecond=0) - datetime.timedelta(hours=3)
    transaction.commit()
    page = press(department.get(url), "send")
    assert f"活动开始时间 {minute(item.starts_at)} 已过，请修改开始时间后再发送" in text_of(
        page, ".alert-danger"
    )
    assert text_of(page, ".portal-state") == "草稿"
    # The draft's form says so too, and keeps everything else.
    form = page.click("修改草稿").forms["participation-notice-form"]
    assert form["title"].value == title
    refused = form.submit("send")
    assert any(m.startswith("开始时间不能早于发出通知的时间（") for m in errors(refused))
    form = refused.forms["participation-notice-form"]
    form["starts_at"] = minute(now() + datetime.timedelta(days=5))
    page = form.submit("send").follow()
    assert text_of(page, ".portal-state") == "已发送，待签收"
    assert history(page) == ["起草", "修改草稿", "发送"]
