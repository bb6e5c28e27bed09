"""Every flow's figures in the 区司法局's overview, as its people move its items: each step moves
the figures of the units it concerns, and nothing else; each figure opens a list with the item.

One site for the module; each test reads the overview before and after its own steps and compares
the difference, so the tests do not depend on one another. The figures are read for three years
around today (a step backdated past New Year still falls inside).
"""

import datetime

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals

from portal.indexing import drain
from portal.items import now, reindex
from tests.complaints.test_complaints import outcome, register
from tests.disputes.test_disputes import open_dispute, record_interim, state
from tests.enforcement.test_court_applications import (
    application_url,
    apply_form,
    file_decision,
    remind,
    seven_months_ago,
)
from tests.filings.test_filings import save_draft, workdays_ago
from tests.guidance.test_guidance import ask_for_guidance, hold, later, record_activity
from tests.hazards.test_hazard_notices import notify
from tests import module_site
from tests.meetings.helpers import add_action_item, call_meeting, write_minutes
from tests.obstruction.test_obstruction_reports import report
from tests.participation.test_participation_notices import fill_written, new_notice, phone_call
from tests.referrals.test_penalty_flags import file_penalty
from tests.referrals.test_referrals import act as referral_step
from tests.referrals.test_referrals import form_step, new_referral, sent_referral, upload_required
from tests.regulations.test_regulations import fill as fill_regulation

YS, LM, SCJ, CGJ, GAJ = "cj-yushan", "cj-lvmeng", "cj-scjgj", "cj-cgj", "cj-gaj"

# One site for the module, each person logged in once (tests.module_site).
app, person = module_site.app, module_site.person


# Reading the overview ------------------------------------------------------------------------------


def period():
    """Three whole years around today, as the overview's parameters."""
    year = now().year
    return {"period": "range", "from": f"{year - 1}-01", "to": f"{year + 1}-12"}


def overview(supervisor, group):
    return supervisor.get("/@@supervision", {**period(), "group": group})


def figures(page, unit):
    """``{column heading: number}`` of a unit's row in the overview table (its figures only; the
    summary's warning rate as it is written)."""
    headings = [" ".join(th.text.split()) for th in page.html.select("#overview thead th")]
    row = page.html.select_one(f'#overview tr[data-unit="{unit}"]')
    cells = [" ".join(cell.text.split()) for cell in row.find_all(["th", "td"], recursive=False)]
    pairs = list(zip(headings, cells, strict=True))[2:]
    return {heading: int(cell) if cell.isdigit() else cell for heading, cell in pairs}


class Figures:
    """The overview's tab of one group, read for several units at once."""

    def __init__(self, supervisor, group, *units):
        self.supervisor, self.group, self.units = supervisor, group, units
        self.before = self.read()

    def read(self):
        page = overview(self.supervisor, self.group)
        return {unit: figures(page, unit) for unit in self.units}

    def moved(self):
        """``{unit: {heading: change}}`` since the last reading, only what changed."""
        now_ = self.read()
        changes = {}
        for unit in self.units:
            changed = {
                heading: value - self.before[unit][heading]
                for heading, value in now_[unit].items()
                if value != self.before[unit][heading]
            }
            if changed:
                changes[unit] = changed
        self.before = now_
        return changes


def listed(supervisor, group, unit, measure):
    """The item paths behind one figure of a unit, following the figure's own link."""
    page = overview(supervisor, group)
    link = page.html.select_one(f'#overview tr[data-unit="{unit}"] a[href$="measure={measure}"]')
    assert link is not None, f"no link for {measure} of {unit}"
    items = supervisor.get(link["href"])
    return {a["href"].replace("http://localhost", "") for a in items.html.select("a.item-link")}


def path_of(page_or_url):
    url = page_or_url if isinstance(page_or_url, str) else page_or_url.request.path
    return url.replace("http://localhost", "")


