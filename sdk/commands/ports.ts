/**
 * What the command layer needs from modules built elsewhere, kept narrow so that the
 * secure store (sdk/audit, sdk/crypto) plugs in without the command layer knowing it.
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

/** The device signing key (sdk/crypto). The secret key never leaves it. */
export interface DeviceSigner {
  /** keyIdFor(publicKey). */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}
