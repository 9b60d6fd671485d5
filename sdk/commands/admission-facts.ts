/**
 * The shell's half of command admission: how the processor learns the facts `admit`
 * (admission.ts) decides on. Each fact is gathered once the ones it depends on are known
 * (no envelope, no key to look up; no key, no signature to check); an oversized request is
 * never read. A lookup that throws is kept as such (`establish`) and answered
 * `command_failed` only if its check is reached, so the order of the answers stays
 * admit's.
 */
import type { Sodium } from "../crypto/sodium.js";
import { sha256Hex } from "../crypto/hash.js";
import { openBody } from "../crypto/sealed-body.js";
import { verifyCommandSignature } from "../crypto/signatures.js";
import type { CommandError } from "../protocol/command-error.js";
import { type CommandEnvelope, type CommandType, canonicalJson, claimedId, isCommandType, MAX_JSON_DEPTH, nestsDeeperThan, parseEnvelope } from "../protocol/index.js";
import type { Clock } from "../time/clock.js";
import { type AdmissionFacts, establish, isUnestablished } from "./admission.js";
import type { CommandHandler } from "./command-handler.js";
import type { CommandStore } from "./command-store.js";
import type { OperatorRegistry } from "./operator-registry.js";

/** What the answer to a request names, known as soon as the request parses. */
export interface RequestIds {
  /** The id the request claims, if usable in a topic. */
  id: string | null;
  /** Hash of the canonical request (of its bytes when it cannot be canonicalised). */
  requestHash: string;
}

export interface FactSources {
  maxBytes: number;
  clock: Clock;
  sodium: Sodium;
  keys: Pick<OperatorRegistry, "get">;
  commands: Pick<CommandStore, "get" | "seenAt">;
  handlers: ReadonlyMap<CommandType, Pick<CommandHandler<CommandType>, "validate">>;
  /** Opens a box sealed to this gate's box key; throws when it does not open. */
  unseal: (ciphertext: Uint8Array) => Uint8Array;
}

/** The facts about `bytes`; fills in `ids` as soon as the request parses. */
export function gatherFacts(bytes: Buffer, ids: RequestIds, from: FactSources): AdmissionFacts {
  const facts: AdmissionFacts = { size: bytes.byteLength, now: from.clock.now() };
  if (facts.size > from.maxBytes) return facts;
  const text = bytes.toString("utf8");
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    facts.envelope = { ok: false, code: "command_malformed", message: `command is nested deeper than ${MAX_JSON_DEPTH} levels` };
    return facts;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    facts.envelope = "not_json";
    return facts;
  }
  ids.id = claimedId(raw);
  try {
    ids.requestHash = sha256Hex(canonicalJson(raw));
  } catch {
    // Not canonicalisable (e.g. a number out of range): keep the hash of the raw bytes.
  }
  let env: CommandEnvelope;
  try {
    env = parseEnvelope(raw);
  } catch (err) {
    const e = err as CommandError;
    facts.envelope = { ok: false, code: e.code, message: e.message };
    return facts;
  }
  facts.envelope = { ok: true, envelope: env };
  const key = establish(() => from.keys.get(env.keyId) ?? null);
  facts.key = key;
  if (key === null || isUnestablished(key)) return facts;
  facts.signatureValid = establish(() => verifyCommandSignature(from.sodium, env, key.publicKey));
  if (facts.signatureValid !== true) return facts;
  const { signature: _sig, ...unsigned } = env;
  facts.contentHash = sha256Hex(canonicalJson(unsigned));
  facts.stored = establish(() => from.commands.get(env.id) ?? null);
  facts.seenAt = establish(() => from.commands.seenAt());
  facts.opened = establish(() => openBody(env.sealed, from.unseal));
  facts.handler = isCommandType(env.type) ? (from.handlers.get(env.type) ?? null) : null;
  return facts;
}
