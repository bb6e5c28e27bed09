"""Penalty-decision filings as the people use them.

鱼山镇's officer files a penalty decision with 区市监局; the department's liaison returns it for
correction, the township corrects and submits it again, the department records it. Units with no
part in it are refused at every URL; wrong roles and wrong states are refused; bad input is shown
again with Chinese messages and everything typed kept.
"""

import datetime
import threading
import io

import transaction
from pypdf import PdfWriter
from webtest import Upload

from hypatia.query import Any, Eq

from portal.calendar import SHANGHAI, add_workdays, local_date, workdays_between
from portal.items.numbering import next_number

NEW = "/tenants/cj-yushan/@@new-penalty-filing"
PERSON_ID = "11010519491231002X"
COMPANY_ID = "91360202MA38ABCD1K"


def today():
    return local_date(datetime.datetime.now(SHANGHAI))


def workdays_ago(n):
    """The latest date ``n`` working days before today (by the official calendar)."""
    day = today()
    while workdays_between(day, today()) < n:
        day -= datetime.timedelta(days=1)
    return day


def pdf_bytes():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def complete_values(**changes):
    """What the officer types for a company fined for selling expired food."""
    values = {
        "department": "cj-scjgj",
        "title": "某某超市销售过期食品案",
        "party_type": "法人",
        "party_name": "景德镇某某超市有限公司",
        "party_id": COMPANY_ID,
        "party_address": "昌江区鱼山镇鱼山街 8 号",
        "facts": "2026 年当事人销售超过保质期的牛奶 12 盒",
        "evidence": "现场检查笔录、现场照片、询问笔录",
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条",
        "penalty_kinds": ["警告", "罚款"],
        "fine_amount": "5000",
        "performance": "自收到本决定书之日起十五日内到指定银行缴纳罚款",
        "performance_deadline": (today() + datetime.timedelta(days=15)).isoformat(),
        "deciding_organ": "鱼山镇人民政府",
        "decision_number": "鱼山镇罚决〔2026〕3号",
        "decision_date": workdays_ago(2).isoformat(),
        "case_filing_date": workdays_ago(20).isoformat(),
        "legal_review": True,
        "collective_discussion": True,
        "service_date": workdays_ago(1).isoformat(),
        "suspected_crime": False,
        "crime_note": "",
        "scan": ("决定书.pdf", pdf_bytes(), "application/pdf"),
    }
    values.update(changes)
    return values


def fill(form, values):
    for name, value in values.items():
        if name == "penalty_kinds":
            for box in form.fields["checkbox"]:
                box.checked = box._value in value
        elif name == "scan":
            if value is not None:
                form["upload"] = Upload(*value)
        elif isinstance(value, bool):
            form[name].checked = value
        else:
            form[name] = value
    return form


def typed(form):
    """What the form holds, as the person sees it (file inputs aside)."""
    values = {
        name: fields[0].value
        for name, fields in form.fields.items()
        if name
        not in (
            "checkbox",
            "upload",
            "csrf_token",
            "_charset_",
            "__formid__",
            "__start__",
            "__end__",
            "save",
            None,
        )
    }
    values["penalty_kinds"] = sorted(box._value for box in form.fields["checkbox"] if box.checked)
    values["legal_review"] = form["legal_review"].checked
    return values


def save_draft(browser, **changes):
    form = fill(browser.get(NEW).forms["penalty-filing"], complete_values(**changes))
    return form.submit("save", status=302).follow()


def press(page, button):
    """Press one of the item page's action buttons (a form with that button)."""
    for form in page.forms.values():
        if button in form.fields:
            return form.submit(button)
    raise AssertionError(f"no {button} button on {page.request.path}")


def field_error(page, name):
    """The error shown beside the form field whose control is named ``name``."""
    control = page.html.select_one(f"#penalty-filing [name='{name}']")
    group = control.find_parent(class_="form-group")
    return " ".join(error.text.strip() for error in group.select("[id^=error-]"))


def buttons(page):
    actions = page.html.select_one("#actions")
    return sorted(b.text.strip() for b in actions.select("button, a"))


def history(page):
    rows = page.html.select(".portal-history tbody tr")
    return [tuple(td.text.strip() for td in row.find_all("td")[1:]) for row in rows]


def login(browser_factory, who):
    person = browser_factory()
    person.login(who)
    return person


