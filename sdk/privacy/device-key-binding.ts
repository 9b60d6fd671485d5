/**
 * Binds a database to the device keys that wrote it. Only public values are stored
 * (the signing and box public keys): the master key and KEK never sit in the database
 * (SPEC section 6). Opening a database with a different key file is refused instead of
 * quarantining every subject as "tampered".
 */
import { KeyError } from "../errors.js";
import type { Db, MigrationSet } from "../store/database.js";
import { KEK_VERSION, type KeyHierarchy } from "../crypto/key-hierarchy.js";

export const deviceKeysMigrations: MigrationSet = {
  module: "device_keys",
  steps: [
    `CREATE TABLE device_keys (
       id INTEGER PRIMARY KEY CHECK (id = 1),
       key_id TEXT NOT NULL,
       signing_public BLOB NOT NULL,
       box_public BLOB NOT NULL,
       kek_version INTEGER NOT NULL,
       created_at INTEGER NOT NULL
     )`,
  ],
};

interface Row {
  key_id: string;
  signing_public: Buffer;
  kek_version: number;
}

/** True when the database already records device keys (it belongs to an enrolled device). */
export function hasBoundKeys(db: Db): boolean {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'device_keys'").get();
  return table !== undefined && db.prepare("SELECT 1 FROM device_keys WHERE id = 1").get() !== undefined;
}

/**
 * Checks that `keys` wrote this database. Returns false when no keys are recorded yet.
 * Works on a read-only connection, so a wrong key file is refused before anything
 * (even a migration) touches the database.
 */
export function checkDeviceKeys(db: Db, keys: KeyHierarchy): boolean {
  if (!hasBoundKeys(db)) return false;
  const row = db.prepare<[], Row>("SELECT key_id, signing_public, kek_version FROM device_keys WHERE id = 1").get()!;
  const same = Buffer.from(row.signing_public).equals(Buffer.from(keys.publicKeys.signingPublicKey));
  if (!same) {
    throw new KeyError(
      "key_mismatch",
      `the device key (id ${keys.publicKeys.keyId}) does not belong to this database (written by key id ${row.key_id}); nothing was changed`,
      { expectedKeyId: row.key_id, actualKeyId: keys.publicKeys.keyId },
    );
  }
  if (row.kek_version !== KEK_VERSION) {
    throw new KeyError("key_version", `database uses key-encryption key version ${row.kek_version}, this software ${KEK_VERSION}`);
  }
  return true;
}

/** Records the device public keys on first start, or checks them. Returns true when the binding was created. */
export function bindDeviceKeys(options: { db: Db; keys: KeyHierarchy; at: number }): boolean {
  const { db, keys } = options;
  if (checkDeviceKeys(db, keys)) return false;
  db.prepare("INSERT INTO device_keys (id, key_id, signing_public, box_public, kek_version, created_at) VALUES (1, ?, ?, ?, ?, ?)").run(
    keys.publicKeys.keyId,
    Buffer.from(keys.publicKeys.signingPublicKey),
    Buffer.from(keys.publicKeys.boxPublicKey),
    KEK_VERSION,
    options.at,
  );
  return true;
}
