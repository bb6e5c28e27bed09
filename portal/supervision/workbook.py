"""The overview and the ranking as Excel workbooks (openpyxl).

One wide sheet each, not a sheet per group: a unit's figures are read across one row, Excel's filter
and sort work on every column at once, and the totals stand under each column as ``SUM`` formulas
(so a figure corrected by hand in the file updates its total). The groups are a header row above
the measures, merged over each group's columns, as the overview's tabs are. Both header rows and the
unit's name and kind stay in view (frozen panes). A second sheet explains the columns.

Values are the pages' own: :func:`portal.supervision.overview.build` and
:func:`portal.supervision.scoring.score_all`, computed once for the file.
"""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .figures import groups
from .scoring import number

TITLE_FONT = Font(name="宋体", size=14, bold=True)
HEADER_FONT = Font(name="宋体", size=11, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
ALARM_FONT = Font(name="宋体", size=11, color="C00000", bold=True)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
#: The first row of the units (after the title, the note and the two header rows).
FIRST_ROW = 5
SUMMARY = (
    ("duties", "应办事项"),
    ("problems", "逾期及拒不履行"),
    ("yellow", "黄色预警"),
    ("red", "红色预警"),
)


def width_of(text):
    """Excel's column width for a text: a Chinese character takes about two units."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in str(text))


def header(sheet, row, column, text, span=1, rows=1):
    cell = sheet.cell(row=row, column=column, value=text)
    if span > 1 or rows > 1:
        sheet.merge_cells(
            start_row=row, start_column=column, end_row=row + rows - 1, end_column=column + span - 1
        )
    for r in range(row, row + rows):
        for c in range(column, column + span):
            target = sheet.cell(row=r, column=c)
            target.font = HEADER_FONT
            target.fill = HEADER_FILL
            target.alignment = CENTER
            target.border = BOX
    return cell


def title_rows(sheet, title, note, columns):
    sheet.cell(row=1, column=1, value=title).font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    sheet.cell(row=2, column=1, value=note)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    sheet.row_dimensions[4].height = 32


def widths(sheet, minimum):
    """Each column as wide as its longest text (the merged titles excepted), within bounds."""
    longest = {}
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if cell.value is None or (isinstance(cell.value, str) and cell.value.startswith("=")):
                continue
            longest[cell.column] = max(longest.get(cell.column, 0), width_of(cell.value))
    for column, size in longest.items():
        limit = 40 if column <= 2 else 16
        sheet.column_dimensions[get_column_letter(column)].width = min(max(size + 2, minimum), limit)


def totals_row(sheet, row, first, last, columns, label="合计"):
    """``label`` in the first column and ``SUM`` of every column in ``columns`` over the units' rows."""
    sheet.cell(row=row, column=1, value=label)
    for column in range(1, sheet.max_column + 1):
        cell = sheet.cell(row=row, column=column)
        cell.font = HEADER_FONT
        cell.fill = TOTAL_FILL
        cell.border = BOX
    for column in columns:
        letter = get_column_letter(column)
        sheet.cell(row=row, column=column, value=f"=SUM({letter}{first}:{letter}{last})")


def overview_workbook(overview, registry, moment, progress=None):
    """The overview of every unit × every measure, the warnings and rates, as xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "督查总览"
    by_group = groups(registry)
    columns = 2 + len(SUMMARY) + 1 + sum(len(members) for _, members in by_group)
    title_rows(
        sheet,
        f"{overview.period.title}各单位履行行政执法协作配合职责情况",
        f"统计周期：{overview.period.title}（各项数字按所属月份统计）；"
        f"黄色、红色预警按 {moment:%Y-%m-%d %H:%M} 计算；"
        "预警率 =（逾期办理 + 拒不履行 + 当前超期）÷ 应办事项，"
        f"达到 {overview.threshold}% 的单位以红字标出。",
        columns,
    )
    header(sheet, 3, 1, "单位", rows=2)
    header(sheet, 3, 2, "类别", rows=2)
    header(sheet, 3, 3, "综合", span=len(SUMMARY) + 1)
    column = 3
    for _, title in SUMMARY:
        header(sheet, 4, column, title)
        column += 1
    header(sheet, 4, column, "预警率（%）")
    rate_column = column
    column += 1
    measure_columns = []
    for group, members in by_group:
        header(sheet, 3, column, group, span=len(members))
        for measure in members:
            header(sheet, 4, column, measure.title)
            measure_columns.append((column, measure.key))
            column += 1
    rows = overview.rows
    for offset, unit in enumerate(rows):
        r = FIRST_ROW + offset
        sheet.cell(row=r, column=1, value=unit.title).font = ALARM_FONT if unit.alarm else Font(name="宋体")
        sheet.cell(row=r, column=2, value=unit.kind)
        for c, (attribute, _) in enumerate(SUMMARY, 3):
            sheet.cell(row=r, column=c, value=getattr(unit, attribute))
        rate = sheet.cell(row=r, column=rate_column, value=round(unit.rate, 1))
        rate.number_format = "0.0"
        for c, key in measure_columns:
            sheet.cell(row=r, column=c, value=unit.values[key])
        if progress is not None and offset % 50 == 49:
            progress(offset + 1, len(rows))
    last = FIRST_ROW + len(rows) - 1
    numeric = [c for c in range(3, column) if c != rate_column]
    totals_row(sheet, last + 1, FIRST_ROW, max(last, FIRST_ROW), numeric)
    texts_stay_texts(sheet, {last + 1})
    sheet.freeze_panes = f"C{FIRST_ROW}"
    sheet.auto_filter.ref = f"A4:{get_column_letter(column - 1)}{max(last, FIRST_ROW)}"
    widths(sheet, 8)
    explain = book.create_sheet("说明")
    explain.append(["类别", "统计项", "代码", "计入", "说明"])
    kinds = {"duty": "应办事项", "late": "逾期", "refused": "拒不履行", "open": "未办结", "": "仅统计"}
    for group, members in by_group:
        for measure in members:
            explain.append(
                [group, measure.title, measure.key, kinds.get(measure.kind, measure.kind), measure.help]
            )
    for cell in explain[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    texts_stay_texts(explain, set())
    explain.freeze_panes = "A2"
    for letter, size in zip("ABCDE", (16, 16, 26, 10, 60), strict=True):
        explain.column_dimensions[letter].width = size
    return saved(book)


def ranking_workbook(ranking, progress=None):
    """Every scored unit's score, rank and the points of each rule, as xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "考核排名"
    standard = ranking.standard
    rules = standard.rules
    fixed = ("排名", "单位", "类别", "类别内排名", "基础分")
    columns = len(fixed) + 2 * len(rules) + 3
    title_rows(
        sheet,
        f"{ranking.period.title}各单位行政执法协作配合考核评分排名",
        f"依据{standard.title}（基础分 {number(standard.base)}）；"
        f"预警按 {ranking.moment:%Y-%m-%d %H:%M} 计算；同分同名次；得分不低于 0 分。",
        columns,
    )
    for column, title in enumerate(fixed, 1):
        header(sheet, 3, column, title, rows=2)
    column = len(fixed) + 1
    rule_columns = []
    for rule in rules:
        header(sheet, 3, column, rule.title, span=2)
        header(sheet, 4, column, "件数")
        header(sheet, 4, column + 1, "得分")
        rule_columns.append(column)
        column += 2
    header(sheet, 3, column, "扣分合计", rows=2)
    header(sheet, 3, column + 1, "加分合计", rows=2)
    header(sheet, 3, column + 2, "得分", rows=2)
    cards = ranking.cards
    for offset, card in enumerate(cards):
        r = FIRST_ROW + offset
        values = (card.rank, card.title, card.kind_title, card.kind_rank, float(card.base))
        for c, value in enumerate(values, 1):
            sheet.cell(row=r, column=c, value=value)
        for c, line in zip(rule_columns, card.lines, strict=True):
            sheet.cell(row=r, column=c, value=line.count)
            sheet.cell(row=r, column=c + 1, value=float(line.points))
        sheet.cell(row=r, column=column, value=float(-card.deducted))
        sheet.cell(row=r, column=column + 1, value=float(card.added))
        sheet.cell(row=r, column=column + 2, value=float(card.score)).font = HEADER_FONT
        if progress is not None and offset % 50 == 49:
            progress(offset + 1, len(cards))
    last = FIRST_ROW + len(cards) - 1
    end = max(last, FIRST_ROW)
    summed = [c for rule_column in rule_columns for c in (rule_column, rule_column + 1)] + [
        column,
        column + 1,
    ]
    totals_row(sheet, last + 1, FIRST_ROW, end, summed)
    average = last + 2
    sheet.cell(row=average, column=1, value="平均得分").font = HEADER_FONT
    letter = get_column_letter(column + 2)
    sheet.cell(row=average, column=column + 2, value=f"=AVERAGE({letter}{FIRST_ROW}:{letter}{end})")
    sheet.cell(row=average, column=column + 2).number_format = "0.00"
    texts_stay_texts(sheet, {last + 1, average})
    sheet.freeze_panes = f"C{FIRST_ROW}"
    sheet.auto_filter.ref = f"A4:{get_column_letter(column + 2)}{end}"
    widths(sheet, 6)
    rules_sheet = book.create_sheet("评分标准")
    rules_sheet.append([standard.title, f"基础分 {number(standard.base)}", standard.note])
    rules_sheet.append(["规则", "统计项代码", "每件分值", "封顶（分）"])
    for rule in rules:
        rules_sheet.append(
            [rule.title, rule.key, float(rule.points), float(rule.cap) if rule.cap else "不封顶"]
        )
    for cell in rules_sheet[2]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    texts_stay_texts(rules_sheet, set())
    rules_sheet.freeze_panes = "A3"
    for letter, size in zip("ABCD", (34, 28, 10, 12), strict=True):
        rules_sheet.column_dimensions[letter].width = size
    return saved(book)


def texts_stay_texts(sheet, formula_rows):
    """Only the totals are formulas: a name typed as ``=…`` (a rule's, a unit's) stays a text, so
    that a file opened in Excel computes nothing a person typed into the portal."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" and cell.row not in formula_rows:
                cell.data_type = "s"


def saved(book):
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
