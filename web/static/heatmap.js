// Heatmaps on canvas: one pixel per cell in the canvas, scaled up by CSS,
// with the exact value, row and column under the mouse.
import { sequential, diverging, sequentialCSS, divergingCSS, masked } from "./palette.js";

const maxCanvasColumns = 4096; // wider tensors are binned (max |value|) for drawing

// viewOf turns a recorded tensor into a 2-D view for the current head.
// It returns null for tensors shown through another one (token ids).
export function viewOf(name, t, head, tokens, labels, tensors) {
  const { shape, data } = t;
  const v = { caption: name, rowLabels: tokens, colLabels: null, signed: true, fixed: null, masked: null, cellText: null };
  let m;
  if ((m = /attn\.hook_(attn_scores|pattern)$/.exec(name))) {
    const [, T, K] = shape;
    v.rows = T;
    v.cols = K;
    v.colLabels = tokens;
    const base = head * T * K;
    v.get = (r, c) => data[base + r * K + c];
    v.masked = (r, c) => c > r + (K - T);
    if (m[1] === "pattern") {
      v.signed = false;
      v.fixed = [0, 1];
    }
    v.caption = `${m[1] === "pattern" ? "attention weights" : "scaled scores QKᵀ/√d"} · head ${head} · ${T}×${K} (query ↓, key →)`;
    v.rowTitle = "query";
    v.colTitle = "key";
  } else if ((m = /attn\.hook_(q|k|v|z)$/.exec(name))) {
    const [T, H, D] = shape;
    v.rows = T;
    v.cols = D;
    v.get = (r, c) => data[(r * H + head) * D + c];
    v.caption = `${{ q: "queries Q", k: "keys K", v: "values V", z: "weighted sum z" }[m[1]]} · head ${head} · ${T}×${D}`;
  } else if (name === "next.top_ids") {
    return null;
  } else if (name === "next.top_probs") {
    const [T, K] = shape;
    const ids = tensors.get("next.top_ids");
    v.rows = T;
    v.cols = K;
    v.get = (r, c) => data[r * K + c];
    v.signed = false;
    v.fixed = [0, 1];
    v.colLabels = Array.from({ length: K }, (_, i) => `#${i + 1}`);
    if (ids) v.cellText = (r, c) => labels[ids.data[r * K + c]] ?? String(ids.data[r * K + c]);
    v.caption = `next-token probabilities: the top ${K} after each position`;
  } else if (name === "next.loss") {
    v.rows = shape[0];
    v.cols = 1;
    v.get = (r) => data[r];
    v.signed = false;
    v.rowLabels = tokens.slice(1).map((t, i) => `${tokens[i]} → ${t}`);
    v.colLabels = ["loss"];
    v.caption = "loss of each next token: −log p(actual next token)";
  } else {
    v.rows = shape.length > 1 ? shape[0] : shape[0];
    v.cols = shape.length > 1 ? data.length / shape[0] : 1;
    v.get = (r, c) => data[r * v.cols + c];
    if (shape.length === 1) v.rowLabels = null;
    v.caption = `${name} · ${shape.join("×")}`;
  }
  if (!v.colLabels) v.colLabels = Array.from({ length: v.cols }, (_, i) => String(i));
  if (!v.rowLabels || v.rowLabels.length < v.rows) v.rowLabels = Array.from({ length: v.rows }, (_, i) => (tokens && tokens[i]) || String(i));
  return v;
}

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

function colourOf(v, lo, hi) {
  const pal = v.signed ? diverging : sequential;
  return (x) => pal((x - lo) / (hi - lo));
}

function fmt(x) {
  if (x === -Infinity) return "−∞";
  if (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3)) return x.toExponential(4);
  return x.toPrecision(6);
}

