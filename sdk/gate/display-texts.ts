/**
 * What the resident reads for each outcome. Plain, short, never personal data: no
 * names, no card numbers, no scores. Every denial reminds that card and PIN work (L2).
 */
import type { DisplayMessage } from "../hal/display.js";
import type { Decision, DecisionReason } from "../policy/decision.js";
import type { DeletionReceiptSummary, ProcessingNotice } from "./ports.js";

export const TEXT = {
  idle: "Welcome. Look at the camera, or use your card or PIN.",
  idleNoFace: "Welcome. Use your card or PIN.",
  useCardOrPin: "Not recognised. Use your card or PIN.",
  faceUnavailable: "Face recognition is unavailable. Use your card or PIN.",
  enterPin: "Enter your PIN and #.",
  faceOrPin: "Look at the camera, or enter your PIN and #.",
  enterCodeAndPin: "Enter your user code, *, your PIN and #.",
  swipeFirst: "Swipe your card first.",
  menuArmed: "Privacy menu: swipe your card, then enter your PIN and #.",
  menuUnavailable: "The privacy menu is not available at this gate.",
  menuTitle: "Privacy menu",
  confirmConsent: "Press # to consent to face recognition at this site under the notice shown, or * to cancel. Declining costs nothing: your card and PIN keep working.",
  lookAtCamera: "Look at the camera to enroll your face.",
  enrolled: "Your face is enrolled. You can withdraw consent at any time from this menu.",
  enrollRetry: "Face not clear or not live. Look straight at the camera.",
  enrollTimeout: "No face captured. Enrollment cancelled; your card and PIN keep working.",
  cameraUnavailable: "The camera is unavailable: enrollment is not possible now. Your card and PIN keep working.",
  consentWithdrawn: "Consent withdrawn and face data deleted.",
  templatesDeleted: "Face data deleted.",
  cancelled: "Cancelled.",
  tooLong: "Entry too long; start again.",
} as const;

export const MENU_OPTIONS: ReadonlyArray<{ key: string; label: string }> = [
  { key: "1", label: "read the processing notice" },
  { key: "2", label: "give face consent and enroll" },
  { key: "3", label: "withdraw face consent (deletes your face data)" },
  { key: "4", label: "delete my face data" },
  { key: "0", label: "leave" },
];

const DENY_TEXT: Partial<Record<DecisionReason, string>> = {
  method_not_allowed: "This way in is not accepted at this gate.",
  pin_locked_out: "PIN entry is locked for a while after wrong PINs. Use your card, or try later.",
  unknown_card: "Card not recognised.",
  unknown_pin_code: "Wrong user code or PIN.",
  wrong_pin: "Wrong PIN.",
  face_quality: "Face not clear.",
  liveness_failed: "Face check failed.",
  face_no_match: "Not recognised.",
  face_mismatch: "Face does not match the card.",
  face_consent_invalid: "No valid face consent.",
  credential_revoked: "This credential has been revoked.",
  credential_not_yet_valid: "This credential is not valid yet.",
  credential_expired: "This credential has expired.",
  credential_not_valid_at_gate: "This credential is not valid at this gate.",
  unknown_person: "Not recognised.",
  rights_not_yet_valid: "Your access is not valid yet.",
  rights_expired: "Your access has expired.",
  gate_not_allowed: "No access at this gate.",
  outside_schedule: "No access at this time.",
  second_factor_timeout: "Timed out.",
};

export function decisionMessage(decision: Decision): DisplayMessage {
  if (decision.granted) return { kind: "granted", method: decision.method, text: "Welcome. The door is open." };
  const base = DENY_TEXT[decision.reason] ?? "Access denied.";
  const hint = decision.method === "face" || decision.method === "card_then_face" ? " Use your card or PIN." : "";
  return { kind: "denied", reason: decision.reason, text: `${base}${hint}` };
}

export function noticeMessage(notice: ProcessingNotice): DisplayMessage {
  return { kind: "notice", version: notice.version, hash: notice.hash, text: notice.text };
}

export function receiptMessage(receipt: DeletionReceiptSummary): DisplayMessage {
  return {
    kind: "receipt",
    receiptId: receipt.receiptId,
    issuedAt: receipt.issuedAt,
    action: receipt.reason,
    templatesDeleted: receipt.templatesDeleted,
    verificationCode: receipt.verificationCode,
    text: receipt.reason === "consent_withdrawn" ? TEXT.consentWithdrawn : TEXT.templatesDeleted,
  };
}
