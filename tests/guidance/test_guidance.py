"""Guidance and training as the people use it: 区市监局 records a centralised training for 鱼山镇 and
吕蒙街道 and, once held, its sign-in sheet; the two townships and the supervisor see it, 丽阳镇 does
not. 鱼山镇 asks for on-site coaching; the department answers by arranging it, and the request links
to the activity and is closed. Each unit's yearly record counts what it gave and received.
"""

import datetime

import pytest
import transaction

from portal.calendar import SHANGHAI
from portal.items import now
from portal.notifications import inbox_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00photo"


def text_of(page, selector):
    node = page.html.select_one(selector)
    return None if node is None else " ".join(node.text.split())


def errors(page):
    return [" ".join(e.text.split()) for e in page.html.select(".help-block, .errorMsg, .error")]


def fields(page):
    """The item page's fields, ``{label: text}``."""
    terms = page.html.select(".portal-fields dt")
    return {dt.text.strip(): " ".join(dt.find_next_sibling("dd").text.split()) for dt in terms}


def links(page):
    """The item page's links to the request or activity it goes with, ``{label: (href, text)}``."""
    found = {}
    for dt in page.html.select(".portal-links dt"):
        dd = dt.find_next_sibling("dd")
        anchor = dd.find("a")
        found[dt.text.strip()] = (anchor["href"] if anchor else None, " ".join(dd.text.split()))
    return found


def buttons(page):
    actions = page.html.select(".portal-actions form button, .portal-actions a")
    return sorted(" ".join(a.text.split()) for a in actions)


def history(page):
    return [" ".join(td.text.split()) for td in page.html.select(".portal-history td:nth-of-type(4)")]


def tick(form, *values):
    """Tick exactly these units (deform names every box of a choice "checkbox")."""
    boxes = form.fields["checkbox"]
    for box in boxes:
        box.checked = box._value in values
    missing = set(values) - {box._value for box in boxes}
    assert not missing, f"no checkbox {missing}"


