/**
 * Refusals of template sync between the gates of a site (issue 14). The receiving gate
 * answers `template.install` with one of these codes; the site service keeps it with the
 * work item, and `sync_model_mismatch` tells it the resident must enroll again (item 5).
 * Messages name packages, gates and subjects by opaque id only, never a template byte.
 */
import { FacegateError } from "../errors.js";

export type SyncErrorCode =
  /** The package or list is not what the contract says. */
  | "sync_package_invalid"
  /** The package names another site. */
  | "sync_wrong_site"
  /** The package is addressed to another gate. */
  | "sync_wrong_gate"
  /** The sender is not a gate of the site's admin-signed list (or the list is missing). */
  | "sync_unknown_sender"
  /** The signature does not verify under the sender's pinned key. */
  | "sync_bad_signature"
  /** The sealed part cannot be opened, or does not match the signed binding. */
  | "sync_package_corrupt"
  /** This package id was installed before. */
  | "sync_replayed"
  /** The subject was deleted here after the package was made. */
  | "sync_subject_deleted"
  /** No consent valid now at this gate matches the package's consent. */
  | "sync_consent_missing"
  /** The package's face model differs from this gate's: the resident must enroll again. */
  | "sync_model_mismatch"
  /** This gate holds no site gate list (site.gates) yet. */
  | "sync_no_site_gates"
  /** Nothing to seal: the subject holds no template here. */
  | "sync_no_templates"
  /** A site gate list older than the one held. */
  | "sync_list_outdated"
  /** This gate has no face model to compare with. */
  | "sync_no_face_model";

export class SyncError extends FacegateError<SyncErrorCode> {
  constructor(code: SyncErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
