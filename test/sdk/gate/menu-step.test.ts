/** The privacy menu's rules (sdk/gate/menu-step.ts), step by step: state and input in, state and effects out (L11). */
import { describe, expect, it } from "vitest";
import { MENU_OPTIONS, TEXT } from "../../../sdk/gate/display-texts.js";
import { INITIAL_MENU_STATE, type MenuAnswer, type MenuEffect, type MenuInput, type MenuSettings, type MenuStage, type MenuState } from "../../../sdk/gate/menu-state.js";
import { menuStep } from "../../../sdk/gate/menu-step.js";
import type { CredentialMatch } from "../../../sdk/policy/rights.js";

const SETTINGS: MenuSettings = { gateId: "lobby", deskWired: true, menuTimeoutMs: 60_000, enrollTimeoutMs: 30_000, liveness: 0.7 };
const T = 1_000_000;
const HOLDER: CredentialMatch = {
  credential: { id: "c-1", personRef: "p-1", kind: "card", gates: null, validFrom: null, validUntil: null, revoked: false },
  person: { personRef: "p-1", rights: { gates: ["lobby"], validFrom: null, validUntil: null, schedule: null } },
};
const NOTICE = { version: "3", hash: "ab".repeat(32), text: "We use faces at the gate only." };
const RECEIPT = { receiptId: "r-1", personRef: "p-1", issuedAt: T, reason: "consent_withdrawn" as const, templatesDeleted: 2, verificationCode: "0a1b2c3d" };

const step = (state: MenuState, input: MenuInput, at = T, settings = SETTINGS) => menuStep(state, input, at, settings);
const prompt = (text: string): MenuEffect => ({ type: "show", message: { kind: "prompt", text } });
const MENU: MenuEffect = { type: "show", message: { kind: "menu", title: TEXT.menuTitle, options: MENU_OPTIONS } };

/** A menu in `stage` for HOLDER (session 0), closing at T + 60 s. */
function at(stage: MenuStage, invitations: Array<[string, number]> = []): MenuState {
  return { session: { id: 0, stage, holder: stage === "awaiting_card" ? null : HOLDER, expiresAt: T + 60_000 }, opened: 1, invitations: new Map(invitations) };
}
const answer = (state: MenuState, a: MenuAnswer, session = 0) => step(state, { type: "answer", session, answer: a });

describe("menu: opening with card and PIN (L11)", () => {
  it("is not available without a privacy desk", () => {
    expect(step(INITIAL_MENU_STATE, { type: "arm" }, T, { ...SETTINGS, deskWired: false })).toEqual({ state: INITIAL_MENU_STATE, effects: [prompt(TEXT.menuUnavailable)] });
  });

  it("arms for menuTimeoutMs, waiting for a card", () => {
    const r = step(INITIAL_MENU_STATE, { type: "arm" });
    expect(r.state.session).toEqual({ id: 0, stage: "awaiting_card", holder: null, expiresAt: T + 60_000 });
    expect(r.effects).toEqual([prompt(TEXT.menuArmed)]);
  });

  it.each([
    ["a known card waits for its holder's PIN", HOLDER, { stage: "awaiting_pin", holder: HOLDER }, [prompt(TEXT.enterPin)]],
    ["an unknown card closes it", null, null, [{ type: "record", event: "privacy.menu_denied", data: { reason: "unknown_card" } }, { type: "show", message: { kind: "denied", reason: "unknown_card", text: "Card not recognised." } }]],
  ] as const)("%s", (_name, holder, session, effects) => {
    const r = step(at("awaiting_card"), { type: "card", holder }, T + 5);
    expect(r.state.session).toEqual(session && { id: 1, ...session, expiresAt: T + 5 + 60_000 });
    expect(r.effects).toEqual(effects);
  });

  it("ignores a card when it is not armed", () => {
    const state = at("open");
    expect(step(state, { type: "card", holder: HOLDER })).toEqual({ state, effects: [] });
  });

  it.each([
    ["a locked keypad", { correct: true, locked: true }, false, "pin_locked_out", "PIN entry is locked for a while after wrong PINs. Use your card, or try later."],
    ["a wrong PIN", { correct: false, locked: false }, false, "wrong_pin", "Wrong PIN."],
    ["a revoked card", { correct: true, locked: false }, true, "credential_revoked", "This credential has been revoked."],
  ])("refuses %s and closes", (_name, check, revoked, reason, text) => {
    const holder = { ...HOLDER, credential: { ...HOLDER.credential, revoked } };
    const r = step(at("awaiting_pin"), { type: "pin_checked", holder, ...check });
    expect(r.state.session).toBeNull();
    expect(r.effects).toEqual([{ type: "record", event: "privacy.menu_denied", data: { personRef: "p-1", reason } }, { type: "show", message: { kind: "denied", reason, text } }]);
  });

  it("opens on the holder's correct PIN, without needing rights to this gate", () => {
    const holder = { ...HOLDER, person: { ...HOLDER.person, rights: { ...HOLDER.person.rights, gates: [] } } };
    const r = step(at("awaiting_pin"), { type: "pin_checked", holder, correct: true, locked: false }, T + 9);
    expect(r.state.session).toEqual({ id: 1, stage: "open", holder, expiresAt: T + 9 + 60_000 });
    expect(r.effects).toEqual([{ type: "record", event: "privacy.menu_opened", data: { personRef: "p-1" } }, MENU]);
  });
});

