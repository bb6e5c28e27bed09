"""Applications to the court for enforcement as the people make them.

鱼山镇 fined a company seven months ago; the company neither paid, nor sought reconsideration, nor
sued. The township's officer records the written reminder (催告) on the penalty filing's page, which
shows the window computed from the service date; once the reminder's ten working days have passed
and within three months of the lawsuit period's expiry, the officer applies to the 区人民法院, whose
liaison accepts and rules; the township records the outcome. Applying before the window opens or
after it closes is refused with the dates; the deadline run tells the township when the window
opens and warns it before it closes; the court sees only what was sent to it, and the 检察院, the
公安分局, the department and other townships nothing.
"""

import datetime
from types import SimpleNamespace

import pytest
import transaction
from pyramid.threadlocal import manager as threadlocals
from webtest import Upload

import portal.enforcement as enforcement
from portal.calendar import add_workdays
from portal.deadlines import check_deadlines
from portal.enforcement.dates import add_months, warning_day, window
from portal.items import now
from portal.notifications import inbox_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
NEW_FILING = "/tenants/cj-yushan/@@new-penalty-filing"
COMPANY_ID = "91360202MA38ABCD1K"


def today():
    return now().date()


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def date_row(page, key):
    return text_of(page, f".portal-enforcement-dates tr[data-date='{key}'] td")


def errors(page):
    return [" ".join(e.text.split()) for e in page.html.select("[id^=error-]")]


def flash_error(page):
    return text_of(page, ".alert-danger")


def buttons(page):
    actions = page.html.select(".portal-actions form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def press(page, action):
    for form in page.forms.values():
        if form.action.endswith("@@" + action):
            return form.submit().follow()
    raise AssertionError(f"no {action} button on the page")


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


def file_decision(officer, title, served, kinds=("罚款",), fine="5000", deadline_days=15):
    """鱼山镇's officer files (and submits) a penalty decision served on ``served``."""
    page = officer.get(NEW_FILING)
    form = page.forms["penalty-filing"]
    values = {
        "department": "cj-scjgj",
        "title": title,
        "party_name": "景德镇某某商贸有限公司",
        "party_id": COMPANY_ID,
        "party_address": "昌江区鱼山镇鱼山街 8 号",
        "facts": "当事人销售超过保质期的食品。",
        "evidence": "现场检查笔录、现场照片、询问笔录",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
        "fine_amount": fine if "罚款" in kinds else "",
        "performance": "自收到本决定书之日起十五日内到指定银行缴纳罚款",
        "performance_deadline": (served + datetime.timedelta(days=deadline_days)).isoformat(),
        "decision_number": "鱼山镇罚决〔2026〕7号",
        "decision_date": (served - datetime.timedelta(days=2)).isoformat(),
        "service_date": served.isoformat(),
    }
    for name, value in values.items():
        form[name] = value
    form["party_type"] = "法人"
    for box in form.fields["checkbox"]:
        box.checked = box._value in kinds
    form["upload"] = Upload("决定书.pdf", PDF, "application/pdf")
    page = form.submit("save", status=302).follow()
    return press(page, "submit")


def remind(officer, filing_url, served, method="直接送达", note=""):
    page = officer.get(filing_url).click("登记催告", href="enforcement_reminder")
    form = page.forms["enforcement_reminder-form"]
    form["reminder_number"] = "鱼山镇催〔2026〕5号"
    form["served_date"] = served.isoformat()
    form["method"] = method
    form["note"] = note
    form["file"] = [("催告书及送达回证.pdf", PDF)]
    return form.submit("enforcement_reminder")


def application_url(page):
    link = page.html.select_one(".portal-enforcement-application a")
    return link["href"].replace("http://localhost", "")


def apply_form(form):
    """The application form, ticked as signed, with the letter and one more material."""
    form["signed"].checked = True
    form["letter"] = Upload("强制执行申请书.pdf", PDF, "application/pdf")
    form["file"] = [("罚款催缴记录.pdf", PDF)]
    return form


def item_at(root, url):
    transaction.begin()
    unit, name = url.strip("/").split("/")[1:3]
    return root["tenants"][unit][name]


def inbox(root, login, about):
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


def at_nine(day):
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=now().tzinfo)


