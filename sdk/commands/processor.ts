/**
 * The device's command dispatcher: takes the raw bytes of a request, decides whether to
 * run it, runs the registered handler, and returns a result signed by the device key.
 *
 * This is the shell of admission.ts: it gathers the facts about a request, `admit` decides
 * (the order of checks is documented there), and this class signs the answer, audits it
 * and stores it. Every refusal is a signed error result and an audit entry; the device
 * keeps working.
 *
 * Idempotency: an identical command re-sent (same id, same signed content) gets the
 * stored result again; the same id with different content is refused as a replay.
 * Authenticated commands, accepted or refused, are stored by id; unauthenticated ones are
 * not (a forger must not be able to burn an operator's command ids).
 *
 * Every accepted command is audited with the key that signed it before its handler runs
 * (`command.accepted`), and again when it completes (`command.completed`); refusals are
 * audited as `command.rejected` (L8, L12). Audit details hold a hash of the body, never
 * the body: it may carry card numbers or a PIN.
 *
 * Requests refused before they are authenticated (junk, forgeries, replays of nothing)
 * can come from anyone on the broker, as fast as they like: they are counted per claimed
 * source and window (refusal-tally.ts) and audited as one `command.rejected_summary` per
 * source and window, never one entry each; each source gets a bounded number of signed
 * answers per window (`processForLink` returns none beyond it). Nothing of a flood is
 * stored, so the audit log grows by a bounded amount per minute whatever is sent.
 *
 * Commands run one at a time, in arrival order.
 */
import { loadSodium, type Sodium } from "../crypto/sodium.js";
import { FacegateError } from "../errors.js";
import { CommandError } from "../protocol/command-error.js";

import { silentLogger, type Logger } from "../log/logger.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../time/clock.js";
import { canonicalJson, type CommandResultMessage, type CommandType, type GateAddress, isCommandType } from "../protocol/index.js";
import { sha256Hex } from "../crypto/hash.js";
import { type Admission, type AdmissionFacts, type CommandLimits, DEFAULT_COMMAND_LIMITS, type Refusal, admit } from "./admission.js";
import { type RequestIds, gatherFacts } from "./admission-facts.js";
import type { CommandHandler } from "./command-handler.js";
import { CommandStore } from "./command-store.js";
import { signResult } from "../crypto/signatures.js";
import type { OperatorRegistry } from "./operator-registry.js";
import type { AuditSink } from "./ports.js";
import type { Signer as DeviceSigner } from "../crypto/keys.js";
import { assertResultIsSafe } from "./result-guard.js";
import { RefusalTally, type RefusalSummary, type RefusalTallyOptions } from "./refusal-tally.js";

export { type CommandLimits, DEFAULT_COMMAND_LIMITS } from "./admission.js";
export type { CommandContext, CommandHandler } from "./command-handler.js";

export interface CommandProcessorOptions {
  db: Db;
  clock: Clock;
  audit: AuditSink;
  signer: DeviceSigner;
  registry: OperatorRegistry;
  /** The gate's box key: opens command bodies sealed to it (the key hierarchy's openSealed). */
  boxKey: { openSealed(ciphertext: Uint8Array): Uint8Array };
  identity: GateAddress;
  limits?: Partial<CommandLimits>;
  /** How unauthenticated refusals are counted and answered (defaults: 60 s windows, 20 answers per source). */
  refusals?: RefusalTallyOptions;
  logger?: Logger;
}

type AnyHandler = CommandHandler<CommandType>;

/** A processed request: its signed answer (undefined: none is sent), and how to sign one anyway. */
interface Processed {
  answer: CommandResultMessage | undefined;
  result: () => CommandResultMessage;
}

const answered = (r: CommandResultMessage): Processed => ({ answer: r, result: () => r });

const FAILED: Refusal = { code: "command_failed", message: "the command could not be processed", audit: {}, keep: false };

export class CommandProcessor {
  private readonly handlers = new Map<CommandType, AnyHandler>();
  private readonly store: CommandStore;
  private readonly limits: CommandLimits;
  private readonly logger: Logger;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tally: RefusalTally;
  private refused = 0;
  private vouchedAt: number | undefined;

  private constructor(
    private readonly sodium: Sodium,
    private readonly options: CommandProcessorOptions,
  ) {
    this.store = new CommandStore(options.db);
    this.limits = { ...DEFAULT_COMMAND_LIMITS, ...options.limits };
    this.logger = (options.logger ?? silentLogger).child("commands");
    this.tally = new RefusalTally(options.refusals);
  }

  static async create(options: CommandProcessorOptions): Promise<CommandProcessor> {
    return new CommandProcessor(await loadSodium(), options);
  }

