"""Accountability as the people live it: 鱼山镇 asks 区市监局 for a technical appraisal; the 司法局's
supervisor holds 区市监局 to account for it, citing the request by its number; 区市监局's leader
finds the decision on the home page, reports the rectification with a file; the supervisor sends it
back with a new date; the unit admin reports again; the supervisor closes it. The rectification date
is the unit's clock (due panels, overdue marks). Another unit, the 司法局's other members and the
procuratorate see nothing; bad numbers, past dates and absurd input are refused in Chinese with
everything typed kept; a forged POST does nothing.
"""

import datetime
from types import SimpleNamespace

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals

from portal.calendar import SHANGHAI
from portal.deadlines import check_deadlines
from portal.indexing import drain
from portal.items import now, reindex
from portal.notifications import inbox_of
from tests.conftest import Browser
from tests.requests.test_collab_requests import new_request

PDF = b"%PDF-1.4\n%%EOF"
SFJ, SCJ, CGJ, YS = "cj-sfj", "cj-scjgj", "cj-cgj", "cj-yushan"
TITLE = "关于区市监局未按期答复执法协作请求的责任追究决定"
FACTS = "鱼山镇于2026年11月20日提交技术鉴定请求，区市监局签收后逾期未书面反馈鉴定意见，也未说明延期理由。"


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def field_errors(page):
    """The messages beside the fields: ``{field name: message}``."""
    found = {}
    for group in page.html.select(".form-group.has-error"):
        control = group.select_one("[name]:not([name='__start__']):not([name='__end__'])")
        message = group.select_one("[id^='error-']")
        name = control["name"] if control is not None else group.get("id", "")
        found[name] = " ".join(message.text.split()) if message is not None else ""
    return found


def press(page, action):
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on the page")