@pytest.fixture
def officer(person):
    return person("ys.officer")


@pytest.fixture
def court(person):
    return person("fy.liaison")


def seven_months_ago():
    return add_months(today(), -7)


def test_reminder_window_application_ruling_and_outcome(officer, court, person, root):
    served = seven_months_ago()
    title = "某商贸公司逾期不缴纳罚款案"
    filing = file_decision(officer, title, served)
    filing_url = filing.request.path
    dates = window(served)
    # The filing's page shows the window before any reminder: the party's periods, the latest
    # day to remind, the close.
    assert text_of(filing, "#enforcement h2") == "申请人民法院强制执行"
    assert date_row(filing, "service") == served.isoformat()
    assert date_row(filing, "reconsideration").startswith(dates.reconsideration.date.isoformat())
    assert date_row(filing, "lawsuit").startswith(dates.lawsuit.date.isoformat())
    assert date_row(filing, "latest-reminder") == dates.latest_reminder.isoformat()
    assert date_row(filing, "closes").startswith(dates.closes.date.isoformat())
    assert text_of(filing, ".portal-window").startswith("尚未催告：申请前须书面催告当事人")

    # The reminder: its date cannot precede the end of the time to perform, nor lie ahead.
    page = filing.click("登记催告", href="enforcement_reminder")
    assert "催告书送达 10 个工作日后" in page.text
    form = page.forms["enforcement_reminder-form"]
    form["served_date"] = (served + datetime.timedelta(days=10)).isoformat()
    form["method"] = "直接送达"
    form["note"] = "当事人称资金困难"
    refused = form.submit("enforcement_reminder")
    messages = errors(refused)
    assert any(m.startswith("履行期限") and "催告书送达日期须晚于履行期限" in m for m in messages)
    assert "请上传催告书及送达回证（扫描件）" in messages
    form = refused.forms["enforcement_reminder-form"]
    assert form["note"].value == "当事人称资金困难"
    form["served_date"] = (today() + datetime.timedelta(days=1)).isoformat()
    assert "送达日期不能晚于今天" in " ".join(errors(form.submit("enforcement_reminder")))

    reminded = today() - datetime.timedelta(days=30)
    page = remind(officer, filing_url, reminded, note="当事人称资金困难").follow()
    dates = window(served, reminded)
    assert dates.opens <= today() < dates.closes.date
    assert "已登记催告" in text_of(page, ".alert-success, .alert-info, .alert")
    # The filing shows the reminder, its ten working days, the day the window opened, and the link.
    assert date_row(page, "reminder") == reminded.isoformat()
    assert date_row(page, "reminder-end").startswith(dates.reminder_end.date.isoformat())
    assert date_row(page, "opens") == dates.opens.isoformat()
    assert text_of(page, ".portal-window").startswith(f"可以申请：申请期限 {dates.closes.date:%Y-%m-%d} 届满")
    assert "已催告，待申请" in text_of(page, ".portal-enforcement-application")
    assert page.html.select_one("#enforcement-remind") is None
    url = application_url(page)
    assert url.startswith("/tenants/cj-yushan/ca-")
    # A second reminder on the same filing is refused.
    again = officer.get(filing_url + "@@enforcement_reminder").follow()
    assert "本案已于" in flash_error(again) and "登记催告" in flash_error(again)

    page = officer.get(url)
    item = item_at(root, url)
    assert text_of(page, "h1") == f"申请强制执行：{title}"
    assert text_of(page, ".portal-number").startswith("鱼山镇执〔")
    assert text_of(page, ".portal-state") == "已催告，待申请"
    assert (item.due, item.awaiting) == (dates.closes.date, ("cj-yushan",))
    assert text_of(page, ".portal-waiting").startswith("等待鱼山镇向区人民法院申请强制执行")
    assert field(page, "被执行人") == "景德镇某某商贸有限公司（法人）"
    assert field(page, "罚款金额") == "5,000.00 元"
    assert section(page, "催告") == [
        f"催告书 鱼山镇催〔2026〕5号，于 {reminded:%Y-%m-%d} 直接送达；当事人陈述、申辩：当事人称资金困难"
    ]
    assert buttons(page) == ["申请强制执行", "登记执行结果"]
    # Not yet sent: the court does not see it.
    court.get(url, status=403)
    assert title not in court.get("/@@court-applications").text

    # The application: the signature and the letter are required; what was typed stays.
    form = page.click("申请强制执行").forms["apply-form"]
    assert form["subject"].value == "罚款 5,000.00 元"
    assert form["party_opinion"].value == "当事人称资金困难"
    form["subject"] = "罚款 5,000.00 元及加处罚款 5,000.00 元"
    refused = form.submit("apply")
    messages = errors(refused)
    assert "申请书须经本机关负责人签名并加盖印章后才能申请；请核实后勾选" in messages
    assert "请上传强制执行申请书（负责人签名、加盖印章后的扫描件）" in messages
    form = apply_form(refused.forms["apply-form"])
    assert form["subject"].value == "罚款 5,000.00 元及加处罚款 5,000.00 元"
    page = form.submit("apply").follow()
    item = item_at(root, url)
    accept_due = add_workdays(today(), 5, root.calendar_overrides)
    assert text_of(page, ".portal-state") == "已申请，待法院受理"
    assert (item.due, item.awaiting) == (accept_due, ("cj-fy",))
    assert text_of(page, ".portal-waiting") == "等待区人民法院受理"
    files = [a.text.strip() for a in page.html.select(".portal-attachments a")]
    assert files == ["催告书及送达回证.pdf", "强制执行申请书.pdf", "罚款催缴记录.pdf", "决定书.pdf"]
    assert buttons(page) == []

    # The court hears of it, finds it in its list, and sees what was sent, not the filing.
    assert inbox(root, "fy.liaison", title) == [
        f"鱼山镇申请强制执行：《申请强制执行：{title}》（{item.number}），被执行人 景德镇某某商贸有限公司，"
        f"行政处罚决定书 鱼山镇罚决〔2026〕7号。请于 {accept_due:%Y-%m-%d} 前受理（行政强制法第五十六条）"
    ]
    page = court.get("/@@court-applications").click(f"申请强制执行：{title}")
    assert sorted(buttons(page)) == ["不予受理", "受理"]
    assert field(page, "行政处罚决定书").startswith("鱼山镇罚决〔2026〕7号")
    assert "决定书.pdf" in text_of(page, ".portal-attachments")
    court.get(filing_url, status=403)
    assert text_of(page, ".portal-enforcement-filing") is None
    court.get(page.html.select_one(".portal-attachments a")["href"], status=200)

    # It accepts: seven working days to rule.
    form = page.click("受理", href="@@accept").forms["accept-form"]
    assert form["accepted_on"].value == today().isoformat()
    form["case_number"] = "（2026）赣0202行审12号"
    page = form.submit("accept").follow()
    item = item_at(root, url)
    ruling_due = add_workdays(today(), 7, root.calendar_overrides)
    assert text_of(page, ".portal-state") == "法院已受理，待裁定"
    assert item.due == ruling_due
    assert sorted(buttons(page)) == ["听取意见", "登记执行裁定"]
    assert inbox(root, "ys.officer", title)[-1] == (
        f"区人民法院已受理《申请强制执行：{title}》（案号 （2026）赣0202行审12号），裁定期限 {ruling_due:%Y-%m-%d}"
    )

    # It rules: 不准予执行 needs reasons; 准予执行.
    form = page.click("登记执行裁定").forms["rule-form"]
    form["ruling"] = "不准予执行"
    refused = form.submit("rule")
    assert "裁定不准予执行的，请写明理由（行政强制法第五十八条）" in errors(refused)
    form = refused.forms["rule-form"]
    form["ruling"] = "准予执行"
    form["ruling_number"] = "（2026）赣0202行审12号"
    form["file"] = [("执行裁定书.pdf", PDF)]
    page = form.submit("rule").follow()
    assert text_of(page, ".portal-state") == "裁定准予执行"
    assert section(page, "法院受理和裁定") == [
        f"{today():%Y-%m-%d} 受理，案号 （2026）赣0202行审12号",
        f"{today():%Y-%m-%d} 裁定准予执行（（2026）赣0202行审12号）",
    ]
    assert buttons(page) == []
    assert (
        inbox(root, "ys.officer", title)[-1]
        == f"区人民法院裁定准予执行《申请强制执行：{title}》，请执行后登记执行结果"
    )

    # The township records the outcome: the application is closed, the court is told.
    page = officer.get(url)
    assert text_of(page, ".portal-waiting") == "裁定准予执行：等待鱼山镇登记执行结果"
    form = page.click("登记执行结果").forms["outcome-form"]
    assert [option[0] for option in form["result"].options] == [
        "",
        "执行完毕",
        "部分执行",
        "终结执行",
        "执行和解",
        "当事人已履行",
    ]
    form["result"] = "终结执行"
    refused = form.submit("outcome")
    assert "“终结执行”须写明情况" in errors(refused)
    form = refused.forms["outcome-form"]
    form["result"] = "执行完毕"
    page = form.submit("outcome").follow()
    assert text_of(page, ".portal-state") == "已办结"
    assert section(page, "执行结果") == [f"{today():%Y-%m-%d} 执行完毕"]
    assert item_at(root, url).due is None
    assert history(page) == ["登记催告", "申请强制执行", "受理", "裁定准予执行", "登记执行结果"]
    assert inbox(root, "fy.liaison", title)[-1] == (
        f"鱼山镇登记了《申请强制执行：{title}》的执行结果：{today():%Y-%m-%d} 执行完毕"
    )
    # The filing says so too.
    assert "已办结" in text_of(officer.get(filing_url), ".portal-enforcement-application")