def change(site, root, url, how):
    """Change an item as time would have (a clock that ran out): ``how(item)``, then reindex.
    ``site``: the app."""
    transaction.abort()
    threadlocals.push({"registry": site.registry, "request": None})
    try:
        unit, name = path_of(url).strip("/").split("/")[1:3]
        item = root["tenants"][unit][name]
        how(item)
        reindex(item)
        transaction.commit()
    finally:
        threadlocals.pop()
    drain(site.registry)


def hours_ago(hours):
    return now() - datetime.timedelta(hours=hours)


def yesterday():
    return now().date() - datetime.timedelta(days=1)


def press(page, action):
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on {page.request.path}")


def press_button(page, button):
    for form in page.forms.values():
        if button in form.fields:
            return form.submit(button).follow()
    raise AssertionError(f"no {button} button on {page.request.path}")


@pytest.fixture
def supervisor(person):
    return person("sfj.supervisor")


# 法规文件 -------------------------------------------------------------------------------------------


def publish(officer, title, recipients):
    form = officer.get("/regulations").click("发布法规文件").forms["regulation-form"]
    fill_regulation(form, title=title, recipients=recipients)
    return form.submit("publish").follow()


def sign(browser, url):
    for form in browser.get(url).forms.values():
        if form.action.endswith("@@sign"):
            return form.submit().follow()
    raise AssertionError("no 签收 button")


def test_regulations_received_signed_on_time_late_and_not_yet(app, root, person, supervisor):
    watch = Figures(supervisor, "法规文件", SCJ, YS, LM)
    page = publish(person("scj.officer"), "关于规范农贸市场经营秩序的通知", (YS, LM))
    url = path_of(page)
    assert watch.moved() == {
        SCJ: {"发布文件": 1},
        YS: {"收到文件": 1, "未签收": 1},
        LM: {"收到文件": 1, "未签收": 1},
    }
    assert url in listed(supervisor, "法规文件", LM, "regulations.unsigned")

    sign(person("ys.liaison"), url)
    assert watch.moved() == {YS: {"未签收": -1, "按期签收": 1}}
    # Another document, whose sign-by date has passed when 吕蒙街道 signs: late.
    late = path_of(publish(person("scj.officer"), "关于开展燃气安全专项整治的通知", (LM,)))
    change(app, root, late, lambda item: setattr(item, "sign_by", yesterday()))
    assert watch.moved() == {SCJ: {"发布文件": 1}, LM: {"收到文件": 1, "未签收": 1}}
    sign(person("lm.officer"), late)
    assert watch.moved() == {LM: {"未签收": -1, "逾期签收": 1}}
    assert late in listed(supervisor, "法规文件", LM, "regulations.signed_late")
    assert url in listed(supervisor, "法规文件", LM, "regulations.unsigned")
    # The summary counts the documents as duties, the late signing as a problem.
    summary = figures(overview(supervisor, "summary"), LM)
    assert summary["应办事项"] >= 1 and summary["逾期及拒不履行"] >= 1


# 处罚决定备案 ----------------------------------------------------------------------------------------


def test_filings_on_time_late_returned_and_recorded(person, supervisor):
    watch = Figures(supervisor, "处罚决定备案", YS, SCJ)
    officer, liaison = person("ys.officer"), person("scj.liaison")
    on_time = press_button(save_draft(officer, title="某超市销售过期食品案（按时）"), "submit")
    late = save_draft(officer, title="某餐馆无证经营案（逾期）", decision_date=workdays_ago(10).isoformat())
    late = press_button(late, "submit")
    assert watch.moved() == {
        YS: {"报送备案": 2, "按时报送": 1, "逾期报送": 1},
        SCJ: {"收到备案": 2, "待备案": 2},
    }
    assert path_of(late) in listed(supervisor, "处罚决定备案", YS, "filings.filed_late")

    # Returned for correction, corrected and submitted again, then recorded.
    form = liaison.get(path_of(late)).click("退回补正").forms["return-filing"]
    form["reason"] = "当事人地址缺少门牌号，请补正"
    form.submit("return").follow()
    assert watch.moved() == {YS: {"被退回补正": 1}, SCJ: {"待备案": -1}}
    assert path_of(late) in listed(supervisor, "处罚决定备案", YS, "filings.returned")
    press_button(officer.get(path_of(late)), "resubmit")
    assert watch.moved() == {SCJ: {"待备案": 1}}
    for page in (late, on_time):
        press_button(liaison.get(path_of(page)), "record")
    assert watch.moved() == {SCJ: {"待备案": -2, "已备案": 2}}
    assert path_of(on_time) in listed(supervisor, "处罚决定备案", SCJ, "filings.recorded")


