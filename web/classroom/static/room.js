// Classroom mode: the room bar over the explorer page (see the classroom
// package for the protocol). The page is the explorer's own, mounted by
// the server with the room bar; this script drives it through the page's
// script API (explorer, exported by /static/app.js), never through its
// buttons.
//
// The teacher's tab that joined last drives the room: it sends its view
// (prompt, step, head, language) whenever it changes, and may ask the
// class a predict-before-reveal question. An earlier teacher tab follows,
// like a student, until it takes over again. A student's page follows the
// teacher until the student explores on their own; "Follow teacher"
// returns.
import { explorer } from "/static/app.js";
import { t, reason } from "/static/i18n.js";

const $ = (id) => document.getElementById(id);
const bar = $("room-bar");
const role = bar.dataset.roomRole; // "teacher" or "student"
const code = bar.dataset.roomCode;
const joinURL = bar.dataset.roomJoin;

const room = {
  role,
  code,
  connected: false,
  driving: false, // a teacher tab that drives
  refused: "",
  seq: 0,
  latest: null, // the teacher's view, as last received
  following: true,
  students: 0,
  poll: null, // the open question
  tally: null,
  reveal: null,
  guess: -1,
};
// The room's state, for the browser tests and the curious.
window.room = room;

// The teacher's key arrives in the query once; this browser keeps it and
// takes it out of the address bar, which the class may see on the
// projector. Any browser opened on the teacher link claims the room.
let key = "";
if (role === "teacher") {
  const q = new URLSearchParams(location.search);
  const store = `explorer-room-key-${code}`;
  key = q.get("key") || localStorage.getItem(store) || "";
  if (q.has("key")) {
    localStorage.setItem(store, key);
    q.delete("key");
    const rest = q.toString();
    history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
  }
}

// ---- the bar ----

let status = { key: "", text: "", kind: "", args: {} };

function renderBar() {
  $("room-label").textContent = t(role === "teacher" ? "room.roomCode" : "room.room");
  $("room-status").textContent = status.key ? t(status.key, status.args) : status.text;
  $("room-status").title = status.key ? status.text : "";
  $("room-status").className = "room-status " + status.kind;
  if (role === "teacher") {
    $("room-where").textContent = "";
    const [before, after] = t("room.where", { url: "\u0000" }).split("\u0000");
    const b = document.createElement("b");
    b.textContent = joinURL;
    $("room-where").append(before, b, after ?? "");
    $("room-count").textContent = room.students === 1 ? t("room.student1") : t("room.students", { n: room.students });
    $("room-take").textContent = t("room.takeBack");
    $("room-take").hidden = room.driving || !key || !room.connected;
    $("poll-ask").textContent = t("poll.ask");
    $("poll-ask").hidden = !room.driving || !!room.poll;
    bar.classList.toggle("following", !room.driving);
  } else {
    const at = room.latest ? explorer.stepTitle(room.latest.step) : "";
    $("room-mode").textContent = room.following ? t("room.following") : t("room.wandering") + (at ? " · " + t("room.teacherAt", { step: at }) : "");
    $("room-follow").textContent = t("room.follow");
    $("room-follow").hidden = room.following;
    bar.classList.toggle("wandering", !room.following);
  }
  renderPoll();
}

// setStatus shows a catalogue key's words (with args), or text when key
// is empty; with a key, text is the server's English, shown as a tip.
function setStatus(key, kind = "", text = "", args = {}) {
  status = { key, text, kind, args };
  renderBar();
}

// ---- the websocket ----

let ws = null;
let retry = 500;

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${proto}://${location.host}/room/ws`);
  ws.onopen = () => ws.send(JSON.stringify(key ? { type: "join", code, key } : { type: "join", code }));
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onclose = (ev) => {
    room.connected = false;
    room.driving = false;
    if (room.refused) return;
    // The server may say why (too many pages from this computer, a page
    // that fell behind…); the page keeps trying meanwhile.
    const why = reason(ev.reason);
    if (why && why.key) setStatus(why.key, "error", why.text, why.args);
    else setStatus("room.reconnecting", "error");
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 8000);
  };
}

