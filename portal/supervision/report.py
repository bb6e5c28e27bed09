"""The evaluation report (考核情况通报) for a period as a Word document laid out per GB/T 9704-2012.

What the standard fixes and where it is done here:

* page (§5.2.1): A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm, so the bottom margin is 35 mm
  and the right one 26 mm; 22 lines a page (line pitch 225 mm ÷ 22 ≈ 29 pt, exact spacing);
* 发文机关标志 (§7.2.4): the organ's full name and 文件, centred, red, 小标宋, 35 mm below the top
  of the 版心; sized to fit the 版心's width on one line;
* 发文字号 (§7.2.5): two lines under it, centred, 仿宋 三号, year in 〔〕, no leading zeros, no 第;
* 版头中的分隔线 (§7.2.7): a red rule the width of the 版心, 4 mm under the 发文字号;
* 标题 (§7.3.1): 二号 小标宋, two lines under the rule, centred;
* 主送机关 (§7.3.2): one line under the title, flush left, ending with a full-width colon;
* 正文 (§7.3.3): 三号 仿宋, paragraphs indented two characters; headings 一、 in 黑体 and （一） in
  楷体; the ranks as a table (§8) in 仿宋;
* 发文机关署名 and 成文日期 (§7.3.5.2, a document without a seal): one line under the text, the
  organ two characters from the right, the date on the next line starting two characters to the
  right of the organ's first character, in Arabic numerals (§7.3.5.4);
* 版记 (§7.4): 印发机关 and 印发日期 between rules, 四号 仿宋, one character in from each side;
* 页码 (§7.5): 四号 半角 宋体 Arabic numerals between em dashes, 7 mm under the 版心, odd pages
  right and even pages left, one character in.

Fonts are named as Chinese offices install them (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体);
Word substitutes a similar font where one is missing.
"""

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .scoring import number

XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
#: 字号: 二号, 三号, 四号, 小四.
ERHAO, SANHAO, SIHAO, XIAOSI = Pt(22), Pt(16), Pt(14), Pt(12)
#: One line of the 版心: 225 mm over 22 lines.
LINE = Pt(29)
RED = RGBColor(0xFF, 0x00, 0x00)
#: The 版心's width in points (156 mm).
BODY_WIDTH = 442
#: How many units the text names at each end of the ranking.
NAMED = 3
#: The basis every report cites.
BASIS = "《关于建立区、乡镇（街道）行政执法协作配合工作机制的实施意见》（昌府办字〔2024〕52号）"


def organ_name(tenant):
    """The organ's full name: the district's name before a unit named 区…, e.g. 景德镇市昌江区司法局."""
    title = tenant.title or tenant.code
    district = getattr(tenant, "district", "") or ""
    if title.startswith("区") and district.endswith("区"):
        return district + title[1:]
    return title


def period_phrase(period):
    return f"{period.year}年度" if period.kind == "year" else period.title


def report_title(period):
    return f"关于{period_phrase(period)}全区行政执法协作配合工作考核评分情况的通报"


def fonts(run, name, size=None, bold=None, color=None):
    """A run in a Chinese font: Word takes the East Asian font from ``w:eastAsia``."""
    run.font.name = name
    properties = run._element.get_or_add_rPr()
    properties.get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def paragraph(
    document, text="", font=FANGSONG, size=SANHAO, align=None, indent=True, before=None, color=None
):
    para = document.add_paragraph()
    layout = para.paragraph_format
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = LINE
    layout.space_before = before or Pt(0)
    layout.space_after = Pt(0)
    if indent:
        layout.first_line_indent = Pt(2 * size.pt)
    if align is not None:
        para.alignment = align
    if text:
        fonts(para.add_run(text), font, size, color=color)
    return para


def rule_under(para, color="FF0000", size=8, space=11):
    """A rule under the paragraph, as wide as the 版心 (``size`` in eighths of a point, ``space``
    its distance from the text in points)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (
        ("w:val", "single"),
        ("w:sz", str(size)),
        ("w:space", str(space)),
        ("w:color", color),
    ):
        bottom.set(qn(name), value)
    borders.append(bottom)
    para._p.get_or_add_pPr().append(borders)


def rule_over(para, size=8, space=1):
    borders = para._p.get_or_add_pPr().find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        para._p.get_or_add_pPr().append(borders)
    top = OxmlElement("w:top")
    for name, value in (
        ("w:val", "single"),
        ("w:sz", str(size)),
        ("w:space", str(space)),
        ("w:color", "000000"),
    ):
        top.set(qn(name), value)
    borders.insert(0, top)


def page_number_field(para):
    """``— PAGE —``: the page's number as a field Word fills in."""
    fonts(para.add_run("— "), SONGTI, SIHAO)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        run = fonts(para.add_run(), SONGTI, SIHAO)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._r.append(instruction)
    fonts(para.add_run(" —"), SONGTI, SIHAO)


