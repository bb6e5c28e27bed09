"""法规文件下发 as people do it: 区市监局 publishes to two townships, they sign, the laggard is chased.

Everything goes through the real app: the officer fills the form, the townships' people find the
document in their list and sign, the publisher reads the signing table; a third township, a township
officer and the wrong roles are refused at every URL.
"""

import io

import pypdf
import pytest
import transaction
from hypatia.query import Any
from webtest import Upload

from portal.items import now
from portal.regulations import Regulation
from tests.conftest import Browser, close_app, make_app

TITLE = "关于加强食品安全行政执法协作的通知"


def make_pdf():
    """A tiny valid one-page PDF."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tick(form, value):
    """Tick the checkbox with this value (deform names every box of a choice "checkbox")."""
    for field in form.fields["checkbox"]:
        if field._value == value:
            field.checked = True
            return
    raise AssertionError(f"no checkbox {value!r}")


def fill(form, title=TITLE, number="昌市监发〔2024〕7号", recipients=("cj-yushan", "cj-lvmeng"), upload=None):
    form["category"] = "行政规范性文件"
    form["title"] = title
    form["issuing_number"] = number
    form["issuing_organ"] = "区市场监督管理局"
    form["issue_date"] = "2024-05-06"
    form["body"] = "各乡镇（街道）：现将食品安全执法协作有关事项通知如下。"
    for code in recipients:
        tick(form, code)
    if upload is not None:
        form["upload"] = upload  # a list: the input takes several files
    return form


def publish_as_scj(browser, button="publish", **fields):
    """scj.officer opens the list, follows 发布法规文件, fills the form and submits it."""
    browser.login("scj.officer")
    listing = browser.get("/regulations")
    form = listing.click("发布法规文件").forms["regulation-form"]
    fill(form, **fields)
    return form.submit(button)


def signing_table(page):
    """``{unit title: (status, signer)}`` of the publisher's signing table."""
    rows = page.html.select("#signing-table tbody tr")
    return {
        row.find_all("td")[0].text.strip(): (
            row.find_all("td")[1].text.strip(),
            row.find_all("td")[2].text.strip(),
        )
        for row in rows
    }


def form_to(page, action):
    """The page's form posting to ``action`` (e.g. "@@sign")."""
    forms = [form for form in page.forms.values() if form.action.endswith(action)]
    assert len(forms) == 1, f"{len(forms)} forms post to {action}"
    return forms[0]


def history_titles(page):
    return [row.find_all("td")[3].text.strip() for row in page.html.select(".portal-history tbody tr")]


def flashes(page):
    return [div.text.strip() for div in page.html.select("main .alert")]


def regulation_path(page):
    return page.request.path


def awaiting(app, unit):
    """Titles of the regulations the catalog's ``awaiting`` index has for a unit (the dashboards' "to sign")."""
    conn = app.registry._zodb_databases[""].open()
    try:
        transaction.begin()
        catalog = conn.root()["app_root"]["catalogs"]["portal"]
        result = Any(catalog["awaiting"], [unit]).execute()
        return sorted(item.title for item in result.all() if isinstance(item, Regulation))
    finally:
        transaction.abort()
        conn.close()


def add_liyang_person(browser_factory):
    """The portal admin adds an officer-and-liaison of 丽阳镇, a township the document is not sent to."""
    admin = browser_factory()
    admin.login("admin", "admin12345")
    form = admin.get("/tenants/cj-liyang/@@members").forms["new-person"]
    form["login"] = "ly.officer"
    form["display_name"] = "丽阳镇执法人员"
    form.set("password", "liyang-pass-1", index=0)
    form.set("password-confirm", "liyang-pass-1", index=0)
    tick(form, "officer")
    tick(form, "liaison")
    assert form.submit("add_person").status_int == 302
    person = browser_factory()
    person.login("ly.officer", "liyang-pass-1")
    return person


