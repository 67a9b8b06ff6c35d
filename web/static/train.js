// The training view: starts a run over /train/ws and draws its progress.
import { sequential, masked } from "./palette.js";
import { t, setLang, currentLang } from "./i18n.js";

const $ = (id) => document.getElementById(id);
const points = []; // {step, loss, val, lr}
let ws = null;
let running = false;
let threshold = Infinity; // train.InductionThreshold, sent with "started"
let fromLayer = Infinity; // train.InductionFromLayer: earlier heads cannot be induction heads
let crossed = null; // the first head of this run to reach threshold

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${proto}://${location.host}/train/ws`);
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onopen = () => setRunning(false);
  ws.onclose = () => {
    setRunning(false);
    status(t("train.disconnected"), "error");
  };
}

function status(text, kind = "") {
  $("train-status").textContent = text;
  $("train-status").className = "status " + kind;
}

function setRunning(on) {
  running = on;
  $("train-start").disabled = on;
  $("train-stop").disabled = !on;
}

function onMessage(msg) {
  switch (msg.type) {
    case "status":
      status(msg.key ? t(msg.key, msg.args) : msg.message);
      break;
    case "started":
      points.length = 0;
      threshold = msg.threshold;
      fromLayer = msg.induction_from_layer;
      crossed = null;
      $("train-induction").textContent = "";
      $("train-heldout").textContent = "";
      status(t("train.started", { layers: msg.layers, heads: msg.heads, width: msg.width, tokens: msg.tokens.toLocaleString() }));
      break;
    case "step":
      points.push({ step: msg.step, loss: msg.loss, val: msg.val_loss, lr: msg.lr });
      status(t("train.step", { step: msg.step, steps: msg.steps, loss: msg.loss.toFixed(3), tps: Math.round(msg.tokens_per_sec).toLocaleString(), eta: Math.ceil(msg.eta_s) }));
      drawCharts(msg.steps);
      if (msg.val_loss !== undefined) {
        $("train-heldout").textContent = t("train.heldOutAt", { val: msg.val_loss.toFixed(3), step: msg.step });
      }
      if (msg.probe) {
        drawProbe(msg.probe, msg.step);
        noteInduction(msg.probe, msg.step);
      }
      break;
    case "finished":
      setRunning(false);
      if (!crossed) $("train-induction").textContent = t("train.inductionNotYet", { threshold });
      {
        const args = { steps: msg.steps, s: msg.seconds.toFixed(1), loss: msg.loss.toFixed(3) };
        status(msg.val_loss !== undefined ? t("train.finishedVal", { ...args, val: msg.val_loss.toFixed(3) }) : t("train.finished", args));
      }
      break;
    case "stopped":
      setRunning(false);
      status(t("train.stopped"));
      break;
    case "error":
      setRunning(false);
      status(msg.key ? t(msg.key, msg.args) : msg.message, "error");
      break;
  }
}

function drawLine(ctx, w, h, pts, x, y, colour, dots) {
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  let first = true;
  for (const p of pts) {
    const px = x(p);
    const py = y(p);
    if (py === null) continue;
    if (dots) {
      ctx.fillRect(px - 3, py - 3, 6, 6);
      continue;
    }
    if (first) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
    first = false;
  }
  if (!dots) ctx.stroke();
}

function chart(canvas, steps, value, colourSeries) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  const h = canvas.height;
  const pad = { l: 52, r: 10, t: 10, b: 22 };
  ctx.clearRect(0, 0, w, h);
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    for (const [key] of colourSeries) {
      const v = value(p, key);
      if (v === undefined || v === null) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo === Infinity) return;
  if (hi === lo) hi = lo + 1;
  lo = Math.min(0, lo);
  const x = (p) => pad.l + ((w - pad.l - pad.r) * p.step) / steps;
  ctx.strokeStyle = "#d9dee7";
  ctx.fillStyle = "#5b6475";
  ctx.font = "12px sans-serif";
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const py = h - pad.b - ((h - pad.t - pad.b) * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.l, py);
    ctx.lineTo(w - pad.r, py);
    ctx.stroke();
    ctx.fillText(v < 0.01 && v > 0 ? v.toExponential(1) : v.toFixed(2), 4, py + 4);
  }
  ctx.fillText(`${t("plot.step")} ${steps}`, w - pad.r - 60, h - 4);
  for (const [key, colour, dots] of colourSeries) {
    const y = (p) => {
      const v = value(p, key);
      return v === undefined || v === null ? null : h - pad.b - ((h - pad.t - pad.b) * (v - lo)) / (hi - lo);
    };
    drawLine(ctx, w, h, points, x, y, colour, dots);
  }
}

