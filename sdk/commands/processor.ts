/**
 * The device's command dispatcher: takes the raw bytes of a request, decides whether to
 * run it, runs the registered handler, and returns a result signed by the device key.
 *
 * Order of checks (each failure is a signed error result and an audit entry; the device
 * keeps working):
 *   size -> JSON -> envelope shape/unknown fields -> signed at all -> addressed to this
 *   gate -> key known and active -> signature -> [authenticated from here] id replay or
 *   idempotent re-send -> issued/expiry window -> type known -> role -> body -> handler.
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
 * Commands run one at a time, in arrival order.
 */
import { loadSodium, type Sodium } from "../crypto/sodium.js";
import { FacegateError } from "../errors.js";
import { CommandError } from "../protocol/command-error.js";

import { silentLogger, type Logger } from "../log/logger.js";
import type { Db } from "../store/database.js";
import type { Clock } from "../time/clock.js";
import { canonicalJson, claimedId, COMMAND_ROLES, type CommandBodies, type CommandEnvelope, type CommandResultMessage, type CommandResults, type CommandType, type GateAddress, isCommandType, type OperatorRole, parseEnvelope, validateBody } from "../protocol/index.js";
import { sha256Hex } from "../crypto/hash.js";
import { CommandStore } from "./command-store.js";
import { signResult, verifyCommandSignature } from "../crypto/signatures.js";
import type { OperatorRegistry } from "./operator-registry.js";
import type { AuditSink } from "./ports.js";
import type { Signer as DeviceSigner } from "../crypto/keys.js";
import { assertResultIsSafe } from "./result-guard.js";

export interface CommandContext {
  commandId: string;
  type: CommandType;
  /** The operator key that signed; name it in the handler's own audit entries (L12). */
  keyId: string;
  role: OperatorRole;
  issuedAt: number;
  /** Device time when the command was accepted. */
  now: number;
}

export interface CommandHandler<T extends CommandType> {
  /** Checks beyond the contract's body validator (e.g. the policy schema); throw CommandError. */
  validate?(body: CommandBodies[T]): void;
  /**
   * Does the work. Throw a FacegateError to answer with its code and message. Handlers
   * that can be interrupted (device killed mid-way) must be safe to run again for the same
   * `ctx.commandId`: an interrupted command is answered `command_interrupted` and the
   * operator re-issues it with a new id.
   */
  handle(body: CommandBodies[T], ctx: CommandContext): CommandResults[T] | Promise<CommandResults[T]>;
}

export interface CommandLimits {
  /** Largest request accepted, bytes. Default 2.5 MiB (a sealed enrollment photo fits). */
  maxBytes: number;
  /** How far in the future `issuedAt` may be (clock skew). Default 5 min. */
  maxSkewMs: number;
  /** Longest allowed `expiresAt - issuedAt`. Default 24 h. */
  maxTtlMs: number;
}

export const DEFAULT_COMMAND_LIMITS: CommandLimits = { maxBytes: 2_621_440, maxSkewMs: 5 * 60_000, maxTtlMs: 24 * 3_600_000 };

export interface CommandProcessorOptions {
  db: Db;
  clock: Clock;
  audit: AuditSink;
  signer: DeviceSigner;
  registry: OperatorRegistry;
  identity: GateAddress;
  limits?: Partial<CommandLimits>;
  logger?: Logger;
}

type AnyHandler = CommandHandler<CommandType>;

class Rejection extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly audit: { actor?: string; claimedKeyId?: string; commandType?: string },
    readonly store?: { envelope: CommandEnvelope; contentHash: string },
  ) {
    super(message);
  }
}