def test_published_document_is_signed_by_townships_and_the_laggard_reminded(app, browser_factory):
    pdf = make_pdf()
    publisher = browser_factory()
    page = publish_as_scj(publisher, upload=[Upload("协作通知.pdf", pdf, "application/pdf")]).follow()
    assert page.html.h1.text.strip() == TITLE
    assert page.html.select_one("#regulation-state").text.strip() == "已发布"
    assert page.html.select_one("#regulation-number").text.strip() == f"昌市监发〔{now().year}〕1号"
    assert "昌市监发〔2024〕7号" in page.html.select_one("#regulation-details").text
    assert signing_table(page) == {"吕蒙街道": ("未签收", ""), "鱼山镇": ("未签收", "")}
    assert history_titles(page) == ["起草", "发布"]
    assert awaiting(app, "cj-yushan") == [TITLE]
    assert awaiting(app, "cj-lvmeng") == [TITLE]
    url = regulation_path(page)

    yushan = browser_factory()
    yushan.login("ys.liaison")
    listing = yushan.get("/regulations")
    assert listing.html.select_one("#regulation-count").text.strip() == "共 1 件"
    assert "待本单位签收" in listing.html.select_one("#regulations").text
    document = listing.click(TITLE)
    assert document.request.path == url
    download = document.click("协作通知.pdf")
    assert download.body == pdf
    assert download.content_type == "application/pdf"
    signed = form_to(document, "@@sign").submit("sign").follow()
    assert "已签收" in flashes(signed)
    assert "本单位已由 鱼山镇联系人" in signed.html.select_one("#my-signature").text
    assert not [form for form in signed.forms.values() if form.action.endswith("@@sign")]
    again = yushan.post(url + "@@sign", {"csrf_token": yushan.csrf_token()}).follow()
    assert any("无需重复签收" in message for message in flashes(again))
    assert awaiting(app, "cj-yushan") == []
    assert awaiting(app, "cj-lvmeng") == [TITLE]

    page = publisher.get(url)
    table = signing_table(page)
    assert table["鱼山镇"] == ("已签收", "鱼山镇联系人")
    assert table["吕蒙街道"] == ("未签收", "")
    assert "已签收 1 / 2" in page.html.select_one("#signing h2").text
    reminded = form_to(page, "@@remind").submit("remind").follow()
    assert "已催办：吕蒙街道" in flashes(reminded)
    entry = reminded.html.select(".portal-history tbody tr")[-1].find_all("td")
    assert [entry[1].text.strip(), entry[3].text.strip(), entry[4].text.strip()] == [
        "区市监局",
        "催办",
        "催促签收：吕蒙街道",
    ]

    lvmeng = browser_factory()
    lvmeng.login("lm.officer")
    lvmeng.post(url + "@@sign", {"csrf_token": lvmeng.csrf_token()}, status=302)
    assert awaiting(app, "cj-lvmeng") == []
    page = publisher.get(url)
    assert set(signing_table(page).values()) == {("已签收", "鱼山镇联系人"), ("已签收", "吕蒙街道执法人员")}
    assert "催办未签收单位" not in page.text
    refused = publisher.post(url + "@@remind", {"csrf_token": publisher.csrf_token()}).follow()
    assert any("所有接收单位均已签收，无需催办" in message for message in flashes(refused))
    assert history_titles(refused).count("催办") == 1


def test_third_township_wrong_roles_and_drafts_are_refused(browser_factory):
    publisher = browser_factory()
    page = publish_as_scj(publisher, upload=[Upload("协作通知.pdf", make_pdf(), "application/pdf")]).follow()
    url = regulation_path(page)
    download = page.html.select_one(".portal-attachments a")["href"]

    liyang = add_liyang_person(browser_factory)
    token = liyang.csrf_token()
    liyang.get(url, status=403)
    liyang.get(download, status=403)
    liyang.post(url + "@@sign", {"csrf_token": token}, status=403)
    liyang.post(url + "@@remind", {"csrf_token": token}, status=403)
    assert liyang.get("/regulations").html.select_one("#regulation-count").text.strip() == "共 0 件"

    # A township's leader reads the document but signing is the liaison's or an officer's.
    leader = browser_factory()
    leader.login("ys.leader")
    assert leader.get(url).html.h1.text.strip() == TITLE
    leader.post(url + "@@sign", {"csrf_token": leader.csrf_token()}, status=403)
    # A recipient cannot chase the others up.
    officer = browser_factory()
    officer.login("ys.officer")
    officer.post(url + "@@remind", {"csrf_token": officer.csrf_token()}, status=403)

    # Townships do not publish, neither in their own name nor in a department's.
    officer.get("/tenants/cj-yushan/@@new-regulation", status=403)
    officer.post("/tenants/cj-yushan/@@new-regulation", {"csrf_token": officer.csrf_token()}, status=403)
    officer.get("/tenants/cj-scjgj/@@new-regulation", status=403)
    assert "发布法规文件" not in officer.get("/regulations").text

    # Publishing twice is refused with a reason.
    again = publisher.post(url + "@@publish", {"csrf_token": publisher.csrf_token()}).follow()
    assert any("当前状态为“已发布”，不能发布" in message for message in flashes(again))


