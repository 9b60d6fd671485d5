/**
 * The MQTT contract, version 1: every topic, the payload type it carries, and its QoS and
 * retain flag. This is the one module both ends import (the device runtime and the
 * operator client); `sdk/transport/CONTRACT.md` documents it for everyone else.
 *
 * Topics: `<prefix>/v1/<site>/<gate>/<leaf>`. `site` and `gate` are opaque identifiers
 * chosen by the operator (`[A-Za-z0-9_-]{1,64}`), never personal names; no topic level
 * ever holds personal data, and no payload ever holds biometric data (L4), a card number
 * or a PIN in anything the device publishes (L6).
 *
 * Versioning: `v1` in the topic is the major version and every payload carries `v: 1`.
 * Additive changes (new optional fields, new event or command types) stay in v1, so
 * consumers ignore fields they do not know in events, state and notices. Commands are the
 * exception: the device refuses unknown fields in a signed command, because a field it
 * silently ignored would be a field the operator signed but the device did not honour.
 * A breaking change gets new `v2` topics, published side by side during a migration window.
 */
import type { CommandBodies, CommandResults, CommandType, NoticeContent } from "./command-types.js";
import { TransportError } from "../errors.js";

export * from "./command-types.js";

export const CONTRACT_VERSION = 1 as const;
export const DEFAULT_TOPIC_PREFIX = "facegate";

/** Site, gate, command and subject references: opaque, topic-safe, not personal. */
export const OPAQUE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A prefix: one or more levels of opaque characters, e.g. `facegate` or `acme/estate-7`. */
const PREFIX = /^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64}){0,3}$/;

export type EventCategory = "access" | "alarm" | "privacy" | "integrity" | "system" | "command";
export const EVENT_CATEGORIES: readonly EventCategory[] = ["access", "alarm", "privacy", "integrity", "system", "command"];

export interface GateAddress {
  site: string;
  gate: string;
}

// ---------------------------------------------------------------------------------------
// Payloads the device publishes
// ---------------------------------------------------------------------------------------

/**
 * `state` (retained). Published `online: true` on every connect (birth); the broker
 * publishes the last will `online: false, reason: "connection_lost"` when the device
 * vanishes; a graceful stop publishes `online: false, reason: "shutdown"`.
 */
export interface GateStateMessage extends GateAddress {
  v: 1;
  online: boolean;
  reason?: "connected" | "connection_lost" | "shutdown";
  /** When this state began (ms since epoch). For the last will: when the session began. */
  at: number;
  /** Fingerprint of the device signing key, so subscribers know which key signs results. */
  deviceKeyId?: string;
  software?: string;
}

/** `notice` (retained): the current processing notice, versioned and content-hashed (L3). */
export interface NoticeMessage extends GateAddress {
  v: 1;
  version: string;
  /** SHA-256 (hex) of the canonical JSON of `notice`; consents reference this hash. */
  hash: string;
  publishedAt: number;
  notice: NoticeContent;
}

/**
 * `events/<category>`: one event. `id` is stable across redeliveries: delivery is at least
 * once, so consumers drop duplicates by `id`. `data` holds opaque references only.
 */
export interface EventMessage extends GateAddress {
  v: 1;
  id: string;
  type: string;
  category: EventCategory;
  at: number;
  data: Record<string, unknown>;
  auditRelevant: boolean;
}

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------

/**
 * `commands/request`: a signed command. `signature` is Ed25519 (base64) over the UTF-8
 * bytes of `"facegate/v1/command\n" + canonicalJson(envelope without signature)`;
 * canonical JSON is RFC 8785 (sorted keys, no whitespace), see sdk/commands/canonical.ts.
 */
export interface CommandEnvelope<T extends CommandType = CommandType> extends GateAddress {
  v: 1;
  /** Opaque, unique per command; the device is idempotent by it. */
  id: string;
  type: T;
  body: CommandBodies[T];
  issuedAt: number;
  expiresAt: number;
  /** Fingerprint of the operator key that signed (see keyIdFor). */
  keyId: string;
  signature: string;
}

export type CommandErrorCode =
  | "command_oversized"
  | "command_malformed"
  | "command_unknown_field"
  | "command_unsigned"
  | "command_unknown_key"
  | "command_key_revoked"
  | "command_bad_signature"
  | "command_misaddressed"
  | "command_expired"
  | "command_not_yet_valid"
  | "command_ttl_too_long"
  | "command_replayed"
  | "command_unknown_type"
  | "command_forbidden"
  | "command_invalid_body"
  | "command_unsupported"
  | "command_interrupted"
  | "command_failed";

/**
 * `commands/result/<commandId>`: the device's answer, signed by the device key with the
 * context `"facegate/v1/result\n"` over all other fields. `commandId` is null when the
 * request was too broken to carry a usable id (published on `commands/result/unknown`).
 * Results never contain templates, images, card numbers or PINs (L6).
 */
export interface CommandResultMessage<T extends CommandType = CommandType> extends GateAddress {
  v: 1;
  commandId: string | null;
  /**
   * SHA-256 (hex) of the canonical JSON of the request as received (signature included),
   * or of its raw bytes when it was not JSON. The operator matches it against what it
   * sent, so a forged request reusing its command id cannot pass for its answer.
   */
  requestHash: string;
  status: "ok" | "error";
  /** Handler codes (e.g. `not_found`) may appear besides the CommandErrorCode values. */
  error?: { code: CommandErrorCode | string; message: string };
  result?: CommandResults[T];
  at: number;
  deviceKeyId: string;
  signature: string;
}

