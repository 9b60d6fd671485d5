// The console's action forms. Each sends one API request; the answer says which command
// the service signed with whose key for which gates, and that is shown (L12). Only an
// operator or admin gets these forms; the API refuses an auditor anyway.
import { api, field, h, hex } from "./dom.js";
import { t } from "./i18n.js";

export function canAct(me) {
  return me.role === "admin" || me.role === "operator";
}

/** "person.upsert signed with key 1a2b… (duty-officer) for gates car, main". */
export function signedBox(signed, operators) {
  return h(
    "div",
    { class: "signed", role: "status", "data-signed": "true" },
    h("strong", {}, t("signed.title")),
    h(
      "ul",
      {},
      signed.map((s) => {
        const op = operators.find((o) => o.id === s.operatorId);
        const who = s.operatorId === null ? t("signed.service") : op ? op.name : s.operatorId;
        return h("li", { class: "signed-line" }, h("code", {}, s.commandType), ` ${t("signed.with")} `, h("code", { class: "key-id" }, s.keyId), ` (${who}) ${t("signed.for")} `, s.gates.length ? s.gates.join(", ") : t("none"));
      }),
    ),
  );
}

function errorBox(e) {
  return h("div", { class: "error", role: "alert" }, `${e.code ?? "error"}: ${t(`err.${e.code}`, {}, e.message)}`);
}

/** A form whose submit runs `act` and shows what was signed (or the error) in `out`. */
function actionForm(id, legend, controls, submitText, act, ctx, o = {}) {
  const out = h("div", { class: "result", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: o.danger ? "danger" : null }, submitText);
  const form = h(
    "form",
    {
      class: "panel",
      id,
      onsubmit: async (ev) => {
        ev.preventDefault();
        button.disabled = true;
        out.replaceChildren();
        try {
          const res = await act();
          if (res && res.signed) out.replaceChildren(signedBox(res.signed, ctx.operators));
          if (o.after) await o.after(res);
        } catch (e) {
          out.replaceChildren(errorBox(e));
        } finally {
          button.disabled = false;
        }
      },
    },
    h("fieldset", {}, h("legend", {}, legend), h("div", { class: "row" }, controls), button),
    out,
  );
  return form;
}

function gateChecks(name, gates, checked = []) {
  return h(
    "div",
    { class: "field", role: "group", "aria-label": t(name === "rights" ? "form.rightsGates" : "form.scopeGates") },
    h("span", { class: "label-text" }, t(name === "rights" ? "form.rightsGates" : "form.scopeGates")),
    h(
      "div",
      { class: "checks" },
      gates.map((g) => {
        const id = `${name}-${g.gateId}`;
        return h("label", { for: id }, h("input", { type: "checkbox", id, name, value: g.gateId, checked: checked.includes(g.gateId) }), ` ${g.name} (${g.gateId})`);
      }),
    ),
  );
}

const checkedOf = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);

