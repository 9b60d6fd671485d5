/**
 * Payloads of contract v2 and the topic kind each travels on (topics.ts). Every payload
 * carries `v: 2`; additive changes (new optional fields, new event or command types) stay
 * in v2, so consumers ignore fields they do not know in events, state and notices.
 * Commands are the exception: the device refuses unknown fields in a signed command,
 * because a field it silently ignored would be a field the operator signed but the device
 * did not honour. A breaking change gets new `v3` topics.
 *
 * The broker is not trusted (v2's change from v1): a command's body is sealed to the
 * receiving gate's X25519 key inside the signed envelope (`sealed`), so a subscriber sees
 * no card number, PIN, photo or consent evidence; and every message a device publishes is
 * signed by its device key (`deviceKeyId`, `signature`), so nothing a forger publishes is
 * believed.
 *
 * No payload ever holds biometric data (L4), and nothing the device publishes holds a card
 * number or a PIN (L6).
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { KeyId, OneOf, OpaqueId, Sha256Hex, Strict } from "./common-schemas.js";
import { type CommandBodies, type CommandType, NoticeContentSchema } from "./command-bodies.js";
import type { CommandErrorCode } from "./command-error.js";
import type { CommandResults } from "./command-results.js";
import { EVENT_CATEGORIES } from "./event-category.js";
import type { TopicKind } from "./topics.js";

const V2 = Type.Literal(2, { hint: "must be 2 (contract version)" });
/** Every device message ends with these: the device key's fingerprint and its Ed25519 signature (base64) over the rest. */
const DeviceSigned = {
  deviceKeyId: KeyId("Fingerprint of the device signing key that signed this message."),
  signature: Type.String({ minLength: 1, maxLength: 100, description: "Ed25519 (base64) over signingBytes of the message without its signature, in the context of its kind." }),
};
const Address = { site: OpaqueId(), gate: OpaqueId() };

/**
 * `state` (retained). Published `online: true` on every connect (birth); the broker
 * publishes the last will `online: false, reason: "connection_lost"` when the device
 * vanishes; a graceful stop publishes `online: false, reason: "shutdown"`.
 */
export const GateStateMessageSchema = Type.Object({
  v: V2,
  ...Address,
  online: Type.Boolean(),
  reason: Type.Optional(OneOf(["connected", "connection_lost", "shutdown"] as const)),
  at: Type.Integer({ description: "When this state began (ms since epoch). For the last will: when the session began (the device signs its will at connect)." }),
  software: Type.Optional(Type.String({ maxLength: 64 })),
  ...DeviceSigned,
});
export type GateStateMessage = Omit<Static<typeof GateStateMessageSchema>, "v"> & { v: 2 };

/** `notice` (retained): the current processing notice, versioned and content-hashed (L3). */
export const NoticeMessageSchema = Type.Object({
  v: V2,
  ...Address,
  version: Type.String({ minLength: 1, maxLength: 32 }),
  hash: Sha256Hex("SHA-256 (hex) of the canonical JSON of the notice; consents reference this hash."),
  publishedAt: Type.Integer(),
  notice: NoticeContentSchema,
  ...DeviceSigned,
});
export type NoticeMessage = Omit<Static<typeof NoticeMessageSchema>, "v"> & { v: 2 };
/** What the device says of its current notice; the link adds the address and signs it. */
export type NoticeFields = Omit<NoticeMessage, "v" | "site" | "gate" | "deviceKeyId" | "signature">;

/**
 * `events/<category>`: one event. `id` is stable across redeliveries: delivery is at least
 * once, so consumers drop duplicates by `id`. `data` holds opaque references only.
 */
export const EventMessageSchema = Type.Object({
  v: V2,
  ...Address,
  id: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.String({ minLength: 1, maxLength: 64 }),
  category: OneOf(EVENT_CATEGORIES),
  at: Type.Integer(),
  data: Type.Record(Type.String(), Type.Unknown()),
  auditRelevant: Type.Boolean(),
  ...DeviceSigned,
});
export type EventMessage = Omit<Static<typeof EventMessageSchema>, "v"> & { v: 2 };
/** A device message before the device signs it. */
export type UnsignedDeviceMessage<M> = Omit<M, "signature">;

