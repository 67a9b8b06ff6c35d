// The explorer page: talks to /ws (see web/PROTOCOL.md), keeps the tensors
// of the current run, and draws the step the learner is on.
import { drawHeatmap, drawThumb, viewOf } from "./heatmap.js";
import { stepTitle, setLang as setWords } from "./i18n.js";
import * as traces from "./traces.js";

const $ = (id) => document.getElementById(id);

const state = {
  ws: null,
  session: "",
  model: null,
  steps: [],
  seq: 0,
  tensors: new Map(), // hook name -> {shape, data}
  held: new Map(), // hook name -> shape, sent on request
  thumbs: new Map(), // pattern hook name -> pooled {shape, data} for the model map
  requested: new Set(),
  tokens: null, // {ids, tokens, strings, text}
  labels: {},
  step: 0,
  head: 0,
  lang: "en",
  done: false,
  playTimer: null,
  genPlaying: false,
  genCount: 0,
  runStarted: 0,
  timings: {},
};
window.__explorer = state; // for the browser tests and the curious

// ---- websocket ----

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/ws`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (ev) => (typeof ev.data === "string" ? onText(JSON.parse(ev.data)) : onTensor(ev.data));
  ws.onclose = (ev) => {
    // The server says why it closed (too many tabs, a message too big…).
    setStatus(ev.reason || "Disconnected from the explorer. Reload the page to reconnect.", "error");
  };
  state.ws = ws;
}

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
}

function onTensor(buf) {
  const n = new DataView(buf).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  if (header.seq !== state.seq) return; // an older run
  const data = new Float32Array(buf, 4 + n);
  if (header.trace) {
    traces.onTensor(header, data); // of the trace compared with this one
    return;
  }
  if (header.pool) {
    state.thumbs.set(header.name, { shape: header.shape, data });
    schedule(header.name);
    return;
  }
  state.tensors.set(header.name, { shape: header.shape, data });
  state.held.delete(header.name);
  schedule(header.name);
}

function onText(msg) {
  if (msg.seq !== undefined && msg.seq !== 0 && msg.seq !== state.seq && msg.type !== "hello") return;
  switch (msg.type) {
    case "hello":
      state.session = msg.session;
      if (msg.model_error) return;
      state.model = msg.model;
      state.steps = msg.steps;
      buildHeadPicker();
      restoreFromURL(!traces.onHello(msg));
      break;
    case "model":
      traces.onModel(msg);
      break;
    case "compared":
      traces.onCompared(msg);
      break;
    case "tokens":
      state.tokens = msg;
      $("prompt").value = msg.text;
      drawTokens();
      buildModelMap();
      break;
    case "held":
      if (msg.trace) {
        traces.onHeld(msg);
        break;
      }
      state.held.set(msg.name, msg.shape);
      schedule(msg.name);
      break;
    case "done":
      state.done = true;
      state.labels = msg.labels || {};
      setStatus(`${state.tokens.ids.length} tokens · ran in ${msg.ms} ms · ${(msg.bytes / 1024).toFixed(0)} KB streamed`);
      state.timings.done = performance.now() - state.runStarted;
      state.timings.kb = msg.bytes / 1024;
      renderStep();
      loadLesson();
      traces.onDone();
      if (state.genPlaying) setTimeout(generateOne, 250);
      break;
    case "sampled":
      drawSampled(msg);
      break;
    case "error":
      setStatus(msg.message, "error");
      state.genPlaying = false;
      $("gen-play").textContent = "Play";
      break;
  }
}

// ---- running prompts ----

function newSeq() {
  state.seq += 1;
  state.tensors.clear();
  state.held.clear();
  state.thumbs.clear();
  state.requested.clear();
  state.done = false;
  state.runStarted = performance.now();
  state.timings = {};
  traces.onNewSeq();
  return state.seq;
}

function run(prompt) {
  if (!state.can.run) return;
  if (!prompt.trim()) {
    setStatus("Type a prompt first.", "error");
    return;
  }
  send({ type: "run", seq: newSeq(), prompt, eager: eagerHooks(), map: true });
  setStatus("running…");
  saveURL();
}

function generateOne() {
  if (!state.done || !state.can.generate) return;
  const num = (id) => Number($(id).value);
  state.genCount += 1;
  send({
    type: "generate",
    seq: newSeq(),
    temperature: num("temperature"),
    top_k: num("top-k"),
    top_p: num("top-p"),
    seed: num("seed") * 1000003 + state.genCount,
    eager: eagerHooks(),
    map: true,
  });
  setStatus("picking the next token…");
}

// eagerHooks lists the hooks a run streams as the engine computes them:
// the small next-token hooks and the hooks of the step on screen and of
// the next one. The server holds the rest until a step asks for them
// (fetchHeld); the model map draws from the pooled patterns that come
// with a run that asks for the map.
function eagerHooks() {
  const hooks = ["next.**"];
  for (const i of [state.step, state.step + 1]) {
    if (state.steps[i]) hooks.push(...state.steps[i].hooks);
  }
  return hooks;
}

// fetchHeld asks once for the held hooks of step i.
function fetchHeld(i) {
  const step = state.steps[i];
  if (!step) return;
  for (const name of step.hooks) {
    if (state.held.has(name) && !state.requested.has(name)) {
      state.requested.add(name);
      send({ type: "tensor", seq: state.seq, name });
    }
  }
}

// ---- drawing ----

let pending = new Set();
let frame = 0;

// schedule redraws what a newly arrived tensor touches, once per frame.
function schedule(name) {
  pending.add(name);
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const names = pending;
    pending = new Set();
    const step = state.steps[state.step];
    for (const name of names) {
      const m = /^blocks\.(\d+)\.attn\.hook_pattern$/.exec(name);
      if (m) drawModelMapLayer(Number(m[1]));
    }
    if (step && step.hooks.some((h) => names.has(h))) renderStep();
  });
}

function setStatus(text, kind = "") {
  const el = $("status");
  el.textContent = text;
  el.className = "status " + kind;
}

function tokenLabels() {
  return state.tokens ? state.tokens.tokens.map((t, i) => `${i} ${t}`) : [];
}

function drawTokens() {
  const strip = $("tokens");
  strip.replaceChildren();
  state.tokens.ids.forEach((id, i) => {
    const chip = document.createElement("span");
    chip.className = "chip";
    const bytes = [...new TextEncoder().encode(state.tokens.strings[i])];
    chip.title = `position ${i} · id ${id} · vocabulary entry ${JSON.stringify(state.tokens.strings[i])} · ${bytes.length} bytes`;
    chip.innerHTML = `<span class="tok"></span><span class="id">${id >= 0 ? id : ""}</span>`; // a trace file may not give ids
    chip.firstChild.textContent = state.tokens.tokens[i];
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
    label.textContent = `L${l}`;
    map.append(label);
    for (let h = 0; h < H; h++) {
      const c = document.createElement("canvas");
      c.className = "thumb";
      c.dataset.layer = l;
      c.dataset.head = h;
      c.title = `layer ${l} · head ${h}`;
      c.addEventListener("click", () => {
        state.head = h;
        goTo(state.steps.findIndex((s) => s.id === `L${l}.softmax`));
      });
      map.append(c);
    }
  }
  markCurrentThumb();
}

// drawModelMapLayer draws layer l's heads from its pattern, or from the
// pooled thumbnail the server sends when the pattern itself is held.
function drawModelMapLayer(l) {
  const name = `blocks.${l}.attn.hook_pattern`;
  const t = state.tensors.get(name) || state.thumbs.get(name);
  if (!t) return;
  const [H, T] = t.shape;
  for (const c of document.querySelectorAll(`#model-map canvas[data-layer="${l}"]`)) {
    const h = Number(c.dataset.head);
    drawThumb(c, t.data.subarray(h * T * T, (h + 1) * T * T), T);
  }
  if (l === state.model.n_layer - 1 && state.timings.modelMap === undefined) {
    state.timings.modelMap = performance.now() - state.runStarted;
  }
}