def submitted_filing(browser_factory, **changes):
    """鱼山镇 files one decision; returns (officer's browser, the filing's path)."""
    officer = login(browser_factory, "ys.officer")
    page = save_draft(officer, **changes)
    page = press(page, "submit").follow()
    return officer, page.request.path


# The whole flow


def test_file_return_correct_resubmit_and_record(browser_factory):
    officer = login(browser_factory, "ys.officer")
    listing = officer.get("/")
    assert "处罚决定备案" in [a.text for a in listing.html.select(".portal-nav a")]
    listing = listing.click("处罚决定备案")
    form_page = listing.click("新建处罚决定备案")
    form = form_page.forms["penalty-filing"]
    assert form["deciding_organ"].value == "鱼山镇"
    assert "六十日" in form["reconsideration"].value and "六个月" in form["litigation"].value
    fill(form, complete_values())
    page = form.submit("save", status=302).follow()
    path = page.request.path
    assert "已保存草稿" in page.text
    assert page.html.select_one("#state").text == "草稿"
    assert page.html.select_one("#number") is None
    assert page.html.select_one("#crime-warning") is None
    assert buttons(page) == ["修改", "报送"]
    assert "距决定日期已 2 个工作日（时限 5 个工作日）" in page.html.select_one("#timeliness").text
    fields = page.html.select_one("#fields").text
    for shown in (
        "景德镇某某超市有限公司",
        COMPANY_ID,
        "警告、罚款",
        "5,000.00 元",
        "鱼山镇罚决〔2026〕3号",
        "已进行",
        "已集体讨论决定",
        "食品安全法",
    ):
        assert shown in fields
    assert [a.text for a in page.html.select(".portal-attachments a")] == ["决定书.pdf"]
    download = page.click("决定书.pdf")
    assert download.content_type == "application/pdf" and download.body == pdf_bytes()

    page = press(page, "submit").follow()
    year = today().year
    assert page.html.select_one("#number").text == f"鱼山镇备〔{year}〕1号"
    assert page.html.select_one("#state").text == "已报送，待备案"
    assert "等待区市监局备案" in page.html.select_one("#waiting").text
    timeliness = page.html.select_one("#timeliness").text
    assert "报送用时 2 个工作日（时限 5 个工作日）" in timeliness and "超时" not in timeliness
    assert buttons(page) == []

    liaison = login(browser_factory, "scj.liaison")
    listing = liaison.get("/penalty-filings")
    row = listing.html.select_one("#filings tbody tr")
    assert row.select_one("td.state").text == "已报送，待备案"
    assert "鱼山镇" in row.text
    page = listing.click("某某超市销售过期食品案")
    assert page.request.path == path
    assert buttons(page) == ["备案", "退回补正"]
    return_page = page.click("退回补正")
    form = return_page.forms["return-filing"]
    form["reason"] = "当事人地址缺少门牌号，请补正"
    page = form.submit("return", status=302).follow()
    assert page.html.select_one("#state").text == "退回补正"
    assert buttons(page) == []

    page = officer.get(path)
    assert page.html.select_one("#return-reason").text.strip() == "退回补正理由：当事人地址缺少门牌号，请补正"
    assert "等待鱼山镇修改后重新报送" in page.html.select_one("#waiting").text
    assert buttons(page) == ["修改", "重新报送"]
    form_page = page.click("修改")
    assert "当事人地址缺少门牌号" in form_page.html.select_one("#return-reason").text
    form = form_page.forms["penalty-filing"]
    assert form["party_name"].value == "景德镇某某超市有限公司"
    assert form["decision_date"].value == workdays_ago(2).isoformat()
    form["party_address"] = "昌江区鱼山镇鱼山街 8 号 102 室"
    form["upload"] = Upload("决定书（补正）.pdf", pdf_bytes(), "application/pdf")
    page = form.submit("save", status=302).follow()
    assert "鱼山街 8 号 102 室" in page.html.select_one("#fields").text
    files = [a.text for a in page.html.select(".portal-attachments a")]
    assert files == ["决定书.pdf", "决定书（补正）.pdf"]
    page = press(page, "resubmit").follow()
    assert page.html.select_one("#state").text == "已重新报送，待备案"
    assert page.html.select_one("#number").text == f"鱼山镇备〔{year}〕1号"
    assert "报送用时 2 个工作日" in page.html.select_one("#timeliness").text

    page = press(liaison.get(path), "record").follow()
    assert page.html.select_one("#state").text == "已备案"
    assert page.html.select_one("#waiting") is None
    assert buttons(page) == []

    assert history(officer.get(path)) == [
        ("鱼山镇", "鱼山镇执法人员", "新建草稿", ""),
        ("鱼山镇", "鱼山镇执法人员", "报送", ""),
        ("区市监局", "市监局联系人", "退回补正", "当事人地址缺少门牌号，请补正"),
        ("鱼山镇", "鱼山镇执法人员", "修改", ""),
        ("鱼山镇", "鱼山镇执法人员", "重新报送", ""),
        ("区市监局", "市监局联系人", "备案", ""),
    ]

    second = press(save_draft(officer, title="某某餐馆未公示许可证案"), "submit").follow()
    assert second.html.select_one("#number").text == f"鱼山镇备〔{year}〕2号"
    states = [td.text for td in officer.get("/penalty-filings").html.select("#filings td.state")]
    assert states == ["已报送，待备案", "已备案"]


