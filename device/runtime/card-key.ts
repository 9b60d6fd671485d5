/**
 * The device-held key for card-number hashes. Random, generated once, and stored only
 * wrapped by the key-encryption key (like subject data keys), so a copied database
 * reveals nothing about card numbers without the device key file.
 */
import type { KeyHierarchy } from "../../sdk/crypto/key-hierarchy.js";
import type { Db, MigrationSet } from "../../sdk/store/database.js";

export const runtimeMigrations: MigrationSet = {
  module: "runtime",
  steps: ["CREATE TABLE device_secrets (name TEXT PRIMARY KEY, wrapped BLOB NOT NULL, nonce BLOB NOT NULL, created_at INTEGER NOT NULL)"],
};

const CARD_KEY = { subjectId: "device:card-hash-key", keyVersion: 1 };

/** Returns the card-hash key, creating it on first start. The caller wipes it after use. */
export function loadOrCreateCardKey(db: Db, keys: KeyHierarchy, now: number): Uint8Array {
  const row = db.prepare<[string], { wrapped: Buffer; nonce: Buffer }>("SELECT wrapped, nonce FROM device_secrets WHERE name = ?").get(CARD_KEY.subjectId);
  if (row) return keys.unwrapDataKey(CARD_KEY, { wrapped: new Uint8Array(row.wrapped), nonce: new Uint8Array(row.nonce) });
  const key = keys.newDataKey();
  const wrapped = keys.wrapDataKey(CARD_KEY, key);
  db.prepare("INSERT INTO device_secrets (name, wrapped, nonce, created_at) VALUES (?, ?, ?, ?)").run(CARD_KEY.subjectId, Buffer.from(wrapped.wrapped), Buffer.from(wrapped.nonce), now);
  return key;
}
