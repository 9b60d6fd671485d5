/**
 * Moves events from the outbox to the broker: reads pending rows in order, publishes them
 * at QoS 1 with up to `window` unacknowledged at once, and deletes a row only after its
 * PUBACK (deletes are batched into one transaction). Nothing else removes a row, so an
 * event survives a broker restart, a lost connection or a device crash, and is published
 * again: delivery is at least once, and consumers drop duplicates by event id.
 *
 * On every disconnect the window is forgotten and publishing restarts from the oldest
 * pending row, so rows that were in flight are sent again (duplicates, never gaps).
 * Rows are read only when no transaction is open on the connection, so an event whose
 * transaction later rolls back is never published.
 */
import { silentLogger, type Logger } from "../log/logger.js";
import type { MqttConnection } from "./connection.js";
import type { GateTopics } from "../protocol/index.js";
import type { Outbox } from "./outbox.js";

export interface OutboxPublisherOptions {
  outbox: Outbox;
  connection: MqttConnection;
  topics: GateTopics;
  /** Unacknowledged publishes allowed at once. Default 128. */
  window?: number;
  /** Acknowledged rows deleted per transaction, at most. Default 512. */
  deleteBatch?: number;
  /**
   * Acknowledged rows are deleted when `deleteBatch` have gathered or this long after the
   * first, whichever comes first (each delete is an fsync'd transaction; batching leaves
   * the disk to the transactions that record events). Default 100 ms.
   */
  ackFlushMs?: number;
  /** Safety poll, ms. Default 1000. */
  pollMs?: number;
  /** A publish unacknowledged this long while connected restarts the window. Default 30 s. */
  inflightTimeoutMs?: number;
  logger?: Logger;
}

export interface PublisherStats {
  published: number;
  acknowledged: number;
  inFlight: number;
  restarts: number;
}

export class OutboxPublisher {
  private readonly window: number;
  private readonly deleteBatch: number;
  private readonly logger: Logger;
  private readonly inflight = new Map<number, number>(); // seq -> sent at (ms, monotonic)
  private acked: number[] = [];
  private cursor = 0;
  private generation = 0;
  private scheduled = false;
  private pausedUntil = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private running = false;
  private poll: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly counters = { published: 0, acknowledged: 0, restarts: 0 };
  private readonly onConnect = (): void => this.schedule();
  private readonly onClose = (): void => this.restartWindow("connection closed");

  constructor(private readonly options: OutboxPublisherOptions) {
    this.window = options.window ?? 128;
    this.deleteBatch = options.deleteBatch ?? 512;
    this.logger = (options.logger ?? silentLogger).child("outbox");
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.connection.on("connect", this.onConnect);
    this.options.connection.on("close", this.onClose);
    this.unsubscribe = this.options.outbox.onRecord(() => this.schedule());
    this.poll = setInterval(() => this.tick(), this.options.pollMs ?? 1000);
    this.poll.unref();
    this.schedule();
  }

  /** Stops publishing; acknowledged rows are deleted first. Unacknowledged rows stay. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.options.connection.off("connect", this.onConnect);
    this.options.connection.off("close", this.onClose);
    this.unsubscribe?.();
    if (this.poll) clearInterval(this.poll);
    this.flushAcks(true);
    this.generation++;
    this.inflight.clear();
  }

  stats(): PublisherStats {
    return { ...this.counters, inFlight: this.inflight.size };
  }

  /** Resolves when the outbox is empty and nothing is in flight (tests, benchmarks, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Asks for a publishing round soon (after the current transaction has committed). */
  schedule(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private isIdle(): boolean {
    return this.inflight.size === 0 && this.acked.length === 0 && this.options.outbox.count() === 0;
  }

  private tick(): void {
    const timeout = this.options.inflightTimeoutMs ?? 30_000;
    const now = performance.now();
    for (const sentAt of this.inflight.values()) {
      if (now - sentAt > timeout) {
        this.restartWindow("publish not acknowledged in time");
        break;
      }
    }
    this.schedule();
  }

  private restartWindow(why: string): void {
    if (this.inflight.size > 0) this.logger.info("republishing from the oldest pending event", { reason: why, inFlight: this.inflight.size });
    this.generation++;
    this.inflight.clear();
    this.cursor = 0;
    this.counters.restarts++;
  }

  private pump(): void {
    const { outbox, connection, topics } = this.options;
    if (!this.running) return;
    if (outbox.db.inTransaction) {
      setTimeout(() => this.schedule(), 1).unref();
      return;
    }
    // Before reading from the oldest row again, forget rows already acknowledged.
    this.flushAcks(this.cursor === 0);
    if (!connection.connected) return;
    const wait = this.pausedUntil - performance.now();
    if (wait > 0) {
      setTimeout(() => this.schedule(), wait).unref();
      return;
    }
    outbox.recordDropNoticeIfNeeded();
    const generation = this.generation;
    while (this.inflight.size < this.window) {
      const rows = outbox.pendingAfter(this.cursor, this.window - this.inflight.size);
      if (rows.length === 0) break;
      for (const row of rows) {
        this.cursor = row.seq;
        this.inflight.set(row.seq, performance.now());
        this.counters.published++;
        connection.publishWithCallback(topics.event(row.category), Buffer.from(row.payload, "utf8"), 1, (err) => this.settled(row.seq, generation, err));
      }
    }
    if (this.isIdle()) this.wakeIdle();
  }

  private settled(seq: number, generation: number, err: Error | undefined): void {
    if (!err) {
      // A PUBACK is an acknowledgement whichever window sent it.
      this.acked.push(seq);
      this.counters.acknowledged++;
      this.flushAcks(false);
    } else if (generation === this.generation) {
      // e.g. a PUBACK with an error reason code: retry from the oldest row, after a pause.
      this.logger.warn("publish failed; will retry", { error: err });
      this.restartWindow("publish failed");
      this.pausedUntil = performance.now() + 1000;
    }
    if (generation === this.generation) this.inflight.delete(seq);
    this.schedule();
  }

  private flushAcks(force: boolean): void {
    if (this.acked.length === 0) return;
    if (!this.options.outbox.db.open) {
      // Acknowledged after the device closed its database (a PUBACK during shutdown): the
      // rows stay and are published again at the next start; consumers drop them by id.
      this.acked = [];
      if (this.ackTimer) clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
      return;
    }
    if (this.options.outbox.db.inTransaction) {
      this.schedule();
      return;
    }
    // Once stopped, no timer: the database may be closed by the time it would fire.
    if (!force && this.running && this.acked.length < this.deleteBatch) {
      this.ackTimer ??= setTimeout(() => {
        this.ackTimer = undefined;
        this.flushAcks(true);
        if (this.isIdle()) this.wakeIdle();
      }, this.options.ackFlushMs ?? 100);
      return;
    }
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const batch = this.acked;
    this.acked = [];
    this.options.outbox.deleteAcked(batch);
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
