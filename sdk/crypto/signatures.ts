/**
 * Signing and checking the protocol's signed documents: command envelopes (operator keys),
 * command results and deletion receipts (device keys). What each signature covers is
 * defined once in sdk/protocol (`signingBytes`, `receiptMessage`); this module only does
 * the cryptography. Checks take the public key from a trusted source (configuration, a
 * pinned registry), never from the document being checked.
 */
import {
  type CommandEnvelope,
  type CommandResultMessage,
  type CommandType,
  type DeletionReceipt,
  type DeletionReceiptBody,
  type EventMessage,
  type GateStateMessage,
  type NoticeMessage,
  RECEIPT_FORMAT,
  SIGNING_CONTEXTS,
  type UnsignedCommand,
  type UnsignedDeviceMessage,
  type UnsignedResult,
  fromBase64,
  receiptMessage,
  signingBytes,
  toBase64,
} from "../protocol/index.js";
import { keyIdFor, type Signer, verifyDetached } from "./keys.js";
import { loadSodium, type Sodium } from "./sodium.js";

/** Signs a command with an operator key (Ed25519 secret key, 64 bytes). */
export function signCommand<T extends CommandType>(sodium: Sodium, command: UnsignedCommand<T>, secretKey: Uint8Array): CommandEnvelope<T> {
  const signature = sodium.crypto_sign_detached(signingBytes(SIGNING_CONTEXTS.command, command), secretKey);
  return { ...command, signature: toBase64(signature) };
}

export function verifyCommandSignature(sodium: Sodium, command: CommandEnvelope, publicKey: Uint8Array): boolean {
  const { signature, ...unsigned } = command;
  const sig = fromBase64(signature);
  return sig !== undefined && verifyDetached(sodium, sig, signingBytes(SIGNING_CONTEXTS.command, unsigned), publicKey);
}

/** The messages a device publishes besides results, each signed in its own context. */
export interface DeviceMessages {
  event: EventMessage;
  state: GateStateMessage;
  notice: NoticeMessage;
}
export type DeviceMessageKind = keyof DeviceMessages;

/** Signs an event, state or notice with the device key (contract v2: nothing unsigned is believed). */
export function signDeviceMessage<K extends DeviceMessageKind>(signer: Signer, kind: K, message: Omit<UnsignedDeviceMessage<DeviceMessages[K]>, "deviceKeyId">): DeviceMessages[K] {
  const unsigned = { ...message, deviceKeyId: signer.keyId };
  return { ...unsigned, signature: toBase64(signer.sign(signingBytes(SIGNING_CONTEXTS[kind], unsigned))) } as DeviceMessages[K];
}

/**
 * Whether a device message was signed by the pinned device key. Anything malformed (no
 * signature, wrong key id, fields the signature does not cover) is simply false.
 */
export function verifyDeviceMessage(sodium: Sodium, kind: DeviceMessageKind, message: unknown, devicePublicKey: Uint8Array): boolean {
  if (message === null || typeof message !== "object" || Array.isArray(message)) return false;
  const { signature, ...unsigned } = message as { signature?: unknown; deviceKeyId?: unknown };
  if (typeof signature !== "string" || unsigned.deviceKeyId !== keyIdFor(devicePublicKey)) return false;
  const sig = fromBase64(signature);
  try {
    return sig !== undefined && verifyDetached(sodium, sig, signingBytes(SIGNING_CONTEXTS[kind], unsigned), devicePublicKey);
  } catch {
    return false; // not canonicalisable: not what a device signs
  }
}

export function signResult(signer: Signer, result: UnsignedResult): CommandResultMessage {
  return { ...result, signature: toBase64(signer.sign(signingBytes(SIGNING_CONTEXTS.result, result))) };
}

/** True when `result` was signed by the holder of `devicePublicKey` and names that key. */
export function verifyResultSignature(sodium: Sodium, result: CommandResultMessage, devicePublicKey: Uint8Array): boolean {
  if (result.deviceKeyId !== keyIdFor(devicePublicKey)) return false;
  const { signature, ...unsigned } = result;
  const sig = typeof signature === "string" ? fromBase64(signature) : undefined;
  if (!sig) return false;
  try {
    return verifyDetached(sodium, sig, signingBytes(SIGNING_CONTEXTS.result, unsigned), devicePublicKey);
  } catch {
    return false;
  }
}

export function signReceipt(body: DeletionReceiptBody, signer: Signer): DeletionReceipt {
  return { ...body, signature: toBase64(signer.sign(receiptMessage(body))) };
}

export interface ReceiptVerification {
  ok: boolean;
  reason?: string;
}

/** Verifies a parsed receipt against the device public signing key. */
export async function verifyReceipt(receipt: unknown, publicKey: Uint8Array): Promise<ReceiptVerification> {
  const sodium = await loadSodium();
  const r = receipt as Partial<DeletionReceipt> | null;
  if (!r || typeof r !== "object" || r.format !== RECEIPT_FORMAT || typeof r.signature !== "string") {
    return { ok: false, reason: `not a ${RECEIPT_FORMAT} document` };
  }
  if (r.deviceKeyId !== keyIdFor(publicKey)) return { ok: false, reason: `receipt names device key ${String(r.deviceKeyId)}, the key given is ${keyIdFor(publicKey)}` };
  let message: string;
  try {
    message = receiptMessage(r as DeletionReceipt);
  } catch {
    return { ok: false, reason: "receipt content is malformed" };
  }
  const signature = fromBase64(r.signature);
  if (!signature) return { ok: false, reason: "receipt content is malformed" };
  if (!verifyDetached(sodium, signature, message, publicKey)) return { ok: false, reason: "signature does not match the receipt content and device key" };
  return { ok: true };
}
