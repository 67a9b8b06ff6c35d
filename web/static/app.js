// The explorer page: talks to /ws (see web/PROTOCOL.md), keeps the tensors
// of the run on screen, and draws the step the learner is on.
//
// The page's script API is the exported `explorer` (also window.explorer),
// for the classroom's room script, the browser tests and the curious:
//
//   explorer.ready            a promise, resolved once the steps are known
//   explorer.view()           {prompt, step, head, lang} on screen
//   explorer.show(v)          moves the page to view v (runs its prompt when
//                             it is not the one on screen); returns a promise
//                             resolved when the step is drawn
//   explorer.on(event, fn)    "change" (fn(view, {user})) after every move,
//                             user telling whether the learner made it;
//                             "token" (fn(i)) when a token chip is clicked
//   explorer.steps()          the steps, each {id, kind, layer, hooks}
//   explorer.stepTitle(id)    a step's title in the page's language
//   explorer.run()            the run on screen: {seq, done, tokens, text}
//   explorer.tensor(name)     a tensor of the run on screen, {shape, data}
//   explorer.fetch(names)     asks for held tensors; resolves when all are here
//   explorer.lang()           "en" or "zh"
//   explorer.source()         the trace file on screen, "" for a run
//   explorer.comparison()     the trace compared with it (traces.js), or null
//   explorer.timings          ms from Enter to the first heatmap and more
import { drawHeatmap, drawThumb, drawTopTable } from "./heatmap.js";
import { figuresOf, perHead } from "./views.js";
import * as traces from "./traces.js";
import { t, setLang as setWords, currentLang, stepTitle, reason } from "./i18n.js";

const $ = (id) => document.getElementById(id);

// A run is one prompt's result: its tokens and the tensors streamed or held.
function newRun(seq) {
  return { seq, tokens: null, tensors: new Map(), held: new Map(), thumbs: new Map(), requested: new Set(), labels: {}, done: false, failed: false, started: performance.now() };
}

const state = {
  // The run on screen as the trace-file view (traces.js) reads it.
  get seq() {
    return state.run ? state.run.seq : 0;
  },
  get done() {
    return !!state.run && state.run.done;
  },
  get tensors() {
    return state.run ? state.run.tensors : new Map();
  },
  get held() {
    return state.run ? state.run.held : new Map();
  },
  get labels() {
    return state.run ? state.run.labels : {};
  },
  can: { run: true, generate: true }, // what the trace on screen allows (traces.js)
  ws: null,
  session: "",
  model: null,
  steps: [],
  axes: {},
  seqs: 0,
  run: null, // on screen
  pending: null, // asked for; becomes run when its tokens arrive
  step: 0,
  head: 0,
  playTimer: null,
  genPlaying: false,
  genCount: 0,
  retry: 500,
  timings: {},
};

const listeners = { change: [], token: [] };
let resolveReady;
const ready = new Promise((r) => (resolveReady = r));
const waiters = []; // {test, resolve}

function emit(event, ...args) {
  for (const fn of listeners[event]) fn(...args);
}

function settle() {
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i].test()) {
      waiters[i].resolve();
      waiters.splice(i, 1);
    }
  }
}

function until(test) {
  return test() ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve }));
}

// ---- websocket ----

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (ev) => (typeof ev.data === "string" ? onText(JSON.parse(ev.data)) : onTensor(ev.data));
  ws.onopen = () => (state.retry = 500);
  ws.onclose = (ev) => {
    if (state.ws !== ws) return;
    if (state.pending) failPending("error.internal");
    // The server may say why it closed (too many tabs, a message too big…),
    // with a catalogue key: in the page's language, the English as a tip.
    const why = reason(ev.reason);
    if (!why) setStatus(t("page.disconnected"), "error");
    else setStatus(why.key ? t(why.key, why.args) : why.text, "error", why.text);
    setTimeout(connect, state.retry);
    state.retry = Math.min(state.retry * 2, 8000);
  };
  state.ws = ws;
}

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify(msg));
    return true;
  }
  return false;
}

