/**
 * The access decision engine. PURE: evidence, policy, the person's rights, the lockout
 * status and the time go in; a decision with a reason comes out. No I/O, no clock, no
 * logging; the gate orchestrator gathers the evidence and acts on the decision.
 *
 * Face evidence carries numbers only (scores, liveness), never an embedding (L4).
 * Liveness below threshold never opens the door (L5), whatever the match score.
 */
import { type AccessMethod, type GatePolicy, afterCard, modeAcceptsFaceAlone, modeAcceptsPinAlone } from "./gate-policy.js";
import type { LockoutStatus } from "./pin-lockout.js";
import type { CredentialRecord, PersonAccess } from "./rights.js";
import { scheduleAllows } from "./schedule.js";

export interface FaceEvidence {
  /** P(live), 0..1. */
  liveness: number;
  qualityOk: boolean;
  /** Cosine score of the best candidate (1:N) or of the holder's templates (1:1); null: no candidate. */
  matchScore: number | null;
  /** The matched person has a valid face consent for this gate now (L1). */
  consentValid: boolean;
}

export type Evidence =
  | { method: "card"; card: CredentialRecord | null }
  | { method: "pin"; pin: CredentialRecord | null; pinCorrect: boolean }
  | { method: "card_and_pin"; card: CredentialRecord | null; pin: CredentialRecord | null; pinCorrect: boolean }
  | { method: "face"; face: FaceEvidence }
  | { method: "card_then_face"; card: CredentialRecord | null; face: FaceEvidence }
  | { method: "exit_button" };

export interface FaceThresholds {
  match: number;
  liveness: number;
}

export interface DecisionInput {
  at: number;
  policy: GatePolicy;
  evidence: Evidence;
  /** The person the evidence points to (card holder, PIN owner, face match); null: nobody. */
  person: PersonAccess | null;
  /** PIN lockout status of that person and this keypad (ignored for methods without a PIN). */
  lockout: LockoutStatus;
  thresholds: FaceThresholds;
}

export type DenyReason =
  | "method_not_allowed"
  | "pin_locked_out"
  | "unknown_card"
  | "unknown_pin_code"
  | "wrong_pin"
  | "face_quality"
  | "liveness_failed"
  | "face_no_match"
  | "face_mismatch"
  | "face_consent_invalid"
  | "credential_revoked"
  | "credential_not_yet_valid"
  | "credential_expired"
  | "credential_not_valid_at_gate"
  | "unknown_person"
  | "rights_not_yet_valid"
  | "rights_expired"
  | "gate_not_allowed"
  | "outside_schedule"
  /** Not produced by `decide`: the gate records it when a swiped card's PIN or face never came. */
  | "second_factor_timeout";

export type DecisionReason = "ok" | "exit_request" | DenyReason;

export interface Decision {
  granted: boolean;
  reason: DecisionReason;
  method: AccessMethod;
  personRef: string | null;
  /** How long to unlock; 0 when denied. */
  unlockMs: number;
}

function methodAllowed(policy: GatePolicy, method: AccessMethod): boolean {
  switch (method) {
    case "exit_button":
      return true;
    case "face":
      return modeAcceptsFaceAlone(policy.mode);
    case "card":
      return afterCard(policy.mode) === "decide";
    case "pin":
      return modeAcceptsPinAlone(policy.mode);
    case "card_and_pin":
      // card_then_face accepts card + PIN as its non-biometric path (L2).
      return policy.mode === "card_and_pin" || policy.mode === "card_then_face";
    case "card_then_face":
      return policy.mode === "card_then_face";
  }
}

function checkCredential(cred: CredentialRecord, gateId: string, at: number): DenyReason | null {
  if (cred.revoked) return "credential_revoked";
  if (cred.validFrom !== null && at < cred.validFrom) return "credential_not_yet_valid";
  if (cred.validUntil !== null && at >= cred.validUntil) return "credential_expired";
  if (cred.gates !== null && !cred.gates.includes(gateId)) return "credential_not_valid_at_gate";
  return null;
}

function checkFace(face: FaceEvidence, thresholds: FaceThresholds, oneToOne: boolean): DenyReason | null {
  if (!face.qualityOk) return "face_quality";
  if (!(face.liveness >= thresholds.liveness)) return "liveness_failed";
  if (face.matchScore === null || !(face.matchScore >= thresholds.match)) return oneToOne ? "face_mismatch" : "face_no_match";
  if (!face.consentValid) return "face_consent_invalid";
  return null;
}

function checkRights(person: PersonAccess | null, gateId: string, at: number): DenyReason | null {
  if (!person) return "unknown_person";
  const r = person.rights;
  if (r.validFrom !== null && at < r.validFrom) return "rights_not_yet_valid";
  if (r.validUntil !== null && at >= r.validUntil) return "rights_expired";
  if (!r.gates.includes(gateId)) return "gate_not_allowed";
  if (!scheduleAllows(r.schedule, at)) return "outside_schedule";
  return null;
}

/** Decides one access attempt. */
export function decide(input: DecisionInput): Decision {
  const { evidence: ev, policy, at } = input;
  const personRef = input.person?.personRef ?? null;
  const deny = (reason: DenyReason): Decision => ({ granted: false, reason, method: ev.method, personRef, unlockMs: 0 });
  if (!methodAllowed(policy, ev.method)) return deny("method_not_allowed");
  if (ev.method === "exit_button") return { granted: true, reason: "exit_request", method: "exit_button", personRef: null, unlockMs: policy.unlockMs };

  const credentials: CredentialRecord[] = [];
  switch (ev.method) {
    case "card":
      if (!ev.card) return deny("unknown_card");
      credentials.push(ev.card);
      break;
    case "pin":
      if (input.lockout.locked) return deny("pin_locked_out");
      if (!ev.pin) return deny("unknown_pin_code");
      if (!ev.pinCorrect) return deny("wrong_pin");
      credentials.push(ev.pin);
      break;
    case "card_and_pin":
      if (!ev.card) return deny("unknown_card");
      if (input.lockout.locked) return deny("pin_locked_out");
      if (!ev.pin || ev.pin.personRef !== ev.card.personRef || !ev.pinCorrect) return deny("wrong_pin");
      credentials.push(ev.card, ev.pin);
      break;
    case "face": {
      const r = checkFace(ev.face, input.thresholds, false);
      if (r) return deny(r);
      break;
    }
    case "card_then_face": {
      if (!ev.card) return deny("unknown_card");
      const r = checkFace(ev.face, input.thresholds, true);
      if (r) return deny(r);
      credentials.push(ev.card);
      break;
    }
  }
  for (const cred of credentials) {
    if (input.person && cred.personRef !== input.person.personRef) return deny("unknown_person");
    const r = checkCredential(cred, policy.gateId, at);
    if (r) return deny(r);
  }
  const rights = checkRights(input.person, policy.gateId, at);
  if (rights) return deny(rights);
  return { granted: true, reason: "ok", method: ev.method, personRef, unlockMs: policy.unlockMs };
}
