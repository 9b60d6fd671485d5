/** Issued deletion receipts, kept so they can be shown again (L7, L11). No biometric data. */
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
  ],
};
