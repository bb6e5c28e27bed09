"""The shared library as people use it: a township shares documents with three scopes, and each unit
finds exactly what it may read, in the list, the facet counts, the search and by direct URL.
"""

import io

import pypdf
from webtest import Upload

from portal.library import LibraryDocument, free_name
from tests.items.sample import site

OWN = "鱼山镇内部台账管理办法"
CHOSEN = "鱼山镇烟花爆竹执法动态"
ALL = "景德镇市餐饮油烟污染防治条例"


def make_pdf():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=72, height=72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tick(form, value):
    for field in form.fields["checkbox"]:
        if field._value == value:
            field.checked = True
            return
    raise AssertionError(f"no checkbox {value!r}")


def share(browser, title, category, year, scope, units=(), upload="default"):
    """Follow 上传共享资料 from the library and fill the form; returns the response."""
    form = browser.get("/library").click("上传共享资料").forms["document-form"]
    form["title"] = title
    form["category"] = category
    form["year"] = str(year)
    form["description"] = f"{title}：说明"
    form["scope"] = scope
    for unit in units:
        tick(form, unit)
    if upload == "default":
        upload = [Upload(f"{title}.pdf", make_pdf(), "application/pdf")]
    if upload:
        form["upload"] = upload
    return form.submit("share")


def listed(page):
    return [a.text.strip() for a in page.html.select("#library-documents tbody tr td:first-child a")]


def count(page):
    return page.html.select_one("#library-count").text.strip()


def facet(page, name):
    """``{value: count}`` of one facet of the library page."""
    return {li["data-value"]: int(li["data-count"]) for li in page.html.select(f"#facet-{name} li")}


def test_scope_decides_who_finds_a_document_in_browse_search_counts_and_by_url(browser_factory):
    township = browser_factory()
    township.login("ys.officer")
    own = share(township, OWN, "管理信息", 2023, "own").follow()
    assert own.html.select_one("#document-scope").text.strip() == "仅本单位"
    chosen = share(township, CHOSEN, "执法动态信息", 2024, "chosen", units=["cj-scjgj"]).follow()
    assert chosen.html.select_one("#document-scope").text.strip() == "指定单位：区市监局"
    everyone = share(township, ALL, "法规", 2024, "all").follow()
    assert everyone.html.select_one("#document-scope").text.strip() == "全部单位"
    urls = {title: page.request.path for title, page in ((OWN, own), (CHOSEN, chosen), (ALL, everyone))}
    files = {
        title: page.html.select_one(".portal-attachments a")["href"]
        for title, page in ((OWN, own), (CHOSEN, chosen), (ALL, everyone))
    }

    page = township.get("/library")
    assert count(page) == "共 3 件"
    assert sorted(listed(page)) == sorted([OWN, CHOSEN, ALL])
    assert facet(page, "category") == {"法规": 1, "执法动态信息": 1, "管理信息": 1}
    assert facet(page, "year") == {"2024": 2, "2023": 1}
    assert facet(page, "unit") == {"cj-yushan": 3}
    assert listed(township.get("/library", {"year": "2024", "category": "法规"})) == [ALL]

    # 区市监局 was chosen for one document and is every unit for another.
    department = browser_factory()
    department.login("scj.officer")
    page = department.get("/library")
    assert count(page) == "共 2 件"
    assert sorted(listed(page)) == sorted([CHOSEN, ALL])
    assert facet(page, "category") == {"法规": 1, "执法动态信息": 1}
    assert facet(page, "year") == {"2024": 2}
    assert facet(page, "unit") == {"cj-yushan": 2}
    assert listed(department.get("/library", {"q": "烟花爆竹"})) == [CHOSEN]
    assert count(department.get("/library", {"q": "台账"})) == "共 0 件"
    assert count(department.get("/library", {"year": "2023"})) == "共 0 件"
    assert count(department.get("/library", {"unit": "cj-yushan", "category": "执法动态信息"})) == "共 1 件"
    assert department.get(urls[CHOSEN]).html.h1.text.strip() == CHOSEN
    assert department.get(files[CHOSEN]).content_type == "application/pdf"
    department.get(urls[OWN], status=403)
    department.get(files[OWN], status=403)

    # 吕蒙街道 was not chosen: only the document shared with every unit exists for it.
    street = browser_factory()
    street.login("lm.officer")
    page = street.get("/library")
    assert count(page) == "共 1 件"
    assert listed(page) == [ALL]
    assert facet(page, "category") == {"法规": 1}
    assert facet(page, "year") == {"2024": 1}
    assert count(street.get("/library", {"q": "烟花爆竹"})) == "共 0 件"
    assert count(street.get("/library", {"category": "执法动态信息"})) == "共 0 件"
    assert street.get(files[ALL]).body.startswith(b"%PDF-")
    for title in (OWN, CHOSEN):
        street.get(urls[title], status=403)
        street.get(files[title], status=403)


def test_bad_input_is_explained_and_kept_and_others_units_are_refused(browser):
    browser.login("ys.officer")
    page = share(browser, "", "管理信息", 2024, "chosen", upload=None)
    assert page.status_int == 200
    assert "请填写标题" in page.text
    assert "请选择要上传的文件" in page.text
    assert "请重新选择文件" in page.text
    form = page.forms["document-form"]
    assert form["category"].value == "管理信息"
    assert form["year"].value == "2024"
    assert form["scope"].value == "chosen"
    assert form["description"].value == "：说明"

    form["title"] = "伪装的文件"
    form["year"] = "二〇二四"
    form["upload"] = [Upload("x.pdf", b"MZ\x90\x00" + b"\x00" * 300, "application/pdf")]
    page = form.submit("share")
    assert "“x.pdf”的内容不是PDF 文件，与文件扩展名不符，已拒收" in page.text
    assert "请填写四位数的年份" in page.text
    form = page.forms["document-form"]
    assert form["title"].value == "伪装的文件"

    form["year"] = "2024"
    form["upload"] = [Upload("台账.pdf", make_pdf(), "application/pdf")]
    page = form.submit("share")
    assert "选择“指定单位”时，请至少勾选一个可查阅的单位" in page.text
    assert page.forms["document-form"]["scope"].value == "chosen"
    assert count(browser.get("/library")) == "共 0 件"

    # A unit shares in its own name only.
    browser.get("/tenants/cj-scjgj/@@share-document", status=403)
    browser.post("/tenants/cj-scjgj/@@share-document", {"csrf_token": browser.csrf_token()}, status=403)


def test_the_library_shows_twenty_at_a_time_newest_first(app, browser):
    with site(app) as root:
        tenant = root["tenants"]["cj-jtj"]
        for n in range(1, 22):
            document = LibraryDocument(
                "cj-jtj", f"教育执法资料第{n:02d}号", "jtj.officer", category="其他", year=2025
            )
            document.share("all")
            tenant.add(free_name(tenant, "lib"), document)

    browser.login("lm.officer")
    page = browser.get("/library")
    assert count(page) == "共 21 件"
    assert facet(page, "unit") == {"cj-jtj": 21}
    titles = listed(page)
    assert len(titles) == 20
    assert titles[0] == "教育执法资料第21号"
    assert titles[-1] == "教育执法资料第02号"
    second = page.click("下一页")
    assert listed(second) == ["教育执法资料第01号"]
    assert "第 2 / 2 页" in second.html.select_one(".portal-pages").text
