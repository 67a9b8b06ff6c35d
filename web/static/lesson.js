// The lesson panel: the lesson of the step on screen, the arithmetic of a
// heatmap cell the learner clicks (explain), and the exercises' answers,
// all rendered by the server from the run's numbers.
import { $, state } from "./page.js";
import { t, currentLang } from "./i18n.js";

let lessonRequest = 0;
let lessonTimer = 0;

export function loadLesson() {
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
      if (res.ok) {
        $("lesson").innerHTML = html;
        fitMath();
        // A maths font that arrives later changes the widths: fit again.
        document.fonts.ready.then(fitMath);
      } else showLessonError(html);
    } catch (err) {
      if (mine === lessonRequest) showLessonError(String(err));
    }
  }, 60);
}

// minMathScale is the smallest size, as a share of the lesson's, that
// fitMath gives a formula; one wider still scrolls sideways.
const minMathScale = 0.65;

// fitMath shrinks each display formula of the lesson that is wider than
// its panel just enough to fit, down to minMathScale, so that a
// projector's narrow lesson panel shows whole formulas. It runs again when
// the panel changes width.
export function fitMath() {
  for (const box of $("lesson").querySelectorAll(".lesson-math")) {
    const math = box.firstElementChild;
    if (!math) continue;
    math.style.fontSize = "";
    // Text and stretched symbols do not scale exactly with the size, so
    // measure again after each step.
    let scale = 1;
    for (let i = 0; i < 4 && box.scrollWidth > box.clientWidth + 1 && scale > minMathScale; i++) {
      scale = Math.max(minMathScale, (scale * box.clientWidth) / box.scrollWidth - 0.005);
      math.style.fontSize = `${(scale * 100).toFixed(1)}%`;
    }
  }
}

function showLessonError(detail) {
  const p = document.createElement("p");
  p.className = "lesson-error";
  p.textContent = t("panel.loadError", { err: detail.trim() });
  $("lesson").replaceChildren(p);
}

let explained = null; // {step, q, k} on the lesson panel

export function clearExplain() {
  explained = null;
  $("explain").hidden = true;
  $("explain").replaceChildren();
}

// explainCell shows the arithmetic of cell (q, k) of the step's attention
// in the lesson panel, computed by the server from the run's numbers.
export async function explainCell(step, q, k) {
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

export async function checkAnswer(form) {
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

// reexplain asks again for the cell on the panel, if there is one, as
// when the page's language changes.
export function reexplain() {
  if (explained) explainCell(state.steps[state.step], explained.q, explained.k);
}
