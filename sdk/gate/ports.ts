/**
 * The narrow interfaces the gate orchestrator depends on. The real components (face
 * pipeline, gallery index, vault + consent registry + deletion receipts, access store)
 * are adapted to these in the composition root; tests and the simulator may pass
 * anything that satisfies them, and the contract suites in test/contracts check that
 * they do. Every method may answer synchronously or with a promise.
 *
 * Biometric rule for every port (L4, L6): an embedding handed to a port is lent for the
 * duration of the call. The port copies what it must keep (only `enrollFromEmbedding`
 * may keep anything, encrypted) and never logs, emits or returns it. The gate zero-fills
 * every embedding as soon as the call returns.
 */
import type { CameraFrame } from "../hal/camera.js";
import type { GatePolicy } from "../policy/gate-policy.js";
import type { CredentialMatch, CredentialRecord, PersonAccess } from "../policy/rights.js";

export type Awaitable<T> = T | Promise<T>;

// ---- face analysis ------------------------------------------------------------------

export interface AnalyzedFace {
  /** Detection score, 0..1. */
  score: number;
  /** P(live), 0..1, from the anti-spoofing model (L5). */
  liveness: number;
  /** L2-normalised 512-d embedding. Lent to the gate, which zero-fills it after use. */
  embedding: Float32Array;
  quality: { ok: boolean; reasons: readonly string[] };
  /** Face box in frame pixels, for tracking the face over frames; omitted: tracked on time alone. */
  box?: { x: number; y: number; width: number; height: number };
}

export interface FaceAnalysis {
  faces: readonly AnalyzedFace[];
  /** Index of the face at the door (largest/most central); null or out of range: none. */
  primaryIndex: number | null;
}

/** sdk/vision's pipeline satisfies this (`createFacePipeline(...).analyze`). */
export interface FaceAnalyzer {
  /** Rejects (any error) when the models or the input fail; the gate then keeps card and PIN working. */
  analyze(frame: CameraFrame): Awaitable<FaceAnalysis>;
}

// ---- matching -----------------------------------------------------------------------

export interface FaceCandidate {
  /** The person the template belongs to (the adapter maps vault subjects to person refs). */
  personRef: string;
  templateId: string;
  /** Cosine similarity. */
  score: number;
}

/**
 * 1:N and 1:1 search over the gallery of ENROLLED, CONSENTING people only (L1, L4): a
 * person whose consent was withdrawn or expired is out of the gallery before the next
 * search. sdk/matcher's gallery index, fed by the vault, satisfies it through an adapter.
 */
export interface FaceMatcher {
  /** Best `k` candidates, best first, each person once (with their best template); empty when the gallery is empty. */
  search(embedding: Float32Array, k: number): Awaitable<readonly FaceCandidate[]>;
  /** Best score against one person's templates; null when they have none. */
  verify(personRef: string, embedding: Float32Array): Awaitable<number | null>;
  /**
   * Templates a 1:N search compares with now (the face-alone threshold grows with it,
   * face-alone-capacity.ts). Omitted: the gate uses its configured threshold as is.
   */
  templates?(): number;
}

// ---- privacy (notice, consent, enrollment, deletion) ----------------------------------

export interface ProcessingNotice {
  version: string;
  /** Content hash (hex) of the notice text; consents reference it (L3). */
  hash: string;
  text: string;
}

/** A face-recognition consent given at the gate: separate, electronic, scoped (L1). */
export interface GateConsentDetails {
  noticeVersion: string;
  noticeHash: string;
  method: "electronic";
  /** Who collected it: the gate itself, e.g. `gate:lobby`. */
  collectedBy: string;
  gateId: string;
  /** When it was given (from the gate's Clock). */
  at: number;
}

export interface ConsentSummary {
  consentId: string;
  /** Finite term (L9). */
  expiresAt: number;
}

export interface EnrollmentSummary {
  templateId: string;
}

/** What the gate shows and records of a signed deletion receipt (L7, L11). */
export interface DeletionReceiptSummary {
  receiptId: string;
  personRef: string;
  issuedAt: number;
  reason: "consent_withdrawn" | "deletion_request";
  templatesDeleted: number;
  /** Short code a resident can check the signed receipt against (e.g. first 8 bytes of the signature, hex). */
  verificationCode: string;
}

/**
 * The consent registry, template vault and deletion service behind one desk. The real
 * implementations record their own audit entries (L8); the gate records gate events.
 */
export interface PrivacyDesk {
  /** Refuses (ConsentError `notice_missing`) while no notice has been published (L3). */
  currentNotice(): Awaitable<ProcessingNotice>;
  /** Whether the person holds a consent, not withdrawn or ended, given at or before `at`, expiring after `at` and covering `gateId`. */
  hasValidConsent(personRef: string, gateId: string, at: number): Awaitable<boolean>;
  /**
   * A consent from `details.at` to a finite expiry (L9), covering the site's gates.
   * Refuses (ConsentError) when the notice is not current (`notice_not_current`), for a
   * minor (`consent_guardian_required`, L10), or when consent is otherwise invalid.
   */
  giveConsent(personRef: string, details: GateConsentDetails): Awaitable<ConsentSummary>;
  /**
   * Refuses (ConsentError) without a consent valid now for `gateId` (L1), and a malformed
   * embedding (`template_invalid`) or one template too many (`template_limit`). Copies the
   * embedding; the caller wipes its own.
   */
  enrollFromEmbedding(personRef: string, embedding: Float32Array, gateId: string): Awaitable<EnrollmentSummary>;
  /** Withdraws consent and deletes every template at once (L7). */
  withdrawConsent(personRef: string): Awaitable<DeletionReceiptSummary>;
  /** A deletion request: every template destroyed and the consent ended (one deletion path, L7); the resident may consent and enroll again. */
  deleteTemplates(personRef: string): Awaitable<DeletionReceiptSummary>;
}

// ---- access directory (sdk/access AccessStore satisfies it) -----------------------------

export interface AccessDirectory {
  policyFor(gateId: string): GatePolicy | null;
  person(personRef: string): PersonAccess | null;
  /** The credential of a presented card number; null: unknown. Never logs the number. */
  lookupCard(cardNumber: string): CredentialMatch | null;
  /** The PIN credential of a keypad user code; null: unknown. */
  lookupPinCode(code: string): CredentialMatch | null;
  pinCredentialsOf(personRef: string): CredentialRecord[];
  verifyPin(credentialId: string, pin: string): Awaitable<boolean>;
}
