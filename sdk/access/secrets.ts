/**
 * How card numbers and PINs are kept: never in clear.
 * - A card number is hashed with keyed BLAKE2b (crypto_generichash) under a device-held
 *   key, so a stolen database alone does not reveal or confirm card numbers.
 * - A PIN is stored as a salted, memory-hard libsodium password hash: crypto_pwhash_str
 *   (Argon2id, `$argon2id$v=19$m=..,t=..,p=1$salt$hash`), checked with
 *   crypto_pwhash_str_verify (constant time), on a worker thread (sdk/crypto/pin-hasher.ts)
 *   so the event loop is not held. The cost is chosen for a keypad: INTERACTIVE_PIN_HASHING
 *   is OWASP's Argon2id baseline (19 MiB, 2 passes), measured ~40 ms a verification here,
 *   during which the PIN waits (nothing else does); libsodium's own INTERACTIVE limits
 *   (64 MiB) took ~250 ms. Every offline guess
 *   at a stolen hash costs the same 19 MiB and two passes. Tests pass the MIN limits.
 * - The PIN is peppered first: Argon2id runs over keyed BLAKE2b of the PIN under a pepper
 *   derived from the device-held card key (never in the database in clear), so a copied
 *   database alone does not let anyone try the 10,000 four-digit PINs offline. Stored as
 *   `pepper1` + the Argon2id string; a hash from before peppering (`$argon2id$...`) still
 *   verifies and is replaced by a peppered one at its next successful check.
 * Values that fail validation are reported without echoing them.
 */
import { ConfigError } from "../errors.js";
import type { PinHasher } from "../crypto/pin-hasher.js";
import type { Sodium } from "../crypto/sodium.js";

export interface PinHashing {
  opsLimit: number;
  memLimit: number;
}

/** Argon2id at OWASP's baseline (m = 19 MiB, t = 2, p = 1): the device default. */
export const INTERACTIVE_PIN_HASHING: PinHashing = { opsLimit: 2, memLimit: 19 * 1024 * 1024 };
/** libsodium's crypto_pwhash_OPSLIMIT_MIN / MEMLIMIT_MIN: for tests only. */
export const MIN_PIN_HASHING: PinHashing = { opsLimit: 1, memLimit: 8192 };

export function interactivePinHashing(_sodium?: Sodium): PinHashing {
  return INTERACTIVE_PIN_HASHING;
}

/** The cheapest limits: for tests only. */
export function minimalPinHashing(_sodium?: Sodium): PinHashing {
  return MIN_PIN_HASHING;
}

const CARD = /^[0-9A-Za-z]{1,64}$/;
const PIN = /^\d{4,12}$/;
const PIN_CODE = /^\d{1,8}$/;

export function normalizeCardNumber(cardNumber: string, path: string): string {
  const n = cardNumber.trim().toUpperCase();
  if (!CARD.test(n)) throw new ConfigError(`${path}: a card number must be 1-64 letters or digits`, { path });
  return n;
}

export function checkPin(pin: string, path: string): void {
  if (!PIN.test(pin)) throw new ConfigError(`${path}: a PIN must be 4-12 digits`, { path });
}

export function checkPinCode(code: string, path: string): void {
  if (!PIN_CODE.test(code)) throw new ConfigError(`${path}: a keypad user code must be 1-8 digits`, { path });
}

export function hashCard(sodium: Sodium, cardKey: Uint8Array, normalized: string): string {
  return sodium.to_hex(sodium.crypto_generichash(32, sodium.from_string(normalized), cardKey));
}

/** Marks a peppered PIN hash. */
export const PEPPERED = "pepper1";

/** The pepper of PIN hashes, derived from the device-held card key (a key of its own purpose). */
export function pinPepper(sodium: Sodium, cardKey: Uint8Array): Uint8Array {
  return sodium.crypto_generichash(32, sodium.from_string("facegate/pin-pepper/v1"), cardKey);
}

function peppered(sodium: Sodium, pepper: Uint8Array, pin: string): string {
  return sodium.to_hex(sodium.crypto_generichash(32, sodium.from_string(pin), pepper));
}

/** Hashes a PIN with Argon2id over its peppered form (a fresh random salt each time). */
export async function hashPin(hasher: PinHasher, pin: string, limits: PinHashing, pepper: { sodium: Sodium; key: Uint8Array }): Promise<string> {
  return PEPPERED + (await hasher.hash(peppered(pepper.sodium, pepper.key, pin), limits.opsLimit, limits.memLimit));
}

/**
 * Whether `pin` matches `hash`: "peppered" or "legacy" (an unpeppered hash from before, to
 * be replaced), false (never an exception) for a wrong PIN or a hash that is not Argon2id.
 */
export async function verifyPinHash(hasher: PinHasher, hash: string, pin: string, pepper: { sodium: Sodium; key: Uint8Array }): Promise<"peppered" | "legacy" | false> {
  if (hash.startsWith(PEPPERED + "$argon2id$")) return (await hasher.verify(hash.slice(PEPPERED.length), peppered(pepper.sodium, pepper.key, pin))) ? "peppered" : false;
  if (hash.startsWith("$argon2id$")) return (await hasher.verify(hash, pin)) ? "legacy" : false;
  return false;
}
