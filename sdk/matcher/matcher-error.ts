/**
 * Errors of the 1:N matcher. Messages and details never carry vector values (they may
 * reach logs and command results): only lengths, limits and argument names.
 */
import { FacegateError } from "../errors.js";

export type MatcherErrorCode =
  /** An embedding or query is not a finite, non-zero Float32Array of the right length. */
  | "embedding_invalid"
  /** An identifier or option is out of range (empty id, k < 1...). */
  | "matcher_argument_invalid"
  /** The WebAssembly kernel could not be built on this platform (asked for explicitly). */
  | "matcher_kernel_unavailable";

export class MatcherError extends FacegateError<MatcherErrorCode> {
  constructor(code: MatcherErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