describe("menu: invitations of the property office (enroll.at_gate)", () => {
  const opened = (invitedUntil: number) => step(at("awaiting_pin", [["p-1", invitedUntil]]), { type: "pin_checked", holder: HOLDER, correct: true, locked: false });

  it("records the invitation and keeps it until when it lapses", () => {
    const r = step(INITIAL_MENU_STATE, { type: "invite", personRef: "p-1", validForMs: 60_000 });
    expect(r.state.invitations.get("p-1")).toBe(T + 60_000);
    expect(r.effects).toEqual([{ type: "record", event: "privacy.enrollment_requested", data: { personRef: "p-1", invitedUntil: T + 60_000 } }]);
  });

  it("asks whether the face can be used as the menu opens; a lapsed invitation shows the menu", () => {
    expect(opened(T).effects.at(-1)).toEqual({ type: "ask", session: 1, request: { ask: "face_usable", personRef: "p-1" } });
    expect(opened(T - 1).effects.at(-1)).toEqual(MENU);
  });

  it.each([
    ["goes to the camera and uses the invitation up", true, true, "awaiting_face", T + 30_000, [prompt(TEXT.lookAtCamera)], false],
    ["says the camera is unavailable, the menu stays open", true, false, "open", T + 60_000, [{ type: "record", event: "privacy.enrollment_failed", data: { personRef: "p-1", reason: "camera_unavailable" } }, prompt(TEXT.cameraUnavailable)], false],
    ["shows the menu and keeps the invitation when the face cannot be used", false, true, "open", T + 60_000, [MENU], true],
  ] as const)("%s", (_name, usable, cameraReady, stage, expiresAt, effects, kept) => {
    const r = answer(opened(T).state, { to: "face_usable", personRef: "p-1", usable, cameraReady }, 1);
    expect(r.state.session).toMatchObject({ id: 1, stage, expiresAt });
    expect(r.effects).toEqual(effects);
    expect(r.state.invitations.has("p-1")).toBe(kept);
  });
});

