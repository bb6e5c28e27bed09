"""Coordination meetings as the people use them: 区市监局 calls a routine meeting of 鱼山镇, 吕蒙街道
and the 区司法局; they sign for the notice; the department records the minutes and two action items
owned by the townships; 鱼山镇 reports its item done; an item left undone falls overdue; a township
not invited sees nothing; bad input is explained in Chinese and kept.
"""

import contextlib
import datetime

import pytest
import transaction
from pyramid.interfaces import IRequestExtensions
from pyramid.request import Request, apply_request_extensions
from pyramid.threadlocal import manager as threadlocals

from portal.items import WorkflowError
from portal.people import find_person

from tests.meetings.helpers import (
    PNG,
    add_action_item,
    at,
    buttons,
    call_meeting,
    deadline_run,
    errors,
    fill_meeting,
    inbox,
    local_now,
    meeting_form,
    press,
    text_of,
    texts_of,
    write_minutes,
)

INVITED = ["cj-yushan", "cj-lvmeng", "cj-sfj"]


@contextlib.contextmanager
def acting(app, root, login, unit):
    """A request of a script (no page): ``login`` acting as ``unit``; committed at the end."""
    transaction.abort()
    request = Request.blank("/")
    request.registry = app.registry
    apply_request_extensions(request, app.registry.queryUtility(IRequestExtensions))
    request.root = root
    request.__dict__.update(login=login, acting_unit=unit, user=find_person(root, login))
    threadlocals.push({"registry": app.registry, "request": request})
    try:
        yield request
        transaction.commit()
    finally:
        threadlocals.pop()
        transaction.abort()


@pytest.fixture
def department(person):
    return person("scj.liaison")


