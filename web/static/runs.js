// Asking for runs: a prompt's forward pass, and generating the next token
// from the run on screen (one, or on until paused), with the distribution
// the token was sampled from.
import * as traces from "./traces.js";
import { t } from "./i18n.js";
import { $, state, newRun, settle, send, setStatus, saveURL } from "./page.js";

// ---- running prompts ----

// failPending gives up the run asked for, saying why in the status line
// (and that the run on screen stays), and ends the waits on it.
export function failPending(key, args = {}, detail = "") {
  state.pending = null;
  const kept = !!state.run;
  setStatus(() => (kept ? `${t(key, args)} ${t("status.kept")}` : t(key, args)), "error", detail);
  $("prompt").focus();
  settle();
}

// newSeq starts waiting for a new run (a prompt's or a trace file's) and
// returns its seq; the run on screen stays until the new one's tokens come.
export function newSeq() {
  state.pending = newRun(++state.seqs);
  state.timings = {};
  traces.onNewSeq();
  return state.pending.seq;
}

export function startRun(msg) {
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

export function run(prompt) {
  if (!state.can.run) return null;
  if (!prompt.trim()) {
    setStatus(() => t("prompt.typeFirst"), "error");
    return null;
  }
  const r = startRun({ type: "run", prompt });
  if (r) {
    r.prompt = prompt;
    setStatus(() => t("status.running"));
  }
  saveURL(prompt);
  return r;
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

// ---- generation ----

export function generateOne() {
  if (!state.can.generate) {
    stopGenerating();
    return;
  }
  if (!state.run || !state.run.done) {
    if (!state.run) setStatus(() => t("error.generateFirst"), "error");
    stopGenerating();
    return;
  }
  if (state.run.tokens.ids.length >= state.model.n_positions) {
    const max = state.model.n_positions;
    setStatus(() => t("error.full", { max }), "error");
    stopGenerating();
    return;
  }
  const num = (id) => Number($(id).value);
  state.genCount += 1;
  if (startRun({ type: "generate", temperature: num("temperature"), top_k: num("top-k"), top_p: num("top-p"), seed: num("seed") * 1000003 + state.genCount })) {
    setStatus(() => t("status.picking"));
  }
}

export function stopGenerating() {
  state.genPlaying = false;
  $("gen-play").dataset.i18n = "gen.play";
  $("gen-play").textContent = t("gen.play");
}

export function drawSampled(msg) {
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