def test_an_application_before_the_window_opens_or_after_it_closes_is_refused(officer, root, monkeypatch):
    served = seven_months_ago()
    filing = file_decision(officer, "某餐馆逾期不缴纳罚款案", served)
    reminded = today() - datetime.timedelta(days=1)
    page = remind(officer, filing.request.path, reminded, method="邮寄送达").follow()
    dates = window(served, reminded, root.calendar_overrides)
    assert dates.opens > today()
    assert text_of(page, ".portal-window") == (
        f"申请期间尚未开始：可于 {dates.opens:%Y-%m-%d} 起申请，{dates.closes.date:%Y-%m-%d} 前"
    )
    url = application_url(page)
    page = officer.get(url)
    assert date_row(page, "opens") == dates.opens.isoformat()
    assert "申请强制执行" not in buttons(page)
    refused = officer.get(url + "@@apply").follow()
    assert flash_error(refused) == (
        f"申请期间尚未开始：须待催告书送达后 10 个工作日（{dates.reminder_end.date:%Y-%m-%d}）届满之后，"
        f"可于 {dates.opens:%Y-%m-%d} 起申请"
    )
    # A POST is refused the same way.
    token = officer.csrf_token()
    refused = officer.post(
        url + "@@apply",
        {"csrf_token": token, "subject": "罚款", "party_opinion": "无", "signed": "true"},
    ).follow()
    assert f"可于 {dates.opens:%Y-%m-%d} 起申请" in flash_error(refused)
    assert item_at(root, url).state == "reminded"

    # On the day it opens the form is there; the day after it closes it is refused again.
    monkeypatch.setattr(enforcement, "today", lambda: dates.opens)
    assert "申请强制执行" in buttons(officer.get(url))
    monkeypatch.setattr(enforcement, "today", lambda: dates.closes.date + datetime.timedelta(days=1))
    refused = officer.get(url + "@@apply").follow()
    assert flash_error(refused) == (
        f"申请期限已于 {dates.closes.date:%Y-%m-%d} 届满，不能再申请人民法院强制执行"
        "（行政强制法第五十三条：自复议、诉讼期限届满之日起三个月内申请）"
    )
    page = officer.get(url)
    assert "text-danger" in page.html.select_one(".portal-window")["class"]
    # Nothing more to do than record that it will not be applied for.
    form = page.click("登记执行结果").forms["outcome-form"]
    assert [option[0] for option in form["result"].options] == ["", "当事人已履行", "不再申请强制执行"]
    form["result"] = "不再申请强制执行"
    form["note"] = "申请期限已过，报领导研究后不再申请"
    page = form.submit("outcome").follow()
    assert text_of(page, ".portal-state") == "已办结"


