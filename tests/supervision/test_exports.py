"""导出 as the 区司法局 uses it: the overview and the ranking as Excel files, the evaluation report as
a Word document per GB/T 9704, each made in the background while a progress page waits, then
downloaded by the person who asked and nobody else.

The files are opened with openpyxl and python-docx and read cell by cell against the pages.
"""

import io
import time

import openpyxl
import transaction
from docx import Document
from docx.shared import Pt

from portal.items import now
from portal.people import grant, revoke
from tests.module_site import app, person  # noqa: F401 (fixtures)
from tests.requests.test_collab_requests import new_request, press
from tests.supervision.test_overview import backdate, figures
from tests.supervision.test_scorecard import ranking_rows

DEPARTMENT = "cj-scjgj"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def finished(browser, progress_page, seconds=120):
    """Ask the progress page's JSON endpoint (as static/exports.js does) until the export is done."""
    box = progress_page.html.select_one("#export-progress")
    url = box["data-status-url"].replace("http://localhost", "")
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        state = browser.get(url).json
        seen.append(state["status"])
        if state["status"] in ("done", "failed"):
            return state, seen
        time.sleep(0.2)
    raise AssertionError(f"the export did not finish in {seconds} s: {seen[-5:]}")


def export(browser, page, form_id, button="kind"):
    """Press an export button; returns (progress page, final state, the file's response)."""
    progress = page.forms[form_id].submit(button).follow()
    assert progress.html.select_one("#export-progress") is not None
    assert "static/exports.js" in progress.text and "<script>" not in progress.text
    state, _ = finished(browser, progress)
    assert state["status"] == "done", state
    assert state["percent"] == 100
    download = browser.get(state["download"].replace("http://localhost", ""))
    return progress, state, download


def test_the_overview_as_excel_is_the_overview_page(app, root, person):  # noqa: F811
    supervisor = person("sfj.supervisor")
    # Something to count: a late answer and a request overdue now at the department.
    page = new_request(person("ys.officer"))
    press(person("scj.liaison").get(page.request.path), "receive")
    backdate(app, root, page, 30)

    overview = supervisor.get("/@@supervision")
    progress, state, download = export(supervisor, overview, "export-overview-form")
    assert download.content_type == XLSX
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(download.body))
    assert book.sheetnames == ["督查总览", "说明"]
    sheet = book["督查总览"]
    assert sheet.freeze_panes == "C5"
    assert sheet["A1"].value.startswith(f"{now().year}年各单位")
    assert (sheet["A3"].value, sheet["B3"].value, sheet["C3"].value) == ("单位", "类别", "综合")
    headings = [sheet.cell(row=4, column=c).value for c in range(3, 8)]
    assert headings == ["应办事项", "逾期及拒不履行", "黄色预警", "红色预警", "预警率（%）"]
    groups = {sheet.cell(row=3, column=c).value for c in range(8, sheet.max_column + 1)} - {None}
    tabs = [a.text for a in overview.html.select(".portal-tabs a")]
    assert groups and groups <= set(tabs)
    assert sheet.column_dimensions["A"].width >= 14

    # Every unit's row equals the page's summary tab, and each group's tab, cell by cell.
    units = [row["data-unit"] for row in overview.html.select("#overview tr.overview-row")]
    titles = [" ".join(th.text.split()) for th in overview.html.select("#overview tr.overview-row th")]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, 5 + len(units))}
    assert len(rows) == len(units)
    column_of = {}
    group = None
    for c in range(3, sheet.max_column + 1):
        group = sheet.cell(row=3, column=c).value or group
        column_of[(group, sheet.cell(row=4, column=c).value)] = c
    summary = overview
    for unit, title in zip(units, titles, strict=True):
        shown = figures(summary, unit)
        r = rows[title.replace("超过阈值", "")]
        for heading in ("应办事项", "逾期及拒不履行", "黄色预警", "红色预警"):
            assert sheet.cell(row=r, column=column_of[("综合", heading)]).value == int(shown[heading]), (
                unit,
                heading,
            )
        assert f"{sheet.cell(row=r, column=column_of[('综合', '预警率（%）')]).value:.1f}%" == shown["预警率"]
    requests_tab = supervisor.get("/@@supervision", {"group": "协作请求"})
    for unit, title in zip(units, titles, strict=True):
        shown = figures(requests_tab, unit)
        r = rows[title.replace("超过阈值", "")]
        for heading, value in shown.items():
            if heading not in ("单位", "类别"):
                assert sheet.cell(row=r, column=column_of[("协作请求", heading)]).value == int(value), (
                    unit,
                    heading,
                )
    assert int(figures(requests_tab, DEPARTMENT)["未答复"]) >= 1

    # The totals are SUM formulas over the units' rows.
    last = 4 + len(units)
    total_row = last + 1
    assert sheet.cell(row=total_row, column=1).value == "合计"
    assert sheet.cell(row=total_row, column=3).value == f"=SUM(C5:C{last})"
    assert sheet.cell(row=total_row, column=7).value is None  # no sum of rates
    assert all(
        sheet.cell(row=total_row, column=c).value.startswith("=SUM(") for c in range(8, sheet.max_column + 1)
    )
    # The explanations sheet names every measure.
    assert book["说明"]["A1"].value == "类别"
    assert "requests.late" in [cell.value for cell in book["说明"]["C"]]


