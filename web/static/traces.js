// Trace files in the page: open one (the file chooser or drag and drop) to
// show it without running a model, open a second to compare the two, and
// take the numbers of any heatmap out as CSV or .npy. The numbers come
// from the server's /download/table, which writes the same tensors the
// page draws (see web/PROTOCOL.md).
import { drawHeatmap } from "./heatmap.js";
import { viewFor } from "./views.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

let app = null; // the page's state and actions, from initTraces

// initTraces wires the trace controls. a holds the page's state and the
// actions this module calls: send, newSeq, setStatus, renderStep, goTo,
// buildHeadPicker, buildTimeline.
export function initTraces(a) {
  app = a;
  const { state } = app;
  state.can = { run: true, generate: true };
  state.source = "";
  state.compare = null;
  state.maxTraceBytes = 0;
  state.modelLine = $("model-info") ? $("model-info").innerHTML : "";
  const chooser = (button, input, as) => {
    if (!$(button)) return;
    $(button).onclick = () => $(input).click();
    $(input).onchange = () => {
      const f = $(input).files[0];
      $(input).value = "";
      if (f) openFile(f, as);
    };
  };
  chooser("open-trace", "trace-file", "a");
  chooser("compare-trace", "compare-file", "b");
  if ($("uncompare")) {
    $("uncompare").onclick = () => {
      app.send({ type: "uncompare" });
      closeCompare();
      app.renderStep();
    };
  }
  const zone = $("drop-zone");
  if (!zone) return;
  let depth = 0;
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth += 1;
    zone.hidden = false;
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.hidden = true;
  });
  document.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    zone.hidden = true;
    const f = e.dataTransfer.files[0];
    if (f) openFile(f, "a");
  });
}

// onHello reads what the server allows; it reports whether the page opens
// on the server's trace (then it has asked for it, and runs no prompt).
export function onHello(msg) {
  app.state.maxTraceBytes = msg.max_trace_bytes || 0;
  setAbilities(msg.can || { run: false, generate: false }, msg.trace || "");
  if (!msg.trace) return false;
  app.send({ type: "trace", seq: app.newSeq() });
  return true;
}

// onModel switches the page to the model and steps of a trace file, or
// back to the server's model.
export function onModel(msg) {
  const { state } = app;
  state.model = msg.model;
  state.steps = msg.steps;
  setAbilities(msg.can, msg.source);
  state.step = Math.min(state.step, state.steps.length - 1);
  state.head = Math.min(state.head, Math.max(0, state.model.n_head - 1));
  app.buildTimeline();
  app.buildHeadPicker();
  const map = $("model-map");
  if (map) map.style.setProperty("--heads", state.model.n_head);
  const info = $("model-info");
  if (info && msg.source) {
    info.dataset.i18n = "trace.source";
    info.dataset.i18nArgs = JSON.stringify({ name: msg.source, layers: state.model.n_layer, heads: state.model.n_head });
    info.textContent = t("trace.source", JSON.parse(info.dataset.i18nArgs));
  } else if (info) {
    delete info.dataset.i18n;
    info.innerHTML = state.modelLine;
  }
}

// setAbilities enables what the trace on screen allows and says why the
// rest is off.
function setAbilities(can, source) {
  const { state } = app;
  state.can = can;
  state.source = source;
  const off = (id, yes) => {
    if ($(id)) $(id).disabled = yes;
  };
  off("prompt", !can.run);
  off("run", !can.run);
  off("gen-step", !can.generate);
  off("gen-play", !can.generate);
  if (!can.run) why("run-why", "trace.noModel", $("prompt-form"));
  else if ($("run-why")) $("run-why").hidden = true;
  if (!can.generate && can.run) why("gen-why", "trace.noGenerate");
  else if ($("gen-why")) $("gen-why").hidden = true;
}

// why shows the sentence of key in the element id, made after the
// element after if the page has none.
function why(id, key, after) {
  let el = $(id);
  if (!el && after) {
    el = document.createElement("p");
    el.id = id;
    el.className = "trace-why";
    after.after(el);
  }
  if (!el) return;
  el.dataset.i18n = key;
  el.textContent = t(key);
  el.hidden = false;
}

