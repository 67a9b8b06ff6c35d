// The step on screen: the heatmaps of its hooks (asking the server for the
// held ones), the token strip, the model map of every head's pattern, the
// head picker, the timeline, and moving from step to step.
import { drawHeatmap, drawThumb, drawTopTable } from "./heatmap.js";
import { figuresOf, perHead } from "./views.js";
import * as traces from "./traces.js";
import { t, stepTitle } from "./i18n.js";
import { $, state, settle, send, saveURL, emitChange } from "./page.js";
import { loadLesson, clearExplain, explainCell } from "./lesson.js";

// ---- tensors asked for ----

export const wanted = new Set(); // held hooks asked for through explorer.fetch

export function onScreen(name) {
  const i = state.step;
  return [i, i + 1].some((j) => state.steps[j] && state.steps[j].hooks.includes(name));
}

export function request(name) {
  const run = state.run;
  if (!run || !run.held.has(name) || run.requested.has(name)) return;
  run.requested.add(name);
  send({ type: "tensor", seq: run.seq, name });
}

// fetchHeld asks once for the held hooks of step i.
function fetchHeld(i) {
  const step = state.steps[i];
  if (step) for (const name of step.hooks) request(name);
}

// ---- drawing ----

let pending = new Set();
let arrived = new Set(); // whole tensors among pending
let frame = 0;
let drawn = new Set(); // the hooks the step on screen was drawn with

// schedule redraws what a newly arrived tensor touches, once per frame:
// the model map, and the step on screen when one of its hooks arrived
// that it was drawn without.
export function schedule(name, whole) {
  pending.add(name);
  if (whole) arrived.add(name);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const names = pending;
    const fresh = arrived;
    pending = new Set();
    arrived = new Set();
    for (const name of names) {
      const m = /^blocks\.(\d+)\.attn\.hook_pattern$/.exec(name);
      if (m) drawModelMapLayer(Number(m[1]));
    }
    const step = state.steps[state.step];
    if (step && step.hooks.some((h) => fresh.has(h) && !drawn.has(h))) renderStep();
  });
}

export function drawTokens() {
  const strip = $("tokens");
  strip.replaceChildren();
  const tk = state.run.tokens;
  tk.ids.forEach((id, i) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.dataset.pos = i;
    const bytes = new TextEncoder().encode(tk.strings[i]).length;
    chip.title = t("fig.chip", { i, id, entry: JSON.stringify(tk.strings[i]), bytes });
    const tok = document.createElement("span");
    tok.className = "tok";
    tok.textContent = tk.tokens[i];
    const n = document.createElement("span");
    n.className = "id";
    n.textContent = id;
    chip.append(tok, n);
    strip.append(chip);
  });
}

export function buildModelMap() {
  const map = $("model-map");
  map.replaceChildren();
  const { n_layer: L, n_head: H } = state.model;
  for (let l = 0; l < L; l++) {
    const label = document.createElement("span");
    label.className = "map-label";
    label.dataset.i18n = "map.layer";
    label.dataset.i18nArgs = JSON.stringify({ layer: l });
    label.textContent = t("map.layer", { layer: l });
    map.append(label);
    for (let h = 0; h < H; h++) {
      const c = document.createElement("canvas");
      c.className = "thumb";
      c.dataset.layer = l;
      c.dataset.head = h;
      c.title = t("map.thumbTitle", { layer: l, head: h });
      c.addEventListener("click", () => {
        state.head = h;
        goTo(state.steps.findIndex((s) => s.id === `L${l}.softmax`), true);
      });
      map.append(c);
    }
  }
  markCurrentThumb();
}

export function clearModelMap() {
  for (const c of document.querySelectorAll("#model-map canvas")) c.width = 0;
}

// drawModelMapLayer draws layer l's heads from its pattern, or from the
// pooled thumbnail the server sends when the pattern itself is held.
function drawModelMapLayer(l) {
  const run = state.run;
  const name = `blocks.${l}.attn.hook_pattern`;
  const tt = run.tensors.get(name) || run.thumbs.get(name);
  if (!tt) return;
  const [, T] = tt.shape;
  for (const c of document.querySelectorAll(`#model-map canvas[data-layer="${l}"]`)) {
    const h = Number(c.dataset.head);
    drawThumb(c, tt.data.subarray(h * T * T, (h + 1) * T * T), T);
  }
  if (l === state.model.n_layer - 1 && state.timings.modelMap === undefined) {
    state.timings.modelMap = performance.now() - run.started;
  }
}

function markCurrentThumb() {
  const step = state.steps[state.step];
  for (const c of document.querySelectorAll("#model-map canvas")) {
    c.classList.toggle("current", !!step && Number(c.dataset.layer) === step.layer && Number(c.dataset.head) === state.head);
  }
}

export function buildHeadPicker() {
  const picker = $("head-picker");
  picker.replaceChildren();
  const label = document.createElement("span");
  label.dataset.i18n = "head.label";
  label.textContent = t("head.label");
  picker.append(label);
  for (let h = 0; h < state.model.n_head; h++) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = h;
    b.dataset.head = h;
    b.addEventListener("click", () => setHead(h, true));
    picker.append(b);
  }
}

export function setHead(h, user) {
  if (h === state.head) return;
  state.head = h;
  clearExplain();
  renderStep();
  loadLesson();
  saveURL();
  emitChange(user);
}

export function groupOf(step) {
  if (step.layer >= 0) return `L${step.layer}`;
  return ["tokenize", "embed", "pos_embed"].includes(step.kind) ? "in" : "out";
}

