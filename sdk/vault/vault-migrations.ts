/**
 * Vault tables (L5, L7). A subject's data key exists only wrapped by the device KEK in
 * `subject_keys`; templates reference it, so there are never templates without a key.
 * Enrollment and deletion each touch both tables in one transaction, so a crash never
 * leaves a key without templates either.
 */
import type { MigrationSet } from "../store/database.js";

export const vaultMigrations: MigrationSet = {
  module: "vault",
  steps: [
    `CREATE TABLE subject_keys (
       subject_id TEXT PRIMARY KEY,
       key_version INTEGER NOT NULL,
       wrapped_key BLOB NOT NULL,
       nonce BLOB NOT NULL,
       created_at INTEGER NOT NULL
     );
     CREATE TABLE templates (
       id TEXT PRIMARY KEY,
       subject_id TEXT NOT NULL REFERENCES subject_keys (subject_id) ON DELETE CASCADE,
       key_version INTEGER NOT NULL,
       nonce BLOB NOT NULL,
       ciphertext BLOB NOT NULL,
       gate_id TEXT NOT NULL,
       created_at INTEGER NOT NULL
     );
     CREATE INDEX templates_subject ON templates (subject_id);
     CREATE TABLE quarantine (
       subject_id TEXT PRIMARY KEY,
       reason TEXT NOT NULL,
       at INTEGER NOT NULL
     );`,
  ],
};