def test_routine_meeting_signed_minuted_and_its_action_items_carried_out(department, person, root):
    title = "2026年下半年行政执法协调会商例行会议"
    before = {login: inbox(root, login, title) for login in ("ys.officer", "lm.officer", "sfj.supervisor")}
    starts = local_now()
    page = call_meeting(department, title, INVITED)
    url = page.request.path
    assert text_of(page, ".portal-state") == "已发出会议通知"
    assert text_of(page, ".portal-number").startswith("昌市监会〔")
    assert text_of(page, ".portal-waiting") == "等待吕蒙街道、区司法局、鱼山镇签收会议通知"
    assert text_of(page, ".portal-due") == f"签收截止（会议开始）：{starts:%Y-%m-%d %H:%M}"
    assert texts_of(page, ".portal-unsigned") == ["未签收"] * 3
    assert "会议通知.pdf" in text_of(page, ".portal-attachments")
    assert "会议类别例行会议" in text_of(page, ".portal-fields")

    # Each invited unit hears of it, and signs for it from the meetings listing.
    notice = f"区市监局召集例行会议《{title}》"
    for login, unit in (("ys.officer", "鱼山镇"), ("lm.officer", "吕蒙街道"), ("sfj.supervisor", "区司法局")):
        heard = inbox(root, login, title)
        assert heard[len(before[login]) :] == [
            f"{notice}（{text_of(page, '.portal-number')}），定于 {starts:%Y-%m-%d %H:%M} 在区市监局三楼会议室召开，"
            "请签收会议通知并派员参加"
        ]
        browser = person(login)
        invitation = browser.get("/@@meetings").click(title)
        assert buttons(invitation) == ["签收会议通知"]
        signed = press(invitation, "sign")
        assert f"{unit}" not in (text_of(signed, ".portal-waiting") or "")
    page = department.get(url)
    assert texts_of(page, ".portal-unsigned") == []
    assert len(texts_of(page, ".portal-signed")) == 3
    assert text_of(page, ".portal-waiting") == "等待区市监局召开会议并记录会议纪要"
    assert buttons(page) == ["取消会议", "记录会议纪要"]

    # After the meeting the department records the minutes, then two action items.
    page = write_minutes(department, url)
    assert text_of(page, ".portal-state") == "已形成会议纪要"
    assert text_of(page, ".portal-minutes-text") == "会议研究了校园周边食品安全联合执法的分工。"
    assert "会议纪要.pdf" in text_of(page, ".portal-attachments")
    assert inbox(root, "ys.officer", title)[-1] == (
        f"区市监局召集的例行会议《{title}》已形成会议纪要，请按纪要要求贯彻落实"
    )
    assert buttons(page) == ["添加议定事项"]
    today = starts.date()
    due_ys, due_lm = today + datetime.timedelta(days=10), today + datetime.timedelta(days=20)
    added = add_action_item(department, url, "联合开展校园周边食品安全检查", "cj-yushan", due_ys).follow()
    assert "已通知鱼山镇" in text_of(added, ".alert-success, .alert-info, .portal-flash, .alert")
    add_action_item(department, url, "整治农贸市场占道经营", "cj-lvmeng", due_lm).follow()
    page = department.get(url)
    rows = [tr.select("td") for tr in page.html.select(".portal-action-items tbody tr")]
    assert [[" ".join(td.text.split()) for td in row[1:]] for row in rows] == [
        ["联合开展校园周边食品安全检查", "鱼山镇", f"{due_ys:%Y-%m-%d}", "待落实"],
        ["整治农贸市场占道经营", "吕蒙街道", f"{due_lm:%Y-%m-%d}", "待落实"],
    ]

    # 鱼山镇 hears of its item, opens it from the meeting page and reports it done with evidence.
    township = person("ys.officer")
    assert inbox(root, "ys.officer", "联合开展校园周边食品安全检查")[-1].endswith(
        f"由鱼山镇落实，请于 {due_ys:%Y-%m-%d} 前完成并报告落实情况"
    )
    item = township.get(url).click("联合开展校园周边食品安全检查")
    item_url = item.request.path
    assert text_of(item, ".portal-number").startswith("昌市监办〔")
    assert text_of(item, ".portal-waiting") == "等待鱼山镇落实"
    assert text_of(item, ".portal-due") == f"完成期限：{due_ys:%Y-%m-%d}"
    assert text_of(item, ".portal-meeting-link").endswith(title)
    assert buttons(item) == ["报告落实情况"]
    # 吕蒙街道 sees the item on the meeting page, but cannot open 鱼山镇's item.
    lvmeng = person("lm.officer")
    assert "联合开展校园周边食品安全检查" in text_of(lvmeng.get(url), ".portal-action-items")
    lvmeng.get(item_url, status=403)

    form = item.click("报告落实情况").forms["complete-form"]
    form["evidence"] = ""
    refused = form.submit("complete")
    assert "请填写落实情况" in errors(refused)
    form = refused.forms["complete-form"]
    form["evidence"] = "12月5日联合检查校园周边食品店8家，责令整改2家。"
    form["file"] = [("检查照片.png", PNG)]
    done = form.submit("complete").follow()
    assert text_of(done, ".portal-state") == "已落实"
    assert "检查照片.png" in text_of(done, ".portal-attachments")
    assert buttons(done) == []
    assert inbox(root, "scj.liaison", "联合开展校园周边食品安全检查")[-1] == (
        "鱼山镇已报告议定事项《联合开展校园周边食品安全检查》的落实情况：12月5日联合检查校园周边食品店8家，责令整改2家。"
    )
    page = department.get(url)
    assert texts_of(page, ".portal-action-state") == ["已落实", "待落实"]
    assert "12月5日联合检查" in department.get(item_url).text
    # The township finds its items in the action items' listing.
    assert "联合开展校园周边食品安全检查" in township.get("/@@meeting-actions").text


def test_an_action_item_left_undone_is_overdue_for_its_owner(department, person, root, app):
    title = "关于农贸市场占道经营的专题会议"
    page = call_meeting(department, title, ["cj-yushan"], kind="special", origin="鱼山镇隐〔2026〕3号")
    url = page.request.path
    assert "鱼山镇隐〔2026〕3号" in text_of(page, ".portal-fields")
    press(person("ys.liaison").get(url), "sign")
    write_minutes(department, url)
    due = local_now().date() + datetime.timedelta(days=3)
    add_action_item(department, url, "清理农贸市场周边占道摊点", "cj-yushan", due).follow()
    township = person("ys.officer")
    item = township.get(url).click("清理农贸市场周边占道摊点")
    item_url = item.request.path

    # The deadline run two days after the due date marks it overdue and tells both units.
    deadline_run(app, root, at(due + datetime.timedelta(days=2)))
    item = township.get(item_url)
    history = texts_of(item, ".portal-history td:nth-of-type(4)")
    assert history[-1] == "已超期"
    overdue = f"《清理农贸市场周边占道摊点》已超期（到期日 {due:%Y-%m-%d}），等待鱼山镇落实"
    assert inbox(root, "ys.officer", "清理农贸市场周边占道摊点")[-1] == overdue
    assert inbox(root, "scj.liaison", "清理农贸市场周边占道摊点")[-1] == overdue
    # Still open: the owner can report it, late.
    assert buttons(item) == ["报告落实情况"]
    form = item.click("报告落实情况").forms["complete-form"]
    form["evidence"] = "已清理占道摊点15处。"
    transaction.abort()
    done = form.submit("complete").follow()
    assert text_of(done, ".portal-state") == "已落实"


