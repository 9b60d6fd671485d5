/**
 * Collects every gate's audit log for the site (issue 13 item 5, L8, L12), incrementally:
 * from the store's cursor (last position and hash checked), the gate is asked over
 * `audit.export` for what came after, chunk by chunk, each chunk a signed command with a
 * result verified against the gate's pinned key. The new entries are checked with
 * sdk/audit's verifyAuditChain from the cursor (positions without gaps, hash links from the
 * stored head, the gate's signed checkpoint over the new head, times that do not run back)
 * and stored with a compare-and-set on the cursor, so of two instances collecting the same
 * gate only one stores the chunk.
 *
 * A break (a chunk that does not continue the stored head, a bad signature, a gap, a log
 * shorter than what was checked, times running back) marks the cursor broken with its
 * detail, once (since-when is the first time), and raises an `audit_chain_broken` alarm
 * that stays until an operator acknowledges it. A broken gate is not collected further:
 * nothing after the break can be trusted. A gate that does not answer is no break: it is
 * tried again next round.
 */
import { verifyAuditChain } from "../../audit/audit-verify.js";
import { verifyDetached } from "../../crypto/keys.js";
import { loadSodium } from "../../crypto/sodium.js";
import type { AuditCheckpoint, AuditEntry, AuditExportResult } from "../../protocol/index.js";
import { MAX_AUDIT_EXPORT_LIMIT } from "../../protocol/index.js";
import type { Clock } from "../../time/clock.js";
import type { Timers } from "../../time/timers.js";
import type { Logger } from "../../log/logger.js";
import type { AuditCursorRow, SiteStore } from "../store/site-store.js";
import { SiteServiceError } from "./site-service-error.js";

export interface AuditCollectorOptions {
  store: SiteStore;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** Sends one `audit.export` to the gate and returns its result, verified against the gate's pinned key (or throws). */
  fetchChunk(gateId: string, offset: number, limit: number): Promise<AuditExportResult>;
  /** The gate's pinned signing key; undefined for a gate the service does not know. */
  gateKey(gateId: string): Uint8Array | undefined;
  /** The gates to collect from in a round (default: every registered gate). */
  gateIds(): Promise<string[]>;
  /** Entries asked for per chunk. Default 500 (the protocol's largest). */
  chunk?: number;
  /** Periodic collection; absent or 0: on demand only. */
  intervalMs?: number;
  /** Stops a runaway fetch; default 1,000 chunks per gate and round. */
  maxChunks?: number;
}

export type AuditCollectOutcome =
  | { gateId: string; outcome: "advanced"; from: number; to: number }
  | { gateId: string; outcome: "unchanged"; at: number }
  | { gateId: string; outcome: "moved_by_other"; from: number }
  | { gateId: string; outcome: "broken"; detail: string; since: number }
  | { gateId: string; outcome: "unreachable"; error: string };

export interface AuditChainStatus {
  gateId: string;
  state: "unchecked" | "ok" | "broken";
  lastSequence: number;
  lastEntryHash: string | null;
  verifiedAt: number | null;
  brokenDetail: string | null;
  brokenAt: number | null;
  acknowledgedAt: number | null;
}

export interface AuditAlarm {
  kind: "audit_chain_broken";
  gateId: string;
  since: number;
  detail: string;
}

export class AuditCollector {
  private readonly running = new Map<string, Promise<AuditCollectOutcome>>();
  private timer: unknown;
  private stopped = true;

  constructor(private readonly o: AuditCollectorOptions) {}