function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function onMessage(msg) {
  switch (msg.type) {
    case "welcome":
      room.connected = true;
      retry = 500;
      if (!room.refused) setStatus(role === "teacher" && !key ? "room.noKey" : "room.connected", role === "teacher" && !key ? "error" : "");
      lastSent = "";
      if (msg.view) receive(msg.seq, msg.view);
      onPoll(msg.poll || null);
      if (msg.reveal) onReveal(msg.reveal);
      break;
    case "driving":
      room.driving = true;
      setStatus("room.driving");
      lastSent = "";
      watchTeacher();
      break;
    case "taken":
      room.driving = false;
      setStatus("room.taken", "error");
      if (room.latest) explorer.show(room.latest);
      break;
    case "view":
      receive(msg.seq, msg.view);
      break;
    case "students":
      room.students = msg.n;
      renderBar();
      break;
    case "poll":
      onPoll(msg.poll);
      break;
    case "tally":
      room.tally = msg.tally;
      renderPoll();
      break;
    case "reveal":
      onReveal(msg.reveal);
      break;
    case "endpoll":
      onPoll(null);
      break;
    case "error":
      // The words are the catalogue key's, in the page's language; the
      // English message is for other clients (and the tip).
      if (msg.error === "no_room" || msg.error === "bad_key") room.refused = msg.error;
      setStatus(msg.key || "", "error", msg.message, msg.args || {});
      break;
  }
}

// receive takes a view from the teacher; older ones are ignored.
function receive(seq, view) {
  if (room.driving || seq < room.seq) return;
  room.seq = seq;
  room.latest = view;
  if (room.following || role === "teacher") apply(view);
  renderBar();
}

let ownLang = ""; // a language the student picked, kept over the teacher's

function apply(v) {
  explorer.show(ownLang ? { ...v, lang: ownLang } : v);
}

// ---- the teacher: send the view when it changes ----

let lastSent = "";

function watchTeacher() {
  if (!room.driving) return;
  const v = explorer.view();
  if (!v.prompt || !v.step) return;
  const s = JSON.stringify(v);
  if (s === lastSent) return;
  send({ type: "view", view: v });
  lastSent = s;
}

// ---- a student: follow, wander, come back ----

explorer.on("change", (v, { user }) => {
  if (role === "teacher") {
    watchTeacher();
  } else if (user && room.following) {
    const l = room.latest;
    if (l && l.prompt === v.prompt && l.step === v.step && l.head === v.head) ownLang = v.lang; // only the language changed
    else room.following = false;
  }
  renderBar();
});

function follow() {
  room.following = true;
  if (room.latest) apply(room.latest);
  renderBar();
}

// ---- predict before reveal ----

// ask opens a question on the step on screen: on an attention step, which
// key the head weights most from the last token; elsewhere, which token
// comes next (among the model's ten likeliest, shown in vocabulary order
// so the order gives nothing away).
async function ask() {
  const v = explorer.view();
  const step = explorer.steps().find((s) => s.id === v.step);
  const run = explorer.run();
  if (!run || !run.done) return;
  const tokens = run.tokens;
  const q = tokens.length - 1;
  if (step && step.layer >= 0 && ["scores", "mask", "softmax", "weighted_sum"].includes(step.kind)) {
    const name = `blocks.${step.layer}.attn.hook_pattern`;
    await explorer.fetch([name]);
    pending = { kind: "key", name, head: v.head, q };
    send({ type: "poll", poll: { kind: "key", layer: step.layer, head: v.head, q, token: tokens[q], options: tokens.slice(0, q + 1) } });
    return;
  }
  await explorer.fetch(["next.top_ids", "next.top_probs"]);
  const ids = explorer.tensor("next.top_ids");
  const probs = explorer.tensor("next.top_probs");
  const K = ids.shape[1];
  const labels = explorer.labels();
  const cands = [];
  for (let r = 0; r < K; r++) cands.push({ id: ids.data[q * K + r], p: probs.data[q * K + r] });
  cands.sort((a, b) => a.id - b.id);
  pending = { kind: "next", cands };
  send({ type: "poll", poll: { kind: "next", layer: 0, head: 0, q, token: tokens[q], options: cands.map((c) => labels[c.id] ?? String(c.id)) } });
}

let pending = null; // how the teacher's tab works out the open poll's answer

// answer computes the open poll's answer from the run on screen.
function answer() {
  if (!pending) return null;
  if (pending.kind === "next") {
    let best = 0;
    pending.cands.forEach((c, i) => {
      if (c.p > pending.cands[best].p) best = i;
    });
    return { answer: best, p: pending.cands[best].p };
  }
  const tt = explorer.tensor(pending.name);
  const [, T, K] = tt.shape;
  const row = (pending.head * T + pending.q) * K;
  let best = 0;
  for (let k = 0; k <= pending.q; k++) if (tt.data[row + k] > tt.data[row + best]) best = k;
  return { answer: best, p: tt.data[row + best] };
}

