// The page's shared state: the run on screen and the one asked for, the
// steps, the head; the events of the script API (explorer.on), the waits
// that end when the page gets somewhere (until), the message to the server
// (send), the status line and the page's address.
import { currentLang } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

// A run is one prompt's result: its tokens and the tensors streamed or held.
export function newRun(seq) {
  return { seq, tokens: null, tensors: new Map(), held: new Map(), thumbs: new Map(), requested: new Set(), labels: {}, done: false, failed: false, started: performance.now() };
}

export const state = {
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

export const listeners = { change: [], token: [] };
const waiters = []; // {test, resolve}

export function emit(event, ...args) {
  for (const fn of listeners[event]) fn(...args);
}

export function settle() {
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i].test()) {
      waiters[i].resolve();
      waiters.splice(i, 1);
    }
  }
}

export function until(test) {
  return test() ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve }));
}

// send sends msg to the server, reporting whether the connection was open
// to take it.
export function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify(msg));
    return true;
  }
  return false;
}

// setStatus shows words in the status line. words is text, or a function
// that returns it in the page's current language: a language switch says
// those again (refreshStatus), so a class that turns to Chinese after a
// run does not keep an English status line.
export function setStatus(words, kind = "", detail = "") {
  statusWords = typeof words === "function" ? words : null;
  const el = $("status");
  el.textContent = statusWords ? statusWords() : words;
  el.className = "status " + kind;
  el.title = detail;
}

// statusWords says the status line's words again, when they were given
// as a function (setStatus).
let statusWords = null;

// refreshStatus says the status line again in the current language.
export function refreshStatus() {
  if (statusWords) $("status").textContent = statusWords();
}

// ---- the view on screen and the address ----

// view is what the page shows, as the script API gives it.
export function view() {
  const step = state.steps[state.step];
  return { prompt: state.run && state.run.tokens ? state.run.tokens.text : "", step: step ? step.id : "", head: state.head, lang: currentLang() };
}

export function emitChange(user) {
  emit("change", view(), { user });
}

// saveURL writes the view into the address, so that a reload or a shared
// link opens it again. The language goes in the query (?lang=), which the
// server reads to render the first paint in it; the rest in the fragment.
export function saveURL(prompt) {
  const step = state.steps[state.step];
  const q = new URLSearchParams({ prompt: prompt ?? $("prompt").value, step: step ? step.id : "", head: state.head });
  if (document.documentElement.classList.contains("projector")) q.set("projector", "1");
  const search = new URLSearchParams(location.search);
  search.set("lang", currentLang());
  history.replaceState(null, "", `${location.pathname}?${search}#${q}`);
}
