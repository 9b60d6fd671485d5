/**
 * Errors of the site service's database, each with a stable code. Messages name ids and
 * fields, never a card number, PIN, key or password.
 */
import { FacegateError } from "../../errors.js";

export type SiteStoreErrorCode =
  | "site_store_url_invalid"
  | "site_store_open_failed"
  | "site_store_too_new"
  | "site_store_closed"
  | "site_input_invalid"
  | "site_gate_key_mismatch"
  | "site_unknown_gate"
  | "site_unknown_group"
  | "site_unknown_subject"
  | "site_unknown_operator"
  | "site_unknown_consent"
  | "site_unknown_request"
  | "site_unknown_work"
  | "site_duplicate"
  | "site_subject_tombstoned"
  | "site_receipt_unexpected"
  | "site_deletion_incomplete"
  | "site_secret_unreadable";

export class SiteStoreError extends FacegateError<SiteStoreErrorCode> {
  constructor(code: SiteStoreErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
