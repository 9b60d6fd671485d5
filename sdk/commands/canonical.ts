/**
 * Canonical JSON for commands: the bytes that signatures cover. The encoding is the
 * project's one canonical JSON (sdk/crypto/canonical.ts: RFC 8785 for the values facegate
 * uses, keys sorted by UTF-16 code units, no whitespace; values JSON cannot carry
 * faithfully are refused rather than dropped, so what is signed is exactly what is sent).
 * Here a refusal is a `command_malformed` CommandError, which the processor answers.
 *
 * Signed bytes are `UTF-8(context + canonicalJson(value))` where the context names what is
 * signed (`facegate/v1/command\n`, `facegate/v1/result\n`), so a signature made for one
 * kind of document can never be replayed as another.
 */
import { canonicalJson as encodeCanonical } from "../crypto/canonical.js";
import { CommandError, isFacegateError } from "../errors.js";

export { sha256Hex } from "../crypto/canonical.js";

export const COMMAND_SIGNING_CONTEXT = "facegate/v1/command\n";
export const RESULT_SIGNING_CONTEXT = "facegate/v1/result\n";

export function canonicalJson(value: unknown): string {
  try {
    return encodeCanonical(value);
  } catch (err) {
    if (isFacegateError(err) && err.code === "canonical_invalid") throw new CommandError("command_malformed", err.message);
    throw err;
  }
}

/** The bytes an Ed25519 signature covers: context, then the canonical JSON of `value`. */
export function signingBytes(context: string, value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(context + canonicalJson(value), "utf8"));
}