def buttons(page):
    actions = page.html.select(".portal-actions form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def field(page, label):
    for dt in page.html.select(".portal-fields dt"):
        if dt.text.strip() == label:
            return " ".join(dt.find_next_sibling("dd").text.split())
    return None


def section(page, heading):
    for node in page.html.select(".portal-section"):
        title = node.select_one("h2")
        if title is not None and title.text.strip() == heading:
            return [" ".join(li.text.split()) for li in node.select("li")]
    return []


def history(page):
    return [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]


def nav(page):
    return [" ".join(a.text.split()) for a in page.html.select("nav a, .navbar a")]


def day(n):
    return (now().date() + datetime.timedelta(days=n)).isoformat()


def item_in(root, page):
    transaction.begin()
    unit, name = page.request.path.strip("/").split("/")[1:3]
    return root["tenants"][unit][name]


def inbox(root, login, about=TITLE):
    transaction.abort()
    box = inbox_of(root, login)
    texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
    return [text for text in texts if about in text]


def deadline_run(app, root, moment):
    threadlocals.push({"registry": app.registry, "request": None})
    try:
        counts = check_deadlines(root, SimpleNamespace(registry=app.registry), moment)
        transaction.commit()
    finally:
        threadlocals.pop()
    return counts


def fill_decision(form, number, title=TITLE, unit=SCJ, due=None):
    form["title"] = title
    form["unit"] = unit
    form["person_name"] = "王某"
    form["person_post"] = "区市监局法规股股长"
    form["duty"] = "未按期答复协作请求"
    form["facts"] = FACTS
    form["related_numbers"] = number
    form["measure"] = "责令整改"
    form["rectify_due"] = due or day(0)
    form["file"] = [("调查材料.pdf", PDF)]


def new_form(supervisor):
    """The supervisor follows 责任追究 → 作出责任追究决定."""
    page = supervisor.get("/").click("责任追究", href="@@accountability").click("作出责任追究决定")
    return page.forms["accountability-form"]


def collab_number(person):
    """鱼山镇's officer sends 区市监局 a collaboration request; its number."""
    page = new_request(person("ys.officer"))
    return text_of(page, ".portal-number"), page.request.path


def decide(person, title=TITLE, **kw):
    number, _ = collab_number(person)
    form = new_form(person("sfj.supervisor"))
    fill_decision(form, number, title=title, **kw)
    return form.submit("decide").follow()


@pytest.fixture
def supervisor(person):
    return person("sfj.supervisor")


def test_decided_rectified_sent_back_rectified_again_and_closed(person, supervisor, root):
    number, request_url = collab_number(person)
    before = {
        login: inbox(root, login) for login in ("scj.leader", "scj.admin", "scj.officer", "sfj.supervisor")
    }

    # The supervisor records the decision, typing the number with the brackets of a keyboard.
    form = new_form(supervisor)
    offered = [value for value, _, _ in form["unit"].options]
    assert SCJ in offered and YS in offered and SFJ not in offered and "cj-jcy" not in offered
    fill_decision(form, f"{number.replace('〔', '[').replace('〕', ']')}\n{number}")
    page = form.submit("decide").follow()
    url = page.request.path
    item = item_in(root, page)
    today = now().date()
    assert text_of(page, ".alert-info") == f"已作出决定并通知区市监局，整改期限 {today:%Y-%m-%d}"
    assert text_of(page, ".portal-number").startswith("昌司责〔")
    assert text_of(page, ".portal-state") == "待整改"
    assert text_of(page, ".portal-waiting") == "等待区市监局报送整改情况"
    assert text_of(page, ".portal-due") == f"整改期限：{today:%Y-%m-%d}"
    assert field(page, "被追究单位") == "区市监局"
    assert field(page, "被追究人员") == "王某（区市监局法规股股长）"
    assert field(page, "未履行的职责") == "未按期答复协作请求"
    assert field(page, "追究措施") == "责令整改"
    assert field(page, "事实") == FACTS
    related = page.html.select(".portal-related-item a")
    assert [(a.text, a["href"].replace("http://localhost", "")) for a in related] == [(number, request_url)]
    assert section(page, "涉及事项") == [f"{number} 执法协作请求《关于某超市销售疑似假冒白酒的技术鉴定请求》"]
    assert "调查材料.pdf" in text_of(page, ".portal-attachments")
    assert buttons(page) == ["办结"]
    # What statistics read later, on the item itself.
    assert (item.unit, item.duty, item.measure) == (SCJ, "未按期答复协作请求", "责令整改")
    assert item.related_numbers == (number,)
    assert item.decided_at is not None and item.rectified_at is None and item.closed_at is None
    assert (item.state, item.due, item.awaiting) == ("rectifying", today, (SCJ,))
    assert item.owner == SFJ and item.units_in("recipient") == (SCJ,)

    # 区市监局's leaders and unit admin are told; its officers are not (they read it on the page).
    told = (
        f"区司法局对本单位作出责任追究决定《{TITLE}》（{item.number}）：未按期答复协作请求，措施：责令整改，"
        f"被追究人员：王某（区市监局法规股股长），整改期限 {today:%Y-%m-%d}。"
        "请按要求整改，并由单位领导或单位管理员在平台报送整改情况"
    )
    for login in ("scj.leader", "scj.admin"):
        assert inbox(root, login) == [*before[login], told]
    assert inbox(root, "scj.officer") == before["scj.officer"]

    # The leader finds it due today on the home page and in 责任追究, and follows the cited request.
    leader = person("scj.leader")
    home = leader.get("/")
    assert TITLE in text_of(home, "#due-today")
    listing = home.click("责任追究", href="@@accountability")
    assert "作出责任追究决定" not in listing.text
    row = text_of(listing, ".portal-listing tbody")
    assert "区市监局" in row and "未按期答复协作请求" in row and "责令整改" in row and "待整改" in row
    page = listing.click(TITLE)
    assert buttons(page) == ["报送整改情况"]
    assert page.click(number).request.path == request_url

    # The leader reports the rectification with a file.
    form = page.click("报送整改情况").forms["rectify-form"]
    form["text"] = "已对逾期请求补作鉴定意见，并建立协作请求台账，由法规股每日核对。"
    form["file"] = [("整改报告.pdf", PDF)]
    page = form.submit("rectify").follow()
    assert text_of(page, ".alert-info") == "已报送整改情况，等待区司法局审核"
    assert text_of(page, ".portal-state") == "整改情况待审核"
    assert text_of(page, ".portal-waiting") == "区市监局已报送整改情况，等待区司法局审核"
    assert text_of(page, ".portal-due") is None
    assert buttons(page) == []
    lines = section(page, "整改情况")
    assert len(lines) == 1 and lines[0].startswith("区市监局报送整改情况：已对逾期请求补作鉴定意见")
    assert "（附件：整改报告.pdf）" in lines[0]
    assert inbox(root, "sfj.supervisor") == [
        *before["sfj.supervisor"],
        f"区市监局报送了责任追究决定《{TITLE}》（{item.number}）的整改情况，请审核后办结或退回重新整改",
    ]
    first_rectified = item_in(root, page).rectified_at
    assert first_rectified is not None

    # The supervisor sends it back; a date already past is refused first, the reason kept.
    page = supervisor.get(url)
    assert buttons(page) == ["办结", "退回重新整改"]
    form = page.click("退回重新整改").forms["send_back-form"]
    assert form["rectify_due"].value == today.isoformat()
    form["note"] = "台账制度未见文件，请补充制度文件并说明其他逾期请求的处理情况。"
    form["rectify_due"] = day(-1)
    refused = form.submit("send_back")
    assert field_errors(refused)["rectify_due"] == f"新的整改期限不能早于今天（{today:%Y-%m-%d}）"
    form = refused.forms["send_back-form"]
    assert form["note"].value == "台账制度未见文件，请补充制度文件并说明其他逾期请求的处理情况。"
    form["rectify_due"] = ""
    refused = form.submit("send_back")
    assert field_errors(refused)["rectify_due"] == "措施为“责令整改”的，请填写新的整改期限"
    form = refused.forms["send_back-form"]
    form["rectify_due"] = day(7)
    page = form.submit("send_back").follow()
    new_due = now().date() + datetime.timedelta(days=7)
    assert text_of(page, ".portal-state") == "已退回，重新整改"
    assert text_of(page, ".portal-due") == f"整改期限：{new_due:%Y-%m-%d}"
    assert text_of(page, ".portal-waiting") == "等待区市监局重新报送整改情况"
    assert field(page, "整改期限") == f"{new_due:%Y-%m-%d}"
    assert inbox(root, "scj.admin")[-1] == (
        f"区司法局退回了责任追究决定《{TITLE}》（{item.number}）的整改情况，请重新整改，"
        f"新的整改期限 {new_due:%Y-%m-%d}。理由：台账制度未见文件，请补充制度文件并说明其他逾期请求的处理情况。"
    )

    # The unit admin reports again.
    admin = person("scj.admin")
    page = admin.get(url)
    assert buttons(page) == ["报送整改情况"]
    page = page.click("报送整改情况")
    assert "区司法局已退回，请针对退回理由重新整改后报送" in page.text
    form = page.forms["rectify-form"]
    form["text"] = "已印发《协作请求办理台账制度》，其余两件逾期请求均已答复。"
    form["file"] = [("台账制度.pdf", PDF)]
    page = form.submit("rectify").follow()
    assert text_of(page, ".portal-state") == "整改情况待审核"

    # The supervisor closes it.
    page = supervisor.get(url).click("办结")
    assert "区市监局已报送整改情况。办结后不再计算整改期限" in page.text
    form = page.forms["close-form"]
    form["note"] = "整改到位，予以办结。"
    page = form.submit("close").follow()
    assert text_of(page, ".portal-state") == "已办结"
    assert field(page, "办结情况").endswith("办结。整改到位，予以办结。")
    assert buttons(page) == []
    assert buttons(leader.get(url)) == []
    assert len(section(page, "整改情况")) == 3
    assert history(page) == ["作出责任追究决定", "报送整改情况", "退回重新整改", "报送整改情况", "办结"]
    assert (
        inbox(root, "scj.leader")[-1]
        == f"区司法局已办结责任追究决定《{TITLE}》（{item.number}）。整改到位，予以办结。"
    )

    item = item_in(root, page)
    assert item.state == "closed" and item.due is None
    assert item.rectified_at > first_rectified and item.closed_at >= item.rectified_at
    assert item.rectify_due == new_due
    transaction.abort()


def test_the_rectification_date_is_the_units_clock(person, app, root):
    page = decide(person, title="关于区市监局未按期答复协作请求的责任追究决定（超期）", due=day(3))
    item = item_in(root, page)
    path, due = item.__name__, item.due
    title = item.title
    transaction.abort()

    # The day after the date, the deadline run marks it overdue once and tells the unit and the 司法局.
    moment = datetime.datetime.combine(due + datetime.timedelta(days=1), datetime.time(9), SHANGHAI)
    deadline_run(app, root, moment)
    deadline_run(app, root, moment)
    page = person("scj.leader").get(page.request.path)
    assert history(page) == ["作出责任追究决定", "已超期"]
    assert inbox(root, "scj.leader", title)[-1].startswith(f"《{title}》已超期（到期日 {due:%Y-%m-%d}）")
    assert inbox(root, "sfj.supervisor", title)[-1].startswith(f"《{title}》已超期")
    transaction.begin()
    item = root["tenants"][SFJ][path]
    assert item.overdue_notified_for == due
    # Days later (the date moved back to stand for it) the unit reports; sending it back then asks
    # for a new date, as the old one has passed, even for a measure that needs none.
    item.measure = "通报"
    item.rectify_due = now().date() - datetime.timedelta(days=2)
    transaction.commit()
    form = person("scj.leader").get(page.request.path + "@@rectify").forms["rectify-form"]
    form["text"] = "已整改。"
    form.submit("rectify").follow()
    form = person("sfj.supervisor").get(page.request.path + "@@send_back").forms["send_back-form"]
    assert form["rectify_due"].value == ""
    form["note"] = "整改材料不全。"
    refused = form.submit("send_back")
    assert field_errors(refused)["rectify_due"] == "原整改期限已过，请填写新的整改期限"
    form = refused.forms["send_back-form"]
    form["rectify_due"] = day(10)
    page = form.submit("send_back").follow()
    assert text_of(page, ".portal-due") == f"整改期限：{day(10)}"


def test_nobody_else_sees_or_acts(person, supervisor, app, root):
    title = "关于区市监局拒不履行协作职责的责任追究决定"
    page = decide(person, title=title)
    url = page.request.path
    download = page.html.select_one(".portal-attachments a")["href"]

    # Another township (the one that asked, too), another department, the procuratorate, and the
    # 司法局's own unit admin: no page, no file, no listing row, no link, no form.
    for login in ("ys.officer", "lm.officer", "cg.liaison", "jcy.liaison", "sfj.admin"):
        outsider = person(login)
        outsider.get(url, status=403)
        outsider.get(download, status=403)
        assert "责任追究" not in nav(outsider.get("/"))
        assert title not in outsider.get("/@@accountability").text
        token = outsider.csrf_token()
        for action in ("rectify", "send_back", "close"):
            outsider.get(url + "@@" + action, status=403)
            outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
    person("sfj.admin").get(f"/tenants/{SFJ}/@@new-accountability", status=403)
    person("ys.leader").get(f"/tenants/{YS}/@@new-accountability", status=403)
    supervisor.get(f"/tenants/{YS}/@@new-accountability", status=403)

    # 区市监局's officer reads it but does not answer for the unit; the unit neither reviews nor closes.
    officer = person("scj.officer")
    page = officer.get(url)
    assert buttons(page) == []
    assert "责任追究" in nav(officer.get("/"))
    officer.post(url + "@@rectify", {"csrf_token": officer.csrf_token()}, status=403)
    leader = person("scj.leader")
    for action in ("send_back", "close"):
        leader.post(url + "@@" + action, {"csrf_token": leader.csrf_token()}, status=403)
    # The supervisor does not report the unit's rectification.
    supervisor.post(url + "@@rectify", {"csrf_token": supervisor.csrf_token()}, status=403)

    # The portal admin sees every decision.
    admin = Browser(app)
    admin.login("admin", "admin12345")
    assert text_of(admin.get(url), "h1") == title


def test_a_cited_item_the_reader_cannot_see_is_named_but_not_shown(person, supervisor, app, root):
    number, request_url = collab_number(person)
    form = new_form(supervisor)
    fill_decision(form, number, title="关于区市监局未按期答复协作请求的责任追究决定（引用）")
    url = form.submit("decide").follow().request.path

    # The request is taken away from 区市监局 afterwards (as a filing returned for correction is
    # taken away from its department): the unit reads the number, not the request's title or link.
    threadlocals.push({"registry": app.registry, "request": None})
    try:
        transaction.begin()
        unit, name = request_url.strip("/").split("/")[1:3]
        cited = root["tenants"][unit][name]
        cited.unrelate("recipient", SCJ)
        reindex(cited, SimpleNamespace(registry=app.registry))
        transaction.commit()
    finally:
        threadlocals.pop()
    drain(app.registry)
    page = person("scj.leader").get(url)
    assert section(page, "涉及事项") == [f"{number}（本单位无权查看该事项）"]
    assert page.html.select(".portal-related-item a") == []
    assert "技术鉴定请求" not in text_of(page, ".portal-related")
    # The supervisor still sees and follows it.
    page = supervisor.get(url)
    assert [
        a["href"].replace("http://localhost", "") for a in page.html.select(".portal-related-item a")
    ] == [request_url]


def test_bad_input_is_explained_in_chinese_and_kept(person, supervisor, root):
    number, _ = collab_number(person)
    # A draft of 鱼山镇 has a number, but nobody outside 鱼山镇 can see it, so it cannot be cited.
    township = person("ys.officer")
    form = township.get(f"/tenants/{YS}/@@new-hazard").forms["hazard-form"]
    form["title"] = "鱼山镇某加油站储油罐渗漏隐患（草稿）"
    for box in form.fields["checkbox"]:
        box.checked = box._value == SCJ
    form["location"] = "鱼山镇某加油站"
    form["hazard_kind"] = form["hazard_kind"].options[1][0]
    form["found_at"] = f"{now() - datetime.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    form["findings"] = "储油罐周边有油味"
    form["onsite_measures"] = "已设置警戒"
    form["urgency"] = form["urgency"].options[1][0]
    draft = form.submit("save").follow()
    draft_number = text_of(draft, ".portal-number")
    assert draft_number.startswith("鱼山镇隐〔")

    count = len(supervisor.get("/@@accountability").html.select(".portal-listing tbody tr"))
    form = new_form(supervisor)
    fill_decision(form, f"昌司发[2026]abc\n{number}", due=day(-1))
    form["title"] = "决" * 2_000_000
    form["facts"] = "逾期未答复\x00"
    form["person_name"] = "王某\x1b[31m"
    refused = form.submit("decide")
    assert refused.status_int == 200
    assert "填写有误" in text_of(refused, ".alert-danger")
    messages = field_errors(refused)
    # (The multipart parser may cut a character of a line this long in two: the count is about 2 MB.)
    assert messages["title"].startswith("标题最多 100 个字（现有 20000")
    assert messages["facts"].startswith("事实不能包含空字符（NUL）")
    assert messages["person_name"].startswith("被追究人员姓名不能包含控制字符")
    assert messages["related_numbers"].startswith("“昌司发〔2026〕abc”不是平台事项编号的格式")
    assert messages["rectify_due"] == f"整改期限不能早于今天（{now().date():%Y-%m-%d}）"
    form = refused.forms["accountability-form"]
    assert form["title"].value.startswith("决决决决")
    assert form["unit"].value == SCJ
    assert form["duty"].value == "未按期答复协作请求"
    assert form["person_post"].value == "区市监局法规股股长"
    assert form["related_numbers"].value == f"昌司发[2026]abc\n{number}"

    # More numbers than a decision cites.
    form["related_numbers"] = "、".join(f"昌市监协〔2026〕{n}号" for n in range(1, 22))
    refused = form.submit("decide")
    assert field_errors(refused)["related_numbers"] == "最多填写 20 个事项编号（现有 21 个）"
    form = refused.forms["accountability-form"]

    # Numbers that name nothing the supervisor can see: an unknown one and the township's draft.
    form["title"] = TITLE
    form["facts"] = FACTS
    form["person_name"] = "王某"
    form["rectify_due"] = day(5)
    form["related_numbers"] = f"昌市监协〔2026〕9999号、{draft_number}，{number}"
    refused = form.submit("decide")
    assert field_errors(refused)["related_numbers"].startswith(
        f"未找到编号为“昌市监协〔2026〕9999号”“{draft_number}”的事项"
    )

    # What depends on several fields: a request to 区市监局 cited against 区城管局, 其他 without
    # saying which duty, 责令整改 without a date, a post without a name.
    form = refused.forms["accountability-form"]
    form["related_numbers"] = number
    form["unit"] = CGJ
    form["duty"] = "其他"
    form["rectify_due"] = ""
    form["person_name"] = ""
    refused = form.submit("decide")
    messages = field_errors(refused)
    assert (
        messages["related_numbers"] == f"“{number}”与区城管局无关：请引用该单位发出、接收、参与或被抄送的事项"
    )
    assert messages["duty_note"] == "未履行的职责选择“其他”的，请说明是哪项职责"
    assert messages["rectify_due"] == "措施为“责令整改”的，请填写整改期限"
    assert messages["person_name"] == "填写了职务，请同时填写被追究人员的姓名"
    form = refused.forms["accountability-form"]
    assert form["facts"].value == FACTS and form["title"].value == TITLE

    # Nothing was stored on the way; corrected, it is.
    assert len(supervisor.get("/@@accountability").html.select(".portal-listing tbody tr")) == count
    form["unit"] = SCJ
    form["duty"] = "未按期答复协作请求"
    form["person_name"] = "王某"
    form["rectify_due"] = day(5)
    form["file"] = [("调查材料.pdf", PDF)]
    page = form.submit("decide").follow()
    assert text_of(page, ".portal-state") == "待整改"
    assert len(supervisor.get("/@@accountability").html.select(".portal-listing tbody tr")) == count + 1

    # The unit's empty or absurd rectification is refused and kept too.
    form = person("scj.leader").get(page.request.path + "@@rectify").forms["rectify-form"]
    form["text"] = "   "
    refused = form.submit("rectify")
    assert field_errors(refused)["text"] == "请填写整改情况"
    form = refused.forms["rectify-form"]
    form["text"] = "整改\x00已完成"
    refused = form.submit("rectify")
    assert field_errors(refused)["text"].startswith("整改情况不能包含空字符（NUL）")
    form = refused.forms["rectify-form"]
    form["text"] = "已完成" * 3000
    refused = form.submit("rectify")
    assert field_errors(refused)["text"].startswith("整改情况最多 5000 个字（现有 9000 个字）")
    assert refused.forms["rectify-form"]["text"].value == "已完成" * 3000
    assert text_of(person("scj.leader").get(page.request.path), ".portal-state") == "待整改"


def test_a_forged_post_does_nothing(person, supervisor):
    number, _ = collab_number(person)
    form = new_form(supervisor)
    fill_decision(form, number, title="关于伪造请求的测试决定")
    form["csrf_token"] = "forged"
    form.submit("decide", status=400)
    assert "关于伪造请求的测试决定" not in supervisor.get("/@@accountability").text

    page = decide(person, title="关于跨站请求的测试决定")
    url = page.request.path
    leader = person("scj.leader")
    leader.post(url + "@@rectify", {"csrf_token": "forged", "text": "已整改"}, status=400)
    leader.post(url + "@@rectify", {"text": "已整改"}, status=400)
    supervisor.post(url + "@@close", {"csrf_token": "forged", "note": "办结"}, status=400)
    assert text_of(supervisor.get(url), ".portal-state") == "待整改"