export class CommandProcessor {
  private readonly handlers = new Map<CommandType, AnyHandler>();
  private readonly store: CommandStore;
  private readonly limits: CommandLimits;
  private readonly logger: Logger;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly sodium: Sodium,
    private readonly options: CommandProcessorOptions,
  ) {
    this.store = new CommandStore(options.db);
    this.limits = { ...DEFAULT_COMMAND_LIMITS, ...options.limits };
    this.logger = (options.logger ?? silentLogger).child("commands");
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
  process(raw: Uint8Array | string): Promise<CommandResultMessage> {
    const run = this.queue.then(() => this.processOne(typeof raw === "string" ? Buffer.from(raw, "utf8") : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)));
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
    return this.store.prune(this.options.clock.now() - this.limits.maxSkewMs);
  }

  private async processOne(bytes: Buffer): Promise<CommandResultMessage> {
    let id: string | null = null;
    let requestHash = sha256Hex(bytes);
    try {
      if (bytes.byteLength > this.limits.maxBytes) {
        throw new Rejection("command_oversized", `command is ${bytes.byteLength} bytes; the limit is ${this.limits.maxBytes}`, {});
      }
      let raw: unknown;
      try {
        raw = JSON.parse(bytes.toString("utf8"));
      } catch {
        throw new Rejection("command_malformed", "command is not valid JSON", {});
      }
      id = claimedId(raw);
      try {
        requestHash = sha256Hex(canonicalJson(raw));
      } catch {
        // Not canonicalisable (e.g. a number out of range): keep the hash of the raw bytes.
      }
      return await this.authenticated(raw, requestHash);
    } catch (err) {
      if (err instanceof Rejection) return this.reject(id, requestHash, err);
      this.logger.error("command processing failed", { error: err });
      return this.reject(id, requestHash, new Rejection("command_failed", "the command could not be processed", {}));
    }
  }

  private async authenticated(raw: unknown, requestHash: string): Promise<CommandResultMessage> {
    const { registry, identity, clock } = this.options;
    let env: CommandEnvelope;
    try {
      env = parseEnvelope(raw);
    } catch (err) {
      const e = err as CommandError;
      throw new Rejection(e.code, e.message, {});
    }
    const claimed = { claimedKeyId: env.keyId, commandType: env.type };
    if (env.site !== identity.site || env.gate !== identity.gate) {
      throw new Rejection("command_misaddressed", `command is addressed to ${env.site}/${env.gate}, this is ${identity.site}/${identity.gate}`, claimed);
    }
    const key = registry.get(env.keyId);
    if (!key) throw new Rejection("command_unknown_key", `key ${env.keyId} is not an operator key of this device`, claimed);
    if (!verifyCommandSignature(this.sodium, env, key.publicKey)) throw new Rejection("command_bad_signature", "the signature does not verify", claimed);
    // Authenticated from here: the key holder really sent this.
    const { signature: _sig, ...unsigned } = env;
    const contentHash = sha256Hex(canonicalJson(unsigned));
    const who = { actor: env.keyId, commandType: env.type };
    const stored = this.store.get(env.id);
    if (stored) {
      if (stored.contentHash !== contentHash || stored.keyId !== env.keyId) {
        throw new Rejection("command_replayed", `command id ${env.id} was already used for a different command`, who);
      }
      if (stored.result) {
        this.logger.info("identical command re-sent; returning its stored result", { commandId: env.id });
        return stored.result;
      }
      throw new Rejection("command_replayed", `command ${env.id} is still running`, who);
    }
    const store = { envelope: env, contentHash };
    // A removed key's old signatures stay valid cryptographically; the key may not act now.
    if (key.removedAt !== null) throw new Rejection("command_key_revoked", `key ${env.keyId} was removed from this device`, who, store);
    const now = clock.now();
    if (env.issuedAt > now + this.limits.maxSkewMs) throw new Rejection("command_not_yet_valid", "command is issued in the future (check the operator's clock)", who, store);
    if (env.expiresAt <= now) throw new Rejection("command_expired", "command has expired", who, store);
    if (env.expiresAt - env.issuedAt > this.limits.maxTtlMs || env.expiresAt <= env.issuedAt) {
      throw new Rejection("command_ttl_too_long", `command validity must be positive and at most ${this.limits.maxTtlMs} ms`, who, store);
    }
    if (!isCommandType(env.type)) throw new Rejection("command_unknown_type", `unknown command type '${env.type}'`, who, store);
    const type = env.type;
    if (!COMMAND_ROLES[type].includes(key.role)) throw new Rejection("command_forbidden", `role ${key.role} may not issue ${type}`, who, store);
    const handler = this.handlers.get(type);
    let body: CommandBodies[CommandType];
    try {
      body = validateBody(type, env.body);
      handler?.validate?.(body);
    } catch (err) {
      if (!(err instanceof FacegateError)) throw err;
      throw new Rejection(err.code === "command_unknown_field" ? "command_unknown_field" : "command_invalid_body", err.message, who, store);
    }
    if (!handler) throw new Rejection("command_unsupported", `this device has no handler for ${type} yet`, who, store);

    const { db, audit } = this.options;
    db.transaction(() => {
      this.store.insertPending({ id: env.id, contentHash, requestHash, keyId: env.keyId, type, receivedAt: now, expiresAt: env.expiresAt });
      audit.append({
        type: "command.accepted",
        actor: env.keyId,
        subject: env.id,
        details: { commandType: type, role: key.role, keyLabel: key.label, issuedAt: env.issuedAt, expiresAt: env.expiresAt, bodySha256: sha256Hex(canonicalJson(env.body)) },
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

  private reject(id: string | null, requestHash: string, r: Rejection): CommandResultMessage {
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
      if (r.store) {
        const env = r.store.envelope;
        this.store.insertDone({ id: env.id, contentHash: r.store.contentHash, requestHash, keyId: env.keyId, type: env.type, receivedAt: clock.now(), expiresAt: env.expiresAt, result });
      }
    })();
    this.logger.warn("command rejected", { code: r.code, commandId: id });
    return result;
  }

  private sign(commandId: string | null, requestHash: string, error?: { code: string; message: string }, value?: unknown): CommandResultMessage {
    const { identity, clock, signer } = this.options;
    return signResult(signer, {
      v: 1,
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