# Refusals


def test_units_with_no_part_are_refused_everywhere(browser_factory):
    officer, path = submitted_filing(browser_factory)
    download = officer.get(path).html.select_one(".portal-attachments a")["href"]
    for outsider in ("lm.officer", "cg.liaison"):
        other = login(browser_factory, outsider)
        token = other.csrf_token()
        other.get(path, status=403)
        other.get(download, status=403)
        other.get(path + "@@edit", status=403)
        other.get(path + "@@return", status=403)
        for action in ("edit", "submit", "record", "return"):
            other.post(path + "@@" + action, {"csrf_token": token, action: "1"}, status=403)
        assert "共 0 件" in other.get("/penalty-filings").text
        other.get(NEW, status=403)
    # A department's officer does not file penalty decisions, not even in its own unit.
    other.get("/tenants/cj-cgj/@@new-penalty-filing", status=403)


def test_the_department_cannot_edit_the_township_cannot_record_and_csrf_is_needed(browser_factory):
    officer, path = submitted_filing(browser_factory)
    liaison = login(browser_factory, "scj.liaison")
    liaison.get(path + "@@edit", status=403)
    liaison.post(path + "@@edit", {"csrf_token": liaison.csrf_token(), "save": "1"}, status=403)
    liaison.post(path + "@@submit", {"csrf_token": liaison.csrf_token()}, status=403)
    liaison.post(path + "@@record", {}, status=400)
    assert liaison.get(path).html.select_one("#state").text == "已报送，待备案"
    token = officer.csrf_token()
    officer.post(path + "@@record", {"csrf_token": token}, status=403)
    officer.post(path + "@@return", {"csrf_token": token, "reason": "x", "return": "1"}, status=403)
    page = officer.get(path + "@@edit").follow()
    assert "当前状态为“已报送，待备案”，不能修改" in page.text
    assert page.html.select_one("#state").text == "已报送，待备案"


def test_a_draft_cannot_be_recorded_or_seen_by_the_department(browser_factory):
    officer = login(browser_factory, "ys.officer")
    path = save_draft(officer).request.path
    liaison = login(browser_factory, "scj.liaison")
    liaison.get(path, status=403)
    liaison.post(path + "@@record", {"csrf_token": liaison.csrf_token()}, status=403)
    assert officer.get(path).html.select_one("#state").text == "草稿"


def test_a_recorded_filing_cannot_be_recorded_or_returned_again(browser_factory):
    _, path = submitted_filing(browser_factory)
    liaison = login(browser_factory, "scj.liaison")
    press(liaison.get(path), "record")
    token = liaison.csrf_token()
    page = liaison.post(path + "@@record", {"csrf_token": token}, status=302).follow()
    assert "当前状态为“已备案”，不能备案" in page.text
    page = liaison.post(
        path + "@@return", {"csrf_token": token, "reason": "再看看", "return": "1"}, status=302
    ).follow()
    assert "当前状态为“已备案”，不能退回补正" in page.text
    assert page.html.select_one("#state").text == "已备案"