def test_a_township_not_invited_sees_nothing(department, person):
    title = "关于鱼山镇烟花爆竹安全的专题会议"
    page = call_meeting(department, title, ["cj-yushan"], kind="special")
    url = page.request.path
    download = page.html.select_one(".portal-attachments a")["href"]
    press(person("ys.officer").get(url), "sign")
    write_minutes(department, url)
    due = local_now().date() + datetime.timedelta(days=5)
    add_action_item(department, url, "排查烟花爆竹违规储存点", "cj-yushan", due).follow()
    item_url = person("ys.officer").get(url).click("排查烟花爆竹违规储存点").request.path

    outsider = person("lm.officer")
    token = outsider.csrf_token()
    outsider.get(url, status=403)
    outsider.get(download, status=403)
    outsider.get(item_url, status=403)
    for action in ("minutes", "add_action", "cancel"):
        outsider.get(url + "@@" + action, status=403)
    for action in ("sign", "send"):
        outsider.post(url + "@@" + action, {"csrf_token": token}, status=403)
    outsider.get(item_url + "@@complete", status=403)
    assert title not in outsider.get("/@@meetings").text
    assert "排查烟花爆竹违规储存点" not in outsider.get("/@@meeting-actions").text
    # Nor may a township call a meeting in a department's name.
    outsider.get("/tenants/cj-scjgj/@@new-meeting", status=403)
    # The 区司法局's supervisors read it (it was sent), without a button.
    supervisor = person("sfj.supervisor")
    assert buttons(supervisor.get(url)) == []
    assert title in supervisor.get("/@@meetings").text


def test_a_draft_is_seen_by_its_unit_only_and_changed_before_it_is_sent(department, person):
    title = "关于食品安全联合执法的专题会议（草稿）"
    page = call_meeting(department, title, ["cj-yushan"], kind="special", send=False)
    url = page.request.path
    assert text_of(page, ".portal-state") == "草稿"
    assert buttons(page) == ["修改草稿", "发送", "取消会议"]
    person("ys.officer").get(url, status=403)
    person("sfj.supervisor").get(url, status=403)
    form = page.click("修改草稿").forms["meeting-form"]
    assert form["title"].value == title
    form["place"] = "区政府二楼会议室"
    page = form.submit("send").follow()
    assert text_of(page, ".portal-state") == "已发出会议通知"
    assert "区政府二楼会议室" in text_of(page, ".portal-fields")
    assert title in person("ys.officer").get("/@@meetings").text


def test_wrong_unit_and_wrong_moment_are_refused(department, person):
    tomorrow = local_now() + datetime.timedelta(days=1)
    page = call_meeting(
        department, "关于次日召开的专题会议", ["cj-yushan"], kind="special", starts_at=tomorrow
    )
    url = page.request.path
    # No minutes before the meeting's day: the button is not offered, the page says why.
    assert buttons(page) == ["取消会议"]
    refused = department.get(url + "@@minutes").follow()
    assert f"会议定于 {tomorrow:%Y-%m-%d %H:%M} 召开，会后才能记录会议纪要" in text_of(
        refused, ".alert-danger"
    )
    township = person("ys.officer")
    township.get(url + "@@minutes", status=403)
    township.get(url + "@@cancel", status=403)
    press(township.get(url), "sign")
    token = township.csrf_token()
    again = township.post(url + "@@sign", {"csrf_token": token}).follow()
    assert "本单位已由鱼山镇执法人员于" in text_of(again, ".alert-danger")
    # The department cannot sign for its own meeting; a forged POST is refused.
    department.post(url + "@@sign", {"csrf_token": department.csrf_token()}, status=403)
    township.post(url + "@@sign", {"csrf_token": "forged"}, status=400)
    # Cancelled, it tells the invited unit why.
    form = department.get(url).click("取消会议").forms["cancel-form"]
    form["reason"] = "会议议题并入例行会议"
    page = form.submit("cancel").follow()
    assert text_of(page, ".portal-state") == "已取消"
    assert "会议议题并入例行会议" in text_of(page, ".portal-section")


