/**
 * Tables of the `commands` module: the operator key registry and the record of every
 * authenticated command (idempotency by id, replay refusal, stored signed results) and
 * the latest time the device saw commands at.
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
    // The latest device time at which commands were processed or their records pruned:
    // a clock set back behind it could make a pruned command valid again, so the device
    // acts on no command until its clock is past it (replay protection that survives the
    // clock going back).
    `CREATE TABLE command_clock (id INTEGER PRIMARY KEY CHECK (id = 1), seen_at INTEGER NOT NULL);
     INSERT INTO command_clock (id, seen_at) SELECT 1, COALESCE(MAX(received_at), 0) FROM commands;`,
  ],
};