def test_a_draft_is_changed_and_published_later_and_stays_with_the_publisher_until_then(browser_factory):
    publisher = browser_factory()
    page = publish_as_scj(publisher, button="save", recipients=("cj-yushan",)).follow()
    assert page.html.select_one("#regulation-state").text.strip() == "草稿"
    assert page.html.select_one("#regulation-number") is None
    assert "拟发送给：鱼山镇" in page.text
    url = regulation_path(page)

    yushan = browser_factory()
    yushan.login("ys.liaison")
    yushan.get(url, status=403)
    yushan.get(url + "@@edit", status=403)
    yushan.post(url + "@@sign", {"csrf_token": yushan.csrf_token()}, status=403)
    assert yushan.get("/regulations").html.select_one("#regulation-count").text.strip() == "共 0 件"
    assert TITLE not in yushan.get("/library").text

    form = page.click("修改草稿").forms["regulation-form"]
    assert form["title"].value == TITLE
    assert form["issuing_number"].value == "昌市监发〔2024〕7号"
    form["title"] = TITLE + "（修订）"
    tick(form, "all")
    page = form.submit("save").follow()
    assert page.html.h1.text.strip() == TITLE + "（修订）"
    assert "拟发送给：全部乡镇（街道）" in page.text
    assert history_titles(page) == ["起草", "修改草稿"]

    published = form_to(page, "@@publish").submit("publish").follow()
    assert published.html.select_one("#regulation-state").text.strip() == "已发布"
    assert set(signing_table(published)) == {"吕蒙街道", "鱼山镇", "丽阳镇", "荷塘乡"}
    assert yushan.get(url).html.h1.text.strip() == TITLE + "（修订）"
    refused = publisher.get(url + "@@edit").follow()
    assert "文件已发布，不能再修改" in flashes(refused)


def test_published_document_joins_the_library_for_every_unit(browser_factory):
    pdf = make_pdf()
    publisher = browser_factory()
    page = publish_as_scj(publisher, upload=[Upload("协作通知.pdf", pdf, "application/pdf")]).follow()
    url = regulation_path(page)
    entry = page.click("已存入共享资料库，全部单位可查阅")
    assert "查看法规文件的下发与签收情况" in entry.text

    # 区城管局 received nothing but finds the document in the library, with its file.
    other = browser_factory()
    other.login("cg.liaison")
    library = other.get("/library", {"q": "食品安全"})
    document = library.click(TITLE)
    assert "昌市监发〔2024〕7号" in document.html.select_one("#document-details").text
    assert "查看法规文件的下发与签收情况" not in document.text
    assert document.click("协作通知.pdf").body == pdf
    other.get(url, status=403)


def test_bad_input_is_explained_in_chinese_and_kept(browser):
    page = publish_as_scj(browser, title="", number="昌府办字[2024]052号", recipients=())
    assert page.status_int == 200
    text = page.text
    assert "请填写标题" in text
    assert "发文字号格式不正确" in text
    assert "请选择接收单位" in text
    form = page.forms["regulation-form"]
    assert form["issuing_number"].value == "昌府办字[2024]052号"
    assert form["category"].value == "行政规范性文件"
    assert form["issuing_organ"].value == "区市场监督管理局"
    assert form["issue_date"].value == "2024-05-06"
    assert form["body"].value.startswith("各乡镇（街道）")
    assert "请重新选择文件" in text

    # A department is not a recipient, even when a forged form says so.
    form["title"] = TITLE
    form["issuing_number"] = "昌府办字〔2024〕52号"
    forged = form.fields["checkbox"][1]
    forged._value = "cj-cgj"
    forged.checked = True
    page = form.submit("publish")
    assert "接收单位只能是本区的乡镇（街道）" in page.text
    assert browser.get("/regulations").html.select_one("#regulation-count").text.strip() == "共 0 件"


@pytest.fixture
def small_uploads(site_dir):
    """The app with uploads limited to 1 MB."""
    application = make_app(site_dir, **{"portal.upload_max_mb": "1"})
    yield Browser(application)
    transaction.abort()
    close_app(application)


def test_oversize_and_disguised_uploads_are_refused(small_uploads):
    big = b"%PDF-1.4\n" + b"0" * (1536 * 1024)
    page = publish_as_scj(small_uploads, upload=[Upload("大文件.pdf", big, "application/pdf")])
    assert page.status_int == 200
    assert "“大文件.pdf”大小为 1.5 MB，超过上限 1 MB" in page.text
    assert page.forms["regulation-form"]["title"].value == TITLE

    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 512
    form = page.forms["regulation-form"]
    form["upload"] = [Upload("x.pdf", program, "application/pdf")]
    page = form.submit("publish")
    assert page.status_int == 200
    assert "“x.pdf”的内容不是PDF 文件，与文件扩展名不符，已拒收" in page.text
    assert small_uploads.get("/regulations").html.select_one("#regulation-count").text.strip() == "共 0 件"