  get deviceKeyId(): string {
    return this.options.signer.keyId;
  }

  /** Plugs in the code that runs a command type. One handler per type. */
  registerHandler<T extends CommandType>(type: T, handler: CommandHandler<T>): void {
    if (!isCommandType(type)) throw new CommandError("command_unknown_type", `registerHandler: '${String(type)}' is not a command type of the contract`);
    if (this.handlers.has(type)) throw new CommandError("handler_exists", `registerHandler: '${type}' already has a handler`);
    this.handlers.set(type, handler as unknown as AnyHandler);
  }

  /** Processes one request (the raw MQTT payload); never throws, always a signed result. */
  async process(raw: Uint8Array | string): Promise<CommandResultMessage> {
    const { result, answer } = await this.enqueue(raw, true);
    return answer ?? result();
  }

  /**
   * Processes one request for the MQTT link: the signed result to publish, or undefined
   * when it is an unauthenticated refusal past its source's answers for this window.
   */
  async processForLink(raw: Uint8Array | string): Promise<CommandResultMessage | undefined> {
    const { answer } = await this.enqueue(raw, false);
    return answer;
  }

  /**
   * The latest issue time of an authenticated command this device admitted: a time the
   * operator's clock vouched for (its signature checked, within the allowed skew). The
   * expiry sweep waits for it before deleting many subjects at once (a clock jump).
   */
  get operatorTimeSeen(): number | undefined {
    return this.vouchedAt;
  }

  /** Unauthenticated refusals counted since start (answered or not). */
  get refusalsCounted(): number {
    return this.refused;
  }

  /** Audits the counts of unauthenticated refusals not yet summarised (on stop; also done by prune). */
  flushRefusals(): number {
    return this.auditSummaries(this.tally.flush());
  }

  private enqueue(raw: Uint8Array | string, alwaysAnswer: boolean): Promise<Processed> {
    const run = this.queue.then(() => this.processOne(typeof raw === "string" ? Buffer.from(raw, "utf8") : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), alwaysAnswer));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * At start-up: commands left `pending` by a crash are answered `command_interrupted`
   * (their effect may or may not have committed; the operator checks and re-issues).
   */
  recoverInterrupted(): number {
    const pending = this.store.pending();
    for (const p of pending) {
      const result = this.sign(p.id, p.requestHash, { code: "command_interrupted", message: "the device stopped while running this command; check its effect and re-issue it with a new id" });
      this.options.db.transaction(() => {
        this.store.complete(p.id, result);
        this.options.audit.append({ type: "command.completed", actor: p.keyId, subject: p.id, details: { commandType: p.type, status: "error", code: "command_interrupted" } });
      })();
    }
    return pending.length;
  }

  /** Forgets stored commands whose validity ended long enough ago. */
  prune(): number {
    this.flushRefusals();
    const now = this.options.clock.now();
    return this.store.prune(now - this.limits.maxSkewMs, now);
  }

  private async processOne(bytes: Buffer, alwaysAnswer: boolean): Promise<Processed> {
    const ids: RequestIds = { id: null, requestHash: sha256Hex(bytes) };
    let facts: AdmissionFacts | undefined;
    let admission: Admission;
    try {
      facts = gatherFacts(bytes, ids, { maxBytes: this.limits.maxBytes, clock: this.options.clock, sodium: this.sodium, keys: this.options.registry, commands: this.store, handlers: this.handlers, unseal: (c) => this.options.boxKey.openSealed(c) });
      admission = admit(facts, { identity: this.options.identity, limits: this.limits });
    } catch (err) {
      admission = { verdict: "failed", error: err };
    }
    switch (admission.verdict) {
      case "admitted":
        try {
          return answered(await this.run(admission, facts!, ids.requestHash));
        } catch (err) {
          return answered(this.failed(ids, err));
        }
      case "resend":
        this.logger.info("identical command re-sent; returning its stored result", { commandId: admission.result.commandId });
        return answered(admission.result);
      case "refused":
        return admission.refusal.audit.actor === undefined ? this.tallied(ids, admission.refusal, alwaysAnswer) : answered(this.reject(ids, admission.refusal, facts));
      case "failed":
        return answered(this.failed(ids, admission.error));
    }
  }

  /** An unauthenticated refusal: counted, not audited on its own; answered while its source has answers left. */
  private tallied(ids: RequestIds, r: Refusal, alwaysAnswer: boolean): Processed {
    const now = this.options.clock.now();
    this.refused++;
    const { answer, closed } = this.tally.count(r.audit.claimedKeyId?.slice(0, 64), r.code, now);
    this.auditSummaries(closed);
    const result = () => this.sign(ids.id, ids.requestHash, { code: r.code, message: r.message });
    if (answer) this.logger.warn("command rejected", { code: r.code, commandId: ids.id });
    return { answer: answer || alwaysAnswer ? result() : undefined, result };
  }

