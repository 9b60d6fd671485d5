/**
 * Command admission, pure: whether the device runs a request and, if not, why. The
 * processor (processor.ts) is the shell: it gathers the facts (the JSON, the envelope,
 * the key as the registry knows it, whether the signature verifies, the command stored
 * under the same id, the time, the handler's own body check), `admit` decides, and the
 * processor signs, audits, stores and runs.
 *
 * Order of checks (the first that fails is the answer):
 *   size -> nesting -> JSON -> envelope shape/unknown fields -> signed at all -> addressed
 *   to this gate -> key known -> signature -> [authenticated from here] device clock not
 *   behind the last time it saw commands -> id replay or idempotent re-send -> key active
 *   -> issued/expiry window -> type known -> role -> sealed body opens -> body -> handler.
 *
 * Refusals from the authentication on are stored by id (`keep`), so the id cannot be used
 * again; earlier ones are not (a forger must not be able to burn an operator's command ids).
 */
import type { OpenedBody } from "../crypto/sealed-body.js";
import { FacegateError } from "../errors.js";
import type { CommandHandler } from "./command-handler.js";
import { COMMAND_ROLES, type CommandBodies, type CommandEnvelope, type CommandResultMessage, type CommandType, type GateAddress, type OperatorRole, isCommandType, validateBody } from "../protocol/index.js";

export interface CommandLimits {
  /** Largest request accepted, bytes. Default 2.5 MiB (a sealed enrollment photo fits). */
  maxBytes: number;
  /** How far in the future `issuedAt` may be (clock skew). Default 5 min. */
  maxSkewMs: number;
  /** Longest allowed `expiresAt - issuedAt`. Default 24 h. */
  maxTtlMs: number;
}

export const DEFAULT_COMMAND_LIMITS: CommandLimits = { maxBytes: 2_621_440, maxSkewMs: 5 * 60_000, maxTtlMs: 24 * 3_600_000 };

/** A fact the shell could not establish because looking it up threw: the request fails if its check is reached. */
export interface Unestablished {
  readonly threw: unknown;
}

/** What admission needs of an operator key (the registry's record has it). */
export interface KeyFacts {
  role: OperatorRole;
  label: string;
  /** When an admin removed it; null: active. */
  removedAt: number | null;
}

/** Looks a fact up; what it throws becomes an Unestablished fact instead of an answer. */
export function establish<T>(find: () => T): T | Unestablished {
  try {
    return find();
  } catch (threw) {
    return { threw };
  }
}

export function isUnestablished(fact: unknown): fact is Unestablished {
  return typeof fact === "object" && fact !== null && "threw" in fact;
}

/**
 * The facts about one request. Each is gathered only once the ones it depends on are
 * known (no envelope, no key to look up); a fact that is missing was not reached.
 */
export interface AdmissionFacts {
  /** Size of the request, bytes. */
  size: number;
  /** What `parseEnvelope` made of the request: the envelope or its refusal; "not_json" when it is no JSON; missing when too large to be read. */
  envelope?: "not_json" | { ok: true; envelope: CommandEnvelope } | { ok: false; code: string; message: string };
  /** The envelope's key as the registry knows it; null: not a key of this device. */
  key?: KeyFacts | null | Unestablished;
  /** Whether the signature verifies under that key (the shell checks it). */
  signatureValid?: boolean | Unestablished;
  /** Hash of the signed content (the envelope without its signature). */
  contentHash?: string;
  /** The command already stored under the envelope's id; null: none. */
  stored?: { contentHash: string; keyId: string; result: CommandResultMessage | null } | null | Unestablished;
  /** Device time. */
  now: number;
  /** The latest device time at which commands were stored or pruned (CommandStore.seenAt). */
  seenAt?: number | Unestablished;
  /** The sealed body opened with the gate's box key (only once the signature verified). */
  opened?: OpenedBody | Unestablished;
  /** The handler of the envelope's type, with its own body check; null: this device has none. */
  handler?: Pick<CommandHandler<CommandType>, "validate"> | null;
}

export interface Refusal {
  code: string;
  message: string;
  /** What the audit entry names: the signer once authenticated, before that the key and type the request claims. */
  audit: { actor?: string; claimedKeyId?: string; commandType?: string };
  /** Stored by id (an authenticated command). */
  keep: boolean;
}

