/* PortalCharts: bar and line charts drawn from the HTML tables that hold their data; no dependency,
 * no build step. The table stays on the page as the accessible form of the data (docs/charts.md).
 *
 * <table data-chart="bar"> or <table data-chart="line">
 *   <caption>                     the chart's title
 *   header row (<thead>'s last, else the table's first): the first <th> heads the categories, each
 *                                 further <th> names one series
 *   body rows: <th scope="row">   the category (a unit for bars, a month for lines), then one cell
 *                                 per series: "1234", "1,234", "85%", "-2.5"; a blank cell or any
 *                                 other text is no value (no bar, a gap in the line)
 *   data-chart-horizontal="true"  bars run across, categories down the side (long names, many rows:
 *                                 the chart grows in height and scrolls past 80% of the window)
 *   data-chart-stacked="true"     a bar's series are stacked; its total is printed at its end
 *   data-chart-max-rows="N"       bars: the N rows with the largest total, in table order; lines:
 *                                 the last N rows; a note above the chart says so
 * On DOMContentLoaded each such table gets a <figure class="portal-chart"> inserted before it with
 * an <svg> (and a <figcaption class="portal-chart-note"> when rows were left out). Later tables:
 *   PortalCharts.draw(table)      draws (or redraws) one table; returns the <svg>
 *   PortalCharts.drawAll(root)    draws every chart table under root (default: document)
 * Without colour: bars differ in fill pattern and print their values, lines in dash and marker, and
 * the legend shows the same; each bar and point has a <title> "category · series：value". Text goes
 * in through textContent only, and no style attribute is written (the Content-Security-Policy has
 * no 'unsafe-inline'): static/charts.css does the little styling.
 */