# 安全隐患通报 ----------------------------------------------------------------------------------------


def test_hazards_acknowledged_in_time_late_or_never(app, root, person, supervisor):
    watch = Figures(supervisor, "安全隐患通报", YS, SCJ, CGJ)
    township = person("ys.officer")
    page = notify(township, title="关于某加油站储油罐渗漏的重大安全隐患通报")
    url = path_of(page)
    assert watch.moved() == {
        YS: {"通报隐患": 1},
        SCJ: {"收到通报": 1, "未确认收悉": 1},
        CGJ: {"收到通报": 1, "未确认收悉": 1},
    }
    press(person("scj.liaison").get(url), "acknowledge")
    assert watch.moved() == {SCJ: {"未确认收悉": -1, "按时确认收悉": 1}}

    # Two more notices, sent three hours ago: one acknowledged late, one closed unacknowledged.
    def three_hours_ago(item):
        item.start_clock(hours_ago(3))

    late = path_of(notify(township, departments=(SCJ,), title="关于某仓库违规存放烟花爆竹的隐患通报"))
    never = path_of(notify(township, departments=(CGJ,), title="关于某在建工地塔吊基础沉降的隐患通报"))
    for url in (late, never):
        change(app, root, url, three_hours_ago)
    watch.moved()
    press(person("scj.liaison").get(late), "acknowledge")
    form = township.get(never).click("办结").forms["close-form"]
    form["note"] = "塔吊已拆除。"
    form["removed"] = True
    form.submit("close").follow()
    assert watch.moved() == {
        SCJ: {"未确认收悉": -1, "超时确认收悉": 1},
        CGJ: {"未确认收悉": -1, "逾期未确认即办结": 1},
    }
    assert never in listed(supervisor, "安全隐患通报", CGJ, "hazards.never_acknowledged")
    assert late in listed(supervisor, "安全隐患通报", SCJ, "hazards.ack_late")


# 协调会商 --------------------------------------------------------------------------------------------


def complete_action(browser, url, evidence="已完成。"):
    form = browser.get(url).click("报告落实情况").forms["complete-form"]
    form["evidence"] = evidence
    return form.submit("complete").follow()


def test_meetings_held_and_action_items_done_late_or_open(app, root, person, supervisor):
    watch = Figures(supervisor, "协调会商", SCJ, YS, LM)
    department = person("scj.liaison")
    url = path_of(call_meeting(department, "2026年行政执法协调会商例行会议（督查统计）", [YS, LM]))
    assert watch.moved() == {}  # called, not yet held
    write_minutes(department, url)
    assert watch.moved() == {SCJ: {"召开例行会议": 1}}
    assert url in listed(supervisor, "协调会商", SCJ, "meetings.routine")

    today = now().date()
    add_action_item(department, url, "联合检查校园周边食品店", YS, today + datetime.timedelta(days=10))
    add_action_item(department, url, "清理农贸市场占道摊点", LM, today)
    add_action_item(department, url, "建立联合巡查台账", YS, today + datetime.timedelta(days=20))
    assert watch.moved() == {YS: {"议定事项": 2, "待落实": 2}, LM: {"议定事项": 1, "待落实": 1}}
    meeting = department.get(url)
    links = {a.text.strip(): path_of(a["href"]) for a in meeting.html.select(".portal-action-items a")}
    complete_action(person("ys.officer"), links["联合检查校园周边食品店"])
    change(app, root, links["清理农贸市场占道摊点"], lambda item: setattr(item, "due_date", yesterday()))
    complete_action(person("lm.officer"), links["清理农贸市场占道摊点"])
    assert watch.moved() == {
        YS: {"待落实": -1, "按期落实": 1},
        LM: {"待落实": -1, "逾期落实": 1},
    }
    assert links["建立联合巡查台账"] in listed(supervisor, "协调会商", YS, "meetings.actions_open")
    assert links["清理农贸市场占道摊点"] in listed(supervisor, "协调会商", LM, "meetings.actions_late")