// drawHeatmap appends the heatmap of view v to fig.
export function drawHeatmap(fig, v, tooltip) {
  const [lo, hi] = range(v);
  const colour = colourOf(v, lo, hi);
  const binned = v.cols > maxCanvasColumns;
  const bin = binned ? Math.ceil(v.cols / maxCanvasColumns) : 1;
  const width = Math.ceil(v.cols / bin);

  const avail = Math.max(240, (fig.parentElement?.clientWidth || 800) - 150);
  const cellW = Math.min(44, avail / v.cols);
  const cellH = Math.max(2, v.cols <= v.rows * 2 ? cellW : Math.min(22, 520 / v.rows));
  const showRows = cellH >= 9;
  const showCols = cellW >= 9;

  const grid = document.createElement("div");
  grid.className = "hm-grid";
  const rowBox = document.createElement("div");
  rowBox.className = "hm-rows";
  if (showRows) {
    for (let r = 0; r < v.rows; r++) {
      const s = document.createElement("span");
      s.textContent = v.rowLabels[r];
      s.style.height = `${cellH}px`;
      s.style.fontSize = `${Math.min(13, cellH - 2)}px`;
      rowBox.append(s);
    }
  }
  const colBox = document.createElement("div");
  colBox.className = "hm-cols";
  if (showCols) {
    for (let c = 0; c < v.cols; c++) {
      const s = document.createElement("span");
      s.textContent = v.colLabels[c];
      s.style.width = `${cellW}px`;
      s.style.fontSize = `${Math.min(13, cellW - 2)}px`;
      colBox.append(s);
    }
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = v.rows;
  canvas.style.width = `${Math.max(1, v.cols * cellW)}px`;
  canvas.style.height = `${v.rows * cellH}px`;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(width, v.rows);
  for (let r = 0; r < v.rows; r++) {
    for (let x = 0; x < width; x++) {
      let val = v.get(r, x * bin);
      for (let c = x * bin + 1; c < Math.min(v.cols, (x + 1) * bin); c++) {
        const y = v.get(r, c);
        if (Math.abs(y) > Math.abs(val)) val = y;
      }
      const off = !binned && v.masked && v.masked(r, x);
      const rgb = off || !Number.isFinite(val) ? masked : colour(val);
      const i = 4 * (r * width + x);
      img.data[i] = rgb[0];
      img.data[i + 1] = rgb[1];
      img.data[i + 2] = rgb[2];
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  const corner = document.createElement("span");
  corner.className = "hm-corner";
  grid.append(corner, colBox, rowBox, canvas);
  if (v.cellText) {
    const overlay = document.createElement("div");
    overlay.className = "hm-cells";
    overlay.style.gridTemplateColumns = `repeat(${v.cols}, ${cellW}px)`;
    overlay.style.gridAutoRows = `${cellH}px`;
    overlay.style.width = canvas.style.width;
    if (cellW >= 36 && cellH >= 12) {
      for (let r = 0; r < v.rows; r++) {
        for (let c = 0; c < v.cols; c++) {
          const s = document.createElement("span");
          s.textContent = v.cellText(r, c);
          overlay.append(s);
        }
      }
    }
    grid.append(overlay);
  }
  fig.append(grid, scaleBar(lo, hi, v.signed));

  canvas.addEventListener("mousemove", (e) => {
    const rect = canvas.getBoundingClientRect();
    const c = Math.min(v.cols - 1, Math.floor(((e.clientX - rect.left) / rect.width) * v.cols));
    const r = Math.min(v.rows - 1, Math.floor(((e.clientY - rect.top) / rect.height) * v.rows));
    const isMasked = v.masked && v.masked(r, c);
    const val = v.get(r, c);
    const what = v.cellText ? ` (${v.cellText(r, c)})` : "";
    tooltip.textContent = `${v.rowTitle || "row"} ${r} ${v.rowLabels[r]} · ${v.colTitle || "column"} ${c} ${v.colLabels[c]}${what}: ${isMasked ? "masked (future)" : fmt(val)}`;
    tooltip.hidden = false;
    tooltip.style.left = `${e.pageX + 14}px`;
    tooltip.style.top = `${e.pageY + 14}px`;
  });
  canvas.addEventListener("mouseleave", () => (tooltip.hidden = true));
}

function scaleBar(lo, hi, signed) {
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
  const m = document.createElement("span");
  m.className = "masked-key";
  m.textContent = "masked";
  box.append(a, c, b, m);
  return box;
}

// drawThumb draws a T×T attention pattern into a small canvas, the future
// in the masked grey.
export function drawThumb(canvas, pattern, T) {
  canvas.width = T;
  canvas.height = T;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(T, T);
  for (let r = 0; r < T; r++) {
    for (let c = 0; c < T; c++) {
      const rgb = c <= r ? sequential(pattern[r * T + c]) : masked;
      const i = 4 * (r * T + c);
      img.data[i] = rgb[0];
      img.data[i + 1] = rgb[1];
      img.data[i + 2] = rgb[2];
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}