describe("menu: keys while open", () => {
  it.each([
    ["1", { ask: "notice", personRef: "p-1", action: "show_notice", then: "show" }],
    ["2", { ask: "consent_valid", personRef: "p-1", action: "give_consent" }],
    ["3", { ask: "withdraw_consent", personRef: "p-1", action: "withdraw_consent" }],
    ["4", { ask: "delete_templates", personRef: "p-1", action: "delete_templates" }],
  ] as const)("key %s asks the desk, and keeps the menu open for menuTimeoutMs more", (key, request) => {
    const r = step(at("open"), { type: "key", key }, T + 50_000);
    expect(r.effects).toEqual([{ type: "ask", session: 0, request }]);
    expect(r.state.session?.expiresAt).toBe(T + 110_000);
  });

  it("0 leaves; other keys do nothing but keep it open", () => {
    expect(step(at("open"), { type: "key", key: "0" })).toMatchObject({ state: { session: null }, effects: [{ type: "show_idle" }] });
    expect(step(at("open"), { type: "key", key: "7" }, T + 1)).toMatchObject({ state: { session: { stage: "open", expiresAt: T + 60_001 } }, effects: [] });
  });

  it.each([
    ["confirm_consent", "*", "open", [MENU]],
    ["confirm_consent", "#", "confirm_consent", [{ type: "ask", session: 0, request: { ask: "notice", personRef: "p-1", action: "give_consent", then: "consent" } }]],
    ["confirm_consent", "1", "confirm_consent", []],
    ["awaiting_face", "*", "open", [MENU]],
    ["awaiting_face", "0", "open", [MENU]],
    ["awaiting_face", "1", "awaiting_face", []],
  ] as const)("in %s, key %s", (from, key, stage, effects) => {
    const r = step(at(from), { type: "key", key });
    expect(r.state.session?.stage).toBe(stage);
    expect(r.effects).toEqual(effects);
  });

  it("does not take keys before card and PIN", () => {
    for (const stage of ["awaiting_card", "awaiting_pin"] as const) expect(step(at(stage), { type: "key", key: "1" })).toEqual({ state: at(stage), effects: [] });
  });
});

describe("menu: answers of the desk", () => {
  const shown: MenuEffect[] = [{ type: "record", event: "privacy.notice_shown", data: { personRef: "p-1", noticeVersion: "3", noticeHash: NOTICE.hash } }, { type: "show", message: { kind: "notice", version: "3", hash: NOTICE.hash, text: NOTICE.text } }];

  it("shows the notice it was asked for (key 1)", () => {
    expect(answer(at("open"), { to: "notice", personRef: "p-1", then: "show", notice: NOTICE })).toEqual({ state: at("open"), effects: shown });
  });

  it("key 2 with a valid consent goes straight to the camera; without, shows the notice and asks to confirm", () => {
    expect(answer(at("open"), { to: "consent_valid", personRef: "p-1", valid: true, cameraReady: true })).toMatchObject({ state: { session: { stage: "awaiting_face" } }, effects: [prompt(TEXT.lookAtCamera)] });
    const asked = answer(at("open"), { to: "consent_valid", personRef: "p-1", valid: false, cameraReady: true });
    expect(asked.effects).toEqual([{ type: "ask", session: 0, request: { ask: "notice", personRef: "p-1", action: "give_consent", then: "confirm" } }]);
    const confirm = answer(asked.state, { to: "notice", personRef: "p-1", then: "confirm", notice: NOTICE });
    expect(confirm.state.session?.stage).toBe("confirm_consent");
    expect(confirm.effects).toEqual([...shown, prompt(TEXT.confirmConsent)]);
  });

  it("# gives consent under the notice shown, collected by this gate at the time of the key, then enrolls", () => {
    const asked = answer(at("confirm_consent"), { to: "notice", personRef: "p-1", then: "consent", notice: NOTICE });
    const details = { noticeVersion: "3", noticeHash: NOTICE.hash, method: "electronic", collectedBy: "gate:lobby", gateId: "lobby", at: T };
    expect(asked.effects).toEqual([{ type: "ask", session: 0, request: { ask: "give_consent", personRef: "p-1", action: "give_consent", details, notice: NOTICE } }]);
    const given = answer(asked.state, { to: "give_consent", personRef: "p-1", notice: NOTICE, consent: { consentId: "k-1", expiresAt: T + 9 }, cameraReady: true });
    expect(given.effects).toEqual([
      { type: "record", event: "privacy.menu_action", data: { personRef: "p-1", action: "consent_given", consentId: "k-1", noticeVersion: "3", noticeHash: NOTICE.hash, expiresAt: T + 9 } },
      prompt(TEXT.lookAtCamera),
    ]);
    expect(given.state.session).toMatchObject({ stage: "awaiting_face", expiresAt: T + 30_000 });
  });

  it.each([
    ["withdraw_consent", "consent_withdrawn"],
    ["delete_templates", "templates_deleted"],
  ] as const)("%s: forgets the face's quiet periods, records the receipt and shows it (L7)", (to, action) => {
    const r = answer(at("open"), { to, personRef: "p-1", receipt: RECEIPT });
    expect(r.effects.slice(0, 2)).toEqual([{ type: "forget_face", personRef: "p-1" }, { type: "record", event: "privacy.menu_action", data: { personRef: "p-1", action, receiptId: "r-1", templatesDeleted: 2 } }]);
    expect(r.effects[2]).toMatchObject({ type: "show", message: { kind: "receipt", receiptId: "r-1", verificationCode: "0a1b2c3d" } });
  });

  it("a failure is logged and recorded with its code, and the open menu goes back to its keys", () => {
    const r = answer(at("awaiting_face"), { to: "failed", personRef: "p-1", action: "enroll", code: "consent_invalid" });
    expect(r.state.session?.stage).toBe("open");
    expect(r.effects).toEqual([
      { type: "warn", message: "privacy action failed", data: { action: "enroll", error: "consent_invalid" } },
      { type: "record", event: "privacy.action_failed", data: { personRef: "p-1", action: "enroll", code: "consent_invalid" } },
      prompt("That did not work (consent_invalid). Your card and PIN keep working."),
    ]);
  });

  it("an answer for a menu that closed meanwhile still shows what was asked, and opens nothing", () => {
    const closed = step(at("open"), { type: "expire" }, T + 60_000).state;
    const r = answer(closed, { to: "notice", personRef: "p-1", then: "confirm", notice: NOTICE });
    expect(r.state.session).toBeNull();
    expect(r.effects).toEqual([...shown, prompt(TEXT.confirmConsent)]);
  });
});

