/**
 * The audit log's record formats (L8): entries, signed checkpoints and the export
 * document. A public contract: exports are verified offline by third parties with
 * `facegate audit verify`, so a change here is a new `format` version, never an edit.
 */
import { canonicalJson, type JsonValue } from "./canonical-json.js";

export const AUDIT_EXPORT_FORMAT = "facegate-audit/1";
export const AUDIT_CHECKPOINT_FORMAT = "facegate-audit-checkpoint/1";
/** prevHash of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

export type AuditDetails = { [key: string]: JsonValue };

export interface AuditEntry {
  /** Position in the log, 1-based, without gaps. */
  seq: number;
  at: number;
  /** e.g. `consent.given`, `vault.enrolled`, `deletion.completed`, `command.accepted`. */
  type: string;
  /** Opaque reference of who caused it: an operator key id, `device`, `resident`... */
  actor: string | null;
  /** Opaque subject reference; never a name or biometric data. */
  subject: string | null;
  details: AuditDetails;
  prevHash: string;
  hash: string;
}

/** A signed statement "the log up to `seq` has head hash `head`". */
export interface AuditCheckpoint {
  seq: number;
  at: number;
  head: string;
  keyId: string;
  /** Base64 Ed25519 signature over `checkpointMessage(...)`. */
  signature: string;
}

export interface AuditExport {
  format: typeof AUDIT_EXPORT_FORMAT;
  exportedAt: number;
  device: { keyId: string; signingPublicKey: string };
  entries: AuditEntry[];
  checkpoints: AuditCheckpoint[];
}

/** The text an entry's hash covers: the previous hash, a newline, and the canonical content. */
export function entryHashInput(entry: Omit<AuditEntry, "hash">): string {
  const content = { seq: entry.seq, at: entry.at, type: entry.type, actor: entry.actor, subject: entry.subject, details: entry.details };
  return `${entry.prevHash}\n${canonicalJson(content)}`;
}

/** The exact text a checkpoint signature covers. */
export function checkpointMessage(cp: Omit<AuditCheckpoint, "signature">): string {
  return canonicalJson({ format: AUDIT_CHECKPOINT_FORMAT, seq: cp.seq, at: cp.at, head: cp.head, keyId: cp.keyId });
}