(function () {
  "use strict";

  const NS = "http://www.w3.org/2000/svg";
  const FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  // Each at least 4.5:1 against white, so bars and lines stand out however their pattern thins them.
  const COLOURS = ["#1f4e79", "#b35900", "#2e7d32", "#7b3f9e", "#a0262b", "#00707a", "#5d4037", "#4d4d4d"];
  const PATTERNS = ["solid", "diagonal", "dots", "horizontal", "crosshatch", "vertical"];
  const HATCHES = { diagonal: "M-2,2l4,-4M0,8l8,-8M6,10l4,-4", horizontal: "M0,4h8", vertical: "M4,0v8",
    crosshatch: "M0,0l8,8M8,0l-8,8" };
  const DASHES = ["none", "8 4", "2 3", "10 3 2 3", "4 4", "12 3 2 3 2 3"];
  const MARKERS = ["circle", "square", "triangle", "diamond", "plus", "triangle-down"];
  // Font sizes of labels, and of ticks and values; the plot's height for vertical bars and lines.
  const [SIZE, SMALL, PLOT_HEIGHT] = [12, 11, 260];
  const figures = new WeakMap(); // table -> the figure drawn for it
  let counter = 0;

  // --- SVG and text -------------------------------------------------------------------------------
  function el(name, attrs, parent) {
    const node = document.createElementNS(NS, name);
    for (const key of Object.keys(attrs)) node.setAttribute(key, String(attrs[key]));
    if (parent) parent.appendChild(node);
    return node;
  }

  /** A <title> as the node's first child: the tooltip (and the accessible name) of the node. */
  function tooltip(node, content) {
    node.insertBefore(el("title", {}), node.firstChild).textContent = content;
    return node;
  }

  /** A <text>; when `full` is given and the shown text is shortened, the full text is its tooltip. */
  function text(parent, x, y, content, attrs, full) {
    const node = el("text", Object.assign({ x: round(x), y: round(y) }, attrs || {}), parent);
    node.appendChild(document.createTextNode(content));
    if (full !== undefined && full !== content) tooltip(node, full);
    return node;
  }

  /** An estimate of the width of a text: CJK and full-width characters one em, others about half. */
  function textWidth(content, size) {
    let ems = 0;
    for (const ch of content) ems += ch.codePointAt(0) >= 0x2e80 ? 1 : /[ilj.,:;!|' ]/.test(ch) ? 0.3 : 0.6;
    return ems * (size || SIZE);
  }

  /** The text, shortened with "…" to fit in `max` pixels. */
  function fit(content, max, size) {
    if (textWidth(content, size) <= max) return content;
    const chars = Array.from(content);
    while (chars.length && textWidth(chars.join("") + "…", size) > max) chars.pop();
    return chars.join("") + "…";
  }

  const round = (value) => Math.round(value * 10) / 10;
  const format = (value) => Number(value.toFixed(6)).toLocaleString("zh-CN", { maximumFractionDigits: 4 });
  const cellText = (cell) => (cell ? cell.textContent.replace(/\s+/g, " ").trim() : "");

  // --- Reading the table --------------------------------------------------------------------------
  /** A cell's number and text ("1,234", "85%", "-2.5"), or null for a blank or any other text. */
  function cellValue(cell) {
    const label = cellText(cell);
    const plain = label.replace(/[\s,，]/g, "").replace(/[%％]$/, "");
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(plain) ? { value: Number(plain), label } : null;
  }

  function readTable(table) {
    const head = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : table.rows[0];
    const series = head ? Array.from(head.cells).slice(1).map(cellText) : [];
    const categories = [];
    for (const body of Array.from(table.tBodies)) {
      for (const row of Array.from(body.rows)) {
        if (row === head) continue;
        const cells = Array.from(row.cells);
        const values = series.map((name, j) => cellValue(cells[j + 1]));
        const total = values.reduce((sum, v) => sum + (v ? v.value : 0), 0);
        categories.push({ name: cellText(cells[0]), values, total });
      }
    }
    return { title: cellText(table.caption), series, categories };
  }

  /** The rows shown under data-chart-max-rows, and the note that says what was left out. */
  function limitRows(table, kind, categories) {
    const max = parseInt(table.getAttribute("data-chart-max-rows"), 10);
    if (!(max > 0) || categories.length <= max) return { categories, note: "" };
    const all = categories.length;
    if (kind === "line") {
      return { categories: categories.slice(-max), note: `图中仅显示最近 ${max} 行（共 ${all} 行），全部数据见下表。` };
    }
    const kept = new Set(categories.slice().sort((a, b) => b.total - a.total).slice(0, max));
    const note = `图中仅显示合计最大的 ${max} 行（共 ${all} 行），全部数据见下表。`;
    return { categories: categories.filter((category) => kept.has(category)), note };
  }

  // --- Scales, axes, legend -----------------------------------------------------------------------
  /** A scale from zero (or below) to the largest value, on round steps of 1, 2 or 5 × 10ⁿ. */
  function niceScale(lo, hi, count) {
    [lo, hi] = [Math.min(0, lo), Math.max(0, hi)];
    if (hi === lo) hi = lo + 1;
    const rough = (hi - lo) / count;
    const magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 5, 10].find((f) => f * magnitude >= rough) * magnitude;
    const [min, max, ticks] = [Math.floor(lo / step) * step, Math.ceil(hi / step) * step, []];
    for (let v = min; v <= max + step / 2; v += step) ticks.push(Number(v.toFixed(10)));
    const width = Math.max(...ticks.map((t) => textWidth(format(t), SMALL))); // of the widest label
    return { ticks, width, at: (v) => (v - min) / (max - min) };
  }

  /** Grid lines and tick labels along the value axis (`place` turns a value into a pixel). */
  function valueAxis(svg, scale, place, horizontal, box, both) {
    const axis = el("g", { class: "portal-chart-axis", "font-size": SMALL, fill: "#333" }, svg);
    for (const tick of scale.ticks) {
      const p = round(place(tick));
      const stroke = tick === 0 ? "#666" : "#ddd";
      if (horizontal) {
        el("line", { x1: p, x2: p, y1: box.top, y2: box.top + box.height, stroke }, axis);
        text(axis, p, box.top - 6, format(tick), { "text-anchor": "middle" });
        if (both) text(axis, p, box.top + box.height + 15, format(tick), { "text-anchor": "middle" });
      } else {
        el("line", { x1: box.left, x2: box.left + box.width, y1: p, y2: p, stroke }, axis);
        text(axis, box.left - 6, p + 4, format(tick), { "text-anchor": "end" });
      }
    }
  }

  function markerPath(kind, x, y, r) {
    const k = r * 1.3;
    const t = r / 2.5;
    return {
      circle: `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0z`,
      square: `M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}z`,
      triangle: `M${x},${y - k}L${x + k},${y + r}H${x - k}z`,
      "triangle-down": `M${x},${y + k}L${x + k},${y - r}H${x - k}z`,
      diamond: `M${x},${y - k}L${x + k},${y}L${x},${y + k}L${x - k},${y}z`,
      plus: `M${x - t},${y - k}h${2 * t}v${k - t}h${k - t}v${2 * t}h${t - k}v${k - t}h${-2 * t}v${t - k}h${t - k}v${-2 * t}h${k - t}z`,
    }[kind];
  }

  function marker(parent, style, x, y, cls) {
    const look = { class: cls, fill: style.colour, stroke: "#fff", "data-marker": style.marker };
    return el("path", Object.assign({ d: markerPath(style.marker, x, y, 4.5) }, look), parent);
  }

  /** Series j's look: colour and fill (a pattern defined once per chart) or dash and marker. */
  function seriesStyle(defs, id, j) {
    const colour = COLOURS[j % COLOURS.length];
    const pattern = PATTERNS[j % PATTERNS.length];
    let fill = colour;
    if (pattern !== "solid") {
      const tile = el("pattern", { id: `${id}-p${j}`, width: 8, height: 8, patternUnits: "userSpaceOnUse" }, defs);
      el("rect", { width: 8, height: 8, fill: colour }, tile);
      if (pattern === "dots") el("circle", { cx: 4, cy: 4, r: 1.7, fill: "#fff" }, tile);
      else el("path", { d: HATCHES[pattern], stroke: "#fff", "stroke-width": 1.6, fill: "none" }, tile);
      fill = `url(#${id}-p${j})`;
    }
    const marker = MARKERS[(j + Math.floor(j / MARKERS.length)) % MARKERS.length];
    return { colour, pattern, fill, dash: DASHES[j % DASHES.length], marker };
  }

  /** The legend, wrapped to the width; returns the height it takes. */
  function legend(svg, chart, kind, top) {
    const group = el("g", { class: "portal-chart-legend", "font-size": SIZE, fill: "#222" }, svg);
    const key = kind === "line" ? 34 : 20;
    let [x, y] = [4, top + 12];
    chart.series.forEach((name, j) => {
      const style = chart.styles[j];
      const label = fit(name, chart.width / 2, SIZE);
      const width = key + textWidth(label) + 18;
      if (x > 4 && x + width > chart.width) [x, y] = [4, y + 20];
      const item = el("g", { class: "portal-chart-legend-item", transform: `translate(${x},${y})` }, group);
      if (kind === "line") {
        el("path", { d: "M0,0h28", stroke: style.colour, "stroke-width": 2, "stroke-dasharray": style.dash }, item);
        marker(item, style, 14, 0, "portal-chart-marker");
      } else {
        const look = { fill: style.fill, stroke: style.colour, "data-pattern": style.pattern };
        el("rect", Object.assign({ x: 0, y: -7, width: 14, height: 14 }, look), item);
      }
      text(item, key, 4, label, {}, name);
      x += width;
    });
    return chart.series.length ? y + 14 - top : 0;
  }

  // --- Bars ---------------------------------------------------------------------------------------
  function bars(svg, chart, table) {
    const horizontal = table.getAttribute("data-chart-horizontal") === "true";
    const stacked = table.getAttribute("data-chart-stacked") === "true";
    const [cats, m] = [chart.categories, chart.series.length];
    let [lo, hi, labelWidth] = [0, 0, 0];
    for (const cat of cats) {
      let [pos, neg] = [0, 0];
      for (const v of cat.values) {
        if (!v) continue;
        labelWidth = Math.max(labelWidth, textWidth(v.label, SMALL));
        [pos, neg] = v.value >= 0 ? [pos + v.value, neg] : [pos, neg + v.value];
        lo = Math.min(lo, stacked ? neg : v.value);
        hi = Math.max(hi, stacked ? pos : v.value);
      }
      if (stacked) labelWidth = Math.max(labelWidth, textWidth(format(cat.total), SMALL));
    }
    const scale = niceScale(lo, hi, horizontal ? 6 : 5);
    // Thickness of one bar: vertical bars are wide enough for the value printed above them, and
    // wider (up to 40) when there is room; horizontal ones make a chart of 300 rows still readable.
    const per = stacked ? 1 : m;
    let thick = horizontal ? (per === 1 ? 16 : 12) : Math.max(14, labelWidth + 4);
    const box = { top: chart.top + (horizontal ? 20 : 16) };
    let band;
    if (horizontal) {
      const nameWidth = Math.max(0, ...cats.map((cat) => textWidth(cat.name)));
      box.left = Math.min(nameWidth, chart.width * 0.35, 280) + 12;
      box.width = Math.max(80, chart.width - box.left - labelWidth - 12);
      band = thick * per + 10;
      box.height = band * cats.length;
    } else {
      box.left = scale.width + 12;
      band = Math.max(thick * per + 12, (chart.width - box.left - 16) / Math.max(1, cats.length));
      thick = Math.max(thick, Math.min(40, ((band - 12) * 0.7) / per));
      box.width = band * cats.length;
      box.height = PLOT_HEIGHT;
    }
    const group = thick * per;
    const place = (v) => (horizontal ? box.left + box.width * scale.at(v) : box.top + box.height * (1 - scale.at(v)));
    const tall = horizontal && cats.length > 12;
    valueAxis(svg, scale, place, horizontal, box, tall);

    const plot = el("g", { class: "portal-chart-bars" }, svg);
    const names = el("g", { class: "portal-chart-categories", fill: "#222" }, svg);
    // Values on a white halo: readable over grid lines and patterns alike.
    const halo = { fill: "#222", stroke: "#fff", "stroke-width": 3, "stroke-linejoin": "round", "paint-order": "stroke" };
    const values = el("g", Object.assign({ class: "portal-chart-values", "font-size": SMALL }, halo), svg);
    // A value printed at the end of a bar (beyond it) or in its middle.
    const printValue = (end, across, negative, content, cls) => {
      const anchor = horizontal ? (negative ? "end" : "start") : "middle";
      const [x, y] = horizontal ? [end + (negative ? -4 : 4), across + 4] : [across, end + (negative ? 13 : -4)];
      return text(values, x, y, content, { class: cls, "text-anchor": anchor });
    };

    cats.forEach((cat, i) => {
      const start = (horizontal ? box.top : box.left) + i * band + (band - group) / 2;
      const [nx, ny, room] = horizontal
        ? [box.left - 8, start + group / 2 + 4, box.left - 12]
        : [start + group / 2, box.top + box.height + 17, band - 4];
      text(names, nx, ny, fit(cat.name, room), { "text-anchor": horizontal ? "end" : "middle" }, cat.name);
      let [pos, neg] = [0, 0];
      cat.values.forEach((v, j) => {
        if (!v) return;
        const from = !stacked ? 0 : v.value >= 0 ? pos : neg;
        if (stacked) [pos, neg] = v.value >= 0 ? [pos + v.value, neg] : [pos, neg + v.value];
        const [a, b] = [place(from), place(from + v.value)];
        const across = start + (stacked ? 0 : j * thick);
        const length = Math.abs(b - a);
        const rect = horizontal
          ? { x: Math.min(a, b), y: across, width: length, height: thick }
          : { x: across, y: Math.min(a, b), width: thick, height: length };
        for (const key of Object.keys(rect)) rect[key] = round(rect[key]);
        const style = chart.styles[j];
        const attrs = { class: "portal-chart-bar", fill: style.fill, stroke: style.colour, "data-series": j };
        tooltip(el("rect", Object.assign(attrs, rect), plot), `${cat.name} · ${chart.series[j]}：${v.label}`);
        if (!stacked) {
          printValue(b, across + thick / 2, v.value < 0, v.label, "portal-chart-value");
        } else if (length >= (horizontal ? textWidth(v.label, SMALL) + 6 : 15)) {
          // Inside its segment when it fits there (the table and the tooltip always have it).
          const mid = (a + b) / 2;
          const at = horizontal ? [mid, across + thick / 2 + 4] : [across + thick / 2, mid + 4];
          text(values, at[0], at[1], v.label, { class: "portal-chart-value", "text-anchor": "middle" });
        }
      });
      if (stacked && cat.values.some((v) => v)) {
        const negative = cat.total < 0;
        printValue(place(negative ? neg : pos), start + thick / 2, negative, format(cat.total), "portal-chart-total");
      }
    });
    const width = horizontal ? chart.width : box.left + box.width + 16;
    return { width, height: box.top + box.height + (horizontal ? (tall ? 24 : 8) : 26) };
  }

  // --- Lines --------------------------------------------------------------------------------------
  function lines(svg, chart) {
    const [cats, n] = [chart.categories, chart.categories.length];
    const numbers = [].concat(...cats.map((cat) => cat.values.filter((v) => v).map((v) => v.value)));
    const scale = niceScale(Math.min(...numbers), Math.max(...numbers), 5);
    // Month names under the axis (the first and last centred on the plot's ends).
    const nameWidth = Math.min(120, Math.max(0, ...cats.map((cat) => textWidth(cat.name))));
    const box = { top: chart.top + 10, left: Math.max(scale.width + 12, nameWidth / 2 + 4), height: PLOT_HEIGHT };
    box.width = chart.width - box.left - Math.max(24, nameWidth / 2 + 4);
    const step = n > 1 ? box.width / (n - 1) : 0;
    const x = (i) => round(box.left + (n > 1 ? step * i : box.width / 2));
    const y = (v) => round(box.top + box.height * (1 - scale.at(v)));
    valueAxis(svg, scale, y, false, box, false);
    // When they would collide, only every k-th.
    const every = n > 1 ? Math.max(1, Math.ceil((nameWidth + 8) / step)) : 1;
    const names = el("g", { class: "portal-chart-categories", fill: "#222", "text-anchor": "middle" }, svg);
    cats.forEach((cat, i) => {
      if (i % every === 0) text(names, x(i), box.top + box.height + 17, fit(cat.name, 120), {}, cat.name);
    });

    chart.series.forEach((name, j) => {
      const style = chart.styles[j];
      const group = el("g", { class: "portal-chart-series", "data-series": j }, svg);
      let [d, pen] = ["", false]; // a blank cell lifts the pen: the line has a gap there
      cats.forEach((cat, i) => {
        const v = cat.values[j];
        if (v) d += `${pen ? "L" : "M"}${x(i)},${y(v.value)}`;
        pen = Boolean(v);
      });
      const line = { class: "portal-chart-line", d: d || "M0,0", fill: "none", stroke: style.colour };
      el("path", Object.assign(line, { "stroke-width": 2, "stroke-dasharray": style.dash }), group);
      cats.forEach((cat, i) => {
        const v = cat.values[j];
        if (v) tooltip(marker(group, style, x(i), y(v.value), "portal-chart-point"), `${cat.name} · ${name}：${v.label}`);
      });
    });
    return { width: chart.width, height: box.top + box.height + 26 };
  }

  // --- Drawing ------------------------------------------------------------------------------------
  function draw(table) {
    const kind = table.getAttribute("data-chart") === "line" ? "line" : "bar";
    const data = readTable(table);
    const shown = limitRows(table, kind, data.categories);
    if (figures.has(table)) figures.get(table).remove(); // drawn before: drawn anew

    const figure = Object.assign(document.createElement("figure"), { className: "portal-chart" });
    const note = { className: "portal-chart-note", textContent: shown.note }; // text, never markup
    if (shown.note) figure.appendChild(Object.assign(document.createElement("figcaption"), note));
    const id = `portal-chart-${++counter}`;
    const attrs = { class: "portal-chart-svg", role: "img", "aria-labelledby": `${id}-title` };
    const svg = el("svg", Object.assign(attrs, { "font-family": FONT, "font-size": SIZE }), figure);
    table.parentNode.insertBefore(figure, table);
    figures.set(table, figure);
    table.setAttribute("data-chart-drawn", "true");

    const title = el("title", { id: `${id}-title` }, svg);
    title.textContent = `${data.title || "图表"}（数据见下表）`;
    const defs = el("defs", {}, svg);
    const width = Math.max(320, Math.min(1200, figure.clientWidth || 640));
    const chart = { width, series: data.series, categories: shown.categories, top: 0 };
    chart.styles = data.series.map((name, j) => seriesStyle(defs, id, j));
    if (data.title) {
      const look = { class: "portal-chart-title", "font-size": 15, "font-weight": "bold" };
      text(svg, 4, 18, fit(data.title, width - 8, 15), look, data.title);
      chart.top = 28;
    }
    chart.top += legend(svg, chart, kind, chart.top) + 8;

    let size;
    if (!chart.categories.some((cat) => cat.values.some((v) => v))) {
      text(svg, 4, chart.top + 16, "暂无可绘制的数值，请见下表。", { class: "portal-chart-empty", fill: "#555" });
      size = { width, height: chart.top + 28 };
    } else {
      size = kind === "line" ? lines(svg, chart) : bars(svg, chart, table);
    }
    const [w, h] = [Math.ceil(size.width), Math.ceil(size.height)];
    const sizes = { width: w, height: h, viewBox: `0 0 ${w} ${h}` };
    for (const key of Object.keys(sizes)) svg.setAttribute(key, sizes[key]);
    if (w > width) figure.classList.add("portal-chart-wide");
    if (h > 900) figure.classList.add("portal-chart-tall");
    return svg;
  }

  function drawAll(root) {
    const tables = (root || document).querySelectorAll('table[data-chart="bar"], table[data-chart="line"]');
    for (const table of Array.from(tables)) {
      try {
        draw(table);
      } catch (error) {
        console.error("PortalCharts:", error); // the other tables still get drawn
      }
    }
  }

  window.PortalCharts = { draw, drawAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => drawAll());
  else drawAll();
})();
