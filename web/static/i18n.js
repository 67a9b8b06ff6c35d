// Words of the page from the server's message catalogue (lessons/i18n,
// served as /i18n/messages.js): t(key, args) in the page's language, and
// relabel() for the elements the server marked with data-i18n.
import { messages } from "/i18n/messages.js";

let lang = "en";

// setLang switches the language of t() and of the marked elements.
export function setLang(l) {
  lang = l === "zh" ? "zh" : "en";
  document.documentElement.lang = lang === "zh" ? "zh-Hans" : "en";
  relabel(document);
}

export function currentLang() {
  return lang;
}

// t returns the message of key with its {name} placeholders filled from
// args; an unknown key reads as itself, so it shows where it is missing.
export function t(key, args = {}) {
  const m = (messages[lang] && messages[lang][key]) ?? messages.en[key] ?? key;
  return m.replace(/\{([a-zA-Z]+)\}/g, (all, name) => (name in args ? String(args[name]) : all));
}

// stepTitle names a step: "Layer 2 · Softmax" inside the blocks.
export function stepTitle(step) {
  const name = t(`step.${step.kind}`);
  return step.layer >= 0 ? t("step.inLayer", { layer: step.layer, name }) : name;
}

// relabel writes the marked elements under root in the current language:
// data-i18n is the text's key, data-i18n-args its arguments as JSON, and
// data-i18n-ATTR the key of attribute ATTR (title, placeholder,
// aria-label).
export function relabel(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : {};
    el.textContent = t(el.dataset.i18n, args);
  }
  for (const attr of ["title", "placeholder", "aria-label"]) {
    const key = "i18n" + attr.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.dataset[key]));
  }
}

// reason reads why the server closed a websocket (web/PROTOCOL.md): its
// close frames say "[key name=value …] English", a catalogue key with its
// arguments, then the English for other clients. It returns {key, args,
// text}, with key "" for a reason that names none (then text is the whole
// reason), or null when there is no reason at all.
export function reason(s) {
  if (!s) return null;
  const m = /^\[([a-zA-Z_]+\.[a-zA-Z_.]+)((?: [a-zA-Z_]+=[^ \]]*)*)\] ?([\s\S]*)$/.exec(s);
  if (!m || !messages.en[m[1]]) return { key: "", args: {}, text: s };
  const args = {};
  for (const pair of m[2].split(" ")) {
    const i = pair.indexOf("=");
    if (i <= 0) continue;
    try {
      args[pair.slice(0, i)] = decodeURIComponent(pair.slice(i + 1));
    } catch {
      args[pair.slice(0, i)] = pair.slice(i + 1);
    }
  }
  return { key: m[1], args, text: m[3] };
}

// reasonWords returns a close reason in the page's language (see reason),
// or "" when there is none.
export function reasonWords(s) {
  const r = reason(s);
  if (!r) return "";
  return r.key ? t(r.key, r.args) : r.text;
}
