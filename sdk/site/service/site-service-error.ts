/**
 * Errors of the site service, each with a stable code. Messages name gates, subjects
 * (opaque references) and request ids, never a card number, PIN, photo or key.
 */
import { FacegateError } from "../../errors.js";

export type SiteServiceErrorCode =
  | "site_service_not_started"
  | "site_service_input_invalid"
  | "site_gate_unknown"
  | "site_gate_keys_invalid"
  | "site_scope_empty"
  | "site_subject_tombstoned"
  | "site_subject_deleted"
  | "site_no_consent"
  | "site_notice_unknown"
  | "site_notice_mismatch"
  | "site_photo_gone"
  | "site_receipt_refused"
  /** A gate answered an export with something that is not a package for what was asked. */
  | "site_package_refused"
  /** A template package is no longer held (the service restarted); the enrolling gate is asked again. */
  | "site_package_gone";

export class SiteServiceError extends FacegateError<SiteServiceErrorCode> {
  constructor(code: SiteServiceErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