// openFile sends a trace file to the server: as "a" to show it, as "b" to
// compare the trace on screen with it.
export async function openFile(file, as) {
  const { state } = app;
  const name = file.name || "trace.safetensors";
  if (state.maxTraceBytes && file.size > state.maxTraceBytes) {
    const mb = Math.floor(state.maxTraceBytes / (1 << 20));
    app.setStatus(() => t("trace.tooBig", { name, mb }), "error");
    return;
  }
  const seq = as === "b" ? state.seq : app.newSeq();
  const before = $("status") ? $("status").textContent : "";
  app.setStatus(() => t("trace.opening", { name }));
  const q = new URLSearchParams({ session: state.session, seq, as, name });
  let res;
  try {
    res = await fetch(`/trace/open?${q}`, { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
  } catch (err) {
    app.setStatus(() => t("trace.failed", { name, err: String(err) }), "error");
    return;
  }
  if (!res.ok) {
    const err = (await res.text()).trim();
    app.setStatus(() => t("trace.failed", { name, err }), "error");
    return;
  }
  const r = await res.json();
  if (as === "b") {
    app.setStatus(before); // the comparison's summary is the note
    return;
  }
  const parts = [t("trace.opened", { name: r.name, hooks: r.hooks, tokens: r.tokens })];
  if (r.inferred) parts.push(t("trace.inferred"));
  if (r.ignored.length) parts.push(t("trace.ignored", { n: r.ignored.length }));
  if (r.tokens_from === "positions") parts.push(t("trace.positions"));
  note(parts.join(" · "));
}

// note shows a sentence about the trace on screen under the tokens.
function note(text) {
  const el = $("trace-note");
  if (!el) return;
  el.textContent = text;
  el.hidden = !text;
}

// onDone shows the controls that need a trace on screen.
export function onDone() {
  if ($("compare-trace")) $("compare-trace").hidden = false;
}

// onNewSeq forgets the comparison: a new run replaces the trace it was of.
export function onNewSeq() {
  closeCompare();
}

function closeCompare() {
  if (!app.state.compare) return;
  app.state.compare = null;
  if ($("uncompare")) $("uncompare").hidden = true;
  note("");
}

// onCompared opens the comparison the server made of the trace on screen
// (A) and the one opened beside it (B).
export function onCompared(msg) {
  const { state } = app;
  state.compare = {
    name: msg.source,
    tol: msg.tol,
    hooks: new Map(msg.hooks.map((h) => [h.hook, h])),
    tensors: new Map(),
    held: new Map(),
    requested: new Set(),
  };
  if ($("uncompare")) $("uncompare").hidden = false;
  note(t("compare.summary", { name: msg.source, n: msg.hooks.length, failed: msg.failed, tol: msg.tol }));
  app.renderStep();
}

// onHeld notes a hook of B that the page may fetch, and fetches it at
// once when the step on screen shows it.
export function onHeld(msg) {
  const { state } = app;
  if (!state.compare) return;
  state.compare.held.set(msg.name, msg.shape);
  const step = state.steps[state.step];
  if (step && step.hooks.includes(msg.name)) app.renderStep();
}

// onTensor keeps a tensor of B and redraws.
export function onTensor(header, data) {
  const c = app.state.compare;
  if (!c) return;
  c.tensors.set(header.name, { shape: header.shape, data });
  app.renderStep();
}

// missing returns the sentence for a hook the trace on screen lacks, or
// "" while it may still come.
export function missing(name) {
  const { state } = app;
  if (!state.done || state.held.has(name) || state.tensors.has(name)) return "";
  return t("trace.missingHook", { hook: name });
}

const perHead = /attn\.hook_(q|k|v|z|attn_scores|pattern)$/;

// tableURL is the address of the numbers of one heatmap.
function tableURL(name, which, format, inline) {
  const { state } = app;
  const q = new URLSearchParams({ session: state.session, hook: name, head: perHead.test(name) ? state.head : -1, format, trace: which });
  if (inline) q.set("inline", "1");
  return `/download/table?${q}`;
}

// decorate adds the export buttons under a drawn heatmap of hook name and,
// when comparing, B's heatmap and the difference beside it.
export function decorate(fig, name, view, tooltip) {
  fig.dataset.hook = name;
  fig.append(exportBar(name, "a", view));
  const c = app.state.compare;
  if (!c) return;
  const row = document.createElement("div");
  row.className = "compare-row";
  fig.replaceWith(row);
  const cell = (f) => {
    const d = document.createElement("div");
    d.className = "compare-cell";
    d.append(f);
    row.append(d);
    return f;
  };
  // A again, now sized to its cell.
  const cap = fig.querySelector("figcaption");
  fig.replaceChildren(cap);
  cap.textContent = `${t("compare.a", { name: app.state.source || app.state.model.name || "A" })} · ${view.caption}`;
  cell(fig);
  drawHeatmap(fig, view, tooltip);
  fig.append(exportBar(name, "a", view));

  const figB = cell(figure(t("compare.b", { name: c.name })));
  const figD = cell(figure(t("compare.diff")));
  const h = c.hooks.get(name);
  const summary = document.createElement("p");
  summary.className = "compare-max";
  row.after(summary);
  if (!h) {
    summary.textContent = t("compare.missing", { hook: name });
    figB.remove();
    figD.remove();
    return;
  }
  if (h.problem) summary.textContent = t("compare.problem", { problem: h.problem });
  else if (!h.at) summary.textContent = t("compare.equal");
  else summary.textContent = t("compare.max", { max: h.max.toPrecision(3), at: `[${h.at.join(", ")}]`, a: h.a, b: h.b, tol: c.tol });
  summary.classList.toggle("fail", !h.ok);
  const tb = c.tensors.get(name);
  if (!tb) {
    if (c.held.has(name) && !c.requested.has(name)) {
      c.requested.add(name);
      app.send({ type: "tensor", seq: app.state.seq, name, trace: "b" });
    }
    return;
  }
  const { state } = app;
  const vb = viewFor(name, tb, state.axes, state.head, view.rowLabels);
  if (!vb || vb.rows !== view.rows || vb.cols !== view.cols) {
    figD.remove();
    if (vb) drawHeatmap(figB, vb, tooltip);
    return;
  }
  drawHeatmap(figB, vb, tooltip);
  figB.append(exportBar(name, "b", vb));
  // B − A in float32, as the server's table.Sub writes it; a cell masked
  // in both is 0.
  const vd = {
    ...view,
    caption: t("compare.diff"),
    signed: true,
    fixed: null,
    cellText: null,
    get: (r, col) => {
      const x = view.get(r, col);
      const y = vb.get(r, col);
      return x <= -1e30 && y <= -1e30 ? 0 : Math.fround(y - x);
    },
  };
  drawHeatmap(figD, vd, tooltip);
  figD.append(exportBar(name, "diff", vd));
}

function figure(caption) {
  const f = document.createElement("figure");
  f.className = "heatmap";
  const cap = document.createElement("figcaption");
  cap.textContent = caption;
  f.append(cap);
  return f;
}

// exportBar is the row of buttons that take a heatmap's numbers out.
function exportBar(name, which, view) {
  const bar = document.createElement("div");
  bar.className = "export-bar";
  bar.title = t("export.title");
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "export-copy";
  copy.textContent = t("export.copy");
  copy.dataset.url = tableURL(name, which, "csv", true);
  copy.onclick = () => copyCSV(copy.dataset.url, view);
  bar.append(copy);
  for (const format of ["csv", "npy"]) {
    const a = document.createElement("a");
    a.className = `export-${format}`;
    a.href = tableURL(name, which, format, false);
    a.download = "";
    a.textContent = t(`export.${format}`);
    bar.append(a);
  }
  return bar;
}

async function copyCSV(url, view) {
  try {
    const res = await fetch(url);
    const text = await res.text();
    if (!res.ok) throw new Error(text.trim());
    await writeClipboard(text);
    const { rows, cols } = view;
    app.setStatus(() => t("export.copied", { rows, cols }));
  } catch (err) {
    const why = err.message || String(err);
    app.setStatus(() => t("export.copyFailed", { err: why }), "error");
  }
}

// writeClipboard copies text, through a selected textarea where the
// clipboard API is not allowed (a page served over plain HTTP to the LAN).
async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("the browser refused");
}
