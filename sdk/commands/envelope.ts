/**
 * Command envelopes and results: their strict shape, how they are signed, and how a
 * signature is checked. Used by the device (parse, verify, sign results) and by the
 * operator client (sign commands, verify results).
 */
import type { Sodium } from "../crypto/sodium.js";
import { CommandError } from "../errors.js";
import { COMMAND_TYPES, type CommandBodies, type CommandEnvelope, type CommandResultMessage, type CommandType, OPAQUE_ID } from "../transport/contract.js";
import { COMMAND_SIGNING_CONTEXT, RESULT_SIGNING_CONTEXT, signingBytes } from "./canonical.js";
import { fromBase64, keyIdFor, verifyDetached } from "./keys.js";
import type { DeviceSigner } from "./ports.js";
import { isPlainObject } from "./validate.js";

const ENVELOPE_FIELDS = ["v", "id", "site", "gate", "type", "body", "issuedAt", "expiresAt", "keyId", "signature"] as const;
const KEY_ID = /^[0-9a-f]{32}$/;

export type UnsignedCommand<T extends CommandType = CommandType> = Omit<CommandEnvelope<T>, "signature">;
export type UnsignedResult = Omit<CommandResultMessage, "signature">;

/** Signs a command with an operator key (Ed25519 secret key, 64 bytes). */
export function signCommand<T extends CommandType>(sodium: Sodium, command: UnsignedCommand<T>, secretKey: Uint8Array): CommandEnvelope<T> {
  const signature = sodium.crypto_sign_detached(signingBytes(COMMAND_SIGNING_CONTEXT, command), secretKey);
  return { ...command, signature: Buffer.from(signature).toString("base64") };
}

export function verifyCommandSignature(sodium: Sodium, command: CommandEnvelope, publicKey: Uint8Array): boolean {
  const { signature, ...unsigned } = command;
  const sig = fromBase64(signature);
  return sig !== undefined && verifyDetached(sodium, sig, signingBytes(COMMAND_SIGNING_CONTEXT, unsigned), publicKey);
}

export function signResult(signer: DeviceSigner, result: UnsignedResult): CommandResultMessage {
  const signature = signer.sign(signingBytes(RESULT_SIGNING_CONTEXT, result));
  return { ...result, signature: Buffer.from(signature).toString("base64") };
}

/** True when `result` was signed by the holder of `devicePublicKey` and names that key. */
export function verifyResultSignature(sodium: Sodium, result: CommandResultMessage, devicePublicKey: Uint8Array): boolean {
  if (result.deviceKeyId !== keyIdFor(devicePublicKey)) return false;
  const { signature, ...unsigned } = result;
  const sig = typeof signature === "string" ? fromBase64(signature) : undefined;
  if (!sig) return false;
  try {
    return verifyDetached(sodium, sig, signingBytes(RESULT_SIGNING_CONTEXT, unsigned), devicePublicKey);
  } catch {
    return false;
  }
}

/** Best effort: the id a broken request claims, if it is usable in a topic. */
export function claimedId(raw: unknown): string | null {
  return isPlainObject(raw) && typeof raw["id"] === "string" && OPAQUE_ID.test(raw["id"]) ? raw["id"] : null;
}

/**
 * Checks the envelope's shape (not its signature, time or body): exactly the envelope
 * fields, each of the right type. Unknown fields and unknown types get their own codes.
 */
export function parseEnvelope(raw: unknown): CommandEnvelope {
  if (!isPlainObject(raw)) throw new CommandError("command_malformed", "command: must be a JSON object");
  for (const key of Object.keys(raw)) {
    if (!(ENVELOPE_FIELDS as readonly string[]).includes(key)) throw new CommandError("command_unknown_field", `command.${key}: unknown field`, { field: key });
  }
  if (raw["signature"] === undefined || raw["signature"] === "" || raw["keyId"] === undefined) {
    throw new CommandError("command_unsigned", "command: has no keyId and signature");
  }
  const need = (field: string, ok: boolean, what: string): void => {
    if (!ok) throw new CommandError("command_malformed", `command.${field}: ${what}`, { field });
  };
  need("v", raw["v"] === 1, "must be 1 (contract version)");
  need("id", typeof raw["id"] === "string" && OPAQUE_ID.test(raw["id"]), "must be an opaque id ([A-Za-z0-9_-]{1,64})");
  need("site", typeof raw["site"] === "string" && OPAQUE_ID.test(raw["site"]), "must be an opaque id");
  need("gate", typeof raw["gate"] === "string" && OPAQUE_ID.test(raw["gate"]), "must be an opaque id");
  need("type", typeof raw["type"] === "string" && raw["type"].length <= 64, "must be a command type");
  need("body", isPlainObject(raw["body"]), "must be an object");
  need("issuedAt", Number.isSafeInteger(raw["issuedAt"]), "must be an integer (ms since epoch)");
  need("expiresAt", Number.isSafeInteger(raw["expiresAt"]), "must be an integer (ms since epoch)");
  need("keyId", typeof raw["keyId"] === "string" && KEY_ID.test(raw["keyId"]), "must be a key id (32 hex digits)");
  need("signature", typeof raw["signature"] === "string" && raw["signature"].length <= 100, "must be a base64 Ed25519 signature");
  return raw as unknown as CommandEnvelope;
}

export function isCommandType(type: string): type is CommandType {
  return (COMMAND_TYPES as readonly string[]).includes(type);
}

export type { CommandBodies };
