/** A deletion request the deletion service cannot act on (a missing subject reference). */
import { FacegateError } from "../errors.js";

export class DeletionError extends FacegateError<"deletion_invalid"> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("deletion_invalid", message, details);
  }
}