function onTensor(buf) {
  const n = new DataView(buf).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  const run = state.run;
  if (!run || header.seq !== run.seq) return; // an older run
  const data = new Float32Array(buf, 4 + n);
  if (header.trace) {
    traces.onTensor(header, data); // of the trace compared with this one
    return;
  }
  if (header.pool) {
    run.thumbs.set(header.name, { shape: header.shape, data });
    schedule(header.name, false);
  } else {
    run.tensors.set(header.name, { shape: header.shape, data });
    run.held.delete(header.name);
    schedule(header.name, true);
  }
  settle();
}

function onText(msg) {
  switch (msg.type) {
    case "hello": {
      const first = !state.session;
      state.session = msg.session;
      if (msg.model_error) return;
      state.model = msg.model;
      state.steps = msg.steps;
      state.axes = msg.axes || {};
      if (first) {
        buildHeadPicker();
        buildModelMap();
        restore(!traces.onHello(msg));
        resolveReady();
      } else {
        setStatus(t("page.reconnected"));
      }
      return;
    }
    case "model":
      traces.onModel(msg);
      buildModelMap();
      renderStep();
      return;
    case "compared":
      traces.onCompared(msg);
      return;
    case "tokens":
      if (!state.pending || msg.seq !== state.pending.seq) return;
      state.run = state.pending;
      state.pending = null;
      state.run.tokens = msg;
      // The box shows the run's text, unless the learner is typing in it.
      if (document.activeElement !== $("prompt")) $("prompt").value = msg.text;
      drawTokens();
      clearModelMap();
      clearExplain();
      renderStep();
      emitChange(false);
      return;
    case "held":
      if (msg.trace) {
        traces.onHeld(msg);
        return;
      }
      if (state.run && msg.seq === state.run.seq) {
        state.run.held.set(msg.name, msg.shape);
        if (wanted.has(msg.name) || onScreen(msg.name)) request(msg.name);
      }
      return;
    case "done":
      if (!state.run || msg.seq !== state.run.seq) return;
      state.run.done = true;
      state.run.labels = msg.labels || {};
      setStatus(t("status.done", { n: state.run.tokens.ids.length, ms: msg.ms, kb: (msg.bytes / 1024).toFixed(0) }));
      state.timings.done = performance.now() - state.run.started;
      state.timings.kb = msg.bytes / 1024;
      renderStep();
      loadLesson();
      traces.onDone();
      settle();
      if (state.genPlaying) setTimeout(generateOne, 250);
      return;
    case "sampled":
      if (state.pending && msg.seq === state.pending.seq) drawSampled(msg);
      return;
    case "error":
      onError(msg);
      return;
  }
}

// onError shows an error in words and leaves the page usable: a failed
// prompt keeps the last run on screen (its text back in the box) and
// never leaves a wait that does not end.
function onError(msg) {
  const key = `error.${msg.code}`;
  const args = { max: state.model ? state.model.n_positions : "?" };
  stopGenerating();
  if (state.pending && (msg.seq === state.pending.seq || !msg.seq)) {
    failPending(key, args, msg.message);
    return;
  }
  if (state.run && msg.seq === state.run.seq) {
    state.run.failed = true;
    renderStep();
  }
  setStatus(t(key, args), "error", msg.message);
  settle();
}

function failPending(key, args = {}, detail = "") {
  state.pending = null;
  const words = t(key, args);
  setStatus(state.run ? `${words} ${t("status.kept")}` : words, "error", detail);
  $("prompt").focus();
  settle();
}

// ---- running prompts ----

// newSeq starts waiting for a new run (a prompt's or a trace file's) and
// returns its seq; the run on screen stays until the new one's tokens come.
function newSeq() {
  state.pending = newRun(++state.seqs);
  state.timings = {};
  traces.onNewSeq();
  return state.pending.seq;
}

function startRun(msg) {
  msg.seq = newSeq();
  msg.eager = eagerHooks();
  msg.map = true;
  if (!send(msg)) {
    failPending("page.disconnected");
    return null;
  }
  // A run that never answers gives up, so the page is never stuck.
  const mine = state.pending;
  setTimeout(() => {
    if (state.pending === mine) failPending("error.timeout");
  }, 60000);
  return mine;
}