def test_the_dates_of_a_decision_served_on_3_november_2025_on_the_filing(officer, person):
    """The example of docs/enforcement.md on the page: periods ending on holidays move to the
    next working day; the window has long closed, so no reminder can be recorded any more."""
    page = file_decision(officer, "某超市销售过期食品案", datetime.date(2025, 11, 3))
    assert date_row(page, "reconsideration") == (
        "2026-01-04（2026-01-02 为法定节假日或休息日，顺延至其后第一个工作日）"
    )
    assert (
        date_row(page, "lawsuit") == "2026-05-06（2026-05-03 为法定节假日或休息日，顺延至其后第一个工作日）"
    )
    assert date_row(page, "closes") == "2026-08-06"
    assert text_of(page, ".portal-window") == "申请期限已于 2026-08-06 届满，不能再申请人民法院强制执行"
    assert page.html.select_one("#enforcement-remind") is None
    assert text_of(page, ".portal-enforcement-refusal") == (
        "申请强制执行的期限已于 2026-08-06 届满（行政强制法第五十三条），不能再申请"
    )
    # A decision served on 2026-08-04: sixty days end in the National Day holiday.
    page = file_decision(officer, "某药店未按规定陈列药品案", datetime.date(2026, 8, 4))
    assert date_row(page, "reconsideration") == (
        "2026-10-08（2026-10-03 为法定节假日或休息日，顺延至其后第一个工作日）"
    )
    lawsuit = date_row(page, "lawsuit")
    assert lawsuit.startswith("2027-02-04") and "该年度节假日数据未录入，按周一至周五推算" in lawsuit
    # The department the decision was filed with sees the dates too, but records no reminder.
    department = person("scj.liaison")
    page = department.get(page.request.path)
    assert date_row(page, "reconsideration").startswith("2026-10-08")
    assert page.html.select_one("#enforcement-remind") is None
    assert text_of(page, ".portal-enforcement-refusal") is None
    department.get(page.request.path + "@@enforcement_reminder", status=403)
    # A warning alone has nothing to enforce: no section at all.
    page = file_decision(officer, "某小店未亮照经营案", datetime.date(2026, 8, 4), kinds=("警告",))
    assert page.html.select_one("#enforcement") is None