def test_returning_without_a_reason_is_refused(browser_factory):
    _, path = submitted_filing(browser_factory)
    liaison = login(browser_factory, "scj.liaison")
    form = liaison.get(path + "@@return").forms["return-filing"]
    form["reason"] = "   "
    page = form.submit("return", status=200)
    assert "请填写退回补正的理由" in page.html.select_one("#return-filing").text
    assert "提交的内容有误" in page.text
    assert liaison.get(path).html.select_one("#state").text == "已报送，待备案"


# Bad input: the message, and everything typed kept


#: (what the officer typed differently, the field, the message shown beside it)
BAD_INPUT = [
    (
        {"party_type": "个人", "party_name": "张三", "party_id": "110105194912310021"},
        "party_id",
        "公民身份号码校验位不正确",
    ),
    ({"party_id": "12345"}, "party_id", "请填写 18 位公民身份号码（个人）或统一社会信用代码"),
    ({"party_type": "个人", "party_id": COMPANY_ID}, "party_id", "当事人为个人时，请填写 18 位公民身份号码"),
    ({"decision_number": "鱼山镇罚决[2026]第03号"}, "decision_number", "决定书文号格式不正确"),
    ({"fine_amount": ""}, "fine_amount", "处罚种类选择了“罚款”，请填写罚款金额（元）"),
    ({"penalty_kinds": ["警告"]}, "fine_amount", "未选择“罚款”处罚种类，请勿填写罚款金额"),
    ({"penalty_kinds": [], "fine_amount": ""}, "checkbox", "请至少选择一种处罚种类"),
    ({"service_date": workdays_ago(5).isoformat()}, "service_date", "送达日期不能早于决定日期"),
    ({"fine_amount": "五千"}, "fine_amount", "请填写金额（元），例如 5000 或 5000.50"),
    (
        {"decision_date": (today() + datetime.timedelta(days=1)).isoformat()},
        "decision_date",
        "日期不能晚于今天",
    ),
    (
        {"case_filing_date": today().isoformat(), "decision_date": workdays_ago(3).isoformat()},
        "case_filing_date",
        "立案日期不能晚于决定日期",
    ),
    ({"scan": None}, "scan", "请上传处罚决定书扫描件。请重新选择文件"),
    (
        {"scan": ("决定书.pdf", b"MZ\x90\x00 a program", "application/pdf")},
        "scan",
        "内容不是PDF 文件，与文件扩展名不符，已拒收。请重新选择文件",
    ),
    ({"scan": ("决定书.docx", b"PK\x03\x04", "application/octet-stream")}, "scan", "请重新选择文件"),
]


def test_bad_input_is_explained_and_everything_typed_is_kept(browser):
    browser.login("ys.officer")
    for changes, field, message in BAD_INPUT:
        form = fill(browser.get(NEW).forms["penalty-filing"], complete_values(**changes))
        before = typed(form)
        page = form.submit("save", status=200)
        shown = field_error(page, "upload" if field == "scan" else field)
        assert message in shown, (changes, shown)
        notice = page.html.select_one("#form-error").text
        assert "已选择的文件不会保留，请重新选择处罚决定书扫描件" in notice
        assert typed(page.forms["penalty-filing"]) == before
        assert page.forms["penalty-filing"]["upload"].value == ""
    assert "共 0 件" in browser.get("/penalty-filings").text


# Timeliness


def test_a_decision_ten_working_days_old_is_filed_late(browser_factory):
    officer, path = submitted_filing(
        browser_factory, decision_date=workdays_ago(10).isoformat(), case_filing_date="", service_date=""
    )
    timeliness = officer.get(path).html.select_one("#timeliness")
    assert "报送用时 10 个工作日（时限 5 个工作日）" in timeliness.text
    assert timeliness.select_one(".overdue").text == "超时"
    row = officer.get("/penalty-filings").html.select_one("#filings tbody tr")
    assert "10 个工作日" in row.text and "超时" in row.text


def test_the_limit_is_a_setting(site_dir):
    from tests.conftest import Browser, close_app, make_app

    app = make_app(site_dir, **{"portal.filing_limit_workdays": "1"})
    try:
        officer = Browser(app)
        officer.login("ys.officer")
        page = press(save_draft(officer), "submit").follow()
        timeliness = page.html.select_one("#timeliness")
        assert "报送用时 2 个工作日（时限 1 个工作日）" in timeliness.text
        assert timeliness.select_one(".overdue").text == "超时"
    finally:
        transaction.abort()
        close_app(app)