// ---------------------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------------------

/** Every topic kind and the payload it carries: the single map both ends rely on. */
export interface TopicPayloads {
  state: GateStateMessage;
  notice: NoticeMessage;
  event: EventMessage;
  commandRequest: CommandEnvelope;
  commandResult: CommandResultMessage;
}
export type TopicKind = keyof TopicPayloads;

/** QoS and retain per topic kind; the device and the operator client both use these. */
export const TOPIC_RULES: { readonly [K in TopicKind]: { qos: 1; retain: boolean; from: "device" | "operator" } } = {
  state: { qos: 1, retain: true, from: "device" },
  notice: { qos: 1, retain: true, from: "device" },
  event: { qos: 1, retain: false, from: "device" },
  commandRequest: { qos: 1, retain: false, from: "operator" },
  commandResult: { qos: 1, retain: false, from: "device" },
};

/** Result topic used when a request carried no usable command id. */
export const UNKNOWN_COMMAND_ID = "unknown";

export interface GateTopics {
  readonly base: string;
  readonly state: string;
  readonly notice: string;
  event(category: EventCategory): string;
  /** Subscription filter for every event category. */
  readonly events: string;
  readonly commandRequest: string;
  commandResult(commandId: string | null): string;
  /** Subscription filter for every result. */
  readonly commandResults: string;
}

export interface TopicOptions extends GateAddress {
  prefix?: string;
}

export function assertOpaqueId(what: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || !OPAQUE_ID.test(value)) {
    throw new TransportError("topic_invalid", `${what}: must match [A-Za-z0-9_-]{1,64} (an opaque identifier, never a name)`, { what });
  }
}

export function assertPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) throw new TransportError("topic_invalid", "prefix: must be 1-4 levels of [A-Za-z0-9_-]{1,64}", {});
}

/** Builds the topics of one gate; refuses identifiers that are not opaque ids. */
export function gateTopics(options: TopicOptions): GateTopics {
  const prefix = options.prefix ?? DEFAULT_TOPIC_PREFIX;
  assertPrefix(prefix);
  assertOpaqueId("site", options.site);
  assertOpaqueId("gate", options.gate);
  const base = `${prefix}/v${CONTRACT_VERSION}/${options.site}/${options.gate}`;
  return {
    base,
    state: `${base}/state`,
    notice: `${base}/notice`,
    event: (category) => {
      if (!EVENT_CATEGORIES.includes(category)) throw new TransportError("topic_invalid", `event category: unknown '${String(category)}'`);
      return `${base}/events/${category}`;
    },
    events: `${base}/events/+`,
    commandRequest: `${base}/commands/request`,
    commandResult: (commandId) => {
      if (commandId === null) return `${base}/commands/result/${UNKNOWN_COMMAND_ID}`;
      assertOpaqueId("commandId", commandId);
      return `${base}/commands/result/${commandId}`;
    },
    commandResults: `${base}/commands/result/+`,
  };
}

/** Subscription filters across many gates: `+` for site or gate means "all". */
export function fleetFilter(prefix: string, site: string | "+", gate: string | "+", leaf: "state" | "notice" | "events/+" | "commands/result/+"): string {
  assertPrefix(prefix);
  if (site !== "+") assertOpaqueId("site", site);
  if (gate !== "+") assertOpaqueId("gate", gate);
  return `${prefix}/v${CONTRACT_VERSION}/${site}/${gate}/${leaf}`;
}

export interface ParsedTopic extends GateAddress {
  kind: TopicKind;
  category?: EventCategory;
  commandId?: string;
}

/** Reads a topic of this contract back; undefined for anything else. */
export function parseTopic(prefix: string, topic: string): ParsedTopic | undefined {
  const head = `${prefix}/v${CONTRACT_VERSION}/`;
  if (!topic.startsWith(head)) return undefined;
  const [site, gate, ...leaf] = topic.slice(head.length).split("/");
  if (!site || !gate || !OPAQUE_ID.test(site) || !OPAQUE_ID.test(gate)) return undefined;
  const l = leaf.join("/");
  if (l === "state") return { kind: "state", site, gate };
  if (l === "notice") return { kind: "notice", site, gate };
  if (l === "commands/request") return { kind: "commandRequest", site, gate };
  if (leaf.length === 2 && leaf[0] === "events" && EVENT_CATEGORIES.includes(leaf[1] as EventCategory)) {
    return { kind: "event", site, gate, category: leaf[1] as EventCategory };
  }
  if (leaf.length === 3 && leaf[0] === "commands" && leaf[1] === "result" && OPAQUE_ID.test(leaf[2]!)) {
    return { kind: "commandResult", site, gate, commandId: leaf[2]! };
  }
  return undefined;
}

/** Serialises a payload for its topic kind (the type checker ties kind and payload). */
export function encodePayload<K extends TopicKind>(_kind: K, payload: TopicPayloads[K]): Buffer {
  return Buffer.from(JSON.stringify(payload), "utf8");
}
