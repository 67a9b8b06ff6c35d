// Classroom mode: the room bar over the explorer page (see the classroom
// package for the protocol). The teacher's page sends its view (prompt,
// step, head, language) whenever it changes; a student's page follows the
// teacher until the student explores on their own, and "Follow teacher"
// returns. This script runs before app.js, so a student's first run is
// already the teacher's prompt.

const tag = document.querySelector("script[data-room-role]");
const role = tag.dataset.roomRole; // "teacher" or "student"
const code = tag.dataset.roomCode;
const joinURL = tag.dataset.roomJoin;
const initial = tag.dataset.roomView ? JSON.parse(tag.dataset.roomView) : null;
const $ = (id) => document.getElementById(id);

const room = {
  role,
  code,
  connected: false,
  refused: "",
  seq: 0,
  latest: initial, // the teacher's view, as last received
  following: true,
  received: 0,
  students: 0,
};
window.__room = room; // for the browser tests and the curious

// ---- the first view, before app.js reads the address ----

function hashOf(v, lang) {
  const q = new URLSearchParams({ prompt: v.prompt, step: v.step, head: v.head });
  if (lang) q.set("lang", lang);
  return "#" + q;
}

if (initial && (role === "student" || !location.hash)) {
  history.replaceState(null, "", location.pathname + hashOf(initial, initial.lang));
}

// The teacher's key arrives in the query once; keep it in this tab and take
// it out of the address bar, which the class may see on the projector.
let key = "";
if (role === "teacher") {
  const q = new URLSearchParams(location.search);
  const store = `explorer-room-key-${code}`;
  key = q.get("key") || sessionStorage.getItem(store) || "";
  if (q.has("key")) {
    sessionStorage.setItem(store, key);
    history.replaceState(null, "", location.pathname + location.hash);
  }
}

// ---- the bar ----

// The bar speaks the page's lesson language.
const words = {
  en: {
    roomCode: "Room code",
    room: "Room",
    where: (url) => `Students open <b>${url}</b> and type the code`,
    students: (n) => (n === 1 ? "1 student" : `${n} students`),
    following: "Following the teacher",
    wandering: "Exploring on your own",
    teacherAt: (step) => `the teacher is at ${step}`,
    follow: "Follow teacher",
    connected: "connected",
    reconnecting: "reconnecting…",
    noKey: "This page drives the room only from the teacher link that explorer serve printed.",
  },
  zh: {
    roomCode: "房间代码",
    room: "房间",
    where: (url) => `学生打开 <b>${url}</b> 并输入代码`,
    students: (n) => `${n} 名学生`,
    following: "正在跟随老师",
    wandering: "自由探索中",
    teacherAt: (step) => `老师在：${step}`,
    follow: "跟随老师",
    connected: "已连接",
    reconnecting: "正在重新连接…",
    noKey: "只有 explorer serve 打印的教师链接才能带领这个房间。",
  },
};

function lang() {
  return window.__explorer && window.__explorer.lang === "zh" ? "zh" : "en";
}

const bar = document.createElement("div");
bar.id = "room-bar";
bar.className = `room-bar room-${role}`;
if (role === "teacher") {
  bar.innerHTML = `<span id="room-label" class="room-label"></span><b id="room-code" class="room-code"></b>
    <span id="room-where" class="room-where"></span>
    <span id="room-count" class="room-count"></span>
    <span id="room-status" class="room-status"></span>`;
} else {
  bar.innerHTML = `<span id="room-label" class="room-label"></span><b id="room-code" class="room-code small"></b>
    <span id="room-mode" class="room-mode"></span>
    <button type="button" id="room-follow" class="room-follow"></button>
    <span id="room-status" class="room-status"></span>`;
}
document.body.prepend(bar);
$("room-code").textContent = code;
if (role === "student") $("room-follow").onclick = follow;

let status = { text: "", kind: "" }; // text is a key of words, or a server's message
let barLang = "";

// renderBar writes the bar's words in the page's language.
function renderBar() {
  const w = words[lang()];
  barLang = lang();
  $("room-label").textContent = role === "teacher" ? w.roomCode : w.room;
  $("room-status").textContent = typeof w[status.text] === "string" ? w[status.text] : status.text;
  $("room-status").className = "room-status " + status.kind;
  if (role === "teacher") {
    $("room-where").innerHTML = w.where("");
    $("room-where").querySelector("b").textContent = joinURL;
    $("room-count").textContent = w.students(room.students);
    return;
  }
  const teacherAt = room.latest ? stepTitle(room.latest.step) : "";
  $("room-mode").textContent = room.following ? w.following : w.wandering + (teacherAt ? " · " + w.teacherAt(teacherAt) : "");
  $("room-follow").textContent = w.follow;
  $("room-follow").hidden = room.following;
  bar.classList.toggle("wandering", !room.following);
}

function setStatus(text, kind = "") {
  status = { text, kind };
  renderBar();
}

function stepTitle(id) {
  const st = window.__explorer;
  const s = st && st.steps.find((s) => s.id === id);
  return s ? (s.layer >= 0 ? `Layer ${s.layer} · ${s.kind}` : s.kind) : id;
}