# The clock: whose move it is, and by when


def awaited_by(root, unit):
    """Names of the filings the catalog lists as awaiting ``unit``, read afresh."""
    transaction.begin()
    catalog = root["catalogs"]["portal"]
    query = Eq(catalog["item_type"], "penalty_filing") & Any(catalog["awaiting"], [unit])
    return sorted(filing.__name__ for filing in query.execute().all())


def test_the_clock_follows_whose_move_it_is(browser_factory, root):
    _, path = submitted_filing(browser_factory)
    name = path.strip("/").split("/")[-1]
    assert awaited_by(root, "cj-scjgj") == [name]
    filing = root["tenants"]["cj-yushan"][name]
    assert filing.due == add_workdays(today(), 5)
    liaison = login(browser_factory, "scj.liaison")
    form = liaison.get(path + "@@return").forms["return-filing"]
    form["reason"] = "扫描件不清晰"
    form.submit("return", status=302)
    assert awaited_by(root, "cj-scjgj") == []
    assert awaited_by(root, "cj-yushan") == [name]
    assert root["tenants"]["cj-yushan"][name].due is None


# Suspected crime


def test_a_suspected_crime_is_flagged(browser_factory, root):
    officer, path = submitted_filing(
        browser_factory, suspected_crime=True, crime_note="销售金额较大，涉嫌销售伪劣产品罪"
    )
    page = officer.get(path)
    assert page.html.select_one("#crime-badge").text == "涉嫌犯罪"
    warning = page.html.select_one("#crime-warning").text
    assert "不得以罚代刑：涉嫌犯罪案件应移送公安机关" in warning and "涉嫌销售伪劣产品罪" in warning
    transaction.begin()
    filing = root["tenants"]["cj-yushan"][path.strip("/").split("/")[-1]]
    assert filing.crime_flag is True
    liaison = login(browser_factory, "scj.liaison")
    assert liaison.get(path).html.select_one("#crime-warning") is not None
    supervisor = login(browser_factory, "sfj.supervisor")
    row = supervisor.get("/penalty-filings").html.select_one("#filings tbody tr")
    assert row.select_one(".label-danger").text == "涉嫌犯罪"


# Numbering under concurrency


def test_two_transactions_numbering_at_once_get_different_numbers_without_conflict(app):
    """A number is taken in a short transaction of its own: two filings in progress at once get
    consecutive numbers, and neither has to be done again."""
    db = app.registry._zodb_databases[""]
    managers = [transaction.TransactionManager() for _ in range(3)]
    connections = [db.open(transaction_manager=tm) for tm in managers]
    try:

        def tenant(i):
            return connections[i].root()["app_root"]["tenants"]["cj-yushan"]

        managers[0].begin()
        assert next_number(tenant(0), "鱼山镇备", 2026) == "鱼山镇备〔2026〕1号"
        managers[0].commit()

        managers[1].begin()
        managers[2].begin()
        assert next_number(tenant(1), "鱼山镇备", 2026) == "鱼山镇备〔2026〕2号"
        assert next_number(tenant(2), "鱼山镇备", 2026) == "鱼山镇备〔2026〕3号"
        tenant(1).title = tenant(1).title
        managers[1].commit()
        managers[2].commit()
    finally:
        for tm, conn in zip(managers, connections, strict=True):
            tm.abort()
            conn.close()


def test_many_people_numbering_at_once_get_every_number_once(app):
    db = app.registry._zodb_databases[""]
    taken, errors = [], []

    def person():
        tm = transaction.TransactionManager()
        conn = db.open(transaction_manager=tm)
        try:
            for _ in range(15):
                tm.begin()
                tenant = conn.root()["app_root"]["tenants"]["cj-lvmeng"]
                taken.append(next_number(tenant, "吕蒙街道备", 2026))
                tm.commit()
        except Exception as error:  # a failure is reported below, with the numbers
            errors.append(error)
        finally:
            conn.close()

    people = [threading.Thread(target=person) for _ in range(6)]
    for thread in people:
        thread.start()
    for thread in people:
        thread.join()
    assert errors == []
    assert sorted(taken) == sorted(f"吕蒙街道备〔2026〕{n}号" for n in range(1, 91))
