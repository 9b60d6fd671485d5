/**
 * Tables of the `commands` module: the operator key registry and the record of every
 * authenticated command (idempotency by id, replay refusal, stored signed results).
 */
import type { MigrationSet } from "../store/database.js";

export const commandsMigrations: MigrationSet = {
  module: "commands",
  steps: [
    `CREATE TABLE operator_keys (
       key_id TEXT PRIMARY KEY,
       public_key TEXT NOT NULL,
       role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor')),
       label TEXT NOT NULL,
       added_at INTEGER NOT NULL,
       added_by TEXT,
       removed_at INTEGER,
       removed_by TEXT
     );
     CREATE TABLE commands (
       id TEXT PRIMARY KEY,
       content_hash TEXT NOT NULL,
       request_hash TEXT NOT NULL,
       key_id TEXT NOT NULL,
       type TEXT NOT NULL,
       state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
       received_at INTEGER NOT NULL,
       expires_at INTEGER NOT NULL,
       result TEXT
     );
     CREATE INDEX commands_expiry ON commands (expires_at);`,
  ],
};
