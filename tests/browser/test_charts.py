"""The district overview's charts (static/charts.js) in chromium: each chart table of a page gets
its chart, bars and points say the table's numbers, lines differ in more than colour, hostile text
stays text, and 300 units with long names still draw, all under the portal's Content-Security-Policy.

The page is tests/browser/charts_fixture.html, served with the project's real static/charts.js and
charts.css by a small waitress app (the portal itself is not needed for a static script).
"""

import base64
import html
import threading
from pathlib import Path

import pytest
from waitress.server import create_server

from portal.views.headers import PORTAL_POLICY
from tests.conftest import PROJECT

from .conftest import free_port

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).with_name("charts_fixture.html")
STATIC = {
    "/static/charts.js": "application/javascript; charset=utf-8",
    "/static/charts.css": "text/css; charset=utf-8",
}
TABLES = ["answers", "transfers", "monthly", "hostile", "messy", "blank", "all-units", "top-units"]
#: 300 units with long names, as a district with its departments' squads might list them.
UNITS = [
    (f"昌江区第{n:03d}综合行政执法中队（鲇鱼山镇片区联合执法工作站）", (n * 37) % 211) for n in range(1, 301)
]


def fixture_page():
    rows = "".join(
        f'<tr><th scope="row">{html.escape(name)}</th><td>{value}</td></tr>' for name, value in UNITS
    )
    return FIXTURE.read_text(encoding="utf-8").replace("<!-- UNITS -->", rows)


def charts_app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/":
        body, content_type = fixture_page().encode("utf-8"), "text/html; charset=utf-8"
    elif path in STATIC:
        body, content_type = (PROJECT / path.lstrip("/")).read_bytes(), STATIC[path]
    else:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    headers = [("Content-Type", content_type), ("Content-Security-Policy", PORTAL_POLICY)]
    start_response("200 OK", headers)
    return [body]


