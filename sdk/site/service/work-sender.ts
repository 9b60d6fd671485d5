/**
 * Sends each gate its pending work and settles it from the gate's signed results.
 *
 * Per gate, one item at a time, in the store's order (deletions first, then oldest
 * first), and only while the gate's retained state says it is online. Each item becomes
 * a command signed by the service's operator key with its secrets sealed to THAT gate's
 * box key; the item remembers the command id it waits on (`markWorkSent`).
 *
 * Results come from one subscription to every result topic of the site
 * (OperatorClient.watchResults), believed only when signed by the gate's pinned key.
 * A result settles its item when the command id is one this item was sent under and the
 * item has not moved on since (new content queued for it), and the request hash is the
 * one sent. So an answer that arrives late (the gate went away and came back, the broker
 * kept the command) still counts, and an answer to stale content does not.
 *
 * A command not answered in `commandTimeoutMs` leaves its item `sent`; the retry tick
 * (and a gate coming back online) puts sent items back to pending. A pending item is sent
 * again with the same envelope while that is still valid (the gate is idempotent by
 * command id), else re-built and re-signed: new issue time, new id.
 */
import { canonicalJson, type CommandEnvelope, type CommandResultMessage } from "../../protocol/index.js";
import { sha256Hex } from "../../crypto/hash.js";
import { buildCommand, type SigningKey } from "../../operator/command-builder.js";
import type { OperatorClient } from "../../operator/operator-client.js";
import type { Clock } from "../../time/clock.js";
import type { Timers } from "../../time/timers.js";
import type { Logger } from "../../log/logger.js";
import { FacegateError } from "../../errors.js";
import type { SiteStore, WorkKey, WorkRow } from "../store/site-store.js";
import { type GateView, type WorkCommandContext, workCommand } from "./work-command.js";
import type { WorkClaims } from "./work-claims.js";

/** Errors after which the same work is simply tried again with a new command. */
const RETRY_CODES = new Set(["command_expired", "command_interrupted", "command_not_yet_valid"]);

export interface SenderGate extends GateView {
  online: boolean;
  signPublicKey: Uint8Array;
  boxPublicKey: Uint8Array;
}

export interface WorkSenderOptions {
  siteId: string;
  store: SiteStore;
  op: OperatorClient;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  key: SigningKey;
  /** The key of the operator who asked for this work, when another than `key` (L12); absent: `key`. */
  keyFor?(item: WorkKey): SigningKey | undefined;
  randomId: () => string;
  gate(gateId: string): SenderGate | undefined;
  collectedBy: string;
  sealedPhoto(item: WorkRow): string | undefined;
  /** Template sync's part of building commands (template-relay.ts). */
  sync?: WorkCommandContext["sync"];
  /** Called with a successful result before its item is marked applied; throw a FacegateError to fail the item instead. */
  onApplied(item: WorkRow, result: CommandResultMessage): Promise<void>;
  /** Called when an item ends (applied or failed): the service drops what it held for it. */
  onSettled(item: WorkKey): void;
  commandTtlMs: number;
  commandTimeoutMs: number;
  /** Work shared with other instances on the database: items are claimed before they are sent (work-claims.ts). */
  claims?: WorkClaims;
}

interface Sent {
  key: WorkKey;
  generation: number;
  requestHash: string;
  envelope: CommandEnvelope;
}

export const keyString = (k: WorkKey): string => `${k.gateId}\u0000${k.kind}\u0000${k.subjectRef}`;

export class WorkSender {
  /** Every command id sent and not yet settled. */
  private readonly sent = new Map<string, Sent>();
  /** The latest envelope per item, re-sent as is while valid. */
  private readonly latest = new Map<string, Sent>();
  private readonly generations = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private readonly draining = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private stopped = false;
  /** Results refused: unknown command, stale content, another request's hash. */
  ignoredResults = 0;

  constructor(private readonly o: WorkSenderOptions) {}

  /** New content was queued for this item: results of commands sent before no longer settle it. */
  moveOn(key: WorkKey): void {
    const k = keyString(key);
    this.generations.set(k, (this.generations.get(k) ?? 0) + 1);
    this.latest.delete(k);
  }

  /** Sends the gate's pending work, unless that is already under way (then once more after). */
  kick(gateId: string): Promise<void> {
    const running = this.draining.get(gateId);
    if (running) {
      this.again.add(gateId);
      return running;
    }
    const run = this.drain(gateId)
      .catch((err: unknown) => this.o.logger.error("sending work failed", { gate: gateId, error: err }))
      .finally(() => {
        this.draining.delete(gateId);
        if (this.again.delete(gateId) && !this.stopped) void this.kick(gateId);
      });
    this.draining.set(gateId, run);
    return run;
  }

  /** Whether work is being sent to the gate right now. */
  busy(gateId: string): boolean {
    return this.draining.has(gateId);
  }

