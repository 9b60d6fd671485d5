/**
 * Ed25519 keys as the command layer sees them. A key id is a fingerprint of the public key
 * (first 16 bytes of its SHA-256, hex), so it cannot name a key it does not belong to.
 * Base64 on the wire is standard RFC 4648 base64 with padding.
 */
import { createHash } from "node:crypto";
import { loadSodium, type Sodium } from "../crypto/sodium.js";
import { KeyError } from "../errors.js";
import type { DeviceSigner } from "./ports.js";

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function keyIdFor(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 32);
}

export { toBase64 } from "../crypto/canonical.js";

/** Strict base64: undefined unless `text` is canonical padded base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return undefined;
  return new Uint8Array(bytes);
}

export function isBase64(text: string): boolean {
  return BASE64.test(text);
}

export function verifyDetached(sodium: Sodium, signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

export interface Ed25519KeyPair {
  keyId: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export async function generateEd25519KeyPair(): Promise<Ed25519KeyPair> {
  const sodium = await loadSodium();
  const kp = sodium.crypto_sign_keypair();
  return { keyId: keyIdFor(kp.publicKey), publicKey: kp.publicKey, secretKey: kp.privateKey };
}

/**
 * A DeviceSigner over a raw Ed25519 secret key (64 bytes, libsodium layout). The device
 * key hierarchy in sdk/crypto provides the production signer; this one serves tests, the
 * simulator and the operator side.
 */
export async function ed25519Signer(secretKey: Uint8Array): Promise<DeviceSigner> {
  const sodium = await loadSodium();
  if (secretKey.length !== 64) throw new KeyError("key_invalid", "Ed25519 secret key must be 64 bytes (libsodium layout: seed then public key)");
  // libsodium's 64-byte secret key ends with the public key.
  const publicKey = secretKey.slice(32);
  const keyId = keyIdFor(publicKey);
  return { keyId, publicKey, sign: (message) => sodium.crypto_sign_detached(message, secretKey) };
}
