// Heatmaps on canvas: one pixel per cell, scaled up by CSS, with the exact
// value, row and column under the mouse, and a click on a cell reported
// to the page. Vectors (one column) are drawn as narrow strips, and the
// next-token top-k as a table of whole tokens.
import { sequential, diverging, sequentialCSS, divergingCSS, masked } from "./palette.js";
import { t } from "./i18n.js";

const maxCanvasColumns = 4096; // wider tensors are binned (max |value|) for drawing
const stripWidth = 26; // px of a one-column heatmap

// A view is what drawHeatmap draws (views.js makes them):
//   rows, cols, get(r, c), rowLabels, colLabels, rowTitle, colTitle,
//   signed (diverging palette), fixed ([lo, hi] or null), masked(r, c) or
//   null, clickable.

// range returns the colour scale of a view: symmetric around zero for
// signed values, from zero up for weights.
function range(v) {
  if (v.fixed) return v.fixed;
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < v.rows; r++) {
    for (let c = 0; c < v.cols; c++) {
      const x = v.get(r, c);
      if (!Number.isFinite(x) || (v.masked && v.masked(r, c))) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  if (lo === Infinity) return [0, 1];
  if (lo < 0 && hi > 0) {
    const m = Math.max(-lo, hi);
    return [-m, m];
  }
  v.signed = lo < 0;
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

// fmt writes a value for people: six significant digits, −∞ for the mask.
export function fmt(x) {
  if (x === -Infinity) return "−∞";
  if (Number.isNaN(x)) return "NaN";
  if (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3)) return x.toExponential(4).replace("-", "−");
  return x.toPrecision(6).replace("-", "−");
}

// cellSizes picks the drawn size of a cell so that the view fits avail
// ({w, h} in px for the grid, labels included).
function cellSizes(v, avail) {
  const labelW = 96;
  const labelH = 70;
  const w = Math.max(120, avail.w - labelW);
  const h = Math.max(120, avail.h - labelH);
  if (v.cols === 1) return [stripWidth, Math.max(2, Math.min(26, h / v.rows))];
  if (v.cols <= v.rows * 2) {
    const s = Math.max(2, Math.min(44, w / v.cols, h / v.rows));
    return [s, s];
  }
  const cw = Math.max(w / Math.min(v.cols, maxCanvasColumns), 0.05);
  return [Math.min(44, cw), Math.max(2, Math.min(22, h / v.rows))];
}

// label is a row or column label of a heatmap, size px high, centred in
// a band of band px. A label longer than its box ends in an ellipsis
// (style.css), so its whole text is its title, shown on hover.
function label(text, size, band, style) {
  const s = document.createElement("span");
  s.textContent = text;
  s.title = text;
  Object.assign(s.style, style);
  s.style.fontSize = `${size}px`;
  s.style.lineHeight = `${band}px`;
  return s;
}

// drawHeatmap appends the heatmap of view v to fig, sized to avail
// ({w, h}); hovering fills tooltip, clicking a cell calls onCell(r, c)
// when the view is clickable.
export function drawHeatmap(fig, v, opts) {
  // A bare tooltip element is accepted for the trace-file view's calls.
  const { tooltip, avail = { w: fig.parentElement?.clientWidth || 600, h: 420 }, onCell } = opts instanceof Element ? { tooltip: opts } : opts;
  const [lo, hi] = range(v);
  const pal = v.signed ? diverging : sequential;
  const colour = (x) => pal((x - lo) / (hi - lo));
  const bin = v.cols > maxCanvasColumns ? Math.ceil(v.cols / maxCanvasColumns) : 1;
  const width = Math.ceil(v.cols / bin);
  const [cellW, cellH] = cellSizes(v, avail);
  const gridW = v.cols === 1 ? cellW : width * cellW;

  fig.append(scaleBar(lo, hi, v.signed, !!v.masked));
  const grid = document.createElement("div");
  // A strip (one column) has the width to spare for long row labels,
  // such as the loss strip's "token → next token".
  grid.className = v.cols === 1 ? "hm-grid hm-strip" : "hm-grid";
  const rowBox = document.createElement("div");
  rowBox.className = "hm-rows";
  if (cellH >= 9) {
    for (let r = 0; r < v.rows; r++) rowBox.append(label(v.rowLabels[r], Math.min(13, cellH - 2), cellH, { height: `${cellH}px` }));
  }
  const colBox = document.createElement("div");
  colBox.className = "hm-cols";
  if (cellW >= 9 && bin === 1 && v.cols > 1) { // a strip's one column is named by its caption
    for (let c = 0; c < v.cols; c++) colBox.append(label(v.colLabels[c], Math.min(13, cellW - 2), cellW, { width: `${cellW}px` }));
  }
  const area = document.createElement("div");
  area.className = "hm-area";
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = v.rows;
  canvas.style.width = `${Math.max(1, gridW)}px`;
  canvas.style.height = `${v.rows * cellH}px`;
  paintCells(canvas, width, v.rows, (r, x) => {
    let val = v.get(r, x * bin);
    for (let c = x * bin + 1; c < Math.min(v.cols, (x + 1) * bin); c++) {
      const y = v.get(r, c);
      if (Math.abs(y) > Math.abs(val)) val = y;
    }
    const off = bin === 1 && v.masked && v.masked(r, x);
    return off || !Number.isFinite(val) ? masked : colour(val);
  });
  const hlRow = document.createElement("div");
  hlRow.className = "hm-hl hm-hl-row";
  const hlCol = document.createElement("div");
  hlCol.className = "hm-hl hm-hl-col";
  hlRow.hidden = hlCol.hidden = true;
  area.append(canvas, hlRow, hlCol);
  const corner = document.createElement("span");
  corner.className = "hm-corner";
  grid.append(corner, colBox, rowBox, area);
  fig.append(grid);
  if (v.clickable) {
    canvas.classList.add("clickable");
    const hint = document.createElement("p");
    hint.className = "hint hm-click";
    hint.dataset.i18n = "fig.clickCell";
    hint.textContent = t("fig.clickCell");
    fig.append(hint);
  }

  let lit = null;
  const cellAt = (e) => {
    const rect = canvas.getBoundingClientRect();
    const c = Math.min(v.cols - 1, Math.max(0, Math.floor(((e.clientX - rect.left) / rect.width) * v.cols)));
    const r = Math.min(v.rows - 1, Math.max(0, Math.floor(((e.clientY - rect.top) / rect.height) * v.rows)));
    return [r, c];
  };
  const light = (r, c) => {
    if (lit) {
      rowBox.children[lit[0]]?.classList.remove("hl");
      colBox.children[lit[1]]?.classList.remove("hl");
    }
    lit = r === null ? null : [r, c];
    hlRow.hidden = hlCol.hidden = r === null;
    if (r === null) return;
    rowBox.children[r]?.classList.add("hl");
    colBox.children[c]?.classList.add("hl");
    const cw = canvas.clientWidth / v.cols;
    Object.assign(hlRow.style, { top: `${r * cellH}px`, height: `${cellH}px`, width: `${canvas.clientWidth}px` });
    Object.assign(hlCol.style, { left: `${c * cw}px`, width: `${Math.max(cw, 1)}px`, height: `${canvas.clientHeight}px` });
  };
  canvas.addEventListener("mousemove", (e) => {
    const [r, c] = cellAt(e);
    light(r, c);
    const isMasked = v.masked && v.masked(r, c);
    const val = v.get(r, c);
    tooltip.textContent = `${v.rowTitle} ${r} “${v.rowLabels[r]}” · ${v.colTitle} ${c}${v.colNamed ? ` “${v.colLabels[c]}”` : ""}: ${isMasked ? t("axis.masked") : fmt(val)}`;
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(e.pageX + 14, document.documentElement.clientWidth - 340)}px`;
    tooltip.style.top = `${e.pageY + 16}px`;
  });
  canvas.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
    light(null);
  });
  if (v.clickable && onCell) {
    canvas.addEventListener("click", (e) => {
      const [r, c] = cellAt(e);
      onCell(r, c);
    });
  }
  return { canvas, cellW, cellH };
}

function scaleBar(lo, hi, signed, withMask) {
  const box = document.createElement("div");
  box.className = "hm-scale";
  const c = document.createElement("canvas");
  c.width = 256;
  c.height = 1;
  const ctx = c.getContext("2d");
  const pal = signed ? divergingCSS : sequentialCSS;
  for (let i = 0; i < 256; i++) {
    ctx.fillStyle = pal(i / 255);
    ctx.fillRect(i, 0, 1, 1);
  }
  const a = document.createElement("span");
  a.textContent = fmt(lo);
  const b = document.createElement("span");
  b.textContent = fmt(hi);
  box.append(a, c, b);
  if (withMask) {
    const m = document.createElement("span");
    m.className = "masked-key";
    m.dataset.i18n = "axis.maskedKey";
    m.textContent = t("axis.maskedKey");
    box.append(m);
  }
  return box;
}

// luminance is the WCAG relative luminance of an [r, g, b] colour.
function luminance([r, g, b]) {
  const lin = (x) => {
    x /= 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

// inkOn returns the text colour, black or white, of higher contrast on a
// background: the better of the two is always at least 4.58:1.
export function inkOn(rgb) {
  const l = luminance(rgb);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000" : "#fff";
}

// drawTopTable appends the next-token top-k as a table: a row per
// position, each cell a whole token with its probability, shaded by it.
export function drawTopTable(fig, { rows, k, prob, token, rowLabels }) {
  const wrap = document.createElement("div");
  wrap.className = "top-wrap";
  const table = document.createElement("table");
  table.className = "top-table";
  const head = table.createTHead().insertRow();
  head.append(document.createElement("th"));
  for (let c = 0; c < k; c++) {
    const th = document.createElement("th");
    th.textContent = `#${c + 1}`;
    head.append(th);
  }
  const body = table.createTBody();
  for (let r = 0; r < rows; r++) {
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.textContent = rowLabels[r];
    tr.append(th);
    for (let c = 0; c < k; c++) {
      const p = prob(r, c);
      const td = tr.insertCell();
      const bg = sequential(p);
      td.style.background = `rgb(${bg[0]}, ${bg[1]}, ${bg[2]})`;
      td.style.color = inkOn(bg);
      const tok = document.createElement("span");
      tok.className = "tok";
      tok.textContent = token(r, c);
      const pp = document.createElement("span");
      pp.className = "p";
      pp.textContent = `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%`;
      td.append(tok, pp);
    }
  }
  wrap.append(table);
  fig.append(wrap);
}

// drawThumb draws a T×T attention pattern into a small canvas, the future
// in the masked grey.
export function drawThumb(canvas, pattern, T) {
  canvas.width = T;
  canvas.height = T;
  paintCells(canvas, T, T, (r, c) => (c <= r ? sequential(pattern[r * T + c]) : masked));
}

// paintCells paints a canvas of w×h pixels, one pixel a cell, in the
// colour [r, g, b] that rgbAt(row, col) gives.
function paintCells(canvas, w, h, rgbAt) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const rgb = rgbAt(r, c);
      const i = 4 * (r * w + c);
      img.data[i] = rgb[0];
      img.data[i + 1] = rgb[1];
      img.data[i + 2] = rgb[2];
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}
