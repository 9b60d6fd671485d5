/**
 * PIN hashes are peppered (issue 12, finding 7): with the database alone, the 10,000
 * four-digit PINs cannot be tried offline against a stored hash; with the device's key
 * they can (the positive control: the search works). A hash from before peppering still
 * verifies and is replaced by a peppered one at its next successful check.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccessStore, accessMigrations, createAccessStore, minimalPinHashing } from "../../../sdk/access/index.js";
import { PEPPERED, pinPepper } from "../../../sdk/access/secrets.js";
import { loadPasswordHashing } from "../../../sdk/crypto/password-hashing.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { type Db, openDatabase } from "../../../sdk/store/database.js";
import { ManualClock } from "../../../sdk/time/clock.js";

const CARD_KEY = new Uint8Array(32).fill(7);
let db: Db;
let store: AccessStore;

beforeEach(async () => {
  db = openDatabase({ path: ":memory:", migrations: [accessMigrations] });
  store = await createAccessStore({ db, cardKey: CARD_KEY, clock: new ManualClock(Date.UTC(2026, 0, 5)), pinHashing: minimalPinHashing() });
  store.loadPolicies([{ gateId: "lobby", mode: "card_or_pin" }]);
  await store.putPerson({ personRef: "p-1", rights: { gates: ["lobby"] }, pins: [{ code: "11", pin: "4829" }] });
});
afterEach(() => {
  store.close();
  db.close();
});

const storedHash = () => db.prepare<[], { id: string; pin_hash: string }>("SELECT id, pin_hash FROM access_credentials WHERE kind = 'pin'").get()!;
const fourDigits = () => Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, "0"));

describe("PIN hashes", () => {
  it("cannot be searched from a copied database alone; with the device's key they can", async () => {
    const sodium = await loadSodium();
    const pwhash = await loadPasswordHashing();
    const { pin_hash } = storedHash();
    expect(pin_hash.startsWith(`${PEPPERED}$argon2id$`)).toBe(true);
    const argon = pin_hash.slice(PEPPERED.length);
    // The thief's search: every four-digit PIN straight against the Argon2id string.
    expect(fourDigits().filter((pin) => pwhash.crypto_pwhash_str_verify(argon, pin))).toEqual([]);
    // With the pepper (derived from the device-held key, not in the database) the same search finds it.
    const pepper = pinPepper(sodium, CARD_KEY);
    const found = fourDigits().find((pin) => pwhash.crypto_pwhash_str_verify(argon, sodium.to_hex(sodium.crypto_generichash(32, sodium.from_string(pin), pepper))));
    expect(found).toBe("4829");
    expect(await store.verifyPin(storedHash().id, "4829")).toBe(true);
    expect(await store.verifyPin(storedHash().id, "4828")).toBe(false);
  }, 120_000);

  it("still accepts a hash from before peppering, and replaces it with a peppered one once the PIN is right", async () => {
    const { id } = storedHash();
    const legacy = (await loadPasswordHashing()).crypto_pwhash_str("4829", 1, 8192);
    db.prepare("UPDATE access_credentials SET pin_hash = ? WHERE id = ?").run(legacy, id);
    expect(await store.verifyPin(id, "0000")).toBe(false);
    expect(storedHash().pin_hash).toBe(legacy);
    expect(await store.verifyPin(id, "4829")).toBe(true);
    expect(storedHash().pin_hash.startsWith(`${PEPPERED}$argon2id$`)).toBe(true);
    expect(await store.verifyPin(id, "4829")).toBe(true);
  });
});