def test_the_deadline_run_says_when_the_window_opens_and_warns_before_it_closes(officer, app, root):
    served = seven_months_ago()
    title = "某建材店逾期不缴纳罚款案"
    filing = file_decision(officer, title, served)
    reminded = today() - datetime.timedelta(days=30)
    url = application_url(remind(officer, filing.request.path, reminded).follow())
    dates = window(served, reminded, root.calendar_overrides)
    closes = dates.closes.date
    warn_from = warning_day(closes, enforcement.WARN_WORKDAYS, root.calendar_overrides)
    before = len(inbox(root, "ys.liaison", title))

    # The window is open: the township is told so, once.
    counts = deadline_run(app, root, at_nine(today()))
    assert counts.get("enforcement windows opened") == 1 and "enforcement warnings" not in counts
    texts = inbox(root, "ys.liaison", title)[before:]
    assert texts == [
        f"《申请强制执行：{title}》（{item_at(root, url).number}）申请强制执行的期间已开始：催告期满、复议和诉讼期限均已届满，"
        f"当事人仍未履行的，请于 {closes:%Y-%m-%d} 前向区人民法院申请强制执行"
    ]
    assert "enforcement windows opened" not in deadline_run(app, root, at_nine(today()))
    # The day before the warning: nothing; from ten working days before the close: warned once.
    assert "enforcement warnings" not in deadline_run(
        app, root, at_nine(warn_from - datetime.timedelta(days=1))
    )
    assert deadline_run(app, root, at_nine(warn_from)).get("enforcement warnings") == 1
    assert "enforcement warnings" not in deadline_run(
        app, root, at_nine(warn_from + datetime.timedelta(days=1))
    )
    texts = inbox(root, "ys.officer", title)
    assert texts[-1].startswith(f"《申请强制执行：{title}》")
    assert f"申请人民法院强制执行的期限将于 {closes:%Y-%m-%d} 届满，逾期不能再申请" in texts[-1]
    # The due panels' clock: due on the close, awaiting the township; past it, marked overdue.
    item = item_at(root, url)
    assert (item.due, item.awaiting) == (closes, ("cj-yushan",))
    counts = deadline_run(app, root, at_nine(closes + datetime.timedelta(days=1)))
    assert counts["overdue"] >= 1
    assert history(officer.get(url))[-1] == "已超期"


