// A tiny element builder: texts from the API are always set as text, never parsed as HTML.

import { t } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== false) parent.append(child);
  }
}

export function swatch(colour, { outline = false } = {}) {
  return h("span", {
    class: outline ? "swatch outline" : "swatch",
    style: outline ? { borderColor: colour } : { background: colour },
    "aria-hidden": "true",
  });
}

/** The mark of a text shown in English for want of a translation ("EN", explained on hover). */
export function fallbackMark() {
  return h("abbr", { class: "fallback", title: t("englishOnly"), lang: "en" }, t("englishMark"));
}

/** A text from the API, marked (and lang="en") when it is the English fallback. */
export function textOf(text, englishOnly, attrs = {}) {
  return [h("span", { ...attrs, lang: englishOnly ? "en" : null }, text), englishOnly ? fallbackMark() : null];
}