def set_page(document):
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number's dash line 7 mm under the 版心; a 四号 line is about 5 mm high.
    section.footer_distance = Mm(23)
    section.header_distance = Mm(15)
    document.settings.odd_and_even_pages_header_footer = True
    odd = section.footer.paragraphs[0]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = SIHAO
    page_number_field(odd)
    even = section.even_page_footer.paragraphs[0]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = SIHAO
    page_number_field(even)
    normal = document.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = SANHAO
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)


def text_width(text):
    """Width in characters of a 三号 line: digits and Latin letters are half a character."""
    return sum(0.5 if ord(char) < 0x2E80 else 1 for char in text)


def signature(document, organ, date_text):
    """署名 and 成文日期 per §7.3.5.2 (right-aligned, their indents in characters)."""
    chars = BODY_WIDTH / SANHAO.pt
    organ_right = 2.0
    organ_start = chars - organ_right - text_width(organ)
    date_right = chars - (organ_start + 2) - text_width(date_text)
    if date_right < 2:
        # A date longer than the organ's name: the date two characters in, the name moved left.
        date_right = 2.0
        organ_start = chars - date_right - text_width(date_text) - 2
        organ_right = chars - organ_start - text_width(organ)
    name = paragraph(document, organ, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, before=LINE)
    name.paragraph_format.right_indent = Pt(organ_right * SANHAO.pt)
    date = paragraph(document, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    date.paragraph_format.right_indent = Pt(date_right * SANHAO.pt)


def heading(document, text):
    """A first-level heading (一、…) in 黑体, indented like the text."""
    return paragraph(document, text, font=HEITI)


def point(document, lead, text):
    """A second-level paragraph: （一）… in 楷体, its text in 仿宋."""
    para = paragraph(document)
    fonts(para.add_run(lead), KAITI, SANHAO)
    fonts(para.add_run(text), FANGSONG, SANHAO)
    return para


def listing(cards):
    return "、".join(f"{card.title}（{number(card.score)}分）" for card in cards)


def main_deductions(card, limit=1):
    lines = sorted((line for line in card.lines if line.points < 0), key=lambda line: line.points)
    return (
        "；".join(f"{line.rule.title}{line.count}件扣{number(-line.points)}分" for line in lines[:limit])
        or "无"
    )


def figures_text(overview, kinds):
    """``[(group, text)]``: each group's duties, lateness and refusals over the district."""
    result = []
    by_group = {}
    for measure in overview.measures:
        if measure.kind in kinds:
            by_group.setdefault(measure.group, []).append(measure)
    for group, members in by_group.items():
        parts = [f"{m.title}{overview.totals.get(m.key, 0)}件" for m in members]
        result.append((group, "，".join(parts)))
    return result


def ranks_table(document, ranking, progress=None):
    caption = paragraph(
        document,
        f"{period_phrase(ranking.period)}各单位考核评分排名表",
        font=HEITI,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        before=LINE,
    )
    caption.paragraph_format.keep_with_next = True
    titles = ("排名", "单位", "类别", "类别内排名", "得分", "主要扣分项")
    table = document.add_table(rows=1, cols=len(titles))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, titles, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        table_spacing(cell.paragraphs[0])
        fonts(cell.paragraphs[0].add_run(title), HEITI, XIAOSI)
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    cards = ranking.cards
    for index, card in enumerate(cards):
        values = (
            str(card.rank),
            card.title,
            card.kind_title,
            f"{card.kind_rank}/{card.kind_count}",
            number(card.score),
            main_deductions(card),
        )
        row = table.add_row()
        keep = OxmlElement("w:cantSplit")
        row._tr.get_or_add_trPr().append(keep)
        cells = row.cells
        for column, (cell, value) in enumerate(zip(cells, values, strict=True)):
            para = cell.paragraphs[0]
            if column != 5:
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            table_spacing(para)
            fonts(para.add_run(value), FANGSONG, XIAOSI)
        if progress is not None and index % 50 == 49:
            progress(index + 1, len(cards))
    # The columns fill the 版心 (156 mm); Word reads the grid, LibreOffice the cells.
    widths = (Mm(15), Mm(32), Mm(38), Mm(20), Mm(14), Mm(37))
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    return table


def table_spacing(para):
    """A table's line: 小四 on single spacing, the paragraph mark in the same size (the Normal
    style's 三号 would make every row as tall as a line of text)."""
    layout = para.paragraph_format
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(18)
    layout.space_before = layout.space_after = Pt(0)
    layout.first_line_indent = Pt(0)
    mark = para._p.get_or_add_pPr()
    properties = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), str(int(XIAOSI.pt * 2)))
    properties.append(size)
    mark.append(properties)