# 举报投诉 --------------------------------------------------------------------------------------------


def test_complaints_by_outcome_and_transfers_signed_for(person, supervisor):
    watch = Figures(supervisor, "举报投诉", YS, SCJ)
    township, department = person("ys.officer"), person("scj.officer")
    told = path_of(register(township, "反映某企业拖欠工资"))
    answered = path_of(register(township, "反映某餐馆无证经营（督查）"))
    moved = path_of(register(department, "反映某村占道经营（督查）"))
    assert watch.moved() == {YS: {"首问受理": 2, "核实处理中": 2}, SCJ: {"首问受理": 1, "核实处理中": 1}}
    assert told in listed(supervisor, "举报投诉", YS, "complaints.open")

    outcome(township, told, "tell", told_organ="区人社局", told_note="电话告知").follow()
    press(township.get(answered), "verify")
    outcome(township, answered, "answer", answer_text="经核实，该餐馆已办理许可证。").follow()
    assert watch.moved() == {YS: {"核实处理中": -2, "告知另行反映": 1, "答复办结": 1}}

    press(department.get(moved), "verify")
    outcome(
        department,
        moved,
        "transfer",
        transfer_to=YS,
        transfer_kind="management",
        transfer_note="属镇村管理事项",
    ).follow()
    assert watch.moved() == {
        SCJ: {"核实处理中": -1, "移送对方": 1},
        YS: {"收到移送": 1, "移送未签收": 1},
    }
    assert moved in listed(supervisor, "举报投诉", YS, "complaints.transfers_unsigned")
    press(person("ys.liaison").get(moved), "acknowledge")
    assert watch.moved() == {YS: {"移送未签收": -1}}


# 参与通知 --------------------------------------------------------------------------------------------


def confirm(browser, url, attendees="张三 综合行政执法队队员 13807980001"):
    form = browser.get(url).click("确认参加人员").forms["confirm-form"]
    form["attendees"] = attendees
    return form.submit("confirm").follow()


def test_participation_answered_on_time_late_declined_or_never(app, root, person, supervisor):
    watch = Figures(supervisor, "参与通知", SCJ, YS)
    department, township = person("scj.officer"), person("ys.liaison")
    urls = [path_of(new_notice(department, title=f"关于参加食品安全专项检查的通知（{n}）")) for n in range(4)]
    assert watch.moved() == {SCJ: {"发出书面通知": 4}, YS: {"收到通知": 4}}
    on_time, late, declined, silent = urls

    for url in urls[:3]:
        press(township.get(url), "receive")
    confirm(township, on_time)
    change(app, root, late, lambda item: setattr(item, "reply_due", yesterday()))
    confirm(township, late)
    form = township.get(declined).click("无法参加").forms["decline-form"]
    form["reason"] = "同一时间辖区内有防汛任务"
    form.submit("decline").follow()
    assert watch.moved() == {YS: {"按期答复": 2, "逾期答复": 1, "无法参加": 1}}
    assert declined in listed(supervisor, "参与通知", YS, "participation.declined")

    # The event took place without any answer from the township: recorded when it is completed.
    def started(item):
        item.starts_at = hours_ago(5)
        item.ends_at = hours_ago(1)

    change(app, root, silent, started)
    form = department.get(silent).click("登记完成情况").forms["complete-form"]
    form["outcome"] = "检查经营主体10家；鱼山镇未派员。"
    form.submit("complete").follow()
    assert watch.moved() == {YS: {"未答复": 1}}
    assert silent in listed(supervisor, "参与通知", YS, "participation.unanswered")

    # An urgent call, its written notice sent after the working day it was due by.
    called = path_of(phone_call(department, "关于参加某工地扬尘专项检查的通知（督查）"))
    assert watch.moved() == {SCJ: {"电话通知": 1}}
    change(app, root, called, lambda item: setattr(item, "written_due", yesterday()))
    form = department.get(called + "@@send_written").forms["send_written-form"]
    fill_written(form, now().replace(second=0, microsecond=0) + datetime.timedelta(days=3))
    form.submit("send_written").follow()
    assert watch.moved() == {
        SCJ: {"发出书面通知": 1, "逾期补发书面通知": 1},
        YS: {"收到通知": 1},
    }