def test_the_ranking_as_excel_is_the_ranking_page(person):  # noqa: F811
    supervisor = person("sfj.supervisor")
    # A rule named like a formula stays a name in the file.
    form = supervisor.get("/@@scoring-standard").forms["standard-form"]
    red = [n for n in range(int(form["rows"].value)) if form[f"key-{n}"].value == "red"][0]
    form[f"title-{red}"] = "=1+1"
    form["note"] = "规则名称试用公式形式"
    form.submit("save_standard").follow()
    ranking = supervisor.get("/@@scorecards")
    _, _, download = export(supervisor, ranking, "export-ranking-form")
    book = openpyxl.load_workbook(io.BytesIO(download.body))
    assert book.sheetnames == ["考核排名", "评分标准"]
    sheet = book["考核排名"]
    assert sheet.freeze_panes == "C5"
    assert [sheet.cell(row=3, column=c).value for c in range(1, 6)] == [
        "排名",
        "单位",
        "类别",
        "类别内排名",
        "基础分",
    ]
    assert sheet.cell(row=4, column=6).value == "件数" and sheet.cell(row=4, column=7).value == "得分"
    score_column = sheet.max_column
    assert sheet.cell(row=3, column=score_column).value == "得分"
    rows = ranking_rows(ranking)
    for offset, (_, place, kind, kind_place, score) in enumerate(rows):
        r = 5 + offset
        assert sheet.cell(row=r, column=1).value == place
        assert sheet.cell(row=r, column=3).value == kind
        assert sheet.cell(row=r, column=4).value == kind_place
        assert sheet.cell(row=r, column=score_column).value == float(score)
    named = [c for c in range(6, score_column) if sheet.cell(row=3, column=c).value == "=1+1"]
    assert named and sheet.cell(row=3, column=named[0]).data_type == "s"
    last = 4 + len(rows)
    assert sheet.cell(row=last + 1, column=6).value == f"=SUM(F5:F{last})"
    assert sheet.cell(row=last + 1, column=6).data_type == "f"
    assert sheet.cell(row=last + 2, column=score_column).value.startswith("=AVERAGE(")
    assert book["评分标准"]["A2"].value == "规则"