def moment(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M")


def record_activity(browser, title, kind, starts_at, units, place="区市监局三楼会议室", files=None):
    """The department's officer records an activity through the guidance page."""
    page = browser.get("/").click("指导培训", href="guidance").click("登记指导培训活动")
    form = page.forms["guidance-activity-form"]
    form["title"] = title
    form["kind"] = kind
    form["starts_at"] = starts_at
    form["place"] = place
    tick(form, *units)
    form["people"] = "授课：市监局 张明；参加：各乡镇（街道）执法人员"
    form["outline"] = "食品经营许可现场核查要点、抽样程序和案卷制作规范。"
    if files is not None:
        form["file"] = files
    return form.submit("save").follow()


def hold(browser, url, attendance="鱼山镇 张三、李四；吕蒙街道 王五", held_at=None, files=None):
    form = browser.get(url).click("登记举办情况").forms["hold-form"]
    if held_at is not None:
        form["held_at"] = held_at
    form["attendance"] = attendance
    form["summary"] = "讲授了抽样程序，现场解答了 6 个问题。"
    if files is not None:
        form["file"] = files
    return form.submit("hold").follow()


def later(days=7, hour=9):
    day = now() + datetime.timedelta(days=days)
    return f"{day:%Y-%m-%d} {hour:02d}:30"


@pytest.fixture(scope="module")
def liyang(app):
    """丽阳镇 has no demo login: the portal admin adds its officer on the unit's members page."""
    from tests.conftest import Browser

    admin = Browser(app)
    admin.login("admin", "admin12345")
    form = admin.get("/tenants/cj-liyang/@@members").forms["new-person"]
    form["login"] = "ly.officer"
    form["display_name"] = "丽阳镇执法人员"
    form.set("password", "liyang-pass-1", index=0)
    form.set("password-confirm", "liyang-pass-1", index=0)
    for box in form.fields["checkbox"]:
        box.checked = box._value in ("officer", "liaison")
    assert form.submit("add_person").status_int == 302
    person = Browser(app)
    person.login("ly.officer", "liyang-pass-1")
    return person


def inbox(root, login, word):
    transaction.abort()
    box = inbox_of(root, login)
    texts = [n.text for _, n in reversed(box.latest())] if box is not None else []
    return [text for text in texts if word in text]


def test_centralised_training_with_two_townships_and_a_sign_in_sheet(person, liyang, app):
    officer = person("scj.officer")
    starts = later(10)
    page = record_activity(
        officer,
        "食品安全抽样检查业务培训",
        "集中培训",
        starts,
        ["cj-yushan", "cj-lvmeng"],
        files=[("培训通知.pdf", PDF)],
    )
    url = page.request.path
    assert text_of(page, ".portal-state") == "已安排"
    assert text_of(page, ".portal-number").startswith("昌市监训〔")
    shown = fields(page)
    assert shown["形式"] == "集中培训"
    assert shown["时间"] == starts
    assert shown["组织单位"] == "区市监局"
    assert shown["参加单位"] == "吕蒙街道、鱼山镇"
    assert "培训通知.pdf" in text_of(page, ".portal-attachments")
    assert buttons(page) == ["取消", "登记举办情况", "补充材料", "调整时间"]

    # The training took place; the officer records who came and uploads the sign-in sheet.
    form = officer.get(url).click("登记举办情况").forms["hold-form"]
    held = now() - datetime.timedelta(hours=2)
    form["held_at"] = f"{held:%Y-%m-%d %H:%M}"
    form["attendance"] = "鱼山镇 张三、李四；吕蒙街道 王五"
    form["file"] = [("签到表.pdf", PDF), ("现场照片.jpg", JPG)]
    page = form.submit("hold").follow()
    assert text_of(page, ".portal-state") == "已举办"
    assert fields(page)["实际举办时间"] == f"{held:%Y-%m-%d %H:%M}"
    assert fields(page)["实到人员"] == "鱼山镇 张三、李四；吕蒙街道 王五"
    attachments = text_of(page, ".portal-attachments")
    assert "签到表.pdf" in attachments and "现场照片.jpg" in attachments
    sheet = next(a["href"] for a in page.html.select(".portal-attachments a") if a.text == "签到表.pdf")
    assert history(page) == ["登记", "登记举办情况"]
    assert buttons(page) == ["补充材料"]

    # Both townships see it in their list, open it and download the sign-in sheet.
    for login in ("ys.officer", "lm.officer"):
        township = person(login)
        listing = township.get("/@@guidance")
        page = listing.click("食品安全抽样检查业务培训", href=url)
        assert text_of(page, ".portal-state") == "已举办"
        assert buttons(page) == []
        assert township.get(sheet).body == PDF
    # So does the supervisor, read-only.
    supervisor = person("sfj.supervisor")
    assert text_of(supervisor.get(url), "h1") == "食品安全抽样检查业务培训"
    assert buttons(supervisor.get(url)) == []
    # 丽阳镇 took no part: it sees nothing of it.
    liyang.get(url, status=403)
    liyang.get(sheet, status=403)
    assert "食品安全抽样检查业务培训" not in liyang.get("/@@guidance").text
    # Neither may a township hold or cancel the department's activity.
    township = person("ys.officer")
    token = township.csrf_token()
    township.get(url + "@@hold", status=403)
    township.post(url + "@@cancel", {"csrf_token": token}, status=403)


def test_townships_taking_part_are_told_and_a_cancellation_reaches_them(person, root):
    officer = person("scj.officer")
    starts = later(20)
    page = record_activity(
        officer, "电子秤计量执法座谈", "座谈", starts, ["cj-yushan"], place="鱼山镇政府会议室"
    )
    url = page.request.path
    number = text_of(page, ".portal-number")
    told = f"区市监局定于 {starts} 在鱼山镇政府会议室举办座谈《电子秤计量执法座谈》（{number}），本单位为参加单位，请安排人员参加"
    assert inbox(root, "ys.officer", "电子秤计量") == [told]
    assert inbox(root, "lm.officer", "电子秤计量") == []

    # Moved by a day: the township hears of it; the old time stays on the page.
    form = officer.get(url).click("调整时间").forms["reschedule-form"]
    assert form["starts_at"].value == starts.replace(" ", "T")
    refused = form.submit("reschedule")
    assert "请填写调整理由" in errors(refused)
    form = refused.forms["reschedule-form"]
    form["reason"] = "与专项检查冲突"
    refused = form.submit("reschedule")
    assert "时间和地点都与原定的相同，请填写新的时间或地点" in errors(refused)
    form = refused.forms["reschedule-form"]
    moved = later(21)
    form["starts_at"] = moved
    page = form.submit("reschedule").follow()
    assert fields(page)["时间"] == moved
    assert text_of(page, ".portal-section li") == f"{starts} 改为 {moved}。理由：与专项检查冲突"
    assert inbox(root, "ys.officer", "电子秤计量")[-1] == (
        f"区市监局调整了《电子秤计量执法座谈》（{number}）：{starts} 改为 {moved}。理由：与专项检查冲突"
    )

    # Cancelled: it can no longer be held, and the township hears why.
    form = officer.get(url).click("取消").forms["cancel-form"]
    form["reason"] = "主讲人临时出差"
    page = form.submit("cancel").follow()
    assert text_of(page, ".portal-state") == "已取消"
    assert fields(page)["取消理由"] == "主讲人临时出差"
    assert buttons(page) == []
    page = officer.get(url + "@@hold").follow()
    assert "当前状态为“已取消”，不能登记举办情况" in text_of(page, ".alert-danger")
    assert inbox(root, "ys.officer", "电子秤计量")[-1] == (
        f"区市监局取消了原定 {moved} 的《电子秤计量执法座谈》（{number}）：主讲人临时出差"
    )


def ask_for_guidance(
    township, title="关于食品经营许可现场核查的业务指导", kind="上门辅导", start=None, end=None
):
    page = township.get("/").click("指导培训", href="guidance").click("申请业务指导")
    form = page.forms["guidance-request-form"]
    form["title"] = title
    form["department"] = "cj-scjgj"
    form["needs"] = "新入职执法人员不熟悉现场核查程序和执法记录仪的使用，希望部门派员到镇上辅导。"
    form["preferred_kind"] = kind
    form["preferred_from"] = start or f"{now() + datetime.timedelta(days=3):%Y-%m-%d}"
    form["preferred_to"] = end or f"{now() + datetime.timedelta(days=14):%Y-%m-%d}"
    form["file"] = [("问题清单.pdf", PDF)]
    return form.submit("save").follow()


def test_township_asks_for_on_site_coaching_and_the_department_arranges_it(person, root, liyang):
    township = person("ys.officer")
    page = ask_for_guidance(township)
    url = page.request.path
    assert text_of(page, ".portal-state") == "待部门安排"
    assert text_of(page, ".portal-number").startswith("鱼山镇导〔")
    number = text_of(page, ".portal-number")
    assert text_of(page, ".portal-waiting") == "等待区市监局安排业务指导"
    assert page.html.select_one(".portal-due") is None  # the seed sets no time for an answer
    shown = fields(page)
    assert shown["被申请部门"] == "区市监局"
    assert shown["希望的形式"] == "上门辅导"
    assert shown["已等待"].startswith("0 天（0 个工作日），自 ")
    assert buttons(page) == ["撤回申请"]
    told = inbox(root, "scj.liaison", "现场核查的业务指导")
    assert len(told) == 1 and told[0].startswith(
        f"鱼山镇申请业务指导：《关于食品经营许可现场核查的业务指导》（{number}），希望的形式：上门辅导"
    )

    # The department finds it in its to-do list and on the guidance page, with how long it waited.
    liaison = person("scj.liaison")
    assert "关于食品经营许可现场核查的业务指导" in text_of(liaison.get("/todo"), "body")
    guidance = liaison.get("/@@guidance")
    assert "关于食品经营许可现场核查的业务指导" in text_of(guidance, ".portal-open-requests")
    page = guidance.click("关于食品经营许可现场核查的业务指导", href=url)
    assert buttons(page) == ["安排指导活动"]
    # Other units see nothing of it.
    liyang.get(url, status=403)
    person("cg.liaison").get(url, status=403)
    person("cg.liaison").get(url + "@@schedule", status=403)

    # The department arranges the coaching: the form starts from the request.
    form = page.click("安排指导活动").forms["schedule-form"]
    assert form["title"].value == "关于食品经营许可现场核查的业务指导"
    assert form["kind"].value == "上门辅导"
    assert [box._value for box in form.fields["checkbox"] if box.checked] == ["cj-yushan"]
    tick(form, "cj-lvmeng")
    form["starts_at"] = "2020-01-06 09:30"
    refused = form.submit("schedule")
    assert "这是答复鱼山镇申请的活动，参加单位须包括鱼山镇" in errors(refused)
    assert any(m.startswith("时间不能早于申请提出的日期") for m in errors(refused))
    form = refused.forms["schedule-form"]
    tick(form, "cj-yushan", "cj-lvmeng")
    starts = later(5, hour=14)
    form["starts_at"] = starts
    form["place"] = "鱼山镇综合行政执法队"
    page = form.submit("schedule").follow()
    assert page.request.path == url
    assert text_of(page, ".portal-state") == "已安排指导"
    assert page.html.select_one(".portal-waiting") is None
    assert "提出至安排" in fields(page)
    href, text = links(page)["已安排活动"]
    assert text.endswith(f"《关于食品经营许可现场核查的业务指导》，上门辅导，{starts}")
    assert text.startswith("昌市监训〔")
    assert buttons(page) == []

    # The activity links back; the township reads both; the request has left the to-do list.
    activity = liaison.get(href)
    assert text_of(activity, ".portal-state") == "已安排"
    assert links(activity)["应申请安排"] == (
        "http://localhost" + url,
        f"{number}《关于食品经营许可现场核查的业务指导》（鱼山镇）",
    )
    assert fields(activity)["参加单位"] == "吕蒙街道、鱼山镇"
    assert text_of(township.get(href), "h1") == "关于食品经营许可现场核查的业务指导"
    assert links(township.get(url))["已安排活动"][0] == href
    assert "关于食品经营许可现场核查的业务指导" not in text_of(liaison.get("/todo"), "body")
    assert "关于食品经营许可现场核查的业务指导" not in text_of(
        liaison.get("/@@guidance"), ".portal-open-requests"
    )
    assert history(township.get(url)) == ["提出申请", "安排指导"]

    # 鱼山镇 hears once, from its request; 吕蒙街道, invited too, from the activity.
    arranged = inbox(root, "ys.officer", "现场核查的业务指导")
    assert arranged == [
        f"区市监局已就本单位的业务指导申请《关于食品经营许可现场核查的业务指导》安排上门辅导"
        f"《关于食品经营许可现场核查的业务指导》（{text.split('《')[0]}），时间 {starts}"
    ]
    assert len(inbox(root, "lm.officer", "现场核查的业务指导")) == 1
    # It is answered: it can no longer be withdrawn, nor answered twice.
    page = township.post(url + "@@withdraw", {"csrf_token": township.csrf_token(), "reason": "x"}).follow()
    assert "当前状态为“已安排指导”，不能撤回" in text_of(page, ".alert-danger")
    page = liaison.get(url + "@@schedule").follow()
    assert "当前状态为“已安排指导”，不能安排指导" in text_of(page, ".alert-danger")


def test_a_withdrawn_request_leaves_the_department_told(person, root):
    township = person("ys.officer")
    url = ask_for_guidance(township, title="关于执法记录仪使用的咨询", kind="咨询").request.path
    form = township.get(url).click("撤回申请").forms["withdraw-form"]
    refused = form.submit("withdraw")
    assert "请填写撤回理由" in errors(refused)
    form = refused.forms["withdraw-form"]
    form["reason"] = "已通过电话咨询解决"
    page = form.submit("withdraw").follow()
    assert text_of(page, ".portal-state") == "已撤回"
    assert (
        inbox(root, "scj.liaison", "执法记录仪使用")[-1]
        == "鱼山镇撤回了业务指导申请《关于执法记录仪使用的咨询》：已通过电话咨询解决"
    )
    liaison = person("scj.liaison")
    assert buttons(liaison.get(url)) == []
    assert "关于执法记录仪使用的咨询" not in text_of(liaison.get("/todo"), "body")


def counts(page):
    """The record page's table: ``{kind: (given, received)}`` (and 合计)."""
    table = {}
    for row in page.html.select("#guidance-counts tr[data-kind]"):
        cells = [cell.text.strip() for cell in row.find_all(["td", "th"])]
        table[row["data-kind"]] = (int(cells[1]), int(cells[2]))
    return table


def titles(page, table):
    return [" ".join(a.text.split()) for a in page.html.select(f"#{table} td a")]


def test_the_yearly_record_counts_what_was_given_and_received(person):
    """2024, a year no other test writes in: 区市监局 held a training for 鱼山镇 and 吕蒙街道 and
    coached 鱼山镇 on site; it planned a discussion with 吕蒙街道 (not held) and cancelled an
    inspection; 区城管局 held a consultation with 鱼山镇."""
    scj = person("scj.officer")
    url = record_activity(
        scj, "2024 集中培训", "集中培训", "2024-03-05 09:00", ["cj-yushan", "cj-lvmeng"]
    ).request.path
    hold(scj, url, held_at="2024-03-05 09:00", files=[("签到表.pdf", PDF)])
    url = record_activity(scj, "2024 上门辅导", "上门辅导", "2024-05-10 14:00", ["cj-yushan"]).request.path
    hold(scj, url, held_at="2024-05-11 14:00")
    record_activity(scj, "2024 座谈", "座谈", "2024-11-20 09:00", ["cj-lvmeng"])
    url = record_activity(scj, "2024 现场检查", "现场检查", "2024-06-01 09:00", ["cj-yushan"]).request.path
    form = scj.get(url).click("取消").forms["cancel-form"]
    form["reason"] = "检查对象已停业"
    form.submit("cancel")
    # Held on the last evening of 2023 (planned for 2024): it counts in 2023.
    url = record_activity(scj, "2023 跨年培训", "集中培训", "2024-01-02 09:00", ["cj-yushan"]).request.path
    hold(scj, url, held_at="2023-12-31 19:00")
    cg = person("cg.liaison")
    url = record_activity(
        cg, "2024 占道经营咨询", "咨询", "2024-07-01 10:00", ["cj-yushan"], place=""
    ).request.path
    hold(cg, url, held_at="2024-07-01 10:00")

    page = scj.get("/@@guidance").click("本单位年度指导培训记录")
    assert page.request.GET["year"] == str(now().year)
    page = scj.get("/@@guidance-record?year=2024")
    assert text_of(page, "h1") == "区市监局 2024 年业务指导培训记录"
    table = counts(page)
    assert table["集中培训"] == (1, 0)
    assert table["上门辅导"] == (1, 0)
    assert table["座谈"] == (0, 0)
    assert table["现场检查"] == (0, 0)
    assert table["咨询"] == (0, 0)
    assert table["合计"] == (2, 0)
    assert titles(page, "guidance-given") == ["2024 集中培训", "2024 上门辅导", "2024 现场检查", "2024 座谈"]
    assert titles(page, "guidance-received") == []
    assert counts(scj.get("/@@guidance-record?year=2023"))["合计"] == (1, 0)

    township = person("ys.officer")
    page = township.get("/@@guidance-record?year=2024")
    assert text_of(page, "h1") == "鱼山镇 2024 年业务指导培训记录"
    table = counts(page)
    assert (table["集中培训"], table["上门辅导"], table["咨询"], table["现场检查"]) == (
        (0, 1),
        (0, 1),
        (0, 1),
        (0, 0),
    )
    assert table["合计"] == (0, 3)
    assert titles(page, "guidance-received") == [
        "2024 集中培训",
        "2024 上门辅导",
        "2024 现场检查",
        "2024 占道经营咨询",
    ]
    # The received list says who organised each.
    organisers = [row.find_all("td")[3].text for row in page.html.select("#guidance-received tbody tr")]
    assert organisers == ["区市监局", "区市监局", "区市监局", "区城管局"]

    page = person("lm.officer").get("/@@guidance-record?year=2024")
    assert counts(page)["集中培训"] == (0, 1)
    assert counts(page)["座谈"] == (0, 0)  # planned, not held
    assert counts(page)["合计"] == (0, 1)
    assert titles(page, "guidance-received") == ["2024 集中培训", "2024 座谈"]

    # The supervisor reads any unit's record, from its own; another township may not.
    page = person("sfj.supervisor").get("/@@guidance-record?year=2024")
    assert text_of(page, "h1") == "区司法局 2024 年业务指导培训记录"
    page = page.click("鱼山镇", href="cj-yushan")
    assert text_of(page, "h1") == "鱼山镇 2024 年业务指导培训记录"
    assert counts(page)["合计"] == (0, 3)
    assert page.html.select_one(".portal-other-units") is not None
    assert township.get("/@@guidance-record?year=2024").html.select_one(".portal-other-units") is None
    person("lm.officer").get("/tenants/cj-yushan/@@guidance-record?year=2024", status=403)
    # A year with nothing in it says so.
    page = township.get("/@@guidance-record?year=2001")
    assert counts(page)["合计"] == (0, 0)
    assert "2001 年没有本单位参加的业务指导培训。" in text_of(page, "body")


@pytest.mark.parametrize(
    "year", ["1", "0", "-5", "abc", "2026.5", "99999999999999999999999", "20２6", "1999"]
)
def test_an_absurd_year_is_refused_in_chinese(person, year):
    page = person("ys.officer").get("/@@guidance-record", {"year": year}, status=400)
    assert text_of(page, "#bad-request").startswith("年份应为 2000 到 ")
    person("sfj.supervisor").get("/tenants/cj-yushan/@@guidance-record", {"year": year}, status=400)


def test_the_record_without_a_year_is_this_years(person):
    page = person("ys.officer").get("/@@guidance-record")
    assert text_of(page, "h1") == f"鱼山镇 {now().year} 年业务指导培训记录"


def test_bad_input_on_the_activity_form_is_explained_and_kept(person):
    officer = person("scj.officer")
    form = officer.get("/tenants/cj-scjgj/@@new-guidance-activity").forms["guidance-activity-form"]
    form["title"] = "执法" * 200
    form["outline"] = "讲授\x00内容"
    form["starts_at"] = "0001-01-01 09:00"
    form["place"] = "区市监局三楼"
    form["file"] = [("课件.pdf", b"MZ\x90\x00 not a pdf")]
    refused = form.submit("save")
    assert refused.status_int == 200
    messages = errors(refused)
    for message in (
        "主题最多 100 个字（现有 400 个字），请删减后重新提交",
        "请选择形式：集中培训、上门辅导、座谈、咨询、邀请参加现场检查、邀请参加调查取证、邀请参加应急处置、邀请参加案卷制作",
        "时间不能早于 2000-01-01，请核对年份",
        "请至少选择一个参加单位",
    ):
        assert message in messages
    assert any(m.startswith("内容不能包含空字符") for m in messages)
    assert any("“课件.pdf”的内容不是PDF 文件" in m for m in messages)
    assert "如选择了附件，请重新选择" in text_of(refused, ".alert-danger")
    assert refused.forms["guidance-activity-form"]["place"].value == "区市监局三楼"
    form = refused.forms["guidance-activity-form"]
    form["starts_at"] = "2026-13-45 09:00"
    assert "请按“年-月-日 时:分”填写，例如 2026-11-27 09:30" in errors(form.submit("save"))
    # Only the units of the list, only townships.
    form = officer.get("/tenants/cj-scjgj/@@new-guidance-activity").forms["guidance-activity-form"]
    assert sorted(box._value for box in form.fields["checkbox"]) == [
        "cj-hetang",
        "cj-liyang",
        "cj-lvmeng",
        "cj-yushan",
    ]


def test_bad_input_on_the_hold_and_request_forms_is_explained(person):
    officer = person("scj.officer")
    url = record_activity(officer, "案卷制作规范带教", "案卷制作", later(1), ["cj-yushan"]).request.path
    form = officer.get(url + "@@hold").forms["hold-form"]
    form["held_at"] = later(3)
    form["attendance"] = "  "
    refused = form.submit("hold")
    assert "实际举办时间不能晚于现在" in errors(refused)
    assert "请填写实到人员" in errors(refused)
    assert text_of(officer.get(url), ".portal-state") == "已安排"
    form = officer.get(url + "@@materials").forms["materials-form"]
    assert "请选择要补充的材料文件" in errors(form.submit("materials"))

    township = person("ys.officer")
    form = township.get("/tenants/cj-yushan/@@new-guidance-request").forms["guidance-request-form"]
    form["title"] = "关于抽样程序的指导"
    form["preferred_from"] = f"{now() - datetime.timedelta(days=2):%Y-%m-%d}"
    form["preferred_to"] = f"{now() - datetime.timedelta(days=5):%Y-%m-%d}"
    refused = form.submit("save")
    messages = errors(refused)
    today = now().astimezone(SHANGHAI).date()
    for message in (
        "请选择被申请部门",
        "请填写需要指导的内容",
        "请选择希望的形式：集中培训、上门辅导、座谈、咨询、邀请参加现场检查、邀请参加调查取证、邀请参加应急处置、邀请参加案卷制作、由部门确定",
        f"希望最早日期不能早于今天（{today:%Y-%m-%d}）",
    ):
        assert message in messages
    form = refused.forms["guidance-request-form"]
    assert form["title"].value == "关于抽样程序的指导"
    form["department"] = "cj-scjgj"
    form["needs"] = "抽样程序"
    form["preferred_kind"] = "不限"
    form["preferred_from"] = f"{today + datetime.timedelta(days=9):%Y-%m-%d}"
    form["preferred_to"] = f"{today + datetime.timedelta(days=2):%Y-%m-%d}"
    refused = form.submit("save")
    assert "希望最晚日期不能早于希望最早日期" in errors(refused)
    assert "请选择被申请部门" not in errors(refused)
    # A township may only ask departments; a department may not ask at all, nor a township record.
    offered = [option[0] for option in form["department"].options]
    assert "cj-scjgj" in offered and "cj-cgj" in offered
    assert "cj-lvmeng" not in offered and "cj-yushan" not in offered
    person("scj.liaison").get("/tenants/cj-scjgj/@@new-guidance-request", status=403)
    township.get("/tenants/cj-yushan/@@new-guidance-activity", status=403)
    township.get("/tenants/cj-scjgj/@@new-guidance-activity", status=403)
