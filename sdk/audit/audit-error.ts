/** An entry the audit log refuses (L8): a malformed type, or binary or biometric-looking data in its details. */
import { FacegateError } from "../errors.js";

export class AuditError extends FacegateError<"audit_invalid"> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("audit_invalid", message, details);
  }
}
