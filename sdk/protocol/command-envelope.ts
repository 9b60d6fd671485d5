/**
 * The command envelope's strict shape, checked before anything else: exactly the envelope
 * fields, each of the right type. Unknown fields and a missing signature get their own
 * codes (`command_unknown_field`, `command_unsigned`); anything else is
 * `command_malformed`. Signatures are checked by sdk/crypto (signatures.ts) over
 * `signingBytes(SIGNING_CONTEXTS.command, ...)`.
 */
import { compileChecker } from "../schema/schema-check.js";
import { OPAQUE_ID } from "./common-schemas.js";
import type { CommandType, OperatorRole } from "./command-bodies.js";
import { CommandError } from "./command-error.js";
import { type CommandEnvelope, CommandEnvelopeSchema } from "./messages.js";

const ENVELOPE_FIELDS = Object.keys(CommandEnvelopeSchema.properties);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const checkShape = compileChecker(CommandEnvelopeSchema, {
  error: (message, d) => new CommandError(d.keyword === "additionalProperties" ? "command_unknown_field" : "command_malformed", message, { field: d.path.replace(/^command\.?/, "") }),
});

/** Parses an untrusted envelope (not its signature, time or body); throws CommandError. */
export function parseEnvelope(raw: unknown): CommandEnvelope {
  if (!isPlainObject(raw)) throw new CommandError("command_malformed", "command: must be a JSON object");
  for (const key of Object.keys(raw)) {
    if (!ENVELOPE_FIELDS.includes(key)) throw new CommandError("command_unknown_field", `command.${key}: unknown field`, { field: key });
  }
  if (raw["signature"] === undefined || raw["signature"] === "" || raw["keyId"] === undefined) {
    throw new CommandError("command_unsigned", "command: has no keyId and signature");
  }
  return checkShape(raw, "command") as unknown as CommandEnvelope;
}

/** Best effort: the id a broken request claims, if it is usable in a topic. */
export function claimedId(raw: unknown): string | null {
  return isPlainObject(raw) && typeof raw["id"] === "string" && OPAQUE_ID.test(raw["id"]) ? raw["id"] : null;
}

/**
 * Which roles may issue which command. Admin keys manage keys, notice and policy;
 * operator keys run day-to-day residents' business; auditor keys read only.
 */
export const COMMAND_ROLES: { readonly [T in CommandType]: readonly OperatorRole[] } = {
  "person.upsert": ["admin", "operator"],
  "person.end_access": ["admin", "operator"],
  "notice.publish": ["admin"],
  "consent.record": ["admin", "operator"],
  "consent.withdraw": ["admin", "operator"],
  "subject.delete": ["admin", "operator"],
  "enroll.photo": ["admin", "operator"],
  "enroll.at_gate": ["admin", "operator"],
  "policy.set": ["admin"],
  "gate.status": ["admin", "operator", "auditor"],
  "audit.export": ["admin", "auditor"],
  "operator.key_add": ["admin"],
  "operator.key_remove": ["admin"],
  // Which gates belong to the site decides whose templates a gate accepts: admins only.
  "site.gates": ["admin"],
  "template.export": ["admin", "operator"],
  "template.install": ["admin", "operator"],
};
