/**
 * Body validators for every command type of contract v1. The compiler checks each against
 * the body type in sdk/transport/command-types.ts, so the contract and the device cannot
 * drift apart. A handler may add checks of its own (e.g. the policy schema) on top.
 */
import { type CommandBodies, type CommandType, OPERATOR_ROLES } from "../transport/contract.js";
import {
  type Check,
  array,
  base64,
  boolean,
  integer,
  invalid,
  jsonObject,
  object,
  oneOf,
  opaqueId,
  optional,
  refine,
  sha256hex,
  string,
  text,
  timestamp,
} from "./validate.js";

/** Largest sealed photo accepted (decoded bytes): a 640x480 JPEG fits many times over. */
export const MAX_SEALED_PHOTO_BYTES = 1_500_000;

const cardNumber = string({ min: 4, max: 32, pattern: /^[0-9A-Fa-f]+$/, hint: "must be 4-32 hex digits" });
const pin = string({ min: 4, max: 12, pattern: /^[0-9]+$/, hint: "must be 4-12 digits" });
const hhmm = string({ min: 5, max: 5, pattern: /^([01][0-9]|2[0-3]):[0-5][0-9]$/, hint: "must be HH:MM" });

const schedule = object({ days: array(integer({ min: 0, max: 6 }), { min: 1, max: 7, unique: true }), from: hhmm, to: hhmm });

const personUpsert: Check<CommandBodies["person.upsert"]> = refine(
  object({
    personRef: opaqueId,
    cards: optional(array(cardNumber, { max: 8, unique: true })),
    pin: optional(pin),
    validFrom: optional(timestamp),
    validUntil: optional(timestamp),
    schedule: optional(array(schedule, { min: 1, max: 16 })),
    gates: optional(array(opaqueId, { min: 1, max: 256, unique: true })),
    minor: optional(boolean),
  }),
  (b, path) => {
    // L2: every person with access rights has a non-biometric credential.
    if ((b.cards?.length ?? 0) === 0 && b.pin === undefined) invalid(path, "needs at least one card or a PIN (face is never the only way in, L2)");
    if (b.validFrom !== undefined && b.validUntil !== undefined && b.validUntil <= b.validFrom) invalid(`${path}.validUntil`, "must be after validFrom");
  },
);

const personEndAccess: Check<CommandBodies["person.end_access"]> = object({ personRef: opaqueId, at: optional(timestamp), reason: optional(text(200)) });

const noticePublish: Check<CommandBodies["notice.publish"]> = object({
  version: string({ max: 32, pattern: /^[A-Za-z0-9._-]+$/, hint: "must be a version label like 2026-01 or 3.1" }),
  notice: object({
    purpose: text(2000),
    method: text(2000),
    scope: text(2000),
    retention: text(2000),
    contact: text(500),
    rights: text(4000),
    language: optional(string({ max: 35, pattern: /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, hint: "must be a BCP 47 tag" })),
  }),
});

const consentRecord: Check<CommandBodies["consent.record"]> = refine(
  object({
    subjectRef: opaqueId,
    personRef: opaqueId,
    noticeHash: sha256hex,
    scope: object({ purpose: text(500), gates: optional(array(opaqueId, { min: 1, max: 256, unique: true })) }),
    method: oneOf(["written", "electronic"] as const),
    collectedBy: opaqueId,
    givenAt: timestamp,
    expiresAt: timestamp,
    evidence: object({
      kind: oneOf(["paper_form", "electronic_form", "electronic_signature", "recording"] as const),
      sha256: sha256hex,
      reference: optional(text(200)),
    }),
    guardian: optional(object({ guardianRef: opaqueId, relation: text(50) })),
  }),
  (b, path) => {
    // L9: a finite term; the consent registry bounds it further by configuration.
    if (b.expiresAt <= b.givenAt) invalid(`${path}.expiresAt`, "must be after givenAt (consent has a finite term, L9)");
  },
);

const consentWithdraw: Check<CommandBodies["consent.withdraw"]> = object({ subjectRef: opaqueId, consentId: optional(opaqueId), reason: optional(text(200)) });

const subjectDelete: Check<CommandBodies["subject.delete"]> = object({
  subjectRef: opaqueId,
  reason: oneOf(["operator_request", "resident_request", "court_order", "consent_withdrawn", "access_ended", "other"] as const),
  reference: optional(text(200)),
});

const enrollPhoto: Check<CommandBodies["enroll.photo"]> = object({
  subjectRef: opaqueId,
  consentId: optional(opaqueId),
  // crypto_box_seal adds 48 bytes (ephemeral key + MAC) to the photo.
  sealedPhoto: refine(base64({ maxBytes: MAX_SEALED_PHOTO_BYTES + 48 }), (v, path) => {
    if (Buffer.byteLength(v, "base64") <= 48) invalid(path, "is too short to be a sealed photo");
  }),
});

const enrollAtGate: Check<CommandBodies["enroll.at_gate"]> = object({
  subjectRef: opaqueId,
  consentId: optional(opaqueId),
  windowSeconds: optional(integer({ min: 10, max: 600 })),
});

const policySet: Check<CommandBodies["policy.set"]> = object({
  version: string({ max: 32, pattern: /^[A-Za-z0-9._-]+$/, hint: "must be a version label" }),
  policy: jsonObject(64 * 1024),
});

const gateStatus: Check<CommandBodies["gate.status"]> = object({}) as Check<CommandBodies["gate.status"]>;

export const MAX_AUDIT_EXPORT_LIMIT = 500;
const auditExport: Check<CommandBodies["audit.export"]> = object({
  offset: integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  limit: integer({ min: 1, max: MAX_AUDIT_EXPORT_LIMIT }),
});

const operatorKeyAdd: Check<CommandBodies["operator.key_add"]> = object({
  publicKey: base64({ maxBytes: 32, exactBytes: 32 }),
  role: oneOf(OPERATOR_ROLES),
  label: text(100),
});

const operatorKeyRemove: Check<CommandBodies["operator.key_remove"]> = object({
  keyId: string({ min: 32, max: 32, pattern: /^[0-9a-f]{32}$/, hint: "must be a key id (32 hex digits)" }),
});

export const BODY_VALIDATORS: { readonly [T in CommandType]: Check<CommandBodies[T]> } = {
  "person.upsert": personUpsert,
  "person.end_access": personEndAccess,
  "notice.publish": noticePublish,
  "consent.record": consentRecord,
  "consent.withdraw": consentWithdraw,
  "subject.delete": subjectDelete,
  "enroll.photo": enrollPhoto,
  "enroll.at_gate": enrollAtGate,
  "policy.set": policySet,
  "gate.status": gateStatus,
  "audit.export": auditExport,
  "operator.key_add": operatorKeyAdd,
  "operator.key_remove": operatorKeyRemove,
};

export function validateBody<T extends CommandType>(type: T, body: unknown): CommandBodies[T] {
  return BODY_VALIDATORS[type](body, "body");
}