describe("menu: the face to enroll", () => {
  it.each([
    ["not clear", false, 0.95],
    ["not live", true, 0.69],
  ])("asks again for a face %s", (_name, qualityOk, liveness) => {
    expect(step(at("awaiting_face"), { type: "face", session: 0, qualityOk, liveness })).toEqual({ state: at("awaiting_face"), effects: [{ type: "retry_prompt" }] });
  });

  it("enrolls a clear, live face, back to the menu's keys, and reports it", () => {
    const r = step(at("awaiting_face"), { type: "face", session: 0, qualityOk: true, liveness: 0.7 });
    expect(r.state.session?.stage).toBe("open");
    expect(r.effects).toEqual([{ type: "ask", session: 0, request: { ask: "enroll", personRef: "p-1", action: "enroll" } }]);
    expect(answer(r.state, { to: "enroll", personRef: "p-1", templateId: "t-1" }).effects).toEqual([{ type: "record", event: "privacy.face_enrolled", data: { personRef: "p-1", templateId: "t-1" } }, prompt(TEXT.enrolled)]);
  });

  it("ignores a face or a failure meant for another session", () => {
    expect(step(at("awaiting_face"), { type: "face", session: 7, qualityOk: true, liveness: 1 }).effects).toEqual([]);
    expect(step(at("awaiting_face"), { type: "face_unavailable", session: 7 }).effects).toEqual([]);
  });

  it("the face path failing ends the wait: back to the menu, and it says why", () => {
    const r = step(at("awaiting_face"), { type: "face_unavailable", session: 0 });
    expect(r.state.session?.stage).toBe("open");
    expect(r.effects).toEqual([{ type: "record", event: "privacy.enrollment_failed", data: { personRef: "p-1", reason: "face_unavailable" } }, prompt(TEXT.cameraUnavailable)]);
  });
});

describe("menu: time", () => {
  it("closes when its time is up, not before", () => {
    expect(step(at("open"), { type: "expire" }, T + 59_999).state.session).not.toBeNull();
    expect(step(at("open"), { type: "expire" }, T + 60_000).state.session).toBeNull();
  });

  it("tells the resident it closed: enrollment gave up, or back to idle", () => {
    expect(step(INITIAL_MENU_STATE, { type: "timed_out", stage: "awaiting_face" }).effects).toEqual([prompt(TEXT.enrollTimeout)]);
    expect(step(INITIAL_MENU_STATE, { type: "timed_out", stage: "open" }).effects).toEqual([{ type: "show_idle" }]);
  });

  it("gives every opening a new session id, so late answers cannot change a newer menu", () => {
    const armed = step(step(INITIAL_MENU_STATE, { type: "arm" }).state, { type: "close" }).state;
    expect(step(armed, { type: "arm" }).state.session?.id).toBe(1);
  });
});
