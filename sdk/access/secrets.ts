/**
 * How card numbers and PINs are kept: never in clear.
 * - A card number is hashed with keyed BLAKE2b (crypto_generichash) under a device-held
 *   key, so a stolen database alone does not reveal or confirm card numbers.
 * - A PIN is stored as a salted, memory-hard password hash. With a libsodium build that
 *   has crypto_pwhash (the "sumo" build) it is crypto_pwhash_str (Argon2id,
 *   `$argon2id$...`). The standard libsodium-wrappers build this project depends on has
 *   no crypto_pwhash, so otherwise the PIN is hashed with Node's scrypt (RFC 7914) into a
 *   self-describing string `$scrypt$ln=..,r=8,p=1$salt$hash`, compared in constant time.
 *   Both are verified by prefix, so a later switch to the sumo build keeps old PINs valid.
 * - The limits follow libsodium's meaning (opsLimit, memLimit in bytes). Interactive
 *   (64 MiB) costs ~50-150 ms a verification: fine at a keypad, slow for offline
 *   guessing. Tests pass the MIN limits. For scrypt, memLimit sets N (128*N*r bytes).
 * Values that fail validation are reported without echoing them.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { ConfigError } from "../errors.js";
import type { Sodium } from "../crypto/sodium.js";

export interface PinHashing {
  opsLimit: number;
  memLimit: number;
}

/** libsodium's crypto_pwhash_OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (Argon2id). */
export const INTERACTIVE_PIN_HASHING: PinHashing = { opsLimit: 2, memLimit: 64 * 1024 * 1024 };
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

type PwhashSodium = {
  crypto_pwhash_str?: (pin: string, ops: number, mem: number) => string;
  crypto_pwhash_str_verify?: (hash: string, pin: string) => boolean;
};

const SCRYPT_R = 8;

function scryptAsync(pin: string, salt: Buffer, ln: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((ok, fail) =>
    scrypt(pin, salt, 32, { N, r: SCRYPT_R, p: 1, maxmem: 256 * N * SCRYPT_R + 1024 * 1024 }, (err, key) => (err ? fail(err) : ok(key))),
  );
}

/** Hashes a PIN (off the event loop with scrypt; libsodium's Argon2id is synchronous). */
export async function hashPin(sodium: Sodium, pin: string, limits: PinHashing): Promise<string> {
  const s = sodium as unknown as PwhashSodium;
  if (typeof s.crypto_pwhash_str === "function") return s.crypto_pwhash_str(pin, limits.opsLimit, limits.memLimit);
  const ln = Math.max(4, Math.min(20, Math.floor(Math.log2(limits.memLimit / (128 * SCRYPT_R)))));
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, ln);
  return `$scrypt$ln=${ln},r=${SCRYPT_R},p=1$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPinHash(sodium: Sodium, hash: string, pin: string): Promise<boolean> {
  try {
    if (hash.startsWith("$scrypt$")) {
      const m = /^\$scrypt\$ln=(\d+),r=8,p=1\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
      if (!m) return false;
      const expected = Buffer.from(m[3]!, "base64");
      const key = await scryptAsync(pin, Buffer.from(m[2]!, "base64"), Number(m[1]));
      return key.length === expected.length && timingSafeEqual(key, expected);
    }
    const s = sodium as unknown as PwhashSodium;
    return typeof s.crypto_pwhash_str_verify === "function" ? s.crypto_pwhash_str_verify(hash, pin) : false;
  } catch {
    return false;
  }
}