def imprint(document, organ, date_text):
    """版记: 印发机关 and 印发日期 between two rules (the first and last rules of §7.4.1)."""
    para = paragraph(document, indent=False, before=LINE)
    rule_over(para, size=8)
    rule_under(para, color="000000", size=8, space=1)
    layout = para.paragraph_format
    layout.left_indent = SIHAO
    layout.right_indent = SIHAO
    tab = BODY_WIDTH - 2 * SIHAO.pt
    layout.tab_stops.add_tab_stop(Pt(tab), alignment=2)  # right-aligned tab
    fonts(para.add_run(organ), FANGSONG, SIHAO)
    fonts(para.add_run("\t" + date_text + "印发"), FANGSONG, SIHAO)
    para.paragraph_format.keep_together = True


def report_document(ranking, overview, organ, doc_number, issued_on, progress=None):
    """The report as .docx bytes. ``doc_number``: the 发文字号 (or its form with the number left
    blank); ``issued_on``: the 成文日期 (a date)."""
    document = Document()
    set_page(document)
    core = document.core_properties
    core.title = report_title(ranking.period)
    core.author = organ
    size = min(36, int(BODY_WIDTH / max(len(organ) + 2, 1)))
    mark = paragraph(
        document,
        organ + "文件",
        font=XIAOBIAOSONG,
        size=Pt(size),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        before=Mm(35),
        color=RED,
    )
    mark.paragraph_format.line_spacing = Pt(max(size + 8, 29))
    number_line = paragraph(
        document, doc_number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=2 * LINE
    )
    rule_under(number_line)
    title = paragraph(
        document,
        report_title(ranking.period),
        font=XIAOBIAOSONG,
        size=ERHAO,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        before=2 * LINE,
    )
    title.paragraph_format.line_spacing = Pt(36)
    paragraph(document, "各乡镇（街道），区直各有关单位：", indent=False, before=LINE)
    standard = ranking.standard
    cards = ranking.cards
    phrase = period_phrase(ranking.period)
    paragraph(
        document,
        f"根据{BASIS}，区司法局依据{standard.title}（基础分{number(standard.base)}分），"
        f"对全区{len(cards)}个区级行政执法部门和乡镇（街道）{phrase}履行行政执法协作配合职责情况进行了考核评分。"
        "现将有关情况通报如下：",
    )
    if progress is not None:
        progress(1, 4)
    heading(document, "一、总体情况")
    rows = overview.rows
    duties = sum(row.duties for row in rows)
    late = sum(row.values.get(m.key, 0) for row in rows for m in overview.measures if m.kind == "late")
    refused = sum(row.values.get(m.key, 0) for row in rows for m in overview.measures if m.kind == "refused")
    paragraph(
        document,
        f"{phrase}，全区各单位应办协作配合事项{duties}件，逾期办理{late}件，拒不履行{refused}件；"
        f"截至{ranking.moment.year}年{ranking.moment.month}月{ranking.moment.day}日，"
        f"已超期未办（红色预警）{overview.totals.get('red', 0)}件，"
        f"1个工作日内到期（黄色预警）{overview.totals.get('yellow', 0)}件，"
        f"预警率达到{overview.threshold}%的单位{overview.alarms}个。",
    )
    leads = "一二三四五六七八九十"
    for index, (group, text) in enumerate(figures_text(overview, ("duty", "late", "refused"))):
        lead = f"（{leads[index]}）" if index < len(leads) else f"（{index + 1}）"
        point(document, f"{lead}{group}。", text + "。")
    heading(document, "二、考核排名")
    if cards:
        average = sum(card.score for card in cards) / len(cards)
        best = [card for card in cards if card.rank <= NAMED]
        worst = [card for card in cards if card.rank > len(cards) - NAMED and card not in best]
        text = f"全区{len(cards)}个单位平均得分{average:.2f}分。得分居前的单位：{listing(best)}。"
        if worst:
            text += f"得分靠后的单位：{listing(worst)}。"
        paragraph(document, text)
        for kind, kind_title in ranking.kinds.items():
            first = [card for card in cards if card.kind == kind and card.kind_rank == 1]
            if first:
                paragraph(document, f"{kind_title}中，得分最高的是{listing(first)}。")
    else:
        paragraph(document, "本期没有参加考核的单位。")
    paragraph(document, "各单位得分和名次见下表（同分同名次）。")
    if progress is not None:
        progress(2, 4)
    ranks_table(document, ranking)
    heading(document, "三、工作要求").paragraph_format.space_before = LINE
    paragraph(
        document,
        "请有扣分的单位对照评分明细，逐项分析逾期办理、拒不履行和超期未办事项的原因，明确整改措施和时限，"
        "于收到本通报之日起15个工作日内将整改情况报区司法局。"
        "各单位可登录行政执法协作配合平台“考核评分”页面查看本单位的扣分明细及对应事项。",
    )
    date_text = f"{issued_on.year}年{issued_on.month}月{issued_on.day}日"
    signature(document, organ, date_text)
    imprint(document, organ, date_text)
    if progress is not None:
        progress(3, 4)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