function drawCharts(steps) {
  chart($("loss-chart"), steps, (p, k) => p[k], [
    ["loss", "#2f5fd0", false],
    ["val", "#e8590c", true],
  ]);
  chart($("lr-chart"), steps, (p, k) => p[k], [["lr", "#1b7a3a", false]]);
}

// isInduction reports whether a head's score makes it an induction head
// (the server's threshold, in a layer that can have one).
const isInduction = (layer, score) => layer >= fromLayer && score >= threshold;

// noteInduction says, once per run, when a head's induction score first
// reaches the threshold.
function noteInduction(probe, step) {
  if (crossed) return;
  probe.induction.forEach((heads, layer) =>
    heads.forEach((score, head) => {
      if (isInduction(layer, score) && (!crossed || score > crossed.score)) crossed = { step, layer, head, score };
    }),
  );
  if (crossed) {
    $("train-induction").textContent = t("train.inductionCrossed", {
      step, layer: crossed.layer, head: crossed.head, score: crossed.score.toFixed(2), threshold,
    });
    $("train-induction").className = "status induction";
  }
}

function drawProbe(probe, step) {
  $("probe-step").textContent = t("train.probeStep", { step });
  const grid = $("probe");
  grid.replaceChildren();
  probe.attention.forEach((layer, l) => {
    const T = probe.tokens.length;
    const H = layer.length / (T * T);
    for (let h = 0; h < H; h++) {
      const fig = document.createElement("figure");
      const c = document.createElement("canvas");
      c.width = T;
      c.height = T;
      const img = c.getContext("2d").createImageData(T, T);
      for (let r = 0; r < T; r++) {
        for (let k = 0; k < T; k++) {
          const rgb = k <= r ? sequential(layer[h * T * T + r * T + k]) : masked;
          const i = 4 * (r * T + k);
          img.data.set([rgb[0], rgb[1], rgb[2], 255], i);
        }
      }
      c.getContext("2d").putImageData(img, 0, 0);
      const score = probe.induction[l][h];
      const cap = document.createElement("figcaption");
      cap.textContent = t("train.probeHead", { layer: l, head: h, score: score.toFixed(2) });
      if (isInduction(l, score)) cap.className = "induction";
      fig.append(c, cap);
      grid.append(fig);
    }
  });
}

$("train-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (running) return;
  setRunning(true);
  ws.send(JSON.stringify({ type: "start", steps: Number($("train-steps").value) }));
});
$("train-stop").addEventListener("click", () => ws.send(JSON.stringify({ type: "stop" })));
// keepLang puts the language in the address and in the link back to the
// explorer, so that a reload or the way back opens in it from the
// server's first paint.
function keepLang() {
  const q = new URLSearchParams(location.search);
  q.set("lang", currentLang());
  history.replaceState(null, "", `${location.pathname}?${q}${location.hash}`);
  for (const a of document.querySelectorAll("a.train-link")) a.href = `/?lang=${currentLang()}`;
}
for (const b of document.querySelectorAll("button.lang")) {
  b.onclick = () => {
    setLang(b.dataset.lang);
    for (const x of document.querySelectorAll("button.lang")) x.classList.toggle("current", x.dataset.lang === currentLang());
    keepLang();
  };
}
setLang(new URLSearchParams(location.search).get("lang") || document.documentElement.dataset.lang || "en");
$("train-start").disabled = true; // until the socket is open
connect();