// ---- the websocket ----

let ws = null;
let retry = 500;

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  ws = new WebSocket(`${proto}://${location.host}/room/ws`);
  ws.onopen = () => {
    ws.send(JSON.stringify(role === "teacher" ? { type: "join", code, key } : { type: "join", code }));
  };
  ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  ws.onclose = () => {
    room.connected = false;
    if (room.refused) return;
    setStatus("reconnecting", "error");
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 8000);
  };
}

function onMessage(msg) {
  switch (msg.type) {
    case "welcome":
      room.connected = true;
      retry = 500;
      setStatus("connected");
      lastSent = "";
      if (msg.view) receive(msg.seq, msg.view);
      break;
    case "view":
      receive(msg.seq, msg.view);
      break;
    case "students":
      room.students = msg.n;
      renderBar();
      break;
    case "error":
      setStatus(msg.message, "error");
      if (msg.error === "no_room" || msg.error === "bad_key") room.refused = msg.error;
      break;
  }
}

// receive takes a view from the teacher; older ones are ignored.
function receive(seq, view) {
  if (role !== "student" || seq < room.seq) return;
  room.seq = seq;
  room.latest = view;
  room.received += 1;
  if (room.following) apply(view);
  renderBar();
}

// ---- the teacher: send the view when it changes ----

let lastSent = "";

function currentView() {
  const st = window.__explorer;
  if (!st || !st.steps.length || !st.tokens) return null;
  const step = st.steps[st.step];
  return { prompt: st.tokens.text, step: step ? step.id : "", head: st.head, lang: st.lang };
}

function watchTeacher() {
  const v = currentView();
  if (!v || !ws || ws.readyState !== WebSocket.OPEN || !room.connected) return;
  const s = JSON.stringify(v);
  if (s === lastSent) return;
  ws.send(JSON.stringify({ type: "view", view: v }));
  lastSent = s;
}

// ---- a student: follow, wander, come back ----

let shown = initial ? initial.prompt : null; // the prompt of the run this script started
let ranOwn = false; // the student ran something of their own since
let ownLang = false; // the student picked a language

// apply moves the page to v through the page's own controls, so the page
// keeps its address, lesson and drawing logic.
function apply(v) {
  const st = window.__explorer;
  if (!st || !st.steps.length || !$("prompt-form")) return; // before hello: the ticker retries
  if (v.lang && !ownLang && v.lang !== st.lang) press(`button.lang[data-lang="${v.lang}"]`);
  if (ranOwn || v.prompt !== shown || !st.seq) {
    $("prompt").value = v.prompt;
    $("prompt-form").requestSubmit();
    shown = v.prompt;
    ranOwn = false;
  }
  if (v.head !== st.head) press(`#head-picker button[data-head="${v.head}"]`);
  const i = st.steps.findIndex((s) => s.id === v.step);
  if (i >= 0 && i !== st.step) press(`#timeline button[data-index="${i}"]`);
}

function press(sel) {
  const b = document.querySelector(sel);
  if (b) b.click();
}

function wander(ran) {
  if (ran) ranOwn = true;
  if (!room.following) return;
  room.following = false;
  renderBar();
}

function follow() {
  room.following = true;
  if (room.latest) apply(room.latest);
  renderBar();
}

// Only the learner's own input counts as wandering: the clicks of apply()
// are not trusted events.
const runs = "#run, #gen-step, #gen-play, #lesson a.lesson-run";
const moves = "#first, #back, #next, #last, #play, #timeline button, #head-picker button, #model-map canvas, #lesson a.lesson-step";

function watchStudent() {
  document.addEventListener(
    "click",
    (e) => {
      if (!e.isTrusted || !(e.target instanceof Element) || e.target.closest("#room-bar")) return;
      if (e.target.closest("button.lang")) ownLang = true;
      else if (e.target.closest(runs)) wander(true);
      else if (e.target.closest(moves)) wander(false);
    },
    true,
  );
  document.addEventListener(
    "keydown",
    (e) => {
      if (!e.isTrusted || !(e.target instanceof Element)) return;
      if (e.target.closest("#prompt")) {
        if (e.key === "Enter" && !e.shiftKey) wander(true);
      } else if (!e.target.closest("textarea, input") && ["ArrowRight", "ArrowLeft", "Home", "End"].includes(e.key)) {
        wander(false);
      }
    },
    true,
  );
}

// ---- start ----

if (role === "teacher" && !key) {
  room.refused = "no_key";
  setStatus("noKey", "error");
} else {
  connect();
}
// The language buttons belong to the page; follow them.
setInterval(() => {
  if (lang() !== barLang) renderBar();
}, 250);
if (role === "teacher") {
  setInterval(watchTeacher, 100);
} else {
  watchStudent();
  renderBar();
  // The page learns its steps from its own websocket; until then, and as
  // a safety net, re-apply the latest view while following.
  setInterval(() => {
    if (room.following && room.latest) apply(room.latest);
  }, 250);
}
