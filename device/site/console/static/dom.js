// Small DOM and API helpers for the console: elements are built with h() (text is always
// text, never parsed as HTML), and every request goes to the service itself (same origin).
import { t, lang } from "./i18n.js";

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let fieldSeq = 0;
/** A labelled control: every control has a <label for>. */
export function field(labelText, control) {
  if (!control.id) control.id = `f${++fieldSeq}`;
  return h("div", { class: "field" }, h("label", { for: control.id }, labelText), control);
}

export class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** JSON (or raw bytes) to the site API; failures throw ApiFailure with the API's stable code. */
export async function api(method, path, body, o = {}) {
  const headers = { accept: "application/json" };
  let payload;
  if (body instanceof ArrayBuffer || body instanceof Uint8Array) {
    headers["content-type"] = "application/octet-stream";
    payload = body;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = json && json.error ? json.error : { code: `http_${res.status}`, message: res.statusText };
    if (res.status === 401 && !o.quiet) window.dispatchEvent(new CustomEvent("facegate:unauthenticated"));
    throw new ApiFailure(res.status, e.code, e.message);
  }
  return json;
}

export function time(ms) {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toLocaleString(lang() === "zh-CN" ? "zh-CN" : "en-GB", { hour12: false });
}

export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return t("dur.s", { n: s });
  const m = Math.round(s / 60);
  if (m < 60) return t("dur.m", { n: m });
  const hr = Math.round(m / 60);
  if (hr < 48) return t("dur.h", { n: hr });
  return t("dur.d", { n: Math.round(hr / 24) });
}

export function state(s) {
  if (!s) return h("span", { class: "muted" }, "—");
  const cls = s.state === "applied" ? "ok" : s.state === "failed" ? "bad" : "warn";
  return h("span", { class: cls, title: s.error ? `${s.error.code}: ${s.error.message}` : "" }, t(`state.${s.state}`), s.error ? h("span", { class: "muted" }, ` (${s.error.code}: ${s.error.message})`) : null);
}

export function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromB64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toB64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Saves a JSON document as a file (a blob URL: no request leaves the page). */
export function saveJson(name, doc) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