function markCurrentThumb() {
  const step = state.steps[state.step];
  for (const c of document.querySelectorAll("#model-map canvas")) {
    const on = step && Number(c.dataset.layer) === step.layer && Number(c.dataset.head) === state.head;
    c.classList.toggle("current", on);
  }
}

function buildHeadPicker() {
  const picker = $("head-picker");
  picker.replaceChildren();
  const label = document.createElement("span");
  label.textContent = "head";
  picker.append(label);
  for (let h = 0; h < state.model.n_head; h++) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = h;
    b.dataset.head = h;
    b.addEventListener("click", () => {
      state.head = h;
      renderStep();
      loadLesson();
      saveURL();
    });
    picker.append(b);
  }
}

function renderStep() {
  const step = state.steps[state.step];
  if (!step) return;
  $("step-title").textContent = `${state.step + 1} / ${state.steps.length} · ${stepTitle(step)}`;
  $("formula").innerHTML = step.formula;
  for (const b of document.querySelectorAll("#timeline button")) {
    b.classList.toggle("current", Number(b.dataset.index) === state.step);
    b.classList.toggle("past", Number(b.dataset.index) < state.step);
  }
  const perHead = step.hooks.some((h) => /attn\.hook_(q|k|v|z|attn_scores|pattern)$/.test(h));
  $("head-picker").hidden = !perHead;
  for (const b of document.querySelectorAll("#head-picker button")) {
    b.classList.toggle("current", Number(b.dataset.head) === state.head);
  }
  markCurrentThumb();
  fetchHeld(state.step);
  fetchHeld(state.step + 1); // so that stepping on shows at once

  const box = $("heatmaps");
  box.replaceChildren();
  if (step.kind === "tokenize") {
    const p = document.createElement("p");
    p.className = "hint";
    p.textContent = state.tokens
      ? `The prompt becomes ${state.tokens.ids.length} tokens: the chips above, each with its id in the vocabulary.`
      : "Run a prompt to see its tokens.";
    box.append(p);
    return;
  }
  for (const name of step.hooks) {
    const t = state.tensors.get(name);
    const fig = document.createElement("figure");
    fig.className = "heatmap";
    const cap = document.createElement("figcaption");
    fig.append(cap);
    box.append(fig);
    if (!t) {
      cap.textContent = name;
      const why = document.createElement("p");
      why.className = "hint";
      const missing = traces.missing(name);
      if (missing) {
        why.textContent = missing;
        fig.classList.add("missing");
      } else if (state.held.has(name)) {
        why.textContent = `fetching ${name} (${state.held.get(name).join(" × ")})…`;
      } else {
        why.textContent = state.seq ? "waiting for the engine…" : "Run a prompt to fill this step.";
      }
      fig.append(why);
      continue;
    }
    const view = viewOf(name, t, state.head, tokenLabels(), state.labels, state.tensors);
    if (!view) {
      fig.remove();
      continue;
    }
    cap.textContent = view.caption;
    drawHeatmap(fig, view, $("tooltip"));
    traces.decorate(fig, name, view, $("tooltip"));
    if (state.timings.firstPaint === undefined) state.timings.firstPaint = performance.now() - state.runStarted;
  }
}

