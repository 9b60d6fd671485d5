/** SHA-256 as the project uses it: lower-case hex, of UTF-8 text or bytes. */
import { createHash } from "node:crypto";
import { canonicalJson } from "../protocol/canonical-json.js";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** SHA-256 of the canonical JSON encoding of a value. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