# 业务指导 --------------------------------------------------------------------------------------------


def test_guidance_held_attended_and_requests_scheduled(person, supervisor):
    watch = Figures(supervisor, "业务指导", SCJ, YS, LM)
    department = person("scj.officer")
    url = path_of(record_activity(department, "执法文书制作培训（督查）", "集中培训", later(5), [YS, LM]))
    assert watch.moved() == {}  # arranged, not yet held
    hold(department, url, held_at=f"{hours_ago(2):%Y-%m-%d %H:%M}")
    assert watch.moved() == {SCJ: {"举办指导培训": 1}, YS: {"参加指导培训": 1}, LM: {"参加指导培训": 1}}
    assert url in listed(supervisor, "业务指导", LM, "guidance.attended")

    asked = path_of(ask_for_guidance(person("ys.officer"), title="关于案卷评查的业务指导（督查）"))
    assert watch.moved() == {SCJ: {"收到指导申请": 1, "待安排": 1}}
    form = person("scj.liaison").get(asked).click("安排指导活动").forms["schedule-form"]
    form["starts_at"] = later(5, hour=14)
    form["place"] = "鱼山镇综合行政执法队"
    form.submit("schedule").follow()
    assert watch.moved() == {SCJ: {"待安排": -1, "已安排指导": 1}}
    assert asked in listed(supervisor, "业务指导", SCJ, "guidance.scheduled")


# 阻碍执法 --------------------------------------------------------------------------------------------


def close_report(browser, url, note="当事人已被依法处理。"):
    form = browser.get(url).click("办结").forms["close-form"]
    form["note"] = note
    return form.submit("close").follow()


def test_obstruction_acknowledged_in_time_late_or_never(app, root, person, supervisor):
    watch = Figures(supervisor, "阻碍执法", YS, GAJ)
    township, police = person("ys.officer"), person("gaj.liaison")
    urls = [path_of(report(township, title=f"执法人员拆除违建时遭暴力阻碍（{n}）")) for n in range(3)]
    assert watch.moved() == {YS: {"报告阻碍执法": 3}, GAJ: {"收到报告": 3, "未接报": 3}}
    in_time, late, never = urls
    press(police.get(in_time), "acknowledge")
    for url in (late, never):
        change(app, root, url, lambda item: item.start_clock(hours_ago(2)))
    press(police.get(late), "acknowledge")
    close_report(township, never)
    assert watch.moved() == {GAJ: {"未接报": -3, "按时接报": 1, "超时接报": 1, "逾期未接报即办结": 1}}
    assert never in listed(supervisor, "阻碍执法", GAJ, "obstruction.never_acknowledged")


# 职责争议 --------------------------------------------------------------------------------------------