function goTo(i) {
  if (i < 0 || i >= state.steps.length) return;
  state.step = i;
  renderStep();
  loadLesson();
  saveURL();
}

// ---- lessons ----

let lessonRequest = 0;
let lessonTimer = 0;

function loadLesson() {
  clearTimeout(lessonTimer);
  lessonTimer = setTimeout(async () => {
    const step = state.steps[state.step];
    if (!step) return;
    const mine = ++lessonRequest;
    const q = new URLSearchParams({ session: state.session, step: step.id, head: state.head, lang: state.lang });
    try {
      const res = await fetch(`/lesson?${q}`);
      const html = await res.text();
      if (mine !== lessonRequest) return;
      $("lesson").innerHTML = res.ok ? html : `<p class="lesson-error"></p>`;
      if (!res.ok) $("lesson").firstChild.textContent = html;
    } catch (err) {
      $("lesson").textContent = `The lesson could not load: ${err}`;
    }
  }, 60);
}

async function checkAnswer(form) {
  const body = new URLSearchParams(new FormData(form));
  const step = state.steps[state.step];
  for (const [k, v] of Object.entries({
    session: state.session,
    step: step.id,
    head: state.head,
    lesson: form.dataset.lesson,
    exercise: form.dataset.exercise,
    lang: form.dataset.lang,
  })) {
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
  const list = (title, items, key) => {
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
  const picked = document.createElement("p");
  picked.className = "picked-token";
  picked.textContent = `picked “${msg.picked.token}” (id ${msg.picked.id}): ${(msg.picked.p_before * 100).toFixed(2)}% before the knobs, ${(msg.picked.p_after * 100).toFixed(2)}% after`;
  box.replaceChildren(picked, list("model (temperature 1)", msg.before), list("after temperature, top-k, top-p", msg.after));
}

// ---- URL ----

function saveURL() {
  const step = state.steps[state.step];
  const q = new URLSearchParams({ prompt: $("prompt").value, step: step ? step.id : "", head: state.head, lang: state.lang });
  history.replaceState(null, "", `#${q}`);
}

function restoreFromURL(runPrompt) {
  const q = new URLSearchParams(location.hash.slice(1));
  if (q.has("lang")) setLang(q.get("lang"), false);
  state.head = Math.min(Number(q.get("head")) || 0, state.model.n_head - 1);
  const i = state.steps.findIndex((s) => s.id === q.get("step"));
  state.step = i >= 0 ? i : 0;
  if (q.has("prompt")) $("prompt").value = q.get("prompt");
  renderStep();
  if (runPrompt) run($("prompt").value);
}

function setLang(lang, reload = true) {
  state.lang = lang === "zh" ? "zh" : "en";
  setWords(state.lang);
  for (const b of document.querySelectorAll("button.lang")) b.classList.toggle("current", b.dataset.lang === state.lang);
  if (reload) {
    loadLesson();
    saveURL();
  }
}

// ---- downloads ----

const plotKinds = {
  scores: "scores",
  mask: "scores",
  softmax: "attention",
  weighted_sum: "attention",
  qkv: "qkv",
  logits: "logits",
  probs: "loss",
  sample: "logits",
  resid_post: "lens",
  resid_mid: "lens",
  ln_final: "lens",
};

function download(url) {
  const a = document.createElement("a");
  a.href = url;
  a.download = "";
  document.body.append(a);
  a.click();
  a.remove();
}

// ---- wiring ----

function init() {
  if (!$("prompt-form")) return; // the model did not load: the page says why
  traces.initTraces({ state, send, newSeq, setStatus, renderStep, goTo, buildHeadPicker });
  connect();
  $("prompt-form").addEventListener("submit", (e) => {
    e.preventDefault();
    run($("prompt").value);
  });
  $("prompt").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      run($("prompt").value);
    }
  });
  $("first").onclick = () => goTo(0);
  $("back").onclick = () => goTo(state.step - 1);
  $("next").onclick = () => goTo(state.step + 1);
  $("last").onclick = () => goTo(state.steps.length - 1);
  $("play").onclick = togglePlay;
  $("timeline").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-index]");
    if (b) goTo(Number(b.dataset.index));
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("textarea, input")) return;
    const keys = { ArrowRight: state.step + 1, ArrowLeft: state.step - 1, Home: 0, End: state.steps.length - 1 };
    if (e.key in keys) {
      e.preventDefault();
      goTo(keys[e.key]);
    }
  });
  for (const b of document.querySelectorAll("button.lang")) b.onclick = () => setLang(b.dataset.lang);
  $("gen-step").onclick = () => {
    state.genPlaying = false;
    generateOne();
  };
  $("gen-play").onclick = () => {
    state.genPlaying = !state.genPlaying;
    $("gen-play").textContent = state.genPlaying ? "Pause" : "Play";
    if (state.genPlaying) generateOne();
  };
  $("downloads").addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b || !state.done) return;
    if (b.id === "download-trace") {
      download(`/download/trace?session=${state.session}`);
      return;
    }
    const step = state.steps[state.step];
    const q = new URLSearchParams({
      session: state.session,
      kind: plotKinds[step.kind] || "attention",
      layer: Math.max(step.layer, 0),
      head: state.head,
      pos: -1,
      format: b.dataset.format,
    });
    download(`/download/plot?${q}`);
  });
  const lesson = $("lesson");
  lesson.addEventListener("submit", (e) => {
    const form = e.target.closest("form.lesson-exercise");
    if (!form) return;
    e.preventDefault();
    checkAnswer(form);
  });
  lesson.addEventListener("click", (e) => {
    const jump = e.target.closest("a.lesson-step");
    if (jump) {
      e.preventDefault();
      goTo(state.steps.findIndex((s) => s.id === jump.dataset.step));
      return;
    }
    const preset = e.target.closest("a.lesson-run");
    if (preset) {
      e.preventDefault();
      $("prompt").value = preset.dataset.prompt;
      run(preset.dataset.prompt);
    }
  });
  setLang(state.lang, false);
}

function togglePlay() {
  if (state.playTimer) {
    clearInterval(state.playTimer);
    state.playTimer = null;
    $("play").textContent = "▶ Play";
    return;
  }
  $("play").textContent = "⏸ Pause";
  state.playTimer = setInterval(() => {
    if (state.step >= state.steps.length - 1) togglePlay();
    else goTo(state.step + 1);
  }, 1500 / Number($("speed").value));
}

init();