def test_refusals_the_court_sees_only_what_was_sent_to_it(officer, court, person, root):
    served = seven_months_ago()
    sent_title = "某酒行逾期不缴纳罚款案"
    kept_title = "某烟酒店逾期不缴纳罚款案"
    filing = file_decision(officer, sent_title, served)
    sent = application_url(
        remind(officer, filing.request.path, today() - datetime.timedelta(days=30)).follow()
    )
    form = apply_form(officer.get(sent + "@@apply").forms["apply-form"])
    form.submit("apply").follow()
    filing = file_decision(officer, kept_title, served)
    kept = application_url(
        remind(officer, filing.request.path, today() - datetime.timedelta(days=30)).follow()
    )

    # The court: its own application, not the one not sent; nothing from the filings.
    listing = court.get("/@@court-applications")
    assert sent_title in listing.text and kept_title not in listing.text
    court.get(kept, status=403)
    assert "申请执行" in [a.text.strip() for a in court.get("/").html.select(".portal-nav a")]
    token = court.csrf_token()
    for action in ("apply", "outcome"):
        court.get(sent + "@@" + action, status=403)
    court.get(filing.request.path + "@@enforcement_reminder", status=403)
    court.post(filing.request.path + "@@enforcement_reminder", {"csrf_token": token}, status=403)

    # The 检察院 (a judicial unit it was not sent to), the 公安分局, another township and the
    # department the decision was filed with: nothing, at every address.
    for login in ("jcy.liaison", "gaj.liaison", "lm.officer", "scj.liaison"):
        outsider = person(login)
        outsider.get(sent, status=403)
        outsider.get(kept, status=403)
        listing = outsider.get("/@@court-applications")
        assert sent_title not in listing.text and kept_title not in listing.text
        token = outsider.csrf_token()
        for action in ("apply", "accept", "not_accept", "hearing", "rule", "outcome"):
            outsider.get(sent + "@@" + action, status=403)
            outsider.post(sent + "@@" + action, {"csrf_token": token}, status=403)
    # The township does not act for the court.
    officer.get(sent + "@@accept", status=403)
    officer.get(sent + "@@rule", status=403)
    # The 司法局's supervisor sees both, read-only.
    supervisor = person("sfj.supervisor")
    for url in (sent, kept):
        assert buttons(supervisor.get(url)) == []
    supervisor.get(sent + "@@accept", status=403)
    # A POST without the session's token is refused.
    court.post(sent + "@@accept", {"csrf_token": "forged"}, status=400)


def test_the_court_refuses_to_accept_and_the_township_may_ask_for_review(officer, court, root):
    served = seven_months_ago()
    title = "某五金店逾期不缴纳罚款案"
    filing = file_decision(officer, title, served)
    url = application_url(
        remind(officer, filing.request.path, today() - datetime.timedelta(days=30)).follow()
    )
    apply_form(officer.get(url + "@@apply").forms["apply-form"]).submit("apply").follow()

    form = court.get(url + "@@not_accept").forms["not_accept-form"]
    form["ruling_date"] = "0001-01-01"
    refused = form.submit("not_accept")
    assert "裁定日期不能早于 2000-01-01，请核对年份" in errors(refused)
    assert "请填写不予受理的理由" in errors(refused)
    form = refused.forms["not_accept-form"]
    form["ruling_date"] = today().isoformat()
    form["reason"] = "申请材料不齐全，缺少作出决定的事实、理由和依据"
    page = form.submit("not_accept").follow()
    item = item_at(root, url)
    review = enforcement.period_end(today() + datetime.timedelta(days=15), root.calendar_overrides).date
    assert text_of(page, ".portal-state") == "法院不予受理"
    assert (item.due, item.awaiting) == (review, ("cj-yushan",))
    assert inbox(root, "ys.officer", title)[-1] == (
        f"区人民法院裁定不予受理《申请强制执行：{title}》：申请材料不齐全，缺少作出决定的事实、理由和依据。"
        f"不服的，可于 {review:%Y-%m-%d} 前向上一级人民法院申请复议"
    )
    form = officer.get(url + "@@outcome").forms["outcome-form"]
    form["result"] = "已向上一级人民法院申请复议"
    page = form.submit("outcome").follow()
    assert text_of(page, ".portal-state") == "已办结"


