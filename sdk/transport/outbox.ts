/**
 * The event outbox: where every event waits until the broker has acknowledged it.
 *
 * `record()` is synchronous and only inserts a row. Called inside another module's
 * transaction (a deletion, a consent, an access decision), the event commits with the
 * change or not at all, so a crash at any instant loses neither. The OutboxPublisher
 * deletes a row only after the broker's PUBACK (QoS 1).
 *
 * Bounded, with a policy when full (`maxRows`, default 100,000): the oldest event that is
 * not audit-relevant is dropped to make room. Audit-relevant events (`auditRelevant:
 * true`: consent, deletion, enrollment, command outcomes...) are never dropped: when
 * nothing droppable is left, they are stored beyond the bound, and a new non-audit event
 * is dropped instead. Drops are counted (persistently) and announced by a
 * `system.events_dropped` event (audit-relevant, at most one waiting at a time) and in
 * gate.status.
 *
 * Events carry opaque references only (L4): `record()` refuses binary values, long
 * numeric arrays and fields named like biometric data, which would be a bug upstream
 * (sdk/events/event-check.ts, the check every recorder runs).
 */
import type { Signer } from "../crypto/keys.js";
import { signDeviceMessage } from "../crypto/signatures.js";
import { randomUUID } from "node:crypto";
import type { EventRecorder, FacegateEvent } from "../events/event.js";
import { MAX_EVENT_BYTES, checkEvent } from "../events/event-check.js";
import { TransportError } from "../errors.js";
import type { Db, MigrationSet } from "../store/database.js";
import type { Clock } from "../time/clock.js";
import type { EventCategory, EventMessage, GateAddress } from "../protocol/index.js";

export const outboxMigrations: MigrationSet = {
  module: "outbox",
  steps: [
    `CREATE TABLE outbox (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       id TEXT NOT NULL UNIQUE,
       type TEXT NOT NULL,
       category TEXT NOT NULL,
       audit_relevant INTEGER NOT NULL,
       payload TEXT NOT NULL,
       created_at INTEGER NOT NULL
     );
     CREATE INDEX outbox_droppable ON outbox (audit_relevant, seq);
     CREATE TABLE outbox_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
     INSERT INTO outbox_meta (k, v) VALUES ('count', 0), ('dropped', 0), ('dropped_reported', 0);
     CREATE TRIGGER outbox_count_ins AFTER INSERT ON outbox BEGIN UPDATE outbox_meta SET v = v + 1 WHERE k = 'count'; END;
     CREATE TRIGGER outbox_count_del AFTER DELETE ON outbox BEGIN UPDATE outbox_meta SET v = v - 1 WHERE k = 'count'; END;`,
  ],
};

export const DROP_NOTICE_TYPE = "system.events_dropped";

export interface OutboxRow {
  seq: number;
  id: string;
  category: EventCategory;
  payload: string;
}

export interface OutboxOptions {
  db: Db;
  identity: GateAddress;
  clock: Clock;
  /** The device key: each event is signed as it is stored, so what the broker carries is what the device said. */
  signer: Signer;
  /** Bound on stored events (audit-relevant ones may exceed it). Default 100,000. */
  maxRows?: number;
  /** Largest serialised event. Default 16 KiB. */
  maxEventBytes?: number;
}

export class Outbox implements EventRecorder {
  readonly maxRows: number;
  private readonly maxEventBytes: number;
  private readonly listeners = new Set<() => void>();
  private readonly stmt;

  constructor(private readonly options: OutboxOptions) {
    this.maxRows = options.maxRows ?? 100_000;
    this.maxEventBytes = options.maxEventBytes ?? MAX_EVENT_BYTES;
    const db = options.db;
    this.stmt = {
      meta: db.prepare<[string], { v: number }>("SELECT v FROM outbox_meta WHERE k = ?"),
      setMeta: db.prepare("UPDATE outbox_meta SET v = ? WHERE k = ?"),
      bump: db.prepare("UPDATE outbox_meta SET v = v + 1 WHERE k = ?"),
      insert: db.prepare("INSERT OR IGNORE INTO outbox (id, type, category, audit_relevant, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
      oldestDroppable: db.prepare<[], { seq: number }>("SELECT seq FROM outbox WHERE audit_relevant = 0 ORDER BY seq LIMIT 1"),
      deleteSeq: db.prepare("DELETE FROM outbox WHERE seq = ?"),
      after: db.prepare<[number, number], OutboxRow>("SELECT seq, id, category, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?"),
      noticePending: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE type = ?"),
    };
  }

  get db(): Db {
    return this.options.db;
  }

  /** Inserts the event (joining the caller's transaction, if any). Synchronous. */
  record(event: FacegateEvent): void {
    checkEvent(event);
    const message: EventMessage = signDeviceMessage(this.options.signer, "event", {
      v: 2,
      id: event.id,
      type: event.type,
      category: event.category,
      at: event.at,
      site: this.options.identity.site,
      gate: this.options.identity.gate,
      data: event.data,
      auditRelevant: event.auditRelevant === true,
    });
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload, "utf8") > this.maxEventBytes) throw new TransportError("event_too_large", `event ${event.type} is larger than ${this.maxEventBytes} bytes`);
    this.options.db.transaction(() => {
      if (this.count() >= this.maxRows) {
        const victim = this.stmt.oldestDroppable.get();
        if (victim) {
          this.stmt.deleteSeq.run(victim.seq);
          this.stmt.bump.run("dropped");
        } else if (!message.auditRelevant) {
          this.stmt.bump.run("dropped"); // nothing droppable: this event is the one dropped
          return;
        }
      }
      this.stmt.insert.run(message.id, message.type, message.category, message.auditRelevant ? 1 : 0, payload, this.options.clock.now());
    })();
    for (const l of this.listeners) l();
  }

  /** Called after each record() (the row may not be committed yet: read it later). */
  onRecord(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  count(): number {
    return this.stmt.meta.get("count")!.v;
  }

  stats(): { pending: number; dropped: number } {
    return { pending: this.count(), dropped: this.stmt.meta.get("dropped")!.v };
  }

  /** Pending rows with seq > afterSeq, in order. */
  pendingAfter(afterSeq: number, limit: number): OutboxRow[] {
    return this.stmt.after.all(afterSeq, limit);
  }

  /** Removes acknowledged rows, in one transaction. */
  deleteAcked(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.options.db.transaction(() => {
      for (const s of seqs) this.stmt.deleteSeq.run(s);
    })();
  }

  /**
   * If events were dropped since the last notice and no notice is waiting, records a
   * `system.events_dropped` event with the number dropped. Returns true if it did.
   */
  recordDropNoticeIfNeeded(): boolean {
    const db = this.options.db;
    return db.transaction(() => {
      const dropped = this.stmt.meta.get("dropped")!.v;
      const reported = this.stmt.meta.get("dropped_reported")!.v;
      if (dropped <= reported || this.stmt.noticePending.get(DROP_NOTICE_TYPE)!.n > 0) return false;
      this.stmt.setMeta.run(dropped, "dropped_reported");
      this.record({
        id: randomUUID(),
        type: DROP_NOTICE_TYPE,
        category: "system",
        at: this.options.clock.now(),
        data: { dropped: dropped - reported, totalDropped: dropped, maxRows: this.maxRows },
        auditRelevant: true,
      });
      return true;
    })();
  }
}