def test_the_report_as_an_official_document(person, root):  # noqa: F811
    supervisor = person("sfj.supervisor")
    ranking = supervisor.get("/@@scorecards")
    rows = ranking_rows(ranking)
    form = ranking.forms["export-report-form"]
    form["issue"] = True
    progress = form.submit("kind").follow()
    state, _ = finished(supervisor, progress)
    assert state["status"] == "done"
    download = supervisor.get(state["download"].replace("http://localhost", ""))
    assert download.content_type == DOCX
    document = Document(io.BytesIO(download.body))
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    year = now().year

    mark = paragraphs[0]
    assert mark.text == "景德镇市昌江区司法局文件"
    run = mark.runs[0]
    assert str(run.font.color.rgb) == "FF0000"
    assert run._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    ) == ("方正小标宋简体")
    assert paragraphs[1].text == f"昌司发〔{year}〕1号"
    transaction.abort()
    issued = [entry for _, entry in root.audit_trail.latest(50) if entry.action == "issue_report"]
    assert issued[0].details["number"] == f"昌司发〔{year}〕1号" and issued[0].login == "sfj.supervisor"
    title = paragraphs[2]
    assert title.text == f"关于{year}年度全区行政执法协作配合工作考核评分情况的通报"
    assert title.runs[0].font.size == Pt(22)
    assert paragraphs[3].text == "各乡镇（街道），区直各有关单位："
    body = paragraphs[4]
    assert body.runs[0].font.size == Pt(16)
    assert body.runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    ) == ("仿宋_GB2312")
    assert "一、总体情况" in [p.text for p in paragraphs]
    assert f"全区{len(rows)}个单位平均得分" in document.element.xml or any(
        f"全区{len(rows)}个单位平均得分" in p.text for p in paragraphs
    )

    # The table of ranks is the ranking page.
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [
        "排名",
        "单位",
        "类别",
        "类别内排名",
        "得分",
        "主要扣分项",
    ]
    assert len(table.rows) == 1 + len(rows)
    titles = {a["href"]: a.text for a in ranking.html.select("#ranking a")}
    assert len(titles) == len(rows)
    for table_row, (_, place, kind, kind_place, score) in zip(table.rows[1:], rows, strict=True):
        cells = [cell.text for cell in table_row.cells]
        assert cells[0] == str(place)
        assert cells[2] == kind
        assert cells[3].split("/")[0] == str(kind_place)
        assert cells[4] == str(score.normalize()) if score % 1 else cells[4] == str(int(score))

    # Signed by the organ, dated today; margins per the standard.
    texts = [p.text for p in paragraphs]
    today = now().date()
    date_text = f"{today.year}年{today.month}月{today.day}日"
    signature = texts.index("景德镇市昌江区司法局")
    assert texts[signature + 1] == date_text
    assert texts[-1].startswith("景德镇市昌江区司法局") and texts[-1].endswith(date_text + "印发")
    section = document.sections[0]
    # (Word keeps lengths in twentieths of a point: a millimetre is not a whole number of them.)
    assert [round(length.mm, 1) for length in (section.page_width, section.page_height)] == [210, 297]
    assert [round(length.mm, 1) for length in (section.top_margin, section.bottom_margin)] == [37, 35]
    assert [round(length.mm, 1) for length in (section.left_margin, section.right_margin)] == [28, 26]
    assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml

    # Not issued: the number's form with its sequence left for the office, no number taken.
    form = supervisor.get("/@@scorecards").forms["export-report-form"]
    state, _ = finished(supervisor, form.submit("kind").follow())
    draft = Document(io.BytesIO(supervisor.get(state["download"].replace("http://localhost", "")).body))
    assert [p.text for p in draft.paragraphs if p.text.strip()][1] == f"昌司发〔{year}〕　号"
    # Issued again: the next number.
    form = supervisor.get("/@@scorecards").forms["export-report-form"]
    form["issue"] = True
    state, _ = finished(supervisor, form.submit("kind").follow())
    second = Document(io.BytesIO(supervisor.get(state["download"].replace("http://localhost", "")).body))
    assert [p.text for p in second.paragraphs if p.text.strip()][1] == f"昌司发〔{year}〕2号"


def test_only_the_person_who_asked_downloads_and_only_while_they_may_see_the_page(person, root):  # noqa: F811
    supervisor = person("sfj.supervisor")
    progress = supervisor.get("/@@supervision").forms["export-overview-form"].submit("kind").follow()
    state, seen = finished(supervisor, progress)
    assert seen[-1] == "done"
    status_url = progress.html.select_one("#export-progress")["data-status-url"].replace(
        "http://localhost", ""
    )
    download_url = state["download"].replace("http://localhost", "")
    page_url = progress.request.path_qs

    # A unit's person: not the overview's export to ask for, nor anybody's job to look at.
    officer = person("ys.officer")
    token = officer.csrf_token()
    refused = officer.post("/@@supervision-export", {"kind": "overview", "csrf_token": token}, status=403)
    assert refused.status_int == 403
    for url in (status_url, download_url, page_url):
        assert officer.get(url, status=403).status_int == 403, url
    # Bad parameters are explained.
    assert "没有这份导出文件" in supervisor.get("/@@supervision-export-download?job=nothing", status=400).text
    bad = supervisor.post(
        "/@@supervision-export", {"kind": "pdf", "csrf_token": supervisor.csrf_token()}, status=400
    )
    assert "导出类别应为" in bad.text
    token_free = supervisor.post("/@@supervision-export", {"kind": "overview"}, status="*")
    assert token_free.status_int in (400, 403)
    # The file is still the supervisor's, while they may open the overview.
    assert supervisor.get(download_url).content_type == XLSX
    revoke(root.policy_store, "sfj.supervisor", "supervisor", "cj-sfj")
    transaction.commit()
    try:
        assert supervisor.get(download_url, status=403).status_int == 403
    finally:
        grant(root.policy_store, "sfj.supervisor", "supervisor", "cj-sfj")
        transaction.commit()
    assert supervisor.get(download_url).content_type == XLSX