  private auditSummaries(summaries: readonly RefusalSummary[]): number {
    if (summaries.length === 0) return 0;
    const { db, audit } = this.options;
    db.transaction(() => {
      for (const s of summaries) audit.append({ type: "command.rejected_summary", details: { source: s.source, from: s.from, to: s.to, count: s.count, codes: s.codes, unanswered: s.unanswered } });
    })();
    const unanswered = summaries.reduce((n, s) => n + s.unanswered, 0);
    if (unanswered > 0) this.logger.warn("unauthenticated commands refused without an answer", { sources: summaries.length, unanswered });
    return summaries.length;
  }

  /** Something that is no refusal went wrong: logged, and answered command_failed. */
  private failed(ids: RequestIds, error: unknown): CommandResultMessage {
    this.logger.error("command processing failed", { error });
    return this.reject(ids, FAILED);
  }

  /** Runs an admitted command: stored as pending and audited before its handler runs, completed after. */
  private async run(admitted: Extract<Admission, { verdict: "admitted" }>, facts: AdmissionFacts, requestHash: string): Promise<CommandResultMessage> {
    const { envelope: env, type, key, body } = admitted;
    this.vouchedAt = Math.max(this.vouchedAt ?? env.issuedAt, env.issuedAt);
    const handler = this.handlers.get(type)!;
    const { now, contentHash } = facts;
    const { db, audit } = this.options;
    db.transaction(() => {
      this.store.insertPending({ id: env.id, contentHash: contentHash!, requestHash, keyId: env.keyId, type, receivedAt: now, expiresAt: env.expiresAt });
      audit.append({
        type: "command.accepted",
        actor: env.keyId,
        subject: env.id,
        details: { commandType: type, role: key.role, keyLabel: key.label, issuedAt: env.issuedAt, expiresAt: env.expiresAt, bodySha256: sha256Hex(canonicalJson(admitted.body)) },
      });
    })();

    let result: CommandResultMessage;
    try {
      const value = await handler.handle(body, { commandId: env.id, type, keyId: env.keyId, role: key.role, issuedAt: env.issuedAt, now });
      assertResultIsSafe(value);
      result = this.sign(env.id, requestHash, undefined, value);
    } catch (err) {
      const error =
        err instanceof FacegateError ? { code: err.code, message: err.message } : { code: "command_failed", message: "the command failed on the device" };
      if (!(err instanceof FacegateError)) this.logger.error("command handler failed", { commandType: type, error: err });
      result = this.sign(env.id, requestHash, error);
    }
    db.transaction(() => {
      this.store.complete(env.id, result);
      audit.append({
        type: "command.completed",
        actor: env.keyId,
        subject: env.id,
        details: { commandType: type, status: result.status, ...(result.error ? { code: result.error.code } : {}) },
      });
    })();
    return result;
  }

  private reject(ids: RequestIds, r: Refusal, facts?: AdmissionFacts): CommandResultMessage {
    const { id, requestHash } = ids;
    const result = this.sign(id, requestHash, { code: r.code, message: r.message });
    const { db, audit, clock } = this.options;
    db.transaction(() => {
      audit.append({
        type: "command.rejected",
        ...(r.audit.actor ? { actor: r.audit.actor } : {}),
        ...(id ? { subject: id } : {}),
        details: {
          code: r.code,
          ...(r.audit.commandType ? { commandType: r.audit.commandType.slice(0, 64) } : {}),
          ...(r.audit.claimedKeyId ? { claimedKeyId: r.audit.claimedKeyId } : {}),
        },
      });
      const read = facts?.envelope;
      if (r.keep && typeof read === "object" && read.ok) {
        const env = read.envelope;
        this.store.insertDone({ id: env.id, contentHash: facts!.contentHash!, requestHash, keyId: env.keyId, type: env.type, receivedAt: clock.now(), expiresAt: env.expiresAt, result });
      }
    })();
    this.logger.warn("command rejected", { code: r.code, commandId: id });
    return result;
  }

  private sign(commandId: string | null, requestHash: string, error?: { code: string; message: string }, value?: unknown): CommandResultMessage {
    const { identity, clock, signer } = this.options;
    return signResult(signer, {
      v: 2,
      site: identity.site,
      gate: identity.gate,
      commandId,
      requestHash,
      status: error ? "error" : "ok",
      ...(error ? { error } : { result: value as CommandResultMessage["result"] }),
      at: clock.now(),
      deviceKeyId: signer.keyId,
    });
  }
}
