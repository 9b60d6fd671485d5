/** Issued deletion receipts, kept so they can be shown again (L7, L11), and an always-empty scrub table. No biometric data. */
import type { MigrationSet } from "../store/database.js";

export const deletionMigrations: MigrationSet = {
  module: "deletion",
  steps: [
    `CREATE TABLE deletion_receipts (
       receipt_id TEXT PRIMARY KEY,
       subject_id TEXT NOT NULL,
       at INTEGER NOT NULL,
       receipt TEXT NOT NULL
     );
     CREATE INDEX deletion_receipts_subject ON deletion_receipts (subject_id);`,
    // Always empty: a row of zeros is written and deleted here in each deletion, so that
    // SQLite's cell-building buffer no longer holds the last template it stored (deletion-service.ts).
    `CREATE TABLE deletion_scrub (id INTEGER PRIMARY KEY, pad BLOB NOT NULL);`,
  ],
};
