/**
 * What can be wrong with a site deletion certificate, or with what it is issued from. One
 * list of problem codes serves both sides: `verifyCertificate` reports each problem with
 * its path in the document; `issueCertificate` refuses with a CertificateError whose code
 * is `certificate_<problem>`, so the office sees at issue time exactly what a verifier
 * would see later.
 *
 * Messages name ids, key ids, paths and times only: never a card, PIN, key or face data.
 */
import { FacegateError } from "../../errors.js";

export const CERTIFICATE_PROBLEMS = [
  /** Not a certificate: not UTF-8 JSON, or a field missing, unknown or of the wrong shape. */
  "format",
  /** The request to certify is unusable (ids, reason, times). */
  "request",
  /** The site key in the document is not the one given out of band, or its key id is wrong. */
  "site_key",
  /** The site signature does not cover this content under the site key given. */
  "signature",
  /** A gate's key id is not the fingerprint of its public key, or the key is not a key. */
  "gate_key",
  /** A gate listed twice, or two gates sharing one key (one device could answer for both). */
  "gate_duplicate",
  /** An expected gate has no receipt. */
  "receipt_missing",
  /** A receipt for a gate that is not expected. */
  "receipt_unexpected",
  /** Two receipts for one gate, or one receipt used twice. */
  "receipt_duplicate",
  /** A receipt that is not a well-formed deletion receipt. */
  "receipt_invalid",
  /** A receipt whose signature does not verify against its gate's pinned key. */
  "receipt_unverified",
  /** A receipt signed by ANOTHER expected gate: a gate answering for another gate. */
  "receipt_wrong_gate",
  /** A receipt from another site. */
  "receipt_wrong_site",
  /** A receipt about another subject. */
  "receipt_wrong_subject",
  /** A receipt from before the request (beyond clock tolerance): an earlier deletion, not this one. */
  "receipt_stale",
  /** Receipts naming different processors: they cannot all be this site's gates. */
  "receipt_processor",
  /** completedAt / issuedAt inconsistent with the request and the receipts. */
  "times",
] as const;
export type CertificateProblemCode = (typeof CERTIFICATE_PROBLEMS)[number];

export interface CertificateProblem {
  code: CertificateProblemCode;
  /** Where in the certificate (`receipts[2].receipt.subjectRef`), or `(file)` / `(root)`. */
  path: string;
  message: string;
}

export type CertificateErrorCode = `certificate_${CertificateProblemCode}`;

/** A certificate that cannot be issued from what was given; `details.path` and `details.gateId` say where. */
export class CertificateError extends FacegateError<CertificateErrorCode> {
  constructor(code: CertificateErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }

  static of(problem: CertificateProblem, details: Record<string, unknown> = {}): CertificateError {
    return new CertificateError(`certificate_${problem.code}`, `${problem.path}: ${problem.message}`, { path: problem.path, ...details });
  }
}