def test_bad_input_is_explained_in_chinese_and_kept(department, person):
    form = meeting_form(department)
    fill_meeting(form, "关于年份写错的例行会议", [])
    form["starts_at"] = "0001-05-01T09:30"
    refused = form.submit("send")
    assert refused.status_int == 200
    messages = errors(refused)
    assert "会议时间不能早于 2000-01-01，请核对年份" in messages
    assert "请至少选择一个参会单位" in messages
    assert "如选择了附件，请重新选择" in text_of(refused, ".alert-danger")
    form = refused.forms["meeting-form"]
    assert form["title"].value == "关于年份写错的例行会议"
    assert form["place"].value == "区市监局三楼会议室"
    form["starts_at"] = f"{local_now() - datetime.timedelta(days=2):%Y-%m-%dT%H:%M}"
    form["title"] = "关于\x00控制字符的会议"
    messages = errors(form.submit("send"))
    assert any(m.startswith("会议时间不能早于今天") for m in messages)
    assert any("控制字符" in m for m in messages)
    assert "关于年份写错的例行会议" not in department.get("/@@meetings").text

    # A township calls special meetings only.
    form = meeting_form(person("ys.officer"))
    fill_meeting(form, "鱼山镇召集的例行会议", ["cj-scjgj"])
    refused = form.submit("send")
    assert "例行会议由区级部门召集；乡镇（街道）可会同区级部门召开专题会议，请选择“专题会议”" in errors(
        refused
    )
    form = refused.forms["meeting-form"]
    form["kind"] = "special"
    page = form.submit("send").follow()
    assert text_of(page, ".portal-state") == "已发出会议通知"

    # An action item due before the meeting, or absurdly late, is refused with its reason.
    page = call_meeting(department, "关于议定事项期限的专题会议", ["cj-yushan"], kind="special")
    url = page.request.path
    write_minutes(department, url)
    today = local_now().date()
    refused = add_action_item(
        department, url, "开展联合检查", "cj-yushan", today - datetime.timedelta(days=1)
    )
    assert f"完成期限不能早于会议日期（{today:%Y-%m-%d}）" in errors(refused)
    assert refused.forms["add_action-form"]["title"].value == "开展联合检查"
    refused = add_action_item(
        department, url, "开展联合检查", "cj-yushan", today.replace(year=today.year + 3)
    )
    assert any(m.startswith("完成期限不能晚于") and m.endswith("（会议后一年内）") for m in errors(refused))
    form = refused.forms["add_action-form"]
    form["owner_unit"] = ""
    form["due_date"] = "1-01-01"
    messages = errors(form.submit("add_action"))
    assert "请选择落实单位" in messages
    assert "请按“年-月-日”填写日期，例如 2026-03-05" in messages
    assert text_of(department.get(url), ".portal-action-items .portal-empty") == "尚未添加议定事项。"


def test_a_hazard_notice_calls_a_special_meeting_without_a_form(app, root, person):
    """The model functions work without a page: a township calls a special meeting from a hazard
    notice (``origin``), the department signs, the minutes and an action item follow."""
    from portal.meetings import (
        add_action,
        call_meeting,
        complete_action,
        record_minutes,
        sign_meeting,
    )

    tenants = root["tenants"]
    with acting(app, root, "ys.liaison", "cj-yushan") as request:
        meeting = call_meeting(
            tenants["cj-yushan"],
            request,
            title="关于某烟花爆竹仓库重大安全隐患的专题会议",
            starts_at=local_now(),
            place="鱼山镇政府会议室",
            invitees=["cj-yjj", "cj-yushan"],
            origin="鱼山镇隐〔2026〕3号",
        )
        path = f"/tenants/cj-yushan/{meeting.__name__}/"
    assert (meeting.kind, meeting.state, meeting.invited()) == ("special", "called", ("cj-yjj",))
    with acting(app, root, "scj.liaison", "cj-scjgj") as request:
        with pytest.raises(WorkflowError, match="本单位不是参会单位"):
            sign_meeting(meeting, request)
    with acting(app, root, "ys.liaison", "cj-yushan") as request:
        with pytest.raises(WorkflowError, match="记录会议纪要后才能添加议定事项"):
            add_action(meeting, request, "查封仓库", "cj-yushan", local_now().date())
        record_minutes(meeting, request, "会议议定：立即查封违规仓库。")
        action = add_action(meeting, request, "查封违规仓库", "cj-yushan", local_now().date())
        complete_action(action, request, "已于当日查封。")
    page = person("ys.officer").get(path)
    assert text_of(page, ".portal-state") == "已形成会议纪要"
    assert "鱼山镇隐〔2026〕3号" in text_of(page, ".portal-fields")
    assert texts_of(page, ".portal-action-state") == ["已落实"]
    assert "会议类别专题会议" in text_of(page, ".portal-fields")