function renderTimeline(step) {
  const group = groupOf(step);
  const groups = [...document.querySelectorAll("#timeline .tl-group")];
  const at = groups.findIndex((b) => b.dataset.group === group);
  groups.forEach((b, i) => {
    b.classList.toggle("current", i === at);
    b.classList.toggle("past", i < at);
  });
  for (const li of document.querySelectorAll("#timeline .tl-steps li")) {
    li.hidden = li.dataset.group !== group;
    const b = li.firstElementChild;
    const i = Number(b.dataset.index);
    b.classList.toggle("current", i === state.step);
    b.classList.toggle("past", i < state.step);
    b.title = stepTitle(state.steps[i]);
  }
}

export function renderStep() {
  const step = state.steps[state.step];
  if (!step) return;
  const run = state.run;
  $("step-title").textContent = `${t("nav.stepOf", { i: state.step + 1, n: state.steps.length })} · ${stepTitle(step)}`;
  renderTimeline(step);
  $("head-picker").hidden = !step.hooks.some((h) => perHead(h, state.axes));
  for (const b of document.querySelectorAll("#head-picker button")) b.classList.toggle("current", Number(b.dataset.head) === state.head);
  markCurrentThumb();
  fetchHeld(state.step);
  fetchHeld(state.step + 1); // so that stepping on shows at once

  const box = $("heatmaps");
  box.replaceChildren();
  drawn = new Set(run ? step.hooks.filter((h) => run.tensors.has(h)) : []);
  lastSize = sizeOf();
  if (step.kind === "tokenize") {
    const p = document.createElement("p");
    p.className = "hint";
    p.textContent = run && run.tokens ? t("fig.tokenize", { n: run.tokens.ids.length }) : t("fig.tokenizeRun");
    box.append(p);
    return;
  }
  const center = $("center");
  const full = center.clientHeight || window.innerHeight;
  const availW = box.clientWidth || 600;
  let first = true;
  for (const f of figuresOf(step, run, state.axes, state.head)) {
    const fig = document.createElement("figure");
    fig.className = "heatmap";
    fig.dataset.hook = f.hook;
    const cap = document.createElement("figcaption");
    cap.textContent = f.caption;
    fig.append(cap);
    box.append(fig);
    if (f.missing) {
      fig.classList.add("missing");
      const why = document.createElement("p");
      why.className = "hint";
      const lacks = traces.missing(f.hook);
      if (lacks) why.textContent = lacks;
      else if (!run) why.textContent = t("fig.runFirst");
      else if (run.held.has(f.hook)) why.textContent = t("fig.loading", { what: f.caption });
      else if (run.done || run.failed) why.textContent = t("fig.notRecorded", { what: f.caption });
      else why.textContent = t("fig.waiting");
      fig.append(why);
      continue;
    }
    if (f.top) {
      drawTopTable(fig, f.top);
    } else {
      // The first figure fits the column below it, colour scale included.
      const top = first ? box.getBoundingClientRect().top - center.getBoundingClientRect().top : 0;
      const availH = Math.max(160, full - top - 40);
      drawHeatmap(fig, f.view, { tooltip: $("tooltip"), avail: { w: availW, h: availH }, onCell: (r, c) => explainCell(step, r, c) });
      fig.classList.add(f.view.cols === 1 ? "strip" : "matrix");
      traces.decorate(fig, f.hook, f.view, $("tooltip"));
    }
    first = false;
    if (state.timings.firstPaint === undefined && run) state.timings.firstPaint = performance.now() - run.started;
  }
  settle();
}

let lastSize = "";

// refit draws the step again when the space for the heatmaps has changed
// size.
export function refit() {
  if (sizeOf() !== lastSize) renderStep();
}

// sizeOf is the size the heatmaps are fitted to.
function sizeOf() {
  const c = $("center");
  return `${c.clientWidth}x${c.clientHeight}`;
}

// ---- moving ----

export function goTo(i, user) {
  if (i < 0 || i >= state.steps.length || i === state.step) return;
  state.step = i;
  clearExplain();
  renderStep();
  loadLesson();
  saveURL();
  emitChange(user);
}

export function togglePlay() {
  const b = $("play");
  if (state.playTimer) {
    clearInterval(state.playTimer);
    state.playTimer = null;
    b.dataset.i18n = "nav.play";
    b.textContent = t("nav.play");
    return;
  }
  b.dataset.i18n = "nav.pause";
  b.textContent = t("nav.pause");
  state.playTimer = setInterval(() => {
    if (state.step >= state.steps.length - 1) togglePlay();
    else goTo(state.step + 1, true);
  }, 1500 / Number($("speed").value));
}

// buildTimeline lays out the timeline of the steps again (as the server
// renders it), for a trace file's model.
export function buildTimeline() {
  const groups = document.querySelector("#timeline .tl-groups");
  const list = document.querySelector("#timeline .tl-steps");
  groups.replaceChildren();
  list.replaceChildren();
  state.steps.forEach((st, i) => {
    const g = groupOf(st);
    if (!groups.lastElementChild || groups.lastElementChild.dataset.group !== g) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "tl-group";
      b.dataset.group = g;
      b.dataset.index = i;
      b.dataset.i18n = g === "in" ? "nav.input" : g === "out" ? "nav.output" : "nav.layer";
      b.dataset.i18nArgs = JSON.stringify({ layer: st.layer });
      b.textContent = t(b.dataset.i18n, { layer: st.layer });
      groups.append(b);
    }
    const li = document.createElement("li");
    li.dataset.group = g;
    const b = document.createElement("button");
    b.type = "button";
    b.className = `tick kind-${st.kind}`;
    b.dataset.step = st.id;
    b.dataset.index = i;
    b.dataset.i18n = `short.${st.kind}`;
    b.textContent = t(b.dataset.i18n);
    li.append(b);
    list.append(li);
  });
}
