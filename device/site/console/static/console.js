// The console's shell: who is logged in, the navigation, the language switch and the
// hash routes (#overview, #gates, #residents, #residents/REF, #deletions, #events, #audit).
import { api, h, field } from "./dom.js";
import { lang, setLang, t } from "./i18n.js";
import { PAGES } from "./pages.js";

const session = { me: null, operators: [] };
// Each render has a generation; a page still loading when another is asked for draws nothing
// and its timers stop at once.
let generation = 0;
let cleanups = [];

const NAV = ["overview", "gates", "residents", "deletions", "events", "audit"];

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: NAV.includes(name) ? name : "overview", arg: rest.map(decodeURIComponent).join("/") || null };
}

function header() {
  const top = document.getElementById("top");
  const r = route();
  const switcher = h("button", { type: "button", class: "secondary", id: "lang-switch", lang: lang() === "zh-CN" ? "en" : "zh-CN", "aria-label": t("lang.switch"), onclick: () => (setLang(lang() === "zh-CN" ? "en" : "zh-CN"), render()) }, lang() === "zh-CN" ? "English" : "中文");
  const who = session.me
    ? h("div", { class: "who" }, h("span", { id: "whoami" }, t("who", { name: session.me.name, role: t(`role.${session.me.role}`) })), switcher, h("button", { type: "button", id: "logout", onclick: logout }, t("logout")))
    : h("div", { class: "who" }, switcher);
  const nav = session.me ? h("nav", { "aria-label": t("nav") }, NAV.map((n) => h("a", { href: `#${n}`, "aria-current": r.name === n ? "page" : null }, t(`nav.${n}`)))) : null;
  top.replaceChildren(h("span", { class: "brand" }, t("brand")), nav, who);
  document.querySelector(".skip").textContent = t("skip");
  document.title = `${t("brand")} · ${session.me ? t(`nav.${r.name}`) : t("login.title")}`;
}

async function render() {
  document.documentElement.lang = lang();
  const mine = ++generation;
  for (const f of cleanups.splice(0)) f();
  delete document.body.dataset.route;
  header();
  const main = document.getElementById("main");
  if (!session.me) {
    main.replaceChildren(loginForm());
    document.body.dataset.route = "#login";
    return;
  }
  const r = route();
  const live = () => mine === generation;
  const ctx = { me: session.me, operators: session.operators, arg: r.arg, main, live, onCleanup: (f) => (live() ? cleanups.push(f) : f()), rerender: render };
  try {
    await PAGES[r.name](ctx);
  } catch (e) {
    if (live()) main.replaceChildren(h("div", { class: "error", role: "alert" }, `${e.code ?? "error"}: ${e.message}`));
  }
  // Drawn: tests and assistive tools can tell which route is on screen.
  if (live()) document.body.dataset.route = location.hash || "#overview";
}

function loginForm() {
  const name = h("input", { name: "name", autocomplete: "username", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("div", { role: "alert" });
  const form = h(
    "form",
    {
      class: "panel login",
      id: "login",
      onsubmit: async (ev) => {
        ev.preventDefault();
        msg.replaceChildren();
        try {
          await api("POST", "/api/session", { name: name.value, password: password.value }, { quiet: true });
          password.value = "";
          await loadSession();
          if (!location.hash) location.hash = "#overview";
          await render();
        } catch (e) {
          msg.replaceChildren(h("div", { class: "error" }, t(`err.${e.code}`, {}, e.message)));
        }
      },
    },
    h("h1", {}, t("login.title")),
    field(t("login.name"), name),
    field(t("login.password"), password),
    h("button", { type: "submit" }, t("login.submit")),
    msg,
  );
  return form;
}

async function loadSession() {
  try {
    session.me = (await api("GET", "/api/session", undefined, { quiet: true })).operator;
    session.operators = (await api("GET", "/api/operators")).operators;
  } catch {
    session.me = null;
  }
}

async function logout() {
  await api("DELETE", "/api/session").catch(() => undefined);
  session.me = null;
  await render();
}

window.addEventListener("hashchange", () => void render());
window.addEventListener("facegate:unauthenticated", () => {
  session.me = null;
  void render();
});
await loadSession();
await render();
document.body.dataset.ready = "true";
