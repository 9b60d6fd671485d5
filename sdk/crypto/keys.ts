/**
 * Ed25519 keys as the whole product sees them. A key id is a fingerprint of the public key
 * (the first 16 bytes of its SHA-256, hex), so it cannot name a key it does not belong to;
 * device keys, operator keys and site keys all use it.
 */
import { KeyError } from "../errors.js";
import { sha256Hex } from "./hash.js";
import { loadSodium, type Sodium } from "./sodium.js";

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

export function keyIdFor(publicKey: Uint8Array): string {
  return sha256Hex(publicKey).slice(0, 32);
}

/** Signs with an Ed25519 key; the secret key never leaves it. */
export interface Signer {
  /** keyIdFor(publicKey). */
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array | string): Uint8Array;
}

/** A detached Ed25519 signature check with a loaded libsodium; false on any malformed input. */
export function verifyDetached(sodium: Sodium, signature: Uint8Array, message: Uint8Array | string, publicKey: Uint8Array): boolean {
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
 * A Signer over a raw Ed25519 secret key (64 bytes, libsodium layout: seed then public
 * key). The device key hierarchy provides the device's signer; this one serves operator
 * keys, the site key, tests and the simulator.
 */
export async function ed25519Signer(secretKey: Uint8Array): Promise<Signer> {
  const sodium = await loadSodium();
  if (secretKey.length !== 64) throw new KeyError("key_invalid", "Ed25519 secret key must be 64 bytes (libsodium layout: seed then public key)");
  const publicKey = secretKey.slice(32);
  return { keyId: keyIdFor(publicKey), publicKey, sign: (message) => sodium.crypto_sign_detached(message, secretKey) };
}