/**
 * `commands/request`: a signed command. Its body never crosses the broker readable:
 * `sealed` is `crypto_box_seal` (X25519, libsodium sealed box) of the body's canonical
 * JSON to the receiving gate's box public key, base64; only that gate can open it, and
 * only after the signature verified. `signature` is Ed25519 (base64) over
 * `signingBytes(SIGNING_CONTEXTS.command, envelope without signature)`, ciphertext
 * included, so a sealed body cannot be moved to another envelope.
 */
export const CommandEnvelopeSchema = Strict({
  v: Type.Literal(2, { hint: "must be 2 (contract version; v1 carried bodies in clear and is no longer accepted)" }),
  id: OpaqueId("Opaque, unique per command; the device is idempotent by it."),
  site: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", hint: "must be an opaque id" }),
  gate: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", hint: "must be an opaque id" }),
  type: Type.String({ minLength: 1, maxLength: 64, hint: "must be a command type" }),
  sealed: Type.String({
    minLength: 64,
    maxLength: 4_194_304,
    pattern: "^[A-Za-z0-9+/]*={0,2}$",
    hint: "must be the body sealed to the gate's box key, base64",
    description: "crypto_box_seal of the canonical JSON of the body to the gate's X25519 box public key, standard base64.",
  }),
  issuedAt: Type.Integer({ hint: "must be an integer (ms since epoch)" }),
  expiresAt: Type.Integer({ hint: "must be an integer (ms since epoch)" }),
  keyId: KeyId("Fingerprint of the operator key that signed (see keyIdFor)."),
  signature: Type.String({ minLength: 1, maxLength: 100, hint: "must be a base64 Ed25519 signature" }),
});

/** A command as it crosses the broker: the body sealed. `T` names the type it carries. */
export type CommandEnvelope<T extends CommandType = CommandType> = Omit<Static<typeof CommandEnvelopeSchema>, "type" | "v"> & {
  v: 2;
  type: T;
};
/** A command the gate has verified and opened: the envelope and its body. */
export type OpenedCommand<T extends CommandType = CommandType> = CommandEnvelope<T> & { body: CommandBodies[T] };
export type UnsignedCommand<T extends CommandType = CommandType> = Omit<CommandEnvelope<T>, "signature">;

/**
 * `commands/result/<commandId>`: the device's answer, signed by the device key over every
 * other field (`SIGNING_CONTEXTS.result`). `commandId` is null when the request was too
 * broken to carry a usable id (published on `commands/result/unknown`). Results never
 * contain templates, images, card numbers or PINs (L6).
 */
export const CommandResultMessageSchema = Type.Object({
  v: V2,
  ...Address,
  commandId: Type.Union([OpaqueId(), Type.Null()]),
  requestHash: Sha256Hex(
    "SHA-256 (hex) of the canonical JSON of the request as received (signature included), or of its raw bytes when it was not JSON. The operator matches it against what it sent.",
  ),
  status: OneOf(["ok", "error"] as const),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  result: Type.Optional(Type.Unknown()),
  at: Type.Integer(),
  deviceKeyId: KeyId(),
  signature: Type.String(),
});

export interface CommandResultMessage<T extends CommandType = CommandType> extends Omit<Static<typeof CommandResultMessageSchema>, "error" | "result" | "v"> {
  v: 2;
  /** Handler codes (e.g. `not_found`) may appear besides the CommandErrorCode values. */
  error?: { code: CommandErrorCode | (string & {}); message: string };
  result?: CommandResults[T];
}
export type UnsignedResult = Omit<CommandResultMessage, "signature">;

/** Every topic kind and the payload it carries: the single map both ends rely on. */
export interface TopicPayloads {
  state: GateStateMessage;
  notice: NoticeMessage;
  event: EventMessage;
  commandRequest: CommandEnvelope;
  commandResult: CommandResultMessage;
}

export const TOPIC_SCHEMAS: { readonly [K in TopicKind]: TSchema } = {
  state: GateStateMessageSchema,
  notice: NoticeMessageSchema,
  event: EventMessageSchema,
  commandRequest: CommandEnvelopeSchema,
  commandResult: CommandResultMessageSchema,
};