  /** Starts the periodic rounds (when an interval is configured). */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.o.timers.clearTimer(this.timer);
  }

  /** One round now: every gate (or just `gateId`), each at most once at a time. */
  async collect(gateId?: string): Promise<AuditCollectOutcome[]> {
    const ids = gateId !== undefined ? [gateId] : await this.o.gateIds();
    if (gateId !== undefined && !this.o.gateKey(gateId)) throw new SiteServiceError("site_gate_unknown", `no gate ${gateId} in this site`);
    return Promise.all(ids.map((id) => this.collectOne(id)));
  }

  async status(gateId?: string): Promise<AuditChainStatus[]> {
    const ids = gateId !== undefined ? [gateId] : await this.o.gateIds();
    const out: AuditChainStatus[] = [];
    for (const id of ids) out.push(chainStatus(await this.o.store.getAuditCursor(id)));
    return out;
  }

  /** Broken chains not acknowledged since they broke. */
  async alarms(): Promise<AuditAlarm[]> {
    const out: AuditAlarm[] = [];
    for (const s of await this.status()) {
      if (s.state === "broken" && s.acknowledgedAt === null) out.push({ kind: "audit_chain_broken", gateId: s.gateId, since: s.brokenAt!, detail: s.brokenDetail ?? "" });
    }
    return out;
  }

  async acknowledge(gateId: string): Promise<void> {
    await this.o.store.acknowledgeAuditBroken(gateId, this.o.clock.now());
    this.o.logger.info("broken audit chain acknowledged", { gate: gateId });
  }

  private schedule(): void {
    const every = this.o.intervalMs ?? 0;
    if (this.stopped || every <= 0) return;
    this.timer = this.o.timers.setTimer(() => {
      void this.collect()
        .catch((err: unknown) => this.o.logger.warn("audit collection round failed", { error: err }))
        .finally(() => this.schedule());
    }, every);
  }

  private collectOne(gateId: string): Promise<AuditCollectOutcome> {
    const running = this.running.get(gateId);
    if (running) return running;
    const run = this.fetchAndCheck(gateId).finally(() => this.running.delete(gateId));
    this.running.set(gateId, run);
    return run;
  }

  private async fetchAndCheck(gateId: string): Promise<AuditCollectOutcome> {
    const key = this.o.gateKey(gateId);
    const cursor = await this.o.store.getAuditCursor(gateId);
    if (cursor.broken) return { gateId, outcome: "broken", detail: cursor.brokenDetail ?? "", since: cursor.brokenAt! };
    if (!key) return { gateId, outcome: "unreachable", error: "the gate's key is not loaded" };
    const from = cursor.lastSequence;
    const limit = Math.min(this.o.chunk ?? MAX_AUDIT_EXPORT_LIMIT, MAX_AUDIT_EXPORT_LIMIT);
    const entries: AuditEntry[] = [];
    let checkpoints: AuditCheckpoint[] = [];
    let total = 0;
    try {
      let offset: number | null = from;
      for (let chunks = 0; offset !== null; chunks++) {
        if (chunks >= (this.o.maxChunks ?? 1_000)) break;
        const r: AuditExportResult = await this.o.fetchChunk(gateId, offset, limit);
        if (r.offset !== offset) return this.broken(gateId, `asked for entries after ${offset}, the gate answered from ${r.offset}`);
        if (r.nextOffset !== null && r.nextOffset <= offset) return this.broken(gateId, `the gate made no progress after entry ${offset}`);
        entries.push(...r.entries);
        total = r.total;
        if (r.nextOffset === null) checkpoints = r.checkpoints ?? [];
        offset = r.nextOffset;
        if (offset === null) break;
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.o.logger.info("audit log not fetched; tried again next round", { gate: gateId, error });
      return { gateId, outcome: "unreachable", error };
    }
    if (total < from) return this.broken(gateId, `the gate's log has ${total} entries, ${from} were checked before (entries removed or the log replaced)`);
    // The gate signs its head when it answers: one at the stored head must be the stored hash.
    const atHead = checkpoints.find((c) => c.seq === from);
    if (from > 0 && atHead && atHead.head !== cursor.lastEntryHash) return this.broken(gateId, `the gate signed another head at entry ${from} than the one checked before (the log was rewritten)`);
    if (entries.length === 0) {
      if (total > from) return this.broken(gateId, `the gate has ${total} entries but sent none after ${from}`);
      return { gateId, outcome: "unchanged", at: from };
    }
    const headEntry = from > 0 ? (await this.o.store.auditEntries(gateId, { fromSeq: from, toSeq: from }))[0] : undefined;
    const sodium = await loadSodium();
    const v = verifyAuditChain({
      entries,
      checkpoints,
      publicKey: key,
      verify: (m, s, pk) => verifyDetached(sodium, s, m, pk),
      ...(from > 0 ? { start: { seq: from, hash: cursor.lastEntryHash ?? "", ...(headEntry ? { at: headEntry.at } : {}) } } : {}),
    });
    if (!v.ok) return this.broken(gateId, `entry ${v.firstBroken!.seq}: ${v.firstBroken!.reason}`);
    const stored = await this.o.store.appendAuditEntries(gateId, { fromSequence: from, entries, checkpoints, verifiedAt: this.o.clock.now() });
    if (!stored) return { gateId, outcome: "moved_by_other", from };
    return { gateId, outcome: "advanced", from, to: entries[entries.length - 1]!.seq };
  }

  private async broken(gateId: string, detail: string): Promise<AuditCollectOutcome> {
    const cursor = await this.o.store.getAuditCursor(gateId);
    if (cursor.broken) return { gateId, outcome: "broken", detail: cursor.brokenDetail ?? detail, since: cursor.brokenAt! };
    const at = this.o.clock.now();
    await this.o.store.markAuditBroken(gateId, detail, at);
    this.o.logger.warn("a gate's audit chain is broken; alarm raised", { gate: gateId, detail });
    return { gateId, outcome: "broken", detail, since: at };
  }
}

function chainStatus(c: AuditCursorRow): AuditChainStatus {
  return {
    gateId: c.gateId,
    state: c.broken ? "broken" : c.verifiedAt === null ? "unchecked" : "ok",
    lastSequence: c.lastSequence,
    lastEntryHash: c.lastEntryHash,
    verifiedAt: c.verifiedAt,
    brokenDetail: c.brokenDetail,
    brokenAt: c.brokenAt,
    acknowledgedAt: c.acknowledgedAt,
  };
}
