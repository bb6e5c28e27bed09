"""以罚代刑 as the people meet it: a penalty filing marked as a suspected crime, or with a fine above the
amount the portal admin set for its matter, shows on its unit's dashboard and on the 区司法局
supervisor's page until a referral of the same case is reported or the unit's principal records why it
is not referred; the referral's page lists the penalty decisions of the case and says they stay in force.
"""

import datetime
import io

import pytest
from pypdf import PdfWriter
from webtest import Upload

from portal.items import now
from tests.conftest import Browser

YS = "cj-yushan"
NEW_FILING = f"/tenants/{YS}/@@new-penalty-filing"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
ADMIN = ("admin", "admin12345")


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def texts(page, selector):
    return [" ".join(node.text.split()) for node in page.html.select(selector)]


def errors(page):
    return [" ".join(n.text.split()) for n in page.html.select(".alert-danger, [id^=error-]")]


def scan():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return Upload("决定书.pdf", out.getvalue(), "application/pdf")


def file_penalty(officer, title, number, basis, fine="5000", crime=False, decided_days_ago=10, submit=True):
    """鱼山镇's officer files a penalty decision (and submits it); the filing page."""
    today = now().date()
    decided = today - datetime.timedelta(days=decided_days_ago)
    form = officer.get(NEW_FILING).forms["penalty-filing"]
    values = {
        "department": "cj-scjgj",
        "title": title,
        "party_type": "法人",
        "party_name": "景德镇某某食品有限公司",
        "party_id": "91360202MA38ABCD1K",
        "party_address": "昌江区鱼山镇鱼山街 8 号",
        "facts": "当事人生产销售不符合食品安全标准的糕点。",
        "evidence": "现场检查笔录、抽样检验报告",
        "legal_basis": basis,
        "fine_amount": fine,
        "performance": "自收到本决定书之日起十五日内缴纳罚款",
        "deciding_organ": "鱼山镇人民政府",
        "decision_number": f"鱼山镇罚决〔{decided.year}〕{number}号",
        "decision_date": decided.isoformat(),
        "case_filing_date": (decided - datetime.timedelta(days=20)).isoformat(),
        "service_date": (decided + datetime.timedelta(days=1)).isoformat(),
        "crime_note": "涉嫌生产、销售不符合安全标准的食品罪" if crime else "",
    }
    for name, value in values.items():
        form[name] = value
    for box in form.fields["checkbox"]:
        box.checked = box._value in ("警告", "罚款")
    form["legal_review"].checked = True
    form["suspected_crime"].checked = crime
    form["upload"] = scan()
    page = form.submit("save", status=302).follow()
    if submit:
        page = press(page, "submit")
    return page


def press(page, button):
    for form in page.forms.values():
        if button in form.fields:
            return form.submit(button).follow()
    raise AssertionError(f"no {button} button on {page.request.path}")


def dashboard_titles(browser):
    panel = browser.get("/").html.select_one("#panel-referral-flags")
    return [] if panel is None else [" ".join(a.text.split()) for a in panel.select(".referral-flag-row a")]


def flagged_on_supervisor_page(supervisor):
    page = supervisor.get("/@@referral-flags")
    rows = {}
    for unit in page.html.select(".referral-flag-unit"):
        heading = " ".join(unit.select_one("h2").contents[0].split())
        for row in unit.select(".referral-flag-row"):
            cells = [" ".join(td.text.split()) for td in row.select("td")]
            rows[cells[0]] = (heading, cells[3])
    return rows


def reason_rows(supervisor):
    """The supervisor's list of the reasons recorded: case -> (unit, number, why, reason, who)."""
    rows = {}
    for row in supervisor.get("/@@referral-flags").html.select(".referral-reason-row"):
        cells = [" ".join(td.text.split()) for td in row.select("td")]
        rows[cells[1]] = (cells[0], *cells[2:])
    return rows


def action_links(page):
    return [" ".join(a.text.split()) for a in page.html.select("#actions a, #actions button")]


