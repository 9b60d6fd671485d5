/**
 * What the command layer needs from modules built elsewhere, kept narrow so that the
 * secure store (sdk/audit, sdk/crypto) plugs in without the command layer knowing it.
 */

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
  read?(offset: number, limit: number): unknown[];
  /** Signs the current head (a signed checkpoint), so an export ending there verifies offline (L8). */
  checkpoint?(): unknown;
  /** Every signed checkpoint, in log order, each with its `seq`. */
  checkpoints?(): Array<{ seq: number }>;
}

/** The device signing key (sdk/crypto). The secret key never leaves it. */
export interface DeviceSigner {
  /** keyIdFor(publicKey). */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** An in-memory audit log implementing the port: for tests and tools until sdk/audit lands. */
export class MemoryAuditSink implements AuditSink {
  readonly entries: Array<AuditEntryInput & { position: number }> = [];

  append(entry: AuditEntryInput): number {
    const position = this.entries.length;
    this.entries.push({ ...entry, details: structuredClone(entry.details), position });
    return position;
  }

  size(): number {
    return this.entries.length;
  }

  read(offset: number, limit: number): unknown[] {
    return this.entries.slice(offset, offset + limit);
  }

  ofType(type: string): Array<AuditEntryInput & { position: number }> {
    return this.entries.filter((e) => e.type === type);
  }
}