  /** Resolves when no gate is being sent to. */
  async idle(): Promise<void> {
    while (this.draining.size > 0) await Promise.all([...this.draining.values()]);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.waiters.values()) w();
  }

  private async drain(gateId: string): Promise<void> {
    for (;;) {
      const gate = this.o.gate(gateId);
      if (this.stopped || !gate?.online) return;
      const item = this.o.claims ? await this.o.claims.next(gateId) : (await this.o.store.nextWork(gateId, 1))[0];
      if (!item) return;
      if (!(await this.sendOne(item, gate))) return;
    }
  }

  /** Sends one item and waits for its answer; false when it went unanswered (stop sending to this gate for now). */
  private async sendOne(item: WorkRow, gate: SenderGate): Promise<boolean> {
    const k = keyString(item);
    let sent = this.latest.get(k);
    const now = this.o.clock.now();
    if (!sent || sent.envelope.expiresAt - now < this.o.commandTimeoutMs) {
      let command;
      try {
        command = await workCommand(item, { store: this.o.store, gate, collectedBy: this.o.collectedBy, sealedPhoto: this.o.sealedPhoto, ...(this.o.sync ? { sync: this.o.sync } : {}) });
      } catch (err) {
        await this.fail(item, err);
        return true;
      }
      const envelope = await buildCommand({
        site: this.o.siteId,
        gate: gate.gateId,
        type: command.type,
        body: command.body,
        key: this.o.keyFor?.(item) ?? this.o.key,
        sealTo: gate.boxPublicKey,
        clock: this.o.clock,
        ttlMs: this.o.commandTtlMs,
        id: this.o.randomId(),
      });
      sent = { key: { subjectRef: item.subjectRef, gateId: item.gateId, kind: item.kind }, generation: this.generations.get(k) ?? 0, requestHash: sha256Hex(canonicalJson(envelope)), envelope };
      this.latest.set(k, sent);
      this.sent.set(envelope.id, sent);
    }
    const claim = this.o.claims ? await this.o.claims.hold(sent.key) : undefined;
    if (claim && !claim.held) return true; // another instance took it over
    try {
      return await this.post(sent, item, gate, now);
    } finally {
      claim?.release();
    }
  }

  private async post(sent: Sent, item: WorkRow, gate: SenderGate, now: number): Promise<boolean> {
    const id = sent.envelope.id;
    await this.o.store.markWorkSent(sent.key, id, now);
    const answered = new Promise<void>((resolve) => this.waiters.set(id, resolve));
    let timer: unknown;
    const timedOut = new Promise<"timeout">((resolve) => (timer = this.o.timers.setTimer(() => resolve("timeout"), this.o.commandTimeoutMs)));
    try {
      await this.o.op.post(sent.envelope);
    } catch (err) {
      this.o.timers.clearTimer(timer);
      this.waiters.delete(id);
      this.o.logger.warn("could not send a command; the work stays queued", { gate: gate.gateId, commandId: id, error: err });
      return false;
    }
    const outcome = await Promise.race([answered.then(() => "answered" as const), timedOut]);
    this.o.timers.clearTimer(timer);
    this.waiters.delete(id);
    if (outcome === "timeout") this.o.logger.info("no answer yet; the work is sent again when the gate is back", { gate: gate.gateId, commandId: id, kind: item.kind });
    return outcome === "answered" && !this.stopped;
  }

  /** A verified result from the gate it names (signature checked by watchResults against the pinned key). */
  async onResult(msg: CommandResultMessage): Promise<void> {
    const id = msg.commandId;
    const sent = id ? this.sent.get(id) : undefined;
    let key: WorkKey | undefined = sent?.key;
    if (sent) {
      const current = this.generations.get(keyString(sent.key)) ?? 0;
      if (sent.generation !== current || msg.requestHash !== sent.requestHash || msg.gate !== sent.key.gateId) key = undefined;
    } else if (id) {
      // Sent by an earlier run of the service: only the command id the store remembers counts.
      const row = await this.o.store.workByCommand(id);
      if (row && row.gateId === msg.gate) key = row;
    }
    const item = key ? await this.o.store.getWork(key) : null;
    if (!item || item.state === "applied" || item.state === "failed") {
      this.ignoredResults++;
      if (id) this.waiters.get(id)?.();
      return;
    }
    try {
      if (msg.status === "ok") {
        try {
          await this.o.onApplied(item, msg);
          await this.o.store.markWorkApplied(item, this.o.clock.now());
          this.settled(item);
        } catch (err) {
          await this.fail(item, err);
        }
      } else if (msg.error && RETRY_CODES.has(msg.error.code)) {
        this.latest.delete(keyString(item));
        await this.o.store.queueWork({ subjectRef: item.subjectRef, gateId: item.gateId, kind: item.kind, ref: item.ref, at: this.o.clock.now() });
        this.o.logger.info("the gate refused a stale command; it is re-signed", { gate: item.gateId, code: msg.error.code });
      } else {
        await this.fail(item, msg.error ?? { code: "command_failed", message: "the gate answered error without a reason" });
      }
    } finally {
      if (id) this.waiters.get(id)?.();
    }
  }

  private async fail(item: WorkRow, err: unknown): Promise<void> {
    const e = err instanceof FacegateError ? { code: err.code, message: err.message } : isCodeMessage(err) ? err : { code: "site_work_failed", message: "the work could not be done" };
    await this.o.store.markWorkFailed(item, e, this.o.clock.now());
    this.o.logger.warn("work failed at a gate", { gate: item.gateId, kind: item.kind, code: e.code });
    this.settled(item);
  }

  private settled(key: WorkKey): void {
    const k = keyString(key);
    for (const [id, s] of this.sent) if (keyString(s.key) === k) this.sent.delete(id);
    this.latest.delete(k);
    this.o.onSettled(key);
  }
}

function isCodeMessage(v: unknown): v is { code: string; message: string } {
  return typeof v === "object" && v !== null && typeof (v as { code?: unknown }).code === "string" && typeof (v as { message?: unknown }).message === "string";
}
