// What the page draws for a step: figures made from the run's tensors,
// laid out by the axes the server names for each hook (hello.axes, from
// trace.Layout), with captions from the catalogue.
import { t } from "./i18n.js";

// point returns a hook's point without its block: "attn.hook_pattern".
function point(name) {
  const m = /^blocks\.\d+\.(.*)$/.exec(name);
  return m ? m[1] : name;
}

const index = (n) => Array.from({ length: n }, (_, i) => String(i));

// figuresOf lists the figures of step: each either {hook, caption, view}
// for a heatmap, {hook, caption, top} for the next-token table, or
// {hook, caption, missing} for a tensor not here yet. run holds the
// tensors, axes the hooks' axes, head the head on screen.
export function figuresOf(step, run, axes, head) {
  const tensors = run ? run.tensors : new Map();
  const tokens = run && run.tokens ? run.tokens.tokens : [];
  const out = [];
  const need = (name) => {
    const tt = tensors.get(name);
    if (!tt) out.push({ hook: name, caption: t(`hook.${point(name)}`), missing: true });
    return tt;
  };
  const hooks = step.hooks;
  switch (step.kind) {
    case "mask": {
      const [scores, q, k] = hooks;
      const s = need(scores);
      const qt = tensors.get(q);
      const kt = tensors.get(k);
      if (s && qt && kt) out.push({ hook: scores, caption: t("cap.beforeMask", { head }), view: beforeMask(qt, kt, head, tokens) });
      else if (s) need(q) || need(k);
      if (s) out.push({ hook: scores, caption: t("cap.afterMask", { head }), view: attention(s, head, tokens, false) });
      return out;
    }
    case "probs":
    case "sample": {
      const probs = need("next.top_probs");
      const ids = need("next.top_ids");
      if (probs && ids) out.push({ hook: "next.top_probs", caption: t("cap.probs", { k: probs.shape[1] }), top: topTable(probs, ids, run.labels, tokens) });
      if (step.kind === "probs") {
        const loss = need("next.loss");
        if (loss && loss.shape[0] > 0) out.push({ hook: "next.loss", caption: t("cap.loss"), view: lossStrip(loss, tokens) });
      }
      return out;
    }
  }
  for (const name of hooks) {
    if (name === "next.top_ids") continue;
    const tt = need(name);
    if (!tt) continue;
    out.push(figureOf(name, tt, axes[point(name)] || [], head, tokens));
  }
  return out;
}

// viewFor is the heatmap view of one tensor of hook name, laid out by the
// hooks' axes (hello.axes), for head on screen.
export function viewFor(name, tt, axes, head, tokens) {
  return figureOf(name, tt, axes[point(name)] || [], head, tokens).view;
}

// perHead reports whether hook name has a head axis.
export function perHead(name, axes) {
  return (axes[point(name)] || []).includes("head");
}

function figureOf(name, tt, ax, head, tokens) {
  const p = point(name);
  if (ax[0] === "head" && ax[2] === "key") {
    const pattern = p === "attn.hook_pattern";
    const [, T, K] = tt.shape;
    return { hook: name, caption: t(pattern ? "cap.pattern" : "cap.scores", { head, t: T, k: K }), view: attention(tt, head, tokens, pattern) };
  }
  if (ax[1] === "head") {
    const [T, H, D] = tt.shape;
    const which = { "attn.hook_q": "q", "attn.hook_k": "k", "attn.hook_v": "v", "attn.hook_z": "z" }[p];
    const view = base(T, D, tokens, "axis.dim");
    view.get = (r, c) => tt.data[(r * H + head) * D + c];
    return { hook: name, caption: t(`cap.${which}`, { head, t: T, d: D }), view };
  }
  // [pos, X]: one row per position.
  const T = tt.shape[0];
  const cols = tt.shape.length > 1 ? tt.data.length / T : 1;
  const colAxis = { channel: "axis.channel", neuron: "axis.neuron", vocab: "axis.vocab", one: "axis.one", rank: "axis.rank" }[ax[1]] || "axis.dim";
  const view = base(T, cols, tokens, colAxis);
  view.get = (r, c) => tt.data[r * cols + c];
  return { hook: name, caption: t("cap.tensor", { name: t(`hook.${p}`), shape: tt.shape.join("×") }), view };
}

// base is a view of rows positions and cols columns of the given axis.
function base(rows, cols, tokens, colAxis) {
  return {
    rows,
    cols,
    rowLabels: Array.from({ length: rows }, (_, i) => tokens[i] ?? String(i)),
    colLabels: cols === 1 ? [t(colAxis)] : index(cols),
    rowTitle: t("axis.position"),
    colTitle: t(colAxis),
    colNamed: cols === 1,
    signed: true,
    fixed: null,
    masked: null,
    clickable: false,
  };
}

// attention views head h of a [H, T, K] pattern or scores hook.
function attention(tt, head, tokens, pattern) {
  const [, T, K] = tt.shape;
  const v = base(T, K, tokens, "axis.key");
  v.colLabels = Array.from({ length: K }, (_, i) => tokens[i] ?? String(i));
  v.colNamed = true;
  v.rowTitle = t("axis.query");
  const off = head * T * K;
  v.get = (r, c) => tt.data[off + r * K + c];
  v.masked = (r, c) => c > r + (K - T);
  v.clickable = true;
  if (pattern) {
    v.signed = false;
    v.fixed = [0, 1];
  }
  return v;
}

// beforeMask computes head h's scores q·k/√d for every pair, the future
// included, from the run's queries and keys [T, H, D]: what the mask step
// starts from.
function beforeMask(q, k, head, tokens) {
  const [T, H, D] = q.shape;
  const K = k.shape[0];
  const scale = 1 / Math.sqrt(D);
  const s = new Float32Array(T * K);
  for (let i = 0; i < T; i++) {
    const qi = (i * H + head) * D;
    for (let j = 0; j < K; j++) {
      const kj = (j * H + head) * D;
      let dot = 0;
      for (let d = 0; d < D; d++) dot += q.data[qi + d] * k.data[kj + d];
      s[i * K + j] = dot * scale;
    }
  }
  const v = attention({ shape: [1, T, K], data: s }, 0, tokens, false);
  v.masked = null;
  v.clickable = true;
  return v;
}

function topTable(probs, ids, labels, tokens) {
  const [T, K] = probs.shape;
  return {
    rows: T,
    k: K,
    prob: (r, c) => probs.data[r * K + c],
    token: (r, c) => {
      const id = ids.data[r * K + c];
      return labels[id] ?? String(id);
    },
    rowLabels: Array.from({ length: T }, (_, i) => tokens[i] ?? String(i)),
  };
}

function lossStrip(loss, tokens) {
  const n = loss.shape[0];
  const v = base(n, 1, tokens, "axis.loss");
  v.rowLabels = Array.from({ length: n }, (_, i) => `${tokens[i]} → ${tokens[i + 1]}`);
  v.get = (r) => loss.data[r];
  v.signed = false;
  return v;
}
