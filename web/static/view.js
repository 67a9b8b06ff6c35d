// The view as a whole: opening the page on its address (or on the room's
// view), moving to a view the script API is given, the language and the
// projector mode.
import { t, setLang as setWords, currentLang } from "./i18n.js";
import { $, state, until, saveURL, emitChange, refreshStatus } from "./page.js";
import { loadLesson, clearExplain, reexplain, fitMath } from "./lesson.js";
import { drawTokens, renderStep } from "./steps.js";
import { run } from "./runs.js";

// restore opens the page on the room's view, or else on its address's;
// it runs the prompt there unless runPrompt is false (the page opens on a
// trace file instead).
export function restore(runPrompt = true) {
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
export function show(v, user = false) {
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

export function setLang(lang, user = true) {
  setWords(lang);
  for (const b of document.querySelectorAll("button.lang")) b.classList.toggle("current", b.dataset.lang === currentLang());
  for (const el of document.querySelectorAll(".bilingual")) el.textContent = el.dataset[currentLang()] || el.dataset.en;
  document.documentElement.dataset.lang = currentLang();
  refreshStatus();
  for (const a of document.querySelectorAll("a.train-link")) a.href = `/train?lang=${currentLang()}`;
  if (!state.model) return;
  for (const c of document.querySelectorAll("#model-map canvas")) c.title = t("map.thumbTitle", { layer: c.dataset.layer, head: c.dataset.head });
  if (state.run && state.run.tokens) drawTokens();
  renderStep();
  loadLesson();
  reexplain();
  saveURL();
  emitChange(user);
}

export function setProjector(on) {
  document.documentElement.classList.toggle("projector", on);
  $("projector").setAttribute("aria-pressed", on ? "true" : "false");
  $("projector").classList.toggle("current", on);
  fitMath();
  if (state.model) {
    renderStep();
    saveURL();
  }
}
