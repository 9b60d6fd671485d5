/**
 * The rules of the resident's privacy menu (L11), pure: `menuStep(state, input, at,
 * settings)` returns the next state and the effects for the shell (privacy-menu.ts) to
 * perform in order: show, record, log, forget a face's quiet periods, and ask (the desk,
 * the face path). An ask's answer comes back as an `answer` input, so what happens after
 * a desk call (enroll at once or show the notice first, which receipt to show) is decided
 * here too. The keypad protocol residents see is documented in keypad-protocol.ts; the
 * state, inputs and effects are in menu-state.ts.
 */
import { MENU_OPTIONS, TEXT, decisionMessage, noticeMessage, receiptMessage } from "./display-texts.js";
import type { MenuAnswer, MenuEffect, MenuInput, MenuRequest, MenuSession, MenuSettings, MenuState, MenuStep } from "./menu-state.js";
import type { GateConsentDetails } from "./ports.js";

const prompt = (text: string): MenuEffect => ({ type: "show", message: { kind: "prompt", text } });
const showMenu: MenuEffect = { type: "show", message: { kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS } };
const record = (event: string, data: Record<string, unknown>): MenuEffect => ({ type: "record", event, data });

/** `state` with a new session (a new id), or with none. */
function withSession(state: MenuState, session: Omit<MenuSession, "id"> | null): MenuState {
  if (!session) return { ...state, session: null };
  return { ...state, session: { id: state.opened, ...session }, opened: state.opened + 1 };
}

/** `state` with the open session changed, if it is `id` (any open one: `id` null). */
function updated(state: MenuState, id: number | null, change: Partial<Omit<MenuSession, "id">>): MenuState {
  const s = state.session;
  return s && (id === null || s.id === id) ? { ...state, session: { ...s, ...change } } : state;
}

/** Goes to the camera step for `personRef`, or says the camera cannot take a face now. */
function startEnrollment(state: MenuState, id: number | null, personRef: string | null, cameraReady: boolean, at: number, settings: MenuSettings): MenuStep {
  if (!cameraReady) {
    return { state: updated(state, id, { stage: "open" }), effects: [record("privacy.enrollment_failed", { personRef, reason: "camera_unavailable" }), prompt(TEXT.cameraUnavailable)] };
  }
  return { state: updated(state, id, { stage: "awaiting_face", expiresAt: at + settings.enrollTimeoutMs }), effects: [prompt(TEXT.lookAtCamera)] };
}

/** One step of the menu: its next state and the effects to perform, in order. */
export function menuStep(state: MenuState, input: MenuInput, at: number, settings: MenuSettings): MenuStep {
  const s = state.session;
  const none = { state, effects: [] };
  switch (input.type) {
    case "arm":
      if (!settings.deskWired) return { state, effects: [prompt(TEXT.menuUnavailable)] };
      return { state: withSession(state, { stage: "awaiting_card", holder: null, expiresAt: at + settings.menuTimeoutMs }), effects: [prompt(TEXT.menuArmed)] };
    case "card":
      if (s?.stage !== "awaiting_card") return none;
      if (!input.holder) {
        return { state: withSession(state, null), effects: [record("privacy.menu_denied", { reason: "unknown_card" }), { type: "show", message: { kind: "denied", reason: "unknown_card", text: "Card not recognised." } }] };
      }
      return { state: withSession(state, { stage: "awaiting_pin", holder: input.holder, expiresAt: at + settings.menuTimeoutMs }), effects: [prompt(TEXT.enterPin)] };
    case "pin_checked":
      return pinChecked(state, input, at, settings);
    case "key":
      // Every key keeps the menu open for menuTimeoutMs more.
      return s && takesKeys(s) ? menuKey(updated(state, s.id, { expiresAt: at + settings.menuTimeoutMs }), input.key) : none;
    case "expire":
      return s && at >= s.expiresAt ? { state: withSession(state, null), effects: [] } : none;
    case "timed_out":
      return { state, effects: [input.stage === "awaiting_face" ? prompt(TEXT.enrollTimeout) : { type: "show_idle" }] };
    case "close":
      return { state: withSession(state, null), effects: [] };
    case "invite": {
      const invitedUntil = at + input.validForMs;
      const invitations = new Map(state.invitations).set(input.personRef, invitedUntil);
      return { state: { ...state, invitations }, effects: [record("privacy.enrollment_requested", { personRef: input.personRef, invitedUntil })] };
    }
    case "face": {
      if (!s || s.id !== input.session || !s.holder) return none;
      if (!input.qualityOk || input.liveness < settings.liveness) return { state, effects: [{ type: "retry_prompt" }] };
      const personRef = s.holder.person.personRef;
      return { state: updated(state, s.id, { stage: "open" }), effects: [{ type: "ask", session: s.id, request: { ask: "enroll", personRef, action: "enroll" } }] };
    }
    case "face_unavailable":
      if (!s || s.id !== input.session) return none;
      return {
        state: updated(state, s.id, { stage: "open" }),
        effects: [record("privacy.enrollment_failed", { personRef: s.holder?.person.personRef ?? null, reason: "face_unavailable" }), prompt(TEXT.cameraUnavailable)],
      };
    case "answer":
      return answered(state, input.session, input.answer, at, settings);
  }
}

