/**
 * Audit tables. Triggers make `audit_entries` and `audit_checkpoints` append-only inside
 * the software (L8); someone with raw file access can still edit them, which the hash
 * chain and the signed checkpoints then reveal.
 */
import type { MigrationSet } from "../store/database.js";

export const auditMigrations: MigrationSet = {
  module: "audit",
  steps: [
    `CREATE TABLE audit_entries (
       seq INTEGER PRIMARY KEY,
       at INTEGER NOT NULL,
       type TEXT NOT NULL,
       actor TEXT,
       subject TEXT,
       details TEXT NOT NULL,
       prev_hash TEXT NOT NULL,
       hash TEXT NOT NULL
     );
     CREATE TABLE audit_checkpoints (
       seq INTEGER PRIMARY KEY,
       at INTEGER NOT NULL,
       head TEXT NOT NULL,
       key_id TEXT NOT NULL,
       signature BLOB NOT NULL
     );
     CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
     CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
     CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
     CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`,
  ],
};
