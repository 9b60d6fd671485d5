/**
 * Tables of the `access` module: gate policies, people (opaque references and their
 * rights) and credentials. Card numbers are stored only as a keyed BLAKE2b hash and PINs
 * only as a salted, memory-hard hash string (see secrets.ts); neither can be read back.
 */
import type { MigrationSet } from "../store/database.js";

export const accessMigrations: MigrationSet = {
  module: "access",
  steps: [
    `CREATE TABLE access_gates (
       gate_id TEXT PRIMARY KEY,
       policy TEXT NOT NULL,
       updated_at INTEGER NOT NULL
     );
     CREATE TABLE access_people (
       person_ref TEXT PRIMARY KEY,
       gates TEXT NOT NULL,
       valid_from INTEGER,
       valid_until INTEGER,
       schedule TEXT,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     );
     CREATE TABLE access_credentials (
       id TEXT PRIMARY KEY,
       person_ref TEXT NOT NULL REFERENCES access_people(person_ref) ON DELETE CASCADE,
       kind TEXT NOT NULL CHECK (kind IN ('card', 'pin')),
       card_hash TEXT,
       pin_code TEXT,
       pin_hash TEXT,
       gates TEXT,
       valid_from INTEGER,
       valid_until INTEGER,
       revoked INTEGER NOT NULL DEFAULT 0,
       created_at INTEGER NOT NULL,
       CHECK ((kind = 'card' AND card_hash IS NOT NULL AND pin_hash IS NULL AND pin_code IS NULL)
           OR (kind = 'pin' AND pin_hash IS NOT NULL AND pin_code IS NOT NULL AND card_hash IS NULL))
     );
     CREATE UNIQUE INDEX access_card_live ON access_credentials(card_hash) WHERE kind = 'card' AND revoked = 0;
     CREATE UNIQUE INDEX access_pin_code_live ON access_credentials(pin_code) WHERE kind = 'pin' AND revoked = 0;
     CREATE INDEX access_credentials_person ON access_credentials(person_ref);`,
    // The expiry sweep asks for rights that ended, or were changed, in a span of time: ranges, not a scan.
    `CREATE INDEX access_people_valid_until ON access_people(valid_until) WHERE valid_until IS NOT NULL;
     CREATE INDEX access_people_updated ON access_people(updated_at);`,
  ],
};