/** Open: single keys act at once, no `#`. */
export function takesKeys(session: MenuSession): boolean {
  return session.stage === "open" || session.stage === "confirm_consent" || session.stage === "awaiting_face";
}

/**
 * The menu needs a live card and its holder's correct PIN; rights to this gate are not
 * required: a resident may always act on their own face data (L11). The check's answer
 * decides for its holder even if the menu timed out while the PIN was being checked.
 */
function pinChecked(state: MenuState, input: Extract<MenuInput, { type: "pin_checked" }>, at: number, settings: MenuSettings): MenuStep {
  const holder = input.holder;
  const personRef = holder.person.personRef;
  const refused = input.locked ? "pin_locked_out" : !input.correct ? "wrong_pin" : holder.credential.revoked ? "credential_revoked" : null;
  if (refused) {
    const message = decisionMessage({ granted: false, reason: refused, method: "card_and_pin", personRef, unlockMs: 0 });
    return { state: withSession(state, null), effects: [record("privacy.menu_denied", { personRef, reason: refused }), { type: "show", message }] };
  }
  const next = withSession(state, { stage: "open", holder, expiresAt: at + settings.menuTimeoutMs });
  const opened = record("privacy.menu_opened", { personRef });
  const invitedUntil = state.invitations.get(personRef);
  // Invited by the property office (enroll.at_gate): straight to the camera, if a face can be taken now.
  if (invitedUntil !== undefined && invitedUntil >= at) return { state: next, effects: [opened, { type: "ask", session: next.session!.id, request: { ask: "face_usable", personRef } }] };
  return { state: next, effects: [opened, showMenu] };
}

function menuKey(state: MenuState, key: string): MenuStep {
  const s = state.session!;
  if (!s.holder) return { state, effects: [] };
  const personRef = s.holder.person.personRef;
  const ask = (request: MenuRequest): MenuStep => ({ state, effects: [{ type: "ask", session: s.id, request }] });
  const back: MenuStep = { state: updated(state, s.id, { stage: "open" }), effects: [showMenu] };
  switch (s.stage) {
    case "confirm_consent":
      if (key === "*") return back;
      if (key === "#") return ask({ ask: "notice", personRef, action: "give_consent", then: "consent" });
      return { state, effects: [] };
    case "awaiting_face":
      return key === "*" || key === "0" ? back : { state, effects: [] };
    default:
      break;
  }
  switch (key) {
    case "1":
      return ask({ ask: "notice", personRef, action: "show_notice", then: "show" });
    case "2":
      return ask({ ask: "consent_valid", personRef, action: "give_consent" });
    case "3":
      return ask({ ask: "withdraw_consent", personRef, action: "withdraw_consent" });
    case "4":
      return ask({ ask: "delete_templates", personRef, action: "delete_templates" });
    case "0":
      return { state: withSession(state, null), effects: [{ type: "show_idle" }] };
    default:
      return { state, effects: [] };
  }
}