function onPoll(poll) {
  room.poll = poll;
  room.tally = null;
  room.reveal = null;
  room.guess = -1;
  if (!poll) pending = null;
  document.documentElement.classList.toggle("poll-open", !!poll);
  renderBar();
}

function onReveal(rv) {
  room.reveal = rv;
  document.documentElement.classList.remove("poll-open");
  renderBar();
}

function pct(p) {
  return `${(p * 100).toFixed(1)}%`;
}

// renderPoll draws the question: the options for a student to click, the
// class's histogram for the teacher, the answer once revealed.
function renderPoll() {
  const box = $("poll");
  const p = room.poll;
  box.hidden = !p;
  if (!p) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren();
  const q = document.createElement("p");
  q.className = "poll-question";
  q.textContent = p.kind === "key" ? t("poll.questionKey", { token: p.token, q: p.q, head: p.head, layer: p.layer }) : t("poll.questionNext", { token: p.token });
  box.append(q);
  const rv = room.reveal;
  const teacherView = role === "teacher";
  if (teacherView) {
    const counts = room.tally ? room.tally.counts : p.options.map(() => 0);
    const most = Math.max(1, ...counts);
    const h = document.createElement("div");
    h.className = "poll-histogram";
    h.setAttribute("aria-label", t("poll.histogram"));
    p.options.forEach((o, i) => {
      const row = document.createElement("div");
      row.className = "poll-bar" + (rv && rv.answer === i ? " answer" : "");
      row.dataset.option = i;
      const l = document.createElement("span");
      l.className = "tok";
      l.textContent = o;
      const f = document.createElement("span");
      f.className = "fill";
      f.style.width = `${(100 * counts[i]) / most}%`;
      const n = document.createElement("span");
      n.className = "n";
      n.textContent = counts[i];
      row.append(l, f, n);
      h.append(row);
    });
    box.append(h);
    const c = document.createElement("p");
    c.className = "poll-count";
    c.textContent = t("poll.count", { n: room.tally ? room.tally.answered : 0, total: room.tally ? room.tally.students : room.students });
    box.append(c);
    if (room.driving) {
      const b = document.createElement("button");
      b.type = "button";
      b.id = rv ? "poll-close" : "poll-reveal";
      b.textContent = t(rv ? "poll.close" : "poll.reveal");
      b.onclick = () => {
        if (rv) send({ type: "endpoll" });
        else {
          const a = answer();
          if (a) send({ type: "reveal", reveal: a });
        }
      };
      box.append(b);
    }
  } else {
    const opts = document.createElement("div");
    opts.className = "poll-options";
    p.options.forEach((o, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "poll-option tok" + (room.guess === i ? " current" : "") + (rv && rv.answer === i ? " answer" : "");
      b.dataset.option = i;
      b.textContent = o;
      b.disabled = !!rv;
      b.onclick = () => {
        room.guess = i;
        send({ type: "guess", poll_id: p.id, choice: i });
        renderPoll();
      };
      opts.append(b);
    });
    box.append(opts);
    const s = document.createElement("p");
    s.className = "poll-state";
    if (rv) s.textContent = `${t("poll.answer", { token: p.options[rv.answer], p: pct(rv.p) })} · ${room.guess < 0 ? "" : t(room.guess === rv.answer ? "poll.right" : "poll.wrong")}`;
    else s.textContent = room.guess < 0 ? t("poll.clickToken") : t("poll.sent", { token: p.options[room.guess] });
    box.append(s);
  }
  if (rv && teacherView) {
    const a = document.createElement("p");
    a.className = "poll-state";
    a.textContent = t("poll.answer", { token: p.options[rv.answer], p: pct(rv.p) });
    box.append(a);
  }
}

// ---- start ----

if (role === "teacher") {
  $("room-take").onclick = () => send({ type: "take" });
  $("poll-ask").onclick = ask;
} else {
  $("room-follow").onclick = follow;
  // A student may also guess by clicking a token of the strip.
  explorer.on("token", (i) => {
    const p = room.poll;
    if (!p || room.reveal || p.kind !== "key" || i > p.q) return;
    room.guess = i;
    send({ type: "guess", poll_id: p.id, choice: i });
    renderPoll();
  });
}
renderBar();
if (role === "teacher" && !key) {
  setStatus("room.noKey", "error");
}
explorer.ready.then(connect);
