/**
 * Errors of the template vault. Messages and details never carry template values (they
 * reach logs and command results, L4): only dimensions, limits and subject references.
 */
import { FacegateError } from "../errors.js";

export type VaultErrorCode =
  /** An embedding is not a finite, non-zero Float32Array of TEMPLATE_DIM values (or enroll got none). */
  | "template_invalid"
  /** A subject would hold more than MAX_TEMPLATES_PER_SUBJECT templates. */
  | "template_limit"
  /** The vault was called out of its contract (destroyRows outside the deletion transaction). */
  | "vault_misuse";

export class VaultError extends FacegateError<VaultErrorCode> {
  constructor(code: VaultErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
