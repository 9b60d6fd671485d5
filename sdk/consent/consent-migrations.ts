/**
 * Consent tables (L1, L3, L9, L10). Consent records are kept after a subject's face data
 * is deleted: they prove the processing was lawful (the burden of proof lies with the
 * processor) and hold no biometric data.
 */
import type { MigrationSet } from "../store/database.js";

export const consentMigrations: MigrationSet = {
  module: "consent",
  steps: [
    `CREATE TABLE notices (
       hash TEXT PRIMARY KEY,
       version INTEGER NOT NULL UNIQUE,
       content TEXT NOT NULL,
       published_at INTEGER NOT NULL
     );
     CREATE TABLE consents (
       id TEXT PRIMARY KEY,
       subject_id TEXT NOT NULL,
       site_id TEXT NOT NULL,
       processor_id TEXT NOT NULL,
       purpose TEXT NOT NULL,
       gate_ids TEXT NOT NULL,
       notice_hash TEXT NOT NULL REFERENCES notices(hash),
       method TEXT NOT NULL CHECK (method IN ('written', 'electronic')),
       evidence_ref TEXT NOT NULL,
       collected_by TEXT NOT NULL,
       given_at INTEGER NOT NULL,
       expires_at INTEGER NOT NULL CHECK (expires_at > given_at),
       is_minor INTEGER NOT NULL CHECK (is_minor IN (0, 1)),
       guardian TEXT,
       ended_at INTEGER,
       ended_reason TEXT,
       ended_by TEXT,
       CHECK (is_minor = 0 OR guardian IS NOT NULL)
     );
     CREATE INDEX consents_subject ON consents (subject_id);
     CREATE INDEX consents_expiry ON consents (expires_at) WHERE ended_at IS NULL;`,
  ],
};