function run(prompt) {
  if (!state.can.run) return null;
  if (!prompt.trim()) {
    setStatus(t("prompt.typeFirst"), "error");
    return null;
  }
  const r = startRun({ type: "run", prompt });
  if (r) {
    r.prompt = prompt;
    setStatus(t("status.running"));
  }
  saveURL(prompt);
  return r;
}

function generateOne() {
  if (!state.can.generate) {
    stopGenerating();
    return;
  }
  if (!state.run || !state.run.done) {
    if (!state.run) setStatus(t("error.generateFirst"), "error");
    stopGenerating();
    return;
  }
  if (state.run.tokens.ids.length >= state.model.n_positions) {
    setStatus(t("error.full", { max: state.model.n_positions }), "error");
    stopGenerating();
    return;
  }
  const num = (id) => Number($(id).value);
  state.genCount += 1;
  if (startRun({ type: "generate", temperature: num("temperature"), top_k: num("top-k"), top_p: num("top-p"), seed: num("seed") * 1000003 + state.genCount })) {
    setStatus(t("status.picking"));
  }
}

function stopGenerating() {
  state.genPlaying = false;
  $("gen-play").dataset.i18n = "gen.play";
  $("gen-play").textContent = t("gen.play");
}

// eagerHooks lists the hooks a run streams as the engine computes them:
// the small next-token hooks and the hooks of the step on screen and of
// the next one. The server holds the rest until a step asks for them; the
// model map draws from the pooled patterns.
function eagerHooks() {
  const hooks = ["next.**"];
  for (const i of [state.step, state.step + 1]) {
    if (state.steps[i]) hooks.push(...state.steps[i].hooks);
  }
  return hooks;
}

const wanted = new Set(); // held hooks asked for through explorer.fetch

function onScreen(name) {
  const i = state.step;
  return [i, i + 1].some((j) => state.steps[j] && state.steps[j].hooks.includes(name));
}