def test_disputes_agreed_or_escalated_and_decided(person, supervisor):
    watch = Figures(supervisor, "职责争议", YS, CGJ)
    township, cgj = person("ys.officer"), person("cg.liaison")
    decided = path_of(open_dispute(township, title="关于某彩钢棚违法搭建查处职责的争议（督查）"))
    agreed = path_of(open_dispute(township, title="关于某小卖部占道经营查处职责的争议（督查）"))
    assert watch.moved() == {YS: {"涉及争议": 2, "尚未解决": 2}, CGJ: {"涉及争议": 2, "尚未解决": 2}}

    for url in (decided, agreed):
        record_interim(cgj, url)
        state(township, "属城乡规划违法建设，应由城管部门查处。")(url)
        state(cgj, "属乡镇赋权事项，应由镇负责。")(url)
    liaison = person("ys.liaison")
    form = liaison.get(decided).click("提请司法局裁决").forms["escalate-form"]
    form["reason"] = "协商未果。"
    form.submit("escalate").follow()
    assert watch.moved() == {YS: {"提请裁决": 1}, CGJ: {"提请裁决": 1}}
    form = supervisor.get(decided).click("裁决").forms["decide-form"]
    form["responsible"] = CGJ
    form["reasons"] = "属城乡规划违法建设，未列入乡镇赋权事项清单。"
    form.submit("decide").follow()
    assert watch.moved() == {YS: {"尚未解决": -1}, CGJ: {"尚未解决": -1, "确定为责任单位": 1}}

    form = liaison.get(agreed).click("记录协商一致意见").forms["propose-form"]
    form["responsible"] = YS
    form["content"] = "由鱼山镇查处，区城管局配合。"
    form.submit("propose")
    press(cgj.get(agreed), "confirm")
    assert watch.moved() == {
        YS: {"尚未解决": -1, "协商解决": 1, "确定为责任单位": 1},
        CGJ: {"尚未解决": -1, "协商解决": 1},
    }
    assert agreed in listed(supervisor, "职责争议", CGJ, "disputes.agreed")


# 两法衔接 --------------------------------------------------------------------------------------------


def test_referrals_sent_late_decided_late_opened_and_refused(app, root, person, supervisor):
    watch = Figures(supervisor, "两法衔接", YS, GAJ)
    police = person("gaj.liaison")
    opened = path_of(sent_referral(person, "某食品公司生产掺假糕点案（督查）"))
    assert watch.moved() == {YS: {"移送公安机关": 1}, GAJ: {"收到移送（公安）": 1}}
    referral_step(police, opened, "sign_receipt")
    form_step(police, opened, "open_case", case_number="昌公（刑）立字〔2026〕99号", comment="")
    assert watch.moved() == {GAJ: {"决定立案": 1}}
    assert opened in listed(supervisor, "两法衔接", GAJ, "referrals.opened")

    # Sent a day after the approval, and decided after public security's three working days.
    officer, leader = person("ys.officer"), person("ys.leader")
    late = new_referral(officer, "某粮油店销售假冒食用油案（督查）")
    upload_required(officer, late)
    referral_step(officer, late, "report")
    referral_step(leader, late, "approve", "同意移送")

    def clock_ran_out(item):
        item.clocks[-1]["due"] = hours_ago(1)

    change(app, root, late, clock_ran_out)
    referral_step(officer, late, "send")
    assert watch.moved() == {YS: {"移送公安机关": 1, "逾期移送": 1}, GAJ: {"收到移送（公安）": 1}}
    change(
        app, root, late, lambda item: item.clocks[-1].update(due=now().date() - datetime.timedelta(days=5))
    )
    referral_step(police, late, "sign_receipt")
    form_step(police, late, "decline_case", reason="证据不足", materials_returned=True)
    assert watch.moved() == {GAJ: {"逾期决定立案": 1}}
    assert path_of(late) in listed(supervisor, "两法衔接", GAJ, "referrals.decided_late")

    refused = new_referral(officer, "某烟酒店销售假烟案（督查）")
    referral_step(officer, refused, "report")
    referral_step(leader, refused, "refuse", "货值金额未达到追诉标准")
    assert watch.moved() == {YS: {"负责人决定不移送": 1}}


