/**
 * Command bodies sealed to the receiving gate (contract v2): the operator seals the
 * body's canonical JSON with `crypto_box_seal` to the gate's X25519 box public key; the
 * gate opens it with its box secret key once the envelope's signature has verified. The
 * broker, and anyone subscribed to it, sees only ciphertext: no card number, PIN, photo or
 * consent evidence. One mechanism for every command type.
 *
 * The opened bytes are wiped as soon as they are parsed; what a body carries then lives
 * only in the parsed body the handler receives.
 */
import { type CommandBodies, type CommandType, canonicalJson, fromBase64, nestsDeeperThan, toBase64 } from "../protocol/index.js";
import type { Sodium } from "./sodium.js";

export const BOX_PUBLIC_KEY_BYTES = 32;

/** Seals `body` to the gate's box public key; the result is the envelope's `sealed`. */
export function sealBody<T extends CommandType>(sodium: Sodium, body: CommandBodies[T], gateBoxPublicKey: Uint8Array): string {
  if (gateBoxPublicKey.length !== BOX_PUBLIC_KEY_BYTES) throw new RangeError(`a gate's box public key is ${BOX_PUBLIC_KEY_BYTES} bytes, got ${gateBoxPublicKey.length}`);
  const plain = new TextEncoder().encode(canonicalJson(body));
  try {
    return toBase64(sodium.crypto_box_seal(plain, gateBoxPublicKey));
  } finally {
    plain.fill(0);
  }
}

export type OpenedBody = { ok: true; body: unknown } | { ok: false; code: "command_unsealable" | "command_malformed"; message: string };

/**
 * Opens a sealed body with the gate's key (`open`, which throws when the box does not
 * open: sealed to another key, or altered). Never throws for bad input.
 */
export function openBody(sealed: string, open: (ciphertext: Uint8Array) => Uint8Array): OpenedBody {
  const ciphertext = fromBase64(sealed);
  if (!ciphertext) return { ok: false, code: "command_malformed", message: "command.sealed: must be base64" };
  let plain: Uint8Array;
  try {
    plain = open(ciphertext);
  } catch {
    return { ok: false, code: "command_unsealable", message: "command body is not sealed to this gate's box key (or was altered)" };
  }
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(plain);
    if (nestsDeeperThan(text)) return { ok: false, code: "command_malformed", message: "command body is nested too deeply" };
    const body = JSON.parse(text) as unknown;
    if (body === null || typeof body !== "object" || Array.isArray(body)) return { ok: false, code: "command_malformed", message: "command body: must be a JSON object" };
    return { ok: true, body };
  } catch {
    return { ok: false, code: "command_malformed", message: "command body: is not JSON" };
  } finally {
    plain.fill(0);
  }
}
