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
//
// The page is ES modules, each with one concern, importing one way:
// page.js (shared state, events, send, the address) ← lesson.js (the lesson
// panel) ← steps.js (the step on screen and moving between steps) ←
// runs.js (asking for runs, generating) ← view.js (opening on a view,
// language, projector) ← this module: the connection and the protocol's
// messages, the controls' wiring, and the script API.
import * as traces from "./traces.js";
import { t, setLang as setWords, currentLang, stepTitle, reason } from "./i18n.js";
import { $, state, listeners, emit, settle, until, setStatus, send, view, emitChange } from "./page.js";
import { loadLesson, clearExplain, checkAnswer, fitMath } from "./lesson.js";
import { wanted, onScreen, request, schedule, drawTokens, buildModelMap, clearModelMap, buildHeadPicker, setHead, groupOf, renderStep, refit, goTo, togglePlay, buildTimeline } from "./steps.js";
import { failPending, newSeq, run, generateOne, stopGenerating, drawSampled } from "./runs.js";
import { restore, show, setLang, setProjector } from "./view.js";

let resolveReady;
const ready = new Promise((r) => (resolveReady = r));

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
    if (!why) setStatus(() => t("page.disconnected"), "error");
    else setStatus(why.key ? () => t(why.key, why.args) : why.text, "error", why.text);
    setTimeout(connect, state.retry);
    state.retry = Math.min(state.retry * 2, 8000);
  };
  state.ws = ws;
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
        setStatus(() => t("page.reconnected"));
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
      const done = { n: state.run.tokens.ids.length, ms: msg.ms, kb: (msg.bytes / 1024).toFixed(0) };
      setStatus(() => t("status.done", done));
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
  setStatus(() => t(key, args), "error", msg.message);
  settle();
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
      refit();
      fitMath();
    });
  });
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