@pytest.fixture
def officer(person):
    return person("ys.officer")


@pytest.fixture
def leader(person):
    return person("ys.leader")


@pytest.fixture
def supervisor(person):
    return person("sfj.supervisor")


def test_a_suspected_crime_is_flagged_until_a_referral_is_reported(officer, leader, supervisor, person):
    title = "某食品厂生产销售含非法添加剂糕点案"
    page = file_penalty(
        officer, title, 101, "《中华人民共和国产品质量法》第四十九条", crime=True, submit=False
    )
    assert "以罚代刑提示" in text_of(page, "#referral-flag")
    assert "处罚决定备案标记为涉嫌犯罪" in texts(page, ".portal-referral-reasons li")
    assert title in dashboard_titles(officer)
    assert title in dashboard_titles(leader)
    assert title not in flagged_on_supervisor_page(supervisor)  # a draft is the unit's own
    page = press(page, "submit")
    assert flagged_on_supervisor_page(supervisor)[title] == ("鱼山镇", "10 天")
    filing_url = page.request.url

    # Nobody outside the unit, the department filed with and the supervisors sees it.
    for login in ("gaj.liaison", "jcy.liaison", "fy.liaison"):
        person(login).get(filing_url, status=403)
        person(login).get("/@@referral-flags", status=403)
    officer.get("/@@referral-flags", status=403)
    assert "以罚代刑监督" in texts(supervisor.get("/"), ".portal-nav a, nav a")

    # The officer refers it from the filing: the draft starts from the case.
    assert "移送公安机关（涉嫌犯罪）" in action_links(page)
    form = page.click("移送公安机关（涉嫌犯罪）").follow().forms["crime-referral"]
    assert form["title"].value == title and form["party"].value == "景德镇某某食品有限公司"
    assert form["filing"].value == page.request.path.strip("/").split("/")[-1]
    form["offence"] = "生产、销售不符合安全标准的食品罪"
    form["found_date"] = now().date().isoformat()
    form["report"] = "抽样检验不合格，涉嫌犯罪，建议移送。"
    for box in form.fields["checkbox"]:
        box.checked = box._value in ("ys.officer", "ys.liaison")
    referral_url = form.submit("save", status=302).location
    # A draft is not yet a referral: the flag stays.
    page = officer.get(filing_url)
    assert text_of(page, "#referral-flag") is not None
    assert "草稿" in text_of(page, "#referral-links")
    assert "移送公安机关（涉嫌犯罪）" not in action_links(page)
    assert title in dashboard_titles(officer)

    referral = officer.get(referral_url)
    referral = referral.forms["report-form"].submit("report").follow()
    assert title not in dashboard_titles(officer)
    assert title not in flagged_on_supervisor_page(supervisor)
    page = officer.get(filing_url)
    assert text_of(page, "#referral-flag") is None
    assert "已书面报告，待负责人决定" in text_of(page, "#referral-links")

    # The referral's page: the penalty decisions of the case, which stay in force.
    cells = texts(referral, "#penalty-decisions tbody td")
    assert cells[0] == title and cells[3] == "警告、罚款" and cells[4] == "罚款 5,000.00 元"
    assert cells[1].startswith("鱼山镇罚决〔") and cells[1].endswith("101号")
    assert "不停止执行" in text_of(referral, "#penalties-stay")
    assert "折抵相应罚金" in text_of(referral, "#penalties-stay")

    # Public security, once the case is sent, reads the decisions without the filing itself.
    for slot in ("letter", "report", "items", "appraisal"):
        upload = officer.get(referral_url).forms[f"upload-{slot}"]
        upload["file"] = [(f"{slot}.pdf", PDF)]
        upload.submit("upload", status=302)
    leader.get(referral_url).forms["approve-form"].submit("approve", status=302)
    officer.get(referral_url).forms["send-form"].submit("send", status=302)
    seen = person("gaj.liaison").get(referral_url)
    assert texts(seen, "#penalty-decisions tbody td")[0] == title
    assert seen.html.select_one("#penalty-decisions a") is None
    assert "不停止执行" in text_of(seen, "#penalties-stay")