def test_fine_in_place_of_prosecution_is_flagged_until_referred_or_explained(person, supervisor):
    watch = Figures(supervisor, "两法衔接", YS)
    officer, leader = person("ys.officer"), person("ys.leader")
    basis = "《中华人民共和国产品质量法》第四十九条"
    explained = file_penalty(officer, "某作坊生产不合格电线案（督查）", 301, basis, crime=True)
    referred = file_penalty(officer, "某厂生产含非法添加剂糕点案（督查）", 302, basis, crime=True)
    assert watch.moved() == {YS: {"以罚代刑提示": 2}}
    assert path_of(explained) in listed(supervisor, "两法衔接", YS, "referrals.flagged")

    form = leader.get(path_of(explained)).click("记录不移送理由").forms["no_referral-form"]
    form["reason"] = "经审查，涉案金额未达到刑事立案追诉标准"
    form.submit("no_referral").follow()
    assert watch.moved() == {YS: {"以罚代刑提示": -1, "记录不移送理由": 1}}

    # A referral of the same case, once reported, takes the flag down (a draft does not).
    form = referred.click("移送公安机关（涉嫌犯罪）").follow().forms["crime-referral"]
    form["offence"] = "生产、销售不符合安全标准的食品罪"
    form["found_date"] = now().date().isoformat()
    form["report"] = "抽样检验不合格，涉嫌犯罪，建议移送。"
    for box in form.fields["checkbox"]:
        box.checked = box._value in ("ys.officer", "ys.liaison")
    referral = form.submit("save", status=302).location
    assert watch.moved() == {}
    referral_step(officer, referral, "report")
    assert watch.moved() == {YS: {"以罚代刑提示": -1}}


# 申请强制执行 ----------------------------------------------------------------------------------------


def test_court_applications_reminded_applied_granted_or_refused(person, supervisor):
    watch = Figures(supervisor, "申请强制执行", YS)
    officer, court = person("ys.officer"), person("fy.liaison")
    urls = []
    for title in ("某商贸公司逾期不缴纳罚款案（督查）", "某五金店逾期不缴纳罚款案（督查）"):
        filing = file_decision(officer, title, seven_months_ago())
        served = now().date() - datetime.timedelta(days=30)
        urls.append(application_url(remind(officer, path_of(filing), served).follow()))
    assert watch.moved() == {YS: {"催告": 2}}
    for url in urls:
        apply_form(officer.get(url + "@@apply").forms["apply-form"]).submit("apply").follow()
    assert watch.moved() == {YS: {"申请法院强制执行": 2}}
    granted, refused = urls

    form = court.get(granted + "@@accept").forms["accept-form"]
    form["case_number"] = "（2026）赣0202行审99号"
    form.submit("accept").follow()
    form = court.get(granted + "@@rule").forms["rule-form"]
    form["ruling"] = "准予执行"
    form.submit("rule").follow()
    form = court.get(refused + "@@not_accept").forms["not_accept-form"]
    form["ruling_date"] = now().date().isoformat()
    form["reason"] = "申请材料不齐全"
    form.submit("not_accept").follow()
    assert watch.moved() == {YS: {"裁定准予执行": 1, "不予受理或不准予执行": 1}}
    assert refused in listed(supervisor, "申请强制执行", YS, "enforcement.refused")


def test_accountability_decisions_count_for_the_unit_held_to_account(person, app):
    """A decision counts for the unit held to account; a rectification reported after its date is
    late; a decision closed leaves 整改中."""
    from tests.accountability.test_accountability import decide

    supervisor = person("sfj.supervisor")
    seen = Figures(supervisor, "责任追究", SCJ, YS)
    page = decide(person)
    assert seen.moved() == {SCJ: {"责任追究决定": 1, "整改中": 1}}
    assert path_of(page) in listed(supervisor, "责任追究", SCJ, "accountability.decided")

    # The date passes; the unit reports late.
    root = app.registry._zodb_databases[""].open().root()["app_root"]
    change(app, root, page.request.url, lambda item: setattr(item, "rectify_due", yesterday()))
    leader = person("scj.leader")
    form = leader.get(path_of(page)).click("报送整改情况").forms["rectify-form"]
    form["text"] = "已补作鉴定意见并建立台账。"
    form.submit("rectify").follow()
    assert seen.moved() == {SCJ: {"逾期报送整改": 1, "整改中": -1}}
    form = supervisor.get(path_of(page)).click("办结").forms["close-form"]
    form["note"] = "整改到位，予以办结。"
    form.submit("close").follow()
    assert seen.moved() == {SCJ: {"已办结": 1}}