function request(name) {
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
function schedule(name, whole) {
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

function setStatus(text, kind = "", detail = "") {
  const el = $("status");
  el.textContent = text;
  el.className = "status " + kind;
  el.title = detail;
}

function drawTokens() {
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

function buildModelMap() {
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

function clearModelMap() {
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

function buildHeadPicker() {
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

function setHead(h, user) {
  if (h === state.head) return;
  state.head = h;
  clearExplain();
  renderStep();
  loadLesson();
  saveURL();
  emitChange(user);
}

function groupOf(step) {
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

function renderStep() {
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

// sizeOf is the size the heatmaps are fitted to.
function sizeOf() {
  const c = $("center");
  return `${c.clientWidth}x${c.clientHeight}`;
}

function emitChange(user) {
  emit("change", view(), { user });
}

function goTo(i, user) {
  if (i < 0 || i >= state.steps.length || i === state.step) return;
  state.step = i;
  clearExplain();
  renderStep();
  loadLesson();
  saveURL();
  emitChange(user);
}

// ---- lessons and a cell's arithmetic ----

let lessonRequest = 0;
let lessonTimer = 0;

function loadLesson() {
  clearTimeout(lessonTimer);
  lessonTimer = setTimeout(async () => {
    const step = state.steps[state.step];
    if (!step) return;
    const mine = ++lessonRequest;
    const q = new URLSearchParams({ session: state.session, step: step.id, head: state.head, lang: currentLang() });
    try {
      const res = await fetch(`/lesson?${q}`);
      const html = await res.text();
      if (mine !== lessonRequest) return;
      if (res.ok) $("lesson").innerHTML = html;
      else showLessonError(html);
    } catch (err) {
      if (mine === lessonRequest) showLessonError(String(err));
    }
  }, 60);
}

function showLessonError(detail) {
  const p = document.createElement("p");
  p.className = "lesson-error";
  p.textContent = t("panel.loadError", { err: detail.trim() });
  $("lesson").replaceChildren(p);
}

let explained = null; // {step, q, k} on the lesson panel

function clearExplain() {
  explained = null;
  $("explain").hidden = true;
  $("explain").replaceChildren();
}

// explainCell shows the arithmetic of cell (q, k) of the step's attention
// in the lesson panel, computed by the server from the run's numbers.
async function explainCell(step, q, k) {
  if (!state.run || !state.run.done) return;
  explained = { step: step.id, q, k };
  const mine = explained;
  const params = new URLSearchParams({ session: state.session, step: step.id, head: state.head, q, k, lang: currentLang() });
  const res = await fetch(`/explain?${params}`);
  const html = await res.text();
  if (explained !== mine) return;
  const box = $("explain");
  if (res.ok) box.innerHTML = html;
  else {
    const p = document.createElement("p");
    p.className = "lesson-error";
    p.textContent = html;
    box.replaceChildren(p);
  }
  box.hidden = false;
  $("right").scrollTop = 0;
}

async function checkAnswer(form) {
  const body = new URLSearchParams(new FormData(form));
  const step = state.steps[state.step];
  for (const [k, v] of Object.entries({ session: state.session, step: step.id, head: state.head, lesson: form.dataset.lesson, exercise: form.dataset.exercise, lang: form.dataset.lang })) {
    body.set(k, v);
  }
  let out = form.querySelector(".lesson-feedback");
  if (!out) {
    out = document.createElement("p");
    out.className = "lesson-feedback";
    form.append(out);
  }
  const res = await fetch("/lesson/check", { method: "POST", body });
  if (!res.ok) {
    out.textContent = await res.text();
    out.className = "lesson-feedback wrong";
    return;
  }
  const r = await res.json();
  out.textContent = r.explanation;
  out.className = "lesson-feedback " + (r.ok ? "right" : "wrong");
}

// ---- generation ----

function drawSampled(msg) {
  const box = $("gen-result");
  const list = (title, items) => {
    const div = document.createElement("div");
    div.className = "dist";
    const h = document.createElement("h4");
    h.textContent = title;
    div.append(h);
    for (const it of items) {
      const row = document.createElement("div");
      row.className = "bar" + (it.id === msg.picked.id ? " picked" : "");
      row.innerHTML = `<span class="tok"></span><span class="fill"></span><span class="p"></span>`;
      row.children[0].textContent = it.token;
      row.children[1].style.width = `${(it.p * 100).toFixed(1)}%`;
      row.children[2].textContent = `${(it.p * 100).toFixed(1)}%`;
      div.append(row);
    }
    return div;
  };
  const pct = (p) => `${(p * 100).toFixed(2)}%`;
  const picked = document.createElement("p");
  picked.className = "picked-token";
  picked.textContent = t("gen.picked", { token: msg.picked.token, id: msg.picked.id, before: pct(msg.picked.p_before), after: pct(msg.picked.p_after) });
  box.replaceChildren(picked, list(t("gen.before"), msg.before), list(t("gen.after"), msg.after));
}

// ---- the view: address, language, projector ----

function view() {
  const step = state.steps[state.step];
  return { prompt: state.run && state.run.tokens ? state.run.tokens.text : "", step: step ? step.id : "", head: state.head, lang: currentLang() };
}

function saveURL(prompt) {
  const step = state.steps[state.step];
  const q = new URLSearchParams({ prompt: prompt ?? $("prompt").value, step: step ? step.id : "", head: state.head, lang: currentLang() });
  if (document.documentElement.classList.contains("projector")) q.set("projector", "1");
  history.replaceState(null, "", `${location.pathname}${location.search}#${q}`);
}

// restore opens the page on the room's view, or else on its address's;
// it runs the prompt there unless runPrompt is false (the page opens on a
// trace file instead).
function restore(runPrompt = true) {
  const initial = document.body.dataset.initialView;
  if (initial) {
    show(JSON.parse(initial), false);
    return;
  }
  const q = new URLSearchParams(location.hash.slice(1));
  if (q.has("lang")) setLang(q.get("lang"), false);
  if (q.get("projector") === "1") setProjector(true);
  state.head = Math.min(Number(q.get("head")) || 0, state.model.n_head - 1);
  const i = state.steps.findIndex((s) => s.id === q.get("step"));
  state.step = i >= 0 ? i : 0;
  if (q.has("prompt")) $("prompt").value = q.get("prompt");
  renderStep();
  if (runPrompt) run($("prompt").value);
}

// show moves the page to view v, running its prompt if another is on
// screen; it resolves when the step is drawn.
function show(v, user = false) {
  if (v.lang && v.lang !== currentLang()) setLang(v.lang, false);
  if (typeof v.head === "number" && v.head >= 0 && v.head < state.model.n_head) state.head = v.head;
  const i = state.steps.findIndex((s) => s.id === v.step);
  if (i >= 0) state.step = i;
  let waitRun = null;
  const onScreen = state.run && state.run.tokens && state.run.tokens.text === v.prompt;
  const asked = state.pending && state.pending.prompt === v.prompt;
  if (v.prompt && !onScreen && !asked) {
    $("prompt").value = v.prompt;
    waitRun = run(v.prompt);
  }
  clearExplain();
  renderStep();
  loadLesson();
  saveURL(v.prompt || undefined);
  emitChange(user);
  return until(() => !state.pending && (!state.run || state.run.done || state.run.failed));
}

function setLang(lang, user = true) {
  setWords(lang);
  for (const b of document.querySelectorAll("button.lang")) b.classList.toggle("current", b.dataset.lang === currentLang());
  for (const el of document.querySelectorAll(".bilingual")) el.textContent = el.dataset[currentLang()] || el.dataset.en;
  document.documentElement.dataset.lang = currentLang();
  for (const a of document.querySelectorAll("a.train-link")) a.href = `/train?lang=${currentLang()}`;
  if (!state.model) return;
  for (const c of document.querySelectorAll("#model-map canvas")) c.title = t("map.thumbTitle", { layer: c.dataset.layer, head: c.dataset.head });
  if (state.run && state.run.tokens) drawTokens();
  renderStep();
  loadLesson();
  if (explained) explainCell(state.steps[state.step], explained.q, explained.k);
  saveURL();
  emitChange(user);
}

function setProjector(on) {
  document.documentElement.classList.toggle("projector", on);
  $("projector").setAttribute("aria-pressed", on ? "true" : "false");
  $("projector").classList.toggle("current", on);
  if (state.model) {
    renderStep();
    saveURL();
  }
}

// ---- downloads ----


function download(url) {
  const a = document.createElement("a");
  a.href = url;
  a.download = "";
  document.body.append(a);
  a.click();
  a.remove();
}

// buildTimeline lays out the timeline of the steps again (as the server
// renders it), for a trace file's model.
function buildTimeline() {
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

// ---- wiring ----

function init() {
  setWords(document.documentElement.dataset.lang || "en");
  if (!$("prompt-form")) return; // the model did not load: the page says why
  traces.initTraces({ state, send, newSeq, setStatus, renderStep, goTo: (i) => goTo(i, true), buildHeadPicker, buildTimeline });
  connect();
  const submit = () => {
    if (run($("prompt").value)) {
      // The arrow keys step from here on, as the README says.
      $("prompt").blur();
      $("heatmaps").focus({ preventScroll: true });
    }
  };
  $("prompt-form").addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  $("prompt").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  });
  $("first").onclick = () => goTo(0, true);
  $("back").onclick = () => goTo(state.step - 1, true);
  $("next").onclick = () => goTo(state.step + 1, true);
  $("last").onclick = () => goTo(state.steps.length - 1, true);
  $("play").onclick = togglePlay;
  $("timeline").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-index]");
    if (!b) return;
    let i = Number(b.dataset.index);
    if (b.classList.contains("tl-group")) {
      // A layer keeps the sub-step on screen when it has one.
      const cur = state.steps[state.step];
      const same = state.steps.findIndex((s) => groupOf(s) === b.dataset.group && s.kind === cur.kind);
      if (same >= 0) i = same;
    }
    goTo(i, true);
  });
  $("tokens").addEventListener("click", (e) => {
    const chip = e.target.closest(".chip");
    if (chip) emit("token", Number(chip.dataset.pos));
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest && e.target.closest("textarea, input, select")) return;
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const keys = { ArrowRight: state.step + 1, ArrowLeft: state.step - 1, Home: 0, End: state.steps.length - 1 };
    if (e.key in keys) {
      e.preventDefault();
      goTo(keys[e.key], true);
    } else if (e.key === "p" || e.key === "P") {
      setProjector(!document.documentElement.classList.contains("projector"));
    }
  });
  for (const b of document.querySelectorAll("button.lang")) b.onclick = () => setLang(b.dataset.lang);
  $("projector").onclick = () => setProjector(!document.documentElement.classList.contains("projector"));
  if ($("model-info")) $("model-info").onclick = () => $("model-panel").showModal();
  $("gen-step").onclick = () => {
    stopGenerating();
    generateOne();
  };
  $("gen-play").onclick = () => {
    state.genPlaying = !state.genPlaying;
    $("gen-play").dataset.i18n = state.genPlaying ? "gen.pause" : "gen.play";
    $("gen-play").textContent = t($("gen-play").dataset.i18n);
    if (state.genPlaying) generateOne();
  };
  $("downloads").addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b || !state.run || !state.run.done) return;
    if (b.id === "download-trace") {
      download(`/download/trace?session=${state.session}`);
      return;
    }
    const step = state.steps[state.step];
    const q = new URLSearchParams({ session: state.session, kind: step.plot, layer: Math.max(step.layer, 0), head: state.head, pos: -1, format: b.dataset.format, lang: currentLang() });
    download(`/download/plot?${q}`);
  });
  const lesson = $("right");
  lesson.addEventListener("submit", (e) => {
    const form = e.target.closest("form.lesson-exercise");
    if (!form) return;
    e.preventDefault();
    checkAnswer(form);
  });
  lesson.addEventListener("click", (e) => {
    if (e.target.closest("#explain-close")) {
      clearExplain();
      return;
    }
    const jump = e.target.closest("a.lesson-step");
    if (jump) {
      e.preventDefault();
      // A link may name the head to show (the why lesson's best heads).
      const h = Number(jump.dataset.head);
      if (jump.dataset.head !== undefined && h >= 0 && h < state.model.n_head) setHead(h, true);
      goTo(state.steps.findIndex((s) => s.id === jump.dataset.step), true);
      return;
    }
    const preset = e.target.closest("a.lesson-run");
    if (preset) {
      e.preventDefault();
      $("prompt").value = preset.dataset.prompt;
      run(preset.dataset.prompt);
    }
  });
  let resize = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(resize);
    resize = requestAnimationFrame(() => {
      if (sizeOf() !== lastSize) renderStep();
    });
  });
}

function togglePlay() {
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

export const explorer = {
  ready,
  view,
  show: (v) => ready.then(() => show(v, false)),
  on(event, fn) {
    listeners[event].push(fn);
  },
  steps: () => state.steps,
  stepTitle: (id) => {
    const s = state.steps.find((s) => s.id === id);
    return s ? stepTitle(s) : id;
  },
  run: () => (state.run ? { seq: state.run.seq, done: state.run.done, failed: state.run.failed, tokens: state.run.tokens ? state.run.tokens.tokens : [], text: state.run.tokens ? state.run.tokens.text : "" } : null),
  pending: () => !!state.pending,
  tensor: (name) => (state.run ? state.run.tensors.get(name) : undefined),
  fetch(names) {
    for (const n of names) {
      wanted.add(n);
      request(n);
    }
    return until(() => state.run && names.every((n) => state.run.tensors.has(n)));
  },
  labels: () => (state.run ? state.run.labels : {}),
  lang: currentLang,
  source: () => state.source || "",
  comparison: () => state.compare || null,
  get timings() {
    return state.timings;
  },
};
window.explorer = explorer;

init();