function answered(state: MenuState, id: number, answer: MenuAnswer, at: number, settings: MenuSettings): MenuStep {
  const personRef = answer.personRef;
  switch (answer.to) {
    case "face_usable": {
      if (!answer.usable) return { state, effects: [showMenu] };
      const invitations = new Map(state.invitations);
      invitations.delete(personRef);
      const s = state.session;
      // The resident authenticated with card and PIN: the face enrolled is the one of the
      // person standing here, under their own valid consent (L1).
      if (!s) return { state: { ...state, invitations }, effects: [] };
      return startEnrollment({ ...state, invitations }, s.id, s.holder?.person.personRef ?? null, answer.cameraReady, at, settings);
    }
    case "consent_valid":
      if (answer.valid) return startEnrollment(state, id, personRef, answer.cameraReady, at, settings);
      return { state, effects: [{ type: "ask", session: id, request: { ask: "notice", personRef, action: "give_consent", then: "confirm" } }] };
    case "notice": {
      const notice = answer.notice;
      if (answer.then === "consent") {
        const details: GateConsentDetails = { noticeVersion: notice.version, noticeHash: notice.hash, method: "electronic", collectedBy: `gate:${settings.gateId}`, gateId: settings.gateId, at };
        return { state, effects: [{ type: "ask", session: id, request: { ask: "give_consent", personRef, action: "give_consent", details, notice } }] };
      }
      const shown: MenuEffect[] = [record("privacy.notice_shown", { personRef, noticeVersion: notice.version, noticeHash: notice.hash }), { type: "show", message: noticeMessage(notice) }];
      if (answer.then === "show") return { state, effects: shown };
      return { state: updated(state, id, { stage: "confirm_consent" }), effects: [...shown, prompt(TEXT.confirmConsent)] };
    }
    case "give_consent": {
      const { notice, consent } = answer;
      // The consent itself is reported by the privacy desk's store (privacy.consent_given);
      // this says it was given here, at the keypad, under which notice.
      const given = record("privacy.menu_action", { personRef, action: "consent_given", consentId: consent.consentId, noticeVersion: notice.version, noticeHash: notice.hash, expiresAt: consent.expiresAt });
      const next = startEnrollment(state, id, personRef, answer.cameraReady, at, settings);
      return { state: next.state, effects: [given, ...next.effects] };
    }
    case "enroll":
      return { state, effects: [record("privacy.face_enrolled", { personRef, templateId: answer.templateId }), prompt(TEXT.enrolled)] };
    case "withdraw_consent":
    case "delete_templates": {
      // Keys 3 and 4: the face data is gone; the signed receipt is shown (L7).
      const done = answer.to === "withdraw_consent" ? "consent_withdrawn" : "templates_deleted";
      const { receipt } = answer;
      return {
        state,
        effects: [{ type: "forget_face", personRef }, record("privacy.menu_action", { personRef, action: done, receiptId: receipt.receiptId, templatesDeleted: receipt.templatesDeleted }), { type: "show", message: receiptMessage(receipt) }],
      };
    }
    case "failed": {
      const { action, code } = answer;
      // Back to the menu, whichever session is open now.
      return {
        state: updated(state, null, { stage: "open" }),
        effects: [
          { type: "warn", message: "privacy action failed", data: { action, error: code } },
          record("privacy.action_failed", { personRef, action, code }),
          prompt(`That did not work (${code}). Your card and PIN keep working.`),
        ],
      };
    }
  }
}