def test_a_fine_above_the_matters_amount_is_flagged_until_a_reason_is_recorded(
    officer, leader, supervisor, person
):
    admin = Browser(officer.app)
    admin.login(*ADMIN)
    page = admin.get("/@@referral-thresholds")
    form = page.forms["threshold-form"]
    form["matter"], form["amount"] = "", "-5"
    page = form.submit("add_threshold")
    assert "请填写事项关键词" in errors(page)
    assert "请填写金额（元），例如 50000 或 50000.50" in errors(page)
    form = page.forms["threshold-form"]
    form["matter"], form["amount"] = "食品安全法", "0"
    page = form.submit("add_threshold")
    assert "移送参考金额应大于 0" in errors(page)
    assert page.forms["threshold-form"]["matter"].value == "食品安全法"  # kept
    for login in ("sfj.supervisor", "ys.leader", "gaj.liaison"):
        person(login).get("/@@referral-thresholds", status=403)

    big = "某蛋糕店使用过期原料案"
    small = "某面包房标签不规范案"
    file_penalty(officer, big, 201, "《中华人民共和国食品安全法》第一百二十四条", fine="5000")
    file_penalty(officer, small, 202, "《中华人民共和国食品安全法》第一百二十五条", fine="2000")
    assert big not in dashboard_titles(officer)  # no amount set yet

    form = admin.get("/@@referral-thresholds").forms["threshold-form"]
    form["matter"], form["amount"] = "食品安全法", "3000"
    page = form.submit("add_threshold").follow()
    assert texts(page, ".threshold-row td")[:2] == ["食品安全法", "3,000.00"]
    assert big in dashboard_titles(officer) and small not in dashboard_titles(officer)
    assert big in flagged_on_supervisor_page(supervisor)
    # A higher amount takes it down, the lower one puts it back.
    for amount, flagged in (("10000", False), ("3000", True)):
        form = admin.get("/@@referral-thresholds").forms["threshold-form"]
        form["matter"], form["amount"] = "食品安全法", amount
        form.submit("add_threshold", status=302)
        assert (big in dashboard_titles(officer)) is flagged

    filing = officer.get("/").html.select_one("#panel-referral-flags").find("a", string=big)["href"]
    page = officer.get(filing)
    assert "罚款 5,000.00 元，超过“食品安全法”类案件的移送参考金额 3,000.00 元" in texts(
        page, ".portal-referral-reasons li"
    )
    # Only the principal records why it is not referred.
    assert "记录不移送理由" not in action_links(page)
    officer.post(filing + "@@no_referral", {"csrf_token": officer.csrf_token(), "reason": "x"}, status=403)
    page = leader.get(filing)
    assert "记录不移送理由" in action_links(page)
    form = page.click("记录不移送理由").forms["no_referral-form"]
    page = form.submit("no_referral")
    assert "请填写不移送公安机关的理由" in errors(page)
    form = page.forms["no_referral-form"]
    form["reason"] = "经审查，违法所得和货值均未达到刑事立案追诉标准，不涉嫌犯罪"
    page = form.submit("no_referral").follow()
    assert text_of(page, "#referral-flag") is None
    assert "不移送理由（鱼山镇主要领导" in text_of(page, "#no-referral-reason")
    assert "记录不移送理由" not in action_links(page)
    assert big not in dashboard_titles(officer)
    assert big not in flagged_on_supervisor_page(supervisor)
    unit, _, why, reason, _ = reason_rows(supervisor)[big]
    assert unit == "鱼山镇" and why.startswith("罚款 5,000.00 元") and "未达到刑事立案追诉标准" in reason

    # The amount removed: the filing is no longer suspected at all.
    page = admin.get("/@@referral-thresholds")
    form = [f for f in page.forms.values() if "remove" in f.fields][0]
    page = form.submit("remove").follow()
    assert "已删除“食品安全法”的移送参考金额" in page.text
    assert big not in reason_rows(supervisor)