export function registerForm(ctx, gates, after) {
  const subject = h("input", { name: "subject", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}" });
  const label = h("input", { name: "label" });
  const cards = h("input", { name: "cards", autocomplete: "off", inputmode: "numeric" });
  const pin = h("input", { name: "pin", type: "password", autocomplete: "new-password", inputmode: "numeric" });
  const groups = h("input", { name: "groups" });
  const checks = gateChecks("rights", gates);
  const form = actionForm(
    "register-form",
    t("form.register"),
    [field(t("form.subject"), subject), field(t("form.label"), label), field(t("form.cards"), cards), field(t("form.pin"), pin), checks, field(t("form.groups"), groups)],
    t("form.register.submit"),
    async () => {
      const body = { subject: subject.value.trim(), rights: { gates: checkedOf(form, "rights"), groups: list(groups.value) } };
      if (label.value.trim()) body.label = label.value.trim();
      if (cards.value.trim()) body.cards = list(cards.value);
      if (pin.value) body.pin = pin.value;
      const res = await api("POST", "/api/people", body);
      cards.value = "";
      pin.value = "";
      return res;
    },
    ctx,
    { after },
  );
  return form;
}

export function rightsForm(ctx, person, gates, after) {
  const groups = h("input", { name: "groups", value: person.rights.groups.join(", ") });
  const checks = gateChecks("rights", gates, person.rights.gates);
  const form = actionForm(
    "rights-form",
    t("form.rights"),
    [checks, field(t("form.groups"), groups)],
    t("form.rights.submit"),
    () => api("PUT", `/api/people/${encodeURIComponent(person.subjectRef)}/rights`, { rights: { gates: checkedOf(form, "rights"), groups: list(groups.value) } }),
    ctx,
    { after },
  );
  return form;
}

export function endAccessForm(ctx, person, after) {
  return actionForm("end-access-form", t("form.endAccess"), [h("p", { class: "muted" }, t("form.endAccess.help"))], t("form.endAccess.submit"), () => api("POST", `/api/people/${encodeURIComponent(person.subjectRef)}/end-access`), ctx, { after, danger: true });
}

/** The signed paper form is hashed here, in the browser (SHA-256); only the hash is sent. */
export function consentForm(ctx, person, gates, after) {
  const file = h("input", { type: "file", name: "form-file", accept: "application/pdf,image/*" });
  const hash = h("output", { id: "evidence-hash", class: "mono", for: "consent-form-file" }, "—");
  file.id = "consent-form-file";
  let digest = null;
  file.addEventListener("change", async () => {
    digest = null;
    hash.textContent = "…";
    const f = file.files && file.files[0];
    if (!f) return void (hash.textContent = "—");
    digest = hex(await crypto.subtle.digest("SHA-256", await f.arrayBuffer()));
    hash.textContent = digest;
  });
  const notices = [...new Set(gates.map((g) => g.notice && g.notice.version).filter(Boolean))];
  const notice = h("input", { name: "notice", required: true, value: notices[0] ?? "" });
  // A consent term is at most 365 days (L9): half a year by default, the last allowed day at most.
  const day = (d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
  const expiry = h("input", { name: "expires", type: "date", required: true, value: day(180), min: day(1), max: day(364) });
  const inRights = gates.filter((g) => person.rights.gates.includes(g.gateId)).map((g) => g.gateId);
  const checks = gateChecks("scope", gates, inRights);
  const form = actionForm(
    "consent-form",
    t("form.consent"),
    [field(t("form.consentFile"), file), h("div", { class: "field" }, h("span", { class: "label-text", id: "evidence-hash-label" }, t("form.evidenceHash")), hash), field(t("form.notice"), notice), field(t("form.expires"), expiry), checks],
    t("form.consent.submit"),
    async () => {
      if (!digest) throw Object.assign(new Error(t("form.consentFile.missing")), { code: "form_missing" });
      return api("POST", "/api/consents", { subject: person.subjectRef, scope: { gates: checkedOf(form, "scope") }, evidenceHash: digest, noticeVersion: notice.value.trim(), expiresAt: new Date(`${expiry.value}T23:59:59`).getTime() });
    },
    ctx,
    { after },
  );
  return form;
}

export function enrollForm(ctx, person, after) {
  const photo = h("input", { type: "file", name: "photo", accept: "image/jpeg,image/png", required: true });
  return actionForm(
    "enroll-form",
    t("form.enroll"),
    [field(t("form.photo"), photo), h("p", { class: "muted" }, t("form.enroll.help"))],
    t("form.enroll.submit"),
    async () => {
      const f = photo.files && photo.files[0];
      if (!f) throw Object.assign(new Error(t("form.photo.missing")), { code: "form_missing" });
      const bytes = new Uint8Array(await f.arrayBuffer());
      try {
        return await api("POST", `/api/people/${encodeURIComponent(person.subjectRef)}/enrollment`, bytes);
      } finally {
        bytes.fill(0);
        photo.value = "";
      }
    },
    ctx,
    { after },
  );
}

export function deletionForm(ctx, person, after) {
  const reason = h("select", { name: "reason" }, ["resident_request", "court_order", "end_of_tenancy", "consent_withdrawn"].map((r) => h("option", { value: r }, t(`reason.${r}`))));
  return actionForm("deletion-form", t("form.delete"), [field(t("form.reason"), reason), h("p", { class: "muted" }, t("form.delete.help"))], t("form.delete.submit"), () => api("POST", "/api/deletions", { subject: person.subjectRef, reason: reason.value }), ctx, { after, danger: true });
}

export function withdrawButton(ctx, consent, after) {
  return actionForm(`withdraw-${consent.id}`, t("form.withdraw"), [], t("form.withdraw.submit"), () => api("POST", `/api/consents/${encodeURIComponent(consent.id)}/withdraw`), ctx, { after, danger: true });
}
