/**
 * What the command layer needs from the audit log, kept narrow so that the secure store's
 * log (sdk/audit) plugs in without the command layer knowing it. The signing key is
 * sdk/crypto's Signer.
 */
import type { AuditCheckpoint, AuditEntry } from "../protocol/index.js";

/** One audit entry. `actor` is the operator key id for remote commands (L12). */
export interface AuditEntryInput {
  type: string;
  actor?: string;
  subject?: string;
  /** Non-personal details: no card numbers, PINs, templates or images (L4, L8). */
  details: Record<string, unknown>;
}

/**
 * The audit log (sdk/audit). `append` is synchronous and joins the caller's SQLite
 * transaction when the log lives in the same database, so a command's audit entry and its
 * effect commit together. `size` and `read` are optional: with them, `audit.export` works.
 */
export interface AuditSink {
  append(entry: AuditEntryInput): number;
  /** Number of entries in the log. */
  size?(): number;
  /** Entries [offset, offset + limit) in log order, as the verifier expects them. */
  read?(offset: number, limit: number): AuditEntry[];
  /** Signs the current head (a signed checkpoint), so an export ending there verifies offline (L8). */
  checkpoint?(): AuditCheckpoint | undefined;
  /** Every signed checkpoint, in log order, each with its `seq`. */
  checkpoints?(): AuditCheckpoint[];
}