export type Admission =
  | { verdict: "refused"; refusal: Refusal }
  /** A fact or a check threw something that is no refusal: answered `command_failed` and logged. */
  | { verdict: "failed"; error: unknown }
  /** An identical command re-sent: its stored result again. */
  | { verdict: "resend"; result: CommandResultMessage }
  | { verdict: "admitted"; envelope: CommandEnvelope; type: CommandType; key: KeyFacts; body: CommandBodies[CommandType] };

const refuse = (code: string, message: string, audit: Refusal["audit"] = {}, keep = false): Admission => ({ verdict: "refused", refusal: { code, message, audit, keep } });

/** Decides one request from its facts. */
export function admit(f: AdmissionFacts, rules: { identity: GateAddress; limits: CommandLimits }): Admission {
  const { identity, limits } = rules;
  if (f.size > limits.maxBytes) return refuse("command_oversized", `command is ${f.size} bytes; the limit is ${limits.maxBytes}`);
  const read = f.envelope;
  if (read === undefined || read === "not_json") return refuse("command_malformed", "command is not valid JSON");
  if (!read.ok) return refuse(read.code, read.message);
  const env = read.envelope;
  const claimed = { claimedKeyId: env.keyId, commandType: env.type };
  if (env.site !== identity.site || env.gate !== identity.gate) {
    return refuse("command_misaddressed", `command is addressed to ${env.site}/${env.gate}, this is ${identity.site}/${identity.gate}`, claimed);
  }
  if (isUnestablished(f.key)) return { verdict: "failed", error: f.key.threw };
  const key = f.key;
  if (!key) return refuse("command_unknown_key", `key ${env.keyId} is not an operator key of this device`, claimed);
  if (isUnestablished(f.signatureValid)) return { verdict: "failed", error: f.signatureValid.threw };
  if (f.signatureValid !== true) return refuse("command_bad_signature", "the signature does not verify", claimed);

  // Authenticated from here: the key holder really sent this.
  const who = { actor: env.keyId, commandType: env.type };
  if (isUnestablished(f.seenAt)) return { verdict: "failed", error: f.seenAt.threw };
  if (f.seenAt !== undefined && f.now < f.seenAt - limits.maxSkewMs) {
    return refuse(
      "command_clock_behind",
      `the device clock (${new Date(f.now).toISOString()}) is behind the last time it handled commands (${new Date(f.seenAt).toISOString()}); it acts on no command until its clock is set right`,
      who,
    );
  }
  if (isUnestablished(f.stored)) return { verdict: "failed", error: f.stored.threw };
  if (f.stored) {
    if (f.stored.contentHash !== f.contentHash || f.stored.keyId !== env.keyId) return refuse("command_replayed", `command id ${env.id} was already used for a different command`, who);
    if (f.stored.result) return { verdict: "resend", result: f.stored.result };
    return refuse("command_replayed", `command ${env.id} is still running`, who);
  }
  const kept = (code: string, message: string) => refuse(code, message, who, true);
  // A removed key's old signatures stay valid cryptographically; the key may not act now.
  if (key.removedAt !== null) return kept("command_key_revoked", `key ${env.keyId} was removed from this device`);
  if (env.issuedAt > f.now + limits.maxSkewMs) return kept("command_not_yet_valid", "command is issued in the future (check the operator's clock)");
  if (env.expiresAt <= f.now) return kept("command_expired", "command has expired");
  if (env.expiresAt - env.issuedAt > limits.maxTtlMs || env.expiresAt <= env.issuedAt) return kept("command_ttl_too_long", `command validity must be positive and at most ${limits.maxTtlMs} ms`);
  if (!isCommandType(env.type)) return kept("command_unknown_type", `unknown command type '${env.type}'`);
  const type = env.type;
  if (!COMMAND_ROLES[type].includes(key.role)) return kept("command_forbidden", `role ${key.role} may not issue ${type}`);
  if (f.opened === undefined) return { verdict: "failed", error: new Error("admission reached the body without opening it") };
  if (isUnestablished(f.opened)) return { verdict: "failed", error: f.opened.threw };
  if (!f.opened.ok) return kept(f.opened.code, f.opened.message);
  let body: CommandBodies[CommandType];
  try {
    body = validateBody(type, f.opened.body);
    f.handler?.validate?.(body);
  } catch (err) {
    if (!(err instanceof FacegateError)) return { verdict: "failed", error: err };
    return kept(err.code === "command_unknown_field" ? "command_unknown_field" : "command_invalid_body", err.message);
  }
  if (!f.handler) return kept("command_unsupported", `this device has no handler for ${type} yet`);
  return { verdict: "admitted", envelope: env, type, key, body };
}
