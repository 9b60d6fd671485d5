/**
 * The append-only, hash-chained audit log (L8, L12). `append` is synchronous so that any
 * module (consent, vault, deletion, remote commands) can add its entry inside the same
 * SQLite transaction as the change it records: the change and its audit entry commit
 * together or not at all, also across kill -9.
 *
 * Every `checkpointEvery` entries, and on export, the head hash is signed with the
 * device Ed25519 key. Entries carry opaque references only: binary values and
 * embedding-like number arrays are refused (L4).
 */
import { AUDIT_EXPORT_FORMAT, type AuditCheckpoint, type AuditDetails, type AuditEntry, type AuditExport, canonicalJson, checkpointMessage, GENESIS_HASH, type JsonValue, toBase64 } from "../protocol/index.js";
import type { DeviceSigner as Signer } from "../crypto/key-hierarchy.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../time/clock.js";
import { AuditError } from "./audit-error.js";
import { entryHash } from "./entry-hash.js";
import { type AuditVerification, verifyAuditChain } from "./audit-verify.js";

/** Matches the command layer's AuditSink port (sdk/commands/ports.ts). */
export interface AuditAppend {
  type: string;
  actor?: string;
  subject?: string;
  /** Plain JSON, opaque references and counts only; checked at run time (L4, L8). */
  details?: Record<string, unknown>;
}

export interface AuditLogOptions {
  db: Db;
  signer: Signer;
  clock: Clock;
  /** Sign a checkpoint every N entries (default 100). */
  checkpointEvery?: number;
}

interface EntryRow {
  seq: number;
  at: number;
  type: string;
  actor: string | null;
  subject: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

interface CheckpointRow {
  seq: number;
  at: number;
  head: string;
  key_id: string;
  signature: Buffer;
}

const TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;
const MAX_NUMBER_ARRAY = 16;

export class AuditLog {
  private readonly db: Db;
  private readonly signer: Signer;
  private readonly clock: Clock;
  private readonly checkpointEvery: number;

  constructor(options: AuditLogOptions) {
    this.db = options.db;
    this.signer = options.signer;
    this.clock = options.clock;
    this.checkpointEvery = options.checkpointEvery ?? 100;
  }

  /** Appends one entry and returns its position. Joins the caller's transaction if any. */
  append(input: AuditAppend): number {
    if (!TYPE.test(input.type)) throw new AuditError(`audit type '${input.type}' is not a dotted lower-case name`);
    const details = (input.details ?? {}) as AuditDetails;
    assertNoBiometric(details, "details");
    canonicalJson(details); // throws on anything that is not plain JSON
    return this.db.transaction(() => {
      const head = this.head();
      const partial = { seq: head.seq + 1, at: this.clock.now(), type: input.type, actor: input.actor ?? null, subject: input.subject ?? null, details, prevHash: head.hash };
      const hash = entryHash(partial);
      this.db
        .prepare("INSERT INTO audit_entries (seq, at, type, actor, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(partial.seq, partial.at, partial.type, partial.actor, partial.subject, JSON.stringify(details), partial.prevHash, hash);
      if (partial.seq % this.checkpointEvery === 0) this.checkpoint();
      return partial.seq;
    })();
  }

  /** Position and hash of the last entry (seq 0 and the genesis hash when empty). */
  head(): { seq: number; hash: string } {
    const row = this.db.prepare<[], { seq: number; hash: string }>("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").get();
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** Signs the current head, unless it is already signed. */
  checkpoint(): AuditCheckpoint | undefined {
    return this.db.transaction(() => {
      const head = this.head();
      if (head.seq === 0) return undefined;
      const existing = this.db.prepare<[number], CheckpointRow>("SELECT * FROM audit_checkpoints WHERE seq = ?").get(head.seq);
      if (existing) return toCheckpoint(existing);
      const unsigned = { seq: head.seq, at: this.clock.now(), head: head.hash, keyId: this.signer.keyId };
      const signature = this.signer.sign(checkpointMessage(unsigned));
      this.db.prepare("INSERT INTO audit_checkpoints (seq, at, head, key_id, signature) VALUES (?, ?, ?, ?, ?)").run(unsigned.seq, unsigned.at, unsigned.head, unsigned.keyId, Buffer.from(signature));
      return { ...unsigned, signature: toBase64(signature) };
    })();
  }

  entries(options: { fromSeq?: number; limit?: number } = {}): AuditEntry[] {
    return this.db
      .prepare<[number, number], EntryRow>("SELECT * FROM audit_entries WHERE seq >= ? ORDER BY seq LIMIT ?")
      .all(options.fromSeq ?? 1, options.limit ?? -1)
      .map(toEntry);
  }

  /** Number of entries (AuditSink port). */
  size(): number {
    return this.head().seq;
  }

  /** Entries [offset, offset + limit) in log order, 0-based offset (AuditSink port, chunked remote export). */
  read(offset: number, limit: number): AuditEntry[] {
    return this.entries({ fromSeq: offset + 1, limit });
  }

  checkpoints(): AuditCheckpoint[] {
    return this.db.prepare<[], CheckpointRow>("SELECT * FROM audit_checkpoints ORDER BY seq").all().map(toCheckpoint);
  }

  /** The whole log as one document, after signing the current head. */
  export(): AuditExport {
    this.checkpoint();
    return {
      format: AUDIT_EXPORT_FORMAT,
      exportedAt: this.clock.now(),
      device: { keyId: this.signer.keyId, signingPublicKey: toBase64(this.signer.publicKey) },
      entries: this.entries(),
      checkpoints: this.checkpoints(),
    };
  }

  /** Verifies the local log (chain and checkpoint signatures); entries after the last checkpoint need not be signed yet. */
  verify(): AuditVerification {
    return verifyAuditChain({
      requireSignedTail: false,
      entries: this.entries(),
      checkpoints: this.checkpoints(),
      publicKey: this.signer.publicKey,
      verify: (m, s, pk) => this.signer.verify(m, s, pk),
    });
  }
}

function toEntry(r: EntryRow): AuditEntry {
  return { seq: r.seq, at: r.at, type: r.type, actor: r.actor, subject: r.subject, details: JSON.parse(r.details) as AuditDetails, prevHash: r.prev_hash, hash: r.hash };
}

function toCheckpoint(r: CheckpointRow): AuditCheckpoint {
  return { seq: r.seq, at: r.at, head: r.head, keyId: r.key_id, signature: toBase64(new Uint8Array(r.signature)) };
}

/** Refuses binary values and long number arrays (the shape of an embedding) in audit details (L4, L8). */
function assertNoBiometric(value: unknown, path: string): asserts value is JsonValue {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new AuditError(`${path}: binary data is not allowed in the audit log`);
  if (Array.isArray(value)) {
    if (value.length > MAX_NUMBER_ARRAY && value.every((v) => typeof v === "number")) {
      throw new AuditError(`${path}: long number arrays are not allowed in the audit log`);
    }
    value.forEach((v, i) => assertNoBiometric(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) assertNoBiometric(v, `${path}.${k}`);
  }
}
