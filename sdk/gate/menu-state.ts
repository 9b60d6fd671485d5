/**
 * The privacy menu's state, inputs and effects (L11); the rules are in menu-step.ts.
 *
 * Each opening of the menu is a session with its own id. A request remembers the session
 * that made it: its answer changes that session only while it is still the open one (the
 * menu may have timed out meanwhile), but what it shows and records is shown and recorded
 * anyway, as the resident asked for it.
 */
import type { CredentialMatch } from "../policy/rights.js";
import type { OutputEffect } from "./output-effects.js";
import type { ConsentSummary, DeletionReceiptSummary, GateConsentDetails, ProcessingNotice } from "./ports.js";

export type MenuStage = "awaiting_card" | "awaiting_pin" | "open" | "confirm_consent" | "awaiting_face";

export interface MenuSession {
  readonly id: number;
  readonly stage: MenuStage;
  readonly holder: CredentialMatch | null;
  /** Closes when the clock passes this. */
  readonly expiresAt: number;
}

export interface MenuState {
  readonly session: MenuSession | null;
  /** Sessions opened so far (the next one's id). */
  readonly opened: number;
  /** Residents the property office asked to enroll here (enroll.at_gate), until when. */
  readonly invitations: ReadonlyMap<string, number>;
}

export const INITIAL_MENU_STATE: MenuState = { session: null, opened: 0, invitations: new Map() };

export interface MenuSettings {
  readonly gateId: string;
  /** A privacy desk is wired; without one the menu is not available. */
  readonly deskWired: boolean;
  readonly menuTimeoutMs: number;
  readonly enrollTimeoutMs: number;
  /** The liveness a face needs to be enrolled (the gate's threshold, L5). */
  readonly liveness: number;
}

/** The privacy actions, as named in privacy.action_failed. */
export type MenuAction = "show_notice" | "give_consent" | "enroll" | "withdraw_consent" | "delete_templates";

/** What the menu asks of the desk; a failure comes back as a `failed` answer for its `action`. */
export type DeskRequest =
  | { ask: "consent_valid"; personRef: string; action: "give_consent" }
  /** `then`: show it (key 1), show it and ask to confirm (key 2), or give consent under it (`#`). */
  | { ask: "notice"; personRef: string; action: "show_notice" | "give_consent"; then: "show" | "confirm" | "consent" }
  | { ask: "give_consent"; personRef: string; action: "give_consent"; details: GateConsentDetails; notice: ProcessingNotice }
  /** Enroll the face the menu was handed with this request's input. */
  | { ask: "enroll"; personRef: string; action: "enroll" }
  | { ask: "withdraw_consent" | "delete_templates"; personRef: string; action: "withdraw_consent" | "delete_templates" };

/** Asked of the gate: can the face path be used for this person now (camera and consent)? Never fails. */
export type MenuRequest = DeskRequest | { ask: "face_usable"; personRef: string };

/** An answer; `cameraReady` is whether the camera could take a face when the answer came. */
export type MenuAnswer =
  | { to: "face_usable"; personRef: string; usable: boolean; cameraReady: boolean }
  | { to: "consent_valid"; personRef: string; valid: boolean; cameraReady: boolean }
  | { to: "notice"; personRef: string; then: "show" | "confirm" | "consent"; notice: ProcessingNotice }
  | { to: "give_consent"; personRef: string; notice: ProcessingNotice; consent: ConsentSummary; cameraReady: boolean }
  | { to: "enroll"; personRef: string; templateId: string }
  | { to: "withdraw_consent" | "delete_templates"; personRef: string; receipt: DeletionReceiptSummary }
  | { to: "failed"; personRef: string; action: MenuAction; code: string };

export type MenuInput =
  /** `*` on an empty keypad entry. */
  | { type: "arm" }
  /** The card swiped while armed: its holder; null: an unknown card. */
  | { type: "card"; holder: CredentialMatch | null }
  /** The gate checked the PIN typed for `holder` (the PIN itself never reaches the menu). */
  | { type: "pin_checked"; holder: CredentialMatch; correct: boolean; locked: boolean }
  /** A key while the menu takes keys (open, confirming consent, waiting for a face). */
  | { type: "key"; key: string }
  /** The time passed: the menu closes when its time is up. */
  | { type: "expire" }
  /** The menu closed by itself in `stage`: the resident is told so. */
  | { type: "timed_out"; stage: MenuStage }
  /** Cancelled, or the gate stops. */
  | { type: "close" }
  | { type: "invite"; personRef: string; validForMs: number }
  /** A face at the camera while `session` waited for one. */
  | { type: "face"; session: number; qualityOk: boolean; liveness: number }
  /** The face path failed while `session` waited for a face. */
  | { type: "face_unavailable"; session: number }
  | { type: "answer"; session: number; answer: MenuAnswer };

export type MenuEffect =
  | OutputEffect
  | { type: "show_idle" }
  /** The person's face data changed: the face path forgets their quiet periods. */
  | { type: "forget_face"; personRef: string }
  /** Ask again for a clear, live face (the face path does not repeat it within its quiet period). */
  | { type: "retry_prompt" }
  | { type: "ask"; session: number; request: MenuRequest };

export interface MenuStep {
  state: MenuState;
  effects: MenuEffect[];
}
