/** The hash that chains audit entries (L8); what it covers is defined in sdk/protocol (audit-document.ts). */
import { type AuditEntry, entryHashInput } from "../protocol/audit-document.js";
import { sha256Hex } from "../crypto/hash.js";

/** Hash of an entry: SHA-256 over the previous hash, a newline, and the canonical content. */
export function entryHash(entry: Omit<AuditEntry, "hash">): string {
  return sha256Hex(entryHashInput(entry));
}