@pytest.fixture(scope="module")
def charts_server():
    server = create_server(charts_app, host="127.0.0.1", port=free_port(), threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def charts(chromium, charts_server):
    """The fixture page, loaded; and the list of console errors, page errors and dialogs it caused."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: (problems.append("dialog: " + dialog.message), dialog.dismiss()))
    page.goto(charts_server + "/")
    yield page, problems
    context.close()


#: What a table's chart shows: the texts of its parts (a <text> with a tooltip: its shown text).
READ_CHART = """(id) => {
    const table = document.getElementById(id);
    const figure = table.previousElementSibling;
    const shown = (node) => node.lastChild ? node.lastChild.textContent : "";
    const all = (selector, f) => Array.from(figure.querySelectorAll(selector), f);
    const svg = figure.querySelector("svg");
    return {
        tag: figure.tagName.toLowerCase(),
        classes: figure.className,
        svgs: figure.querySelectorAll("svg").length,
        title: svg.querySelector(":scope > title").textContent,
        note: all("figcaption", (n) => n.textContent),
        bars: all(".portal-chart-bar", (n) => n.querySelector("title").textContent),
        barBoxes: all(".portal-chart-bar", (n) => ["x", "y", "width", "height"].map(
            (a) => Number(n.getAttribute(a)))),
        barFills: all(".portal-chart-bar", (n) => n.getAttribute("fill")),
        values: all(".portal-chart-value", shown),
        totals: all(".portal-chart-total", shown),
        ticks: all(".portal-chart-axis text", shown),
        categories: all(".portal-chart-categories text", shown),
        categoryTips: all(".portal-chart-categories text", (n) => {
            const tip = n.querySelector("title");
            return tip ? tip.textContent : shown(n);
        }),
        legend: all(".portal-chart-legend-item text", shown),
        legendPatterns: all(".portal-chart-legend-item rect", (n) => n.getAttribute("data-pattern")),
        legendMarkers: all(".portal-chart-legend-item [data-marker]", (n) => n.getAttribute("data-marker")),
        legendDashes: all(".portal-chart-legend-item path:first-child", (n) => n.getAttribute("stroke-dasharray")),
        lines: all(".portal-chart-line", (n) => ({
            d: n.getAttribute("d"), dash: n.getAttribute("stroke-dasharray"), colour: n.getAttribute("stroke")})),
        points: all(".portal-chart-point", (n) => n.querySelector("title").textContent),
        pointMarkers: all(".portal-chart-series", (g) => Array.from(
            g.querySelectorAll(".portal-chart-point"), (p) => p.getAttribute("data-marker"))),
        empty: all(".portal-chart-empty", (n) => n.textContent),
        elements: all("*", (n) => n.tagName.toLowerCase()),
        height: Number(svg.getAttribute("height")),
        scrolls: figure.scrollHeight > figure.clientHeight + 10,
        tableVisible: table.offsetHeight > 0,
    };
}"""


def read_chart(page, table_id):
    return page.evaluate(READ_CHART, table_id)


def test_every_chart_table_gets_one_svg_before_it_and_the_page_reports_no_error(charts):
    page, problems = charts
    assert page.locator("figure.portal-chart").count() == len(TABLES)
    for table_id in TABLES:
        chart = read_chart(page, table_id)
        assert chart["tag"] == "figure" and chart["svgs"] == 1, table_id
        assert chart["tableVisible"], table_id  # the data stays readable as a table
    assert read_chart(page, "answers")["title"] == "各单位协作请求按期答复情况（数据见下表）"
    assert problems == []


def test_grouped_bars_print_the_table_values_with_tooltips_patterns_and_round_ticks(charts):
    page, problems = charts
    chart = read_chart(page, "answers")
    rows = [
        ("鱼山镇", "12", "11"),
        ("竟成镇", "8", "8"),
        ("区市场监督管理局", "1,204", "1,187"),
        ("区司法局", "0", "0"),
    ]
    assert chart["bars"] == [
        f"{unit} · {series}：{value}"
        for unit, *values in rows
        for series, value in zip(("收到请求", "按期答复"), values, strict=True)
    ]
    assert chart["values"] == [value for _, *values in rows for value in values]
    assert chart["categories"] == [unit for unit, *_ in rows]
    assert chart["ticks"] == ["0", "500", "1,000", "1,500"]
    assert chart["legend"] == ["收到请求", "按期答复"]
    # Told apart without colour: series 2 is hatched, in the bars and in the legend alike.
    assert chart["legendPatterns"] == ["solid", "diagonal"]
    assert chart["barFills"][0].startswith("#") and chart["barFills"][1].startswith("url(#")
    # Heights in proportion to the values (1,204 against 12), all from one baseline.
    heights = [box[3] for box in chart["barBoxes"]]
    assert heights[4] / heights[0] == pytest.approx(1204 / 12, rel=0.05)
    assert heights[6] == 0
    bottoms = {round(box[1] + box[3]) for box in chart["barBoxes"]}
    assert len(bottoms) == 1
    assert problems == []


def test_stacked_horizontal_bars_follow_each_other_and_print_their_totals(charts):
    page, problems = charts
    chart = read_chart(page, "transfers")
    assert len(chart["bars"]) == 8  # 丽阳镇 has no 退回
    assert chart["bars"][3:5] == ["丽阳镇 · 按期接收：25", "丽阳镇 · 逾期接收：10"]
    assert chart["totals"] == ["48", "35", "39"]
    first, second, third = chart["barBoxes"][:3]
    assert second[0] == pytest.approx(first[0] + first[2], abs=0.2)
    assert third[0] == pytest.approx(second[0] + second[2], abs=0.2)
    assert first[2] / third[2] == pytest.approx(40 / 2, rel=0.05)
    assert first[1] == second[1] == third[1]
    # The segments wide enough for their number print it.
    assert {"40", "25", "31"} <= set(chart["values"])
    assert chart["legendPatterns"] == ["solid", "diagonal", "dots"]
    assert problems == []


def test_lines_differ_in_dash_and_marker_the_legend_repeats_them_and_blanks_leave_gaps(charts):
    page, problems = charts
    chart = read_chart(page, "monthly")
    lines = chart["lines"]
    assert len(lines) == 3
    assert len({line["dash"] for line in lines}) == 3
    markers = [set(series) for series in chart["pointMarkers"]]
    assert all(len(kinds) == 1 for kinds in markers)
    assert len({kinds.pop() for kinds in markers}) == 3
    assert chart["legend"] == ["协作请求", "案件移送", "联合执法"]
    assert chart["legendDashes"] == [line["dash"] for line in lines]
    assert chart["legendMarkers"] == [series[0] for series in chart["pointMarkers"]]
    assert len(chart["points"]) == 17  # 18 cells, one blank
    assert "2026-03 · 协作请求：21" in chart["points"]
    assert "2026-04 · 案件移送" not in " ".join(chart["points"])
    # The blank April lifts the pen: 案件移送 is drawn in two pieces.
    assert lines[1]["d"].count("M") == 2 and lines[0]["d"].count("M") == 1
    assert chart["categories"] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert problems == []


def test_markup_in_cells_is_shown_as_text_and_never_run(charts):
    page, problems = charts
    chart = read_chart(page, "hostile")
    assert "img" not in chart["elements"] and "script" not in chart["elements"]
    assert chart["legend"] == ["<img src=x onerror=alert(2)>"]
    assert chart["categoryTips"] == ["<img src=x onerror=alert(3)>", "<script>alert(4)</script>", "正常单位"]
    assert chart["bars"] == [
        "<img src=x onerror=alert(3)> · <img src=x onerror=alert(2)>：5",
        "正常单位 · <img src=x onerror=alert(2)>：3",
    ]
    assert chart["title"] == "<img src=x onerror=alert(1)> 标题（数据见下表）"
    assert page.locator("main img").count() == 0
    assert problems == []


def test_blanks_and_words_are_no_value_and_a_table_without_numbers_says_so(charts):
    page, problems = charts
    chart = read_chart(page, "messy")
    assert chart["bars"] == [
        "百分比与千分位 · 甲：85%",
        "百分比与千分位 · 乙：1,234",
        "负数与小数 · 甲：-2.5",
        "负数与小数 · 乙：.5",
    ]
    assert chart["totals"] == ["1,319", "-2"]
    blank = read_chart(page, "blank")
    assert blank["points"] == [] and blank["empty"] == ["暂无可绘制的数值，请见下表。"]
    assert problems == []


def test_three_hundred_units_with_long_names_draw_tall_and_scroll(charts):
    page, problems = charts
    chart = read_chart(page, "all-units")
    assert chart["bars"] == [f"{name} · 案件移送：{value}" for name, value in UNITS]
    assert chart["values"] == [str(value) for _, value in UNITS]
    assert chart["categoryTips"] == [name for name, _ in UNITS]
    # Names too long for the side are shortened on the chart; the tooltip has them in full.
    assert all(
        shown.endswith("…") and len(shown) < len(name)
        for shown, (name, _) in zip(chart["categories"], UNITS, strict=True)
    )
    assert chart["height"] > 300 * 20
    # Round ticks, printed above the bars and again below them.
    assert chart["ticks"] == [tick for tick in ("0", "50", "100", "150", "200", "250") for _ in range(2)]
    assert "portal-chart-tall" in chart["classes"] and chart["scrolls"]
    elapsed = page.evaluate(
        """() => { const t = performance.now();
        PortalCharts.draw(document.getElementById('all-units')); return performance.now() - t; }"""
    )
    print(f"300 horizontal bars drawn in {elapsed:.0f} ms")
    assert elapsed < 2000
    assert page.locator("figure.portal-chart").count() == len(TABLES)  # redrawn in place
    assert problems == []


def test_max_rows_shows_the_largest_in_table_order_and_says_so(charts):
    page, problems = charts
    chart = read_chart(page, "top-units")
    largest = sorted(UNITS, key=lambda unit: -unit[1])[:20]
    expected = [unit for unit in UNITS if unit in largest]
    assert chart["bars"] == [f"{name} · 案件移送：{value}" for name, value in expected]
    assert chart["note"] == ["图中仅显示合计最大的 20 行（共 300 行），全部数据见下表。"]
    assert "portal-chart-tall" not in chart["classes"]
    assert problems == []


def test_a_table_added_later_is_drawn_by_draw_and_lines_keep_their_last_months(charts):
    page, problems = charts
    page.evaluate(
        """() => {
        const table = document.createElement("table");
        table.id = "later";
        table.setAttribute("data-chart", "line");
        table.setAttribute("data-chart-max-rows", "3");
        table.createCaption().textContent = "后来加入的表";
        const head = table.createTHead().insertRow();
        for (const name of ["月份", "拒绝协助"]) {
            const th = document.createElement("th"); th.textContent = name; head.appendChild(th);
        }
        const body = table.createTBody();
        ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"].forEach((month, i) => {
            const row = body.insertRow();
            const th = document.createElement("th"); th.scope = "row"; th.textContent = month;
            row.appendChild(th);
            row.insertCell().textContent = String(i * 2);
        });
        document.querySelector("main").appendChild(table);
        window.__drawn = PortalCharts.draw(table).tagName;
    }"""
    )
    assert page.evaluate("window.__drawn") == "svg"
    chart = read_chart(page, "later")
    assert chart["points"] == ["2026-03 · 拒绝协助：4", "2026-04 · 拒绝协助：6", "2026-05 · 拒绝协助：8"]
    assert chart["note"] == ["图中仅显示最近 3 行（共 5 行），全部数据见下表。"]
    assert problems == []


def test_many_vertical_bars_keep_their_width_and_scroll_sideways(charts):
    page, problems = charts
    page.evaluate(
        """() => {
        const table = document.createElement("table");
        table.id = "wide";
        table.setAttribute("data-chart", "bar");
        table.createTHead().insertRow().append(
            ...["单位", "按期答复"].map((name) => Object.assign(document.createElement("th"), {textContent: name})));
        const body = table.createTBody();
        for (let i = 1; i <= 60; i++) {
            const row = body.insertRow();
            row.append(Object.assign(document.createElement("th"), {scope: "row", textContent: "第" + i + "网格"}));
            row.insertCell().textContent = String(1000 + i);
        }
        document.querySelector("main").appendChild(table);
        PortalCharts.draw(table);
    }"""
    )
    chart = read_chart(page, "wide")
    assert len(chart["bars"]) == 60 and chart["values"][-1] == "1060"
    assert "portal-chart-wide" in chart["classes"]
    widths = page.evaluate(
        "() => { const f = document.getElementById('wide').previousElementSibling;"
        " return [f.scrollWidth, f.clientWidth]; }"
    )
    assert widths[0] > widths[1] * 1.5
    # Each bar is at least as wide as the value printed above it.
    assert min(box[2] for box in chart["barBoxes"]) >= 4 * 0.55 * 11
    assert problems == []


def test_chinese_labels_are_set_in_a_cjk_sans_serif_font(charts):
    page, _ = charts
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    label = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".portal-chart-categories text"})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": label["nodeId"]})["fonts"]
    assert fonts and all("CJK" in font["familyName"] and "Sans" in font["familyName"] for font in fonts), (
        fonts
    )


#: How much of a PNG is neither white nor transparent, and how many colours it has (the browser decodes it).
INK = """async (data) => {
    const image = new Image();
    image.src = "data:image/png;base64," + data;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width; canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    let ink = 0; const colours = new Set();
    for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] > 0 && pixels[i] + pixels[i + 1] + pixels[i + 2] < 700) ink++;
        colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
    }
    return { ink: ink / (pixels.length / 4), colours: colours.size };
}"""


def test_the_charts_look_drawn_on_a_screenshot(charts, tmp_path):
    page, problems = charts
    for table_id in ("answers", "transfers", "monthly"):
        figure = page.locator(f"figure:has(+ #{table_id})")
        shot = figure.screenshot(path=tmp_path / f"{table_id}.png")
        measured = page.evaluate(INK, base64.b64encode(shot).decode())
        print(
            f"{table_id}: {measured['ink']:.1%} ink, {measured['colours']} colours, {tmp_path / table_id}.png"
        )
        assert measured["ink"] > 0.03 and measured["colours"] > 20, table_id
    assert problems == []