def test_the_court_hears_the_parties_then_refuses_to_enforce(officer, court, root):
    """Hearing the parties (行政强制法 art. 58) gives the court thirty calendar days from acceptance,
    a last day on a holiday moving to the next working day; a refusal to enforce gives the
    township fifteen days to ask the higher court for review."""
    served = seven_months_ago()
    title = "某养殖场逾期不缴纳罚款案"
    filing = file_decision(officer, title, served)
    url = application_url(
        remind(officer, filing.request.path, today() - datetime.timedelta(days=30)).follow()
    )
    apply_form(officer.get(url + "@@apply").forms["apply-form"]).submit("apply").follow()
    form = court.get(url + "@@accept").forms["accept-form"]
    form["case_number"] = "（2026）赣0202行审15号"
    page = form.submit("accept").follow()

    form = page.click("听取意见").forms["hearing-form"]
    form["reason"] = "处罚决定认定的违法事实证据不足，需听取被执行人和行政机关的意见"
    page = form.submit("hearing").follow()
    item = item_at(root, url)
    due = enforcement.period_end(today() + datetime.timedelta(days=30), root.calendar_overrides).date
    assert item.due == due and item.awaiting == ("cj-fy",)
    assert "听取意见" not in buttons(page)
    assert section(page, "法院受理和裁定")[1].startswith(
        "听取被执行人和行政机关的意见（行政强制法第五十八条）"
    )
    assert inbox(root, "ys.officer", title)[-1] == (
        f"区人民法院决定就《申请强制执行：{title}》听取被执行人和行政机关的意见，裁定期限 {due:%Y-%m-%d}"
    )

    form = court.get(url + "@@rule").forms["rule-form"]
    form["ruling"] = "不准予执行"
    form["reason"] = "认定事实的主要证据不足"
    page = form.submit("rule").follow()
    item = item_at(root, url)
    review = enforcement.period_end(today() + datetime.timedelta(days=15), root.calendar_overrides).date
    assert text_of(page, ".portal-state") == "裁定不准予执行"
    assert (item.due, item.awaiting) == (review, ("cj-yushan",))
    assert inbox(root, "ys.officer", title)[-1].endswith(
        f"不服的，可于 {review:%Y-%m-%d} 前向上一级人民法院申请复议"
    )
    # A ruling cannot be recorded twice.
    refused = court.get(url + "@@rule").follow()
    assert (
        flash_error(refused) == f"“申请强制执行：{title}”当前状态为“裁定不准予执行”，受理后才能登记执行裁定"
    )
    form = officer.get(url + "@@outcome").forms["outcome-form"]
    assert [option[0] for option in form["result"].options] == [
        "",
        "已向上一级人民法院申请复议",
        "不再申请强制执行",
        "当事人已履行",
    ]


def test_a_corrected_service_date_moves_the_window(officer, person, root):
    """The department returns the filing; the township corrects the service date: the
    application's window and clock follow the filing."""
    served = seven_months_ago()
    filing = file_decision(officer, "某茶叶店逾期不缴纳罚款案", served)
    filing_url = filing.request.path
    url = application_url(remind(officer, filing_url, today() - datetime.timedelta(days=30)).follow())
    department = person("scj.liaison")
    form = department.get(filing_url).click("退回补正").forms["return-filing"]
    form["reason"] = "送达日期有误，以送达回证为准"
    form.submit("return").follow()
    before = item_at(root, url).due
    corrected = served + datetime.timedelta(days=10)
    form = officer.get(filing_url).click("修改", href="@@edit").forms["penalty-filing"]
    form["service_date"] = corrected.isoformat()
    form.submit("save").follow()
    dates = window(corrected, today() - datetime.timedelta(days=30), root.calendar_overrides)
    assert item_at(root, url).due == dates.closes.date != before
    assert date_row(officer.get(url), "service") == corrected.isoformat()
    assert date_row(officer.get(filing_url), "closes").startswith(dates.closes.date.isoformat())
