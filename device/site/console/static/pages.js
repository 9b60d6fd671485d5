// The console's pages. Everything shown comes from the site API; cards and PIN are only
// ever a count and a flag ("set"), because the API has no field for their values.
import { api, duration, field, fromB64, h, saveJson, state, time } from "./dom.js";
import { t } from "./i18n.js";
import { canAct, consentForm, deletionForm, endAccessForm, enrollForm, registerForm, rightsForm, withdrawButton } from "./forms.js";
import { verifyCertificate } from "./verify-certificate.js";

const table = (id, heads, rows, empty) =>
  rows.length === 0 ? h("p", { class: "muted", id }, empty ?? t("none")) : h("table", { id }, h("thead", {}, h("tr", {}, heads.map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, rows));
const yes = (b) => (b ? h("span", { class: "ok" }, t("yes")) : h("span", { class: "muted" }, t("no")));
const online = (g) => (g.online ? h("span", { class: "ok" }, t("gate.online")) : h("span", { class: "bad" }, t("gate.offline")));
const page = (ctx, title, ...body) => ctx.live() && ctx.main.replaceChildren(h("h1", { id: "page-title" }, title), ...body.flat().filter((x) => x !== null && x !== undefined && x !== false));
const readOnlyNote = (ctx) => (canAct(ctx.me) ? null : h("p", { class: "notice", id: "read-only" }, t("readOnly")));
const DOOR = /door_forced|door_held_open|forced|held_open/;

/** Refreshes `render` every `ms` while the page is shown; re-draws only when the data changed. */
function poll(ctx, ms, load, draw) {
  let last = "";
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      const data = await load();
      const key = JSON.stringify(data);
      if (key !== last) {
        last = key;
        draw(data);
      }
    } catch {
      // shown on the next successful read
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  let timer = setTimeout(tick, ms);
  ctx.onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return tick;
}

async function overview(ctx) {
  const load = async () => {
    const [{ gates }, { alarms }, { events }] = await Promise.all([api("GET", "/api/gates"), api("GET", "/api/alarms"), api("GET", "/api/events?limit=500")]);
    return { gates, alarms, doors: events.filter((e) => DOOR.test(e.type)) };
  };
  const box = h("div", { id: "overview" });
  const draw = ({ gates, alarms, doors }) => {
    const off = gates.filter((g) => !g.online);
    const rows = [
      ...off.map((g) => ({ kind: t("alarm.gate_offline"), since: g.lastSeenAt, what: `${g.name} (${g.gateId})` })),
      ...alarms.map((a) => ({ kind: t(`alarm.${a.kind}`, {}, a.kind), since: a.since, what: [a.requestId, a.gateId, a.missingGates.length ? `${t("deletion.missing")}: ${a.missingGates.join(", ")}` : null, a.detail].filter(Boolean).join(" · ") })),
      ...gates.filter((g) => g.failedWork > 0).map((g) => ({ kind: t("alarm.out_of_sync"), since: g.lastError ? g.lastError.at : null, what: `${g.gateId}: ${g.failedWork} ${t("gate.failed")}${g.lastError ? ` (${g.lastError.code})` : ""}` })),
      ...doors.map((e) => ({ kind: t(`alarm.${e.type}`, {}, e.type), since: e.at, what: e.gateId })),
    ].sort((a, b) => (b.since ?? 0) - (a.since ?? 0));
    box.replaceChildren(
      h(
        "div",
        { class: "cards" },
        h("div", { class: "card", id: "count-online" }, h("div", { class: "n" }, gates.length - off.length), t("overview.online")),
        h("div", { class: "card", id: "count-offline" }, h("div", { class: "n" }, off.length), t("overview.offline")),
        h("div", { class: "card", id: "count-alarms" }, h("div", { class: "n" }, rows.length), t("overview.alarms")),
      ),
      h("h2", {}, t("overview.gates")),
      table("overview-gates", [t("gate.name"), t("gate.status"), t("gate.lastSeen")], gates.map((g) => h("tr", {}, h("td", {}, `${g.name} (${g.gateId})`), h("td", {}, online(g)), h("td", {}, time(g.lastSeenAt))))),
      h("h2", {}, t("overview.alarmList")),
      table("alarms", [t("alarm.kind"), t("alarm.since"), t("alarm.what")], rows.map((r) => h("tr", {}, h("td", {}, r.kind), h("td", {}, time(r.since)), h("td", {}, r.what))), t("overview.noAlarms")),
    );
  };
  draw(await load());
  page(ctx, t("nav.overview"), box);
  poll(ctx, 2000, load, draw);
}

async function gates(ctx) {
  const box = h("div", {});
  const draw = ({ gates }) =>
    box.replaceChildren(
      table(
        "gates",
        [t("gate.name"), t("gate.status"), t("gate.software"), t("gate.templates"), t("gate.pending"), t("gate.failed"), t("gate.lastError"), t("gate.audit"), t("gate.notice")],
        gates.map((g) =>
          h(
            "tr",
            { "data-gate": g.gateId },
            h("td", {}, g.name, h("br"), h("code", {}, g.gateId), g.groups.length ? h("div", { class: "muted" }, g.groups.join(", ")) : null),
            h("td", {}, online(g), h("div", { class: "muted" }, time(g.lastSeenAt))),
            h("td", {}, g.softwareVersion ?? "—"),
            h("td", {}, g.templateCount ?? "—"),
            h("td", {}, g.pendingWork),
            h("td", {}, g.failedWork),
            h("td", {}, g.lastError ? `${g.lastError.kind} ${g.lastError.subjectRef}: ${g.lastError.code} ${g.lastError.message} (${time(g.lastError.at)})` : "—"),
            h("td", {}, g.audit.broken ? h("span", { class: "bad" }, t("audit.broken"), " ", g.audit.brokenDetail ?? "") : h("span", { class: g.audit.verifiedAt ? "ok" : "muted" }, g.audit.verifiedAt ? t("audit.verifiedAt", { at: time(g.audit.verifiedAt), seq: g.audit.lastSequence }) : t("audit.notYet"))),
            h("td", {}, g.notice ? g.notice.version : "—"),
          ),
        ),
      ),
    );
  const load = () => api("GET", "/api/gates");
  draw(await load());
  page(ctx, t("nav.gates"), box);
  poll(ctx, 3000, load, draw);
}

async function residents(ctx) {
  if (ctx.arg) return resident(ctx, ctx.arg);
  const [{ people }, { gates }] = await Promise.all([api("GET", "/api/people?ended=true"), api("GET", "/api/gates")]);
  const box = h("div", { id: "people-box" }, peopleTable(people));
  const refresh = async () => box.replaceChildren(peopleTable((await api("GET", "/api/people?ended=true")).people));
  page(ctx, t("nav.residents"), readOnlyNote(ctx), canAct(ctx.me) ? registerForm(ctx, gates, refresh) : null, box);
}

function peopleTable(people) {
  const rows = people.map((p) =>
    h(
      "tr",
      { "data-subject": p.subjectRef },
      h("td", {}, h("a", { href: `#residents/${encodeURIComponent(p.subjectRef)}` }, p.subjectRef)),
      h("td", {}, p.label),
      h("td", {}, [...p.rights.gates, ...p.rights.groups.map((g) => `[${g}]`)].join(", ") || "—"),
      h("td", {}, p.cardCount > 0 ? t("person.cardsSet", { n: p.cardCount }) : t("person.notSet")),
      h("td", {}, p.hasPin ? t("person.set") : t("person.notSet")),
      h("td", {}, p.tombstoned ? h("span", { class: "bad" }, t("person.tombstoned")) : p.endedAt ? t("person.ended") : h("span", { class: "ok" }, t("person.active"))),
    ),
  );
  return table("people", [t("person.ref"), t("person.label"), t("person.rights"), t("person.cards"), t("person.pin"), t("person.state")], rows);
}

async function resident(ctx, subject) {
  const [detail, { gates }, { deletions }] = await Promise.all([api("GET", `/api/people/${encodeURIComponent(subject)}`), api("GET", "/api/gates"), api("GET", "/api/deletions")]);
  const p = detail.person;
  const refresh = async () => {
    const fresh = await api("GET", `/api/people/${encodeURIComponent(subject)}`);
    perGate.replaceChildren(perGateTable(fresh.gates));
    consents.replaceChildren(consentTable(ctx, fresh.consents, refresh));
  };
  const perGate = h("div", { id: "per-gate-box" }, perGateTable(detail.gates));
  const consents = h("div", { id: "consents-box" }, consentTable(ctx, detail.consents, refresh));
  const mine = deletions.filter((d) => d.subjectRef === subject);
  const acts = canAct(ctx.me) && p.endedAt === null;
  page(
    ctx,
    `${t("person.title")} ${p.subjectRef}`,
    readOnlyNote(ctx),
    h(
      "table",
      { id: "person" },
      h(
        "tbody",
        {},
        h("tr", {}, h("th", { scope: "row" }, t("person.label")), h("td", {}, p.label)),
        h("tr", {}, h("th", { scope: "row" }, t("person.rights")), h("td", {}, [...p.rights.gates, ...p.rights.groups.map((g) => `[${g}]`)].join(", ") || "—")),
        h("tr", {}, h("th", { scope: "row" }, t("person.cards")), h("td", { id: "person-cards" }, p.cardCount > 0 ? t("person.cardsSet", { n: p.cardCount }) : t("person.notSet"))),
        h("tr", {}, h("th", { scope: "row" }, t("person.pin")), h("td", { id: "person-pin" }, p.hasPin ? t("person.set") : t("person.notSet"))),
        h("tr", {}, h("th", { scope: "row" }, t("person.state")), h("td", {}, p.tombstoned ? t("person.tombstoned") : p.endedAt ? `${t("person.ended")} ${time(p.endedAt)}` : t("person.active"))),
      ),
    ),
    h("h2", {}, t("person.consents")),
    consents,
    h("h2", {}, t("person.perGate")),
    perGate,
    mine.length ? h("p", {}, h("a", { href: "#deletions" }, t("person.deletions", { n: mine.length }))) : null,
    acts ? h("h2", {}, t("person.actions")) : null,
    acts ? rightsForm(ctx, p, gates, refresh) : null,
    acts ? consentForm(ctx, p, gates, refresh) : null,
    acts ? enrollForm(ctx, p, refresh) : null,
    acts ? endAccessForm(ctx, p, refresh) : null,
    canAct(ctx.me) ? deletionForm(ctx, p, refresh) : null,
  );
  poll(ctx, 1500, () => api("GET", `/api/people/${encodeURIComponent(subject)}`).then((d) => d.gates), (g) => perGate.replaceChildren(perGateTable(g)));
}

function perGateTable(rows) {
  return table(
    "per-gate",
    [t("gate.gate"), t("work.rights"), t("work.consent"), t("work.template"), t("work.endAccess"), t("work.deletion")],
    rows.map((g) => h("tr", { "data-gate": g.gateId }, h("td", {}, g.gateId), h("td", { "data-col": "rights" }, state(g.rights)), h("td", { "data-col": "consent" }, state(g.consent)), h("td", { "data-col": "template" }, state(g.template)), h("td", {}, state(g.endAccess)), h("td", { "data-col": "deletion" }, state(g.deletion)))),
  );
}

function consentTable(ctx, consents, after) {
  return table(
    "consents",
    [t("consent.scope"), t("consent.expires"), t("consent.notice"), t("consent.evidence"), t("consent.recorded"), t("consent.state")],
    consents.map((c) =>
      h(
        "tr",
        { "data-consent": c.id },
        h("td", {}, [...c.scope.gates, ...c.scope.groups.map((g) => `[${g}]`)].join(", ")),
        h("td", {}, time(c.expiresAt)),
        h("td", {}, c.noticeVersion),
        h("td", {}, h("code", { class: "evidence" }, c.evidenceHash)),
        h("td", {}, time(c.recordedAt)),
        h("td", {}, c.withdrawnAt ? `${t("consent.withdrawn")} ${time(c.withdrawnAt)}` : [h("span", { class: "ok" }, t("consent.active")), canAct(ctx.me) ? withdrawButton(ctx, c, after) : null]),
      ),
    ),
  );
}

const verifyResults = new Map();

function verdict(res) {
  if (!res) return null;
  return res.ok
    ? h("div", { class: "signed verify-ok", role: "status" }, t("verify.ok", { engine: res.engine }))
    : h("div", { class: "error verify-failed", role: "alert" }, t("verify.failed", { engine: res.engine }), h("ul", { class: "problems" }, res.problems.map((p) => h("li", {}, `${p.code} at ${p.path}: ${p.message}`))));
}

async function deletions(ctx) {
  const site = await api("GET", "/api/site");
  const key = h("input", { name: "site-key", class: "mono", size: 48, value: site.siteKey ? site.siteKey.publicKey : "" });
  const fileIn = h("input", { type: "file", name: "certificate", accept: "application/json,.json" });
  const fileOut = h("div", { id: "file-verdict", "aria-live": "polite" });
  const siteKey = () => {
    try {
      return fromB64(key.value.trim());
    } catch {
      return new Uint8Array(0);
    }
  };
  const check = h(
    "form",
    {
      class: "panel",
      id: "verify-file",
      onsubmit: async (ev) => {
        ev.preventDefault();
        const f = fileIn.files && fileIn.files[0];
        if (!f) return void fileOut.replaceChildren(h("div", { class: "error" }, t("verify.noFile")));
        fileOut.replaceChildren(verdict(await verifyCertificate(new Uint8Array(await f.arrayBuffer()), siteKey())));
      },
    },
    h("fieldset", {}, h("legend", {}, t("verify.fileTitle")), h("div", { class: "row" }, field(t("verify.siteKey"), key), field(t("verify.file"), fileIn)), h("button", { type: "submit" }, t("verify.button"))),
    fileOut,
  );
  const box = h("div", { id: "deletions" });
  const load = async () => {
    const list = (await api("GET", "/api/deletions")).deletions;
    return Promise.all(list.map((d) => api("GET", `/api/deletions/${encodeURIComponent(d.id)}`)));
  };
  const draw = (all) => {
    box.replaceChildren(
      ...(all.length === 0
        ? [h("p", { class: "muted" }, t("none"))]
        : all.map((d) => {
            const out = h("div", { class: "verdict", "aria-live": "polite" }, verdict(verifyResults.get(d.id)));
            const verifyButton = h(
              "button",
              {
                type: "button",
                class: "verify",
                disabled: !d.hasCertificate,
                onclick: async () => {
                  const res = await fetch(`/api/deletions/${encodeURIComponent(d.id)}/certificate`, { credentials: "same-origin" });
                  const r = await verifyCertificate(new Uint8Array(await res.arrayBuffer()), siteKey());
                  verifyResults.set(d.id, r);
                  out.replaceChildren(verdict(r));
                },
              },
              t("verify.button"),
            );
            return h(
              "section",
              { class: "panel deletion", "data-request": d.id, "aria-labelledby": `del-${d.id}` },
              h("h2", { id: `del-${d.id}` }, `${d.subjectRef} · ${t(`reason.${d.reason}`, {}, d.reason)}`),
              h(
                "p",
                {},
                `${t("deletion.requested")} ${time(d.requestedAt)} · ${t("deletion.age")} ${duration(d.ageMs)} · ${t("deletion.deadline")} ${time(d.deadlineAt)} · `,
                h("span", { class: d.state === "complete" ? "ok" : d.overdue ? "bad" : "warn", "data-state": d.state }, t(`deletion.state.${d.state}`, {}, d.state)),
                ` · `,
                h("span", { class: "receipt-count" }, t("deletion.receipts", { n: d.receipts, of: d.expected })),
              ),
              table(
                `receipts-${d.id}`,
                [t("gate.gate"), t("deletion.receiptAt"), t("deletion.receiptId"), t("deletion.requestedBy"), t("deletion.deleted")],
                d.gates.map((g) =>
                  h(
                    "tr",
                    { "data-gate": g.gateId, "data-receipt": g.receipt ? "yes" : "no" },
                    h("td", {}, g.gateId),
                    h("td", {}, g.receipt ? time(g.receipt.at) : h("span", { class: "warn" }, t("deletion.waiting"))),
                    h("td", {}, g.receipt ? h("code", {}, g.receipt.receiptId) : "—"),
                    h("td", {}, g.receipt ? h("code", {}, g.receipt.requestedBy) : "—"),
                    h("td", {}, g.receipt ? t("deletion.deletedCounts", g.receipt.deleted) : "—"),
                  ),
                ),
              ),
              h("div", { class: "row" }, d.hasCertificate ? h("a", { class: "certificate", href: `/api/deletions/${encodeURIComponent(d.id)}/certificate`, download: `deletion-certificate-${d.id}.json` }, t("deletion.download")) : h("span", { class: "muted" }, t("deletion.noCertificate")), " ", verifyButton),
              out,
            );
          })),
    );
  };
  draw(await load());
  page(ctx, t("nav.deletions"), h("p", { class: "muted" }, site.siteKey ? t("verify.siteKeyIs", { id: site.siteKey.keyId }) : t("verify.noSiteKey")), check, box);
  poll(ctx, 1000, load, draw);
}

async function events(ctx) {
  const { gates } = await api("GET", "/api/gates");
  const gate = h("select", { name: "gate" }, h("option", { value: "" }, t("events.allGates")), gates.map((g) => h("option", { value: g.gateId }, `${g.name} (${g.gateId})`)));
  const type = h("input", { name: "type", list: "event-types", placeholder: "access.granted" });
  const types = h("datalist", { id: "event-types" }, ["access.granted", "access.denied", "alarm.door_forced", "alarm.door_held_open", "deletion.completed"].map((x) => h("option", { value: x })));
  const from = h("input", { name: "from", type: "datetime-local" });
  const to = h("input", { name: "to", type: "datetime-local" });
  const live = h("span", { id: "live", class: "muted" }, t("events.connecting"));
  const listEl = h("ul", { class: "events", id: "event-list", "aria-live": "polite", "aria-label": t("events.list") });
  let source = null;
  const row = (e) => h("li", { "data-type": e.type, "data-gate": e.gateId }, `${time(e.at)} · ${e.gateId} · `, h("strong", {}, e.type), e.subjectRef ? ` · ${e.subjectRef}` : "");
  const query = () => {
    const q = new URLSearchParams();
    if (gate.value) q.set("gate", gate.value);
    if (type.value.trim()) q.set("type", type.value.trim());
    if (from.value) q.set("from", String(new Date(from.value).getTime()));
    if (to.value) q.set("to", String(new Date(to.value).getTime()));
    return q;
  };
  const start = async () => {
    if (source) source.close();
    if (!ctx.live()) return;
    const q = query();
    const history = (await api("GET", `/api/events?${q}&limit=200`)).events.sort((a, b) => b.at - a.at);
    listEl.replaceChildren(...history.map(row));
    source = new EventSource(`/api/events/stream?${q}`);
    source.addEventListener("open", () => (live.textContent = t("events.live"), (live.className = "ok")));
    source.addEventListener("error", () => (live.textContent = t("events.reconnecting"), (live.className = "warn")));
    source.addEventListener("site-event", (m) => listEl.prepend(row(JSON.parse(m.data))));
  };
  ctx.onCleanup(() => source && source.close());
  const form = h(
    "form",
    { class: "panel", id: "event-filters", onsubmit: (ev) => (ev.preventDefault(), void start()) },
    h("fieldset", {}, h("legend", {}, t("events.filters")), h("div", { class: "row" }, field(t("events.gate"), gate), field(t("events.type"), type), types, field(t("events.from"), from), field(t("events.to"), to)), h("button", { type: "submit" }, t("events.apply"))),
  );
  page(ctx, t("nav.events"), form, h("p", {}, live), listEl);
  await start();
}

async function audit(ctx) {
  const { gates } = await api("GET", "/api/audit");
  const subject = h("input", { name: "subject", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}" });
  const out = h("div", { "aria-live": "polite" });
  const exportForm = h(
    "form",
    {
      class: "panel",
      id: "export-form",
      onsubmit: async (ev) => {
        ev.preventDefault();
        out.replaceChildren();
        try {
          const ref = subject.value.trim();
          const [person, site, { gates: gateList }, { deletions }] = await Promise.all([api("GET", `/api/people/${encodeURIComponent(ref)}`), api("GET", "/api/site"), api("GET", "/api/gates"), api("GET", "/api/deletions")]);
          const mine = deletions.filter((d) => d.subjectRef === ref);
          const details = await Promise.all(mine.map((d) => api("GET", `/api/deletions/${encodeURIComponent(d.id)}`)));
          const certificates = await Promise.all(mine.filter((d) => d.hasCertificate).map((d) => api("GET", `/api/deletions/${encodeURIComponent(d.id)}/certificate`)));
          saveJson(`evidence-${ref}.json`, { format: "facegate-console-evidence/1", subjectRef: ref, exportedAt: Date.now(), site, gateKeys: gateList.map((g) => ({ gateId: g.gateId, signingPublicKey: g.signPublicKey })), person, deletions: details, certificates });
          out.replaceChildren(h("div", { class: "signed" }, t("audit.exported", { ref })));
        } catch (e) {
          out.replaceChildren(h("div", { class: "error", role: "alert" }, `${e.code ?? "error"}: ${e.message}`));
        }
      },
    },
    h("fieldset", {}, h("legend", {}, t("audit.export")), h("div", { class: "row" }, field(t("form.subject"), subject)), h("button", { type: "submit" }, t("audit.exportButton"))),
    h("p", { class: "muted" }, t("audit.exportHelp")),
    out,
  );
  page(
    ctx,
    t("nav.audit"),
    table(
      "audit",
      [t("gate.gate"), t("audit.chain"), t("audit.lastSeq"), t("audit.lastHash"), t("audit.verified")],
      gates.map((g) => h("tr", { "data-gate": g.gateId }, h("td", {}, g.gateId), h("td", {}, g.broken ? h("span", { class: "bad" }, `${t("audit.broken")} ${time(g.brokenAt)}: ${g.brokenDetail ?? ""}`) : g.verifiedAt ? h("span", { class: "ok" }, t("audit.intact")) : h("span", { class: "muted" }, t("audit.notYet"))), h("td", {}, g.lastSequence), h("td", {}, h("code", {}, g.lastEntryHash ?? "—")), h("td", {}, time(g.verifiedAt)))),
    ),
    exportForm,
  );
}

export const PAGES = { overview, gates, residents, deletions, events, audit };
