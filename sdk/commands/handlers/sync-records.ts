/**
 * What a gate keeps for template sync (issue 14), in the device database (MigrationSet
 * `template_sync`):
 *
 * - the site's gate list with each gate's pinned keys, as the last admin-signed
 *   `site.gates` gave it (the only gates this gate seals templates for and accepts them
 *   from); a list with a lower version than the one held is refused;
 * - every package id installed here, kept after a deletion too (ids and opaque references
 *   only), so a replayed package is refused for good, across restarts.
 *
 * Public keys and opaque ids only: no template, no secret.
 */
import { type Db, type MigrationSet, runMigrations } from "../../store/database.js";

export const templateSyncMigrations: MigrationSet = {
  module: "template_sync",
  steps: [
    `CREATE TABLE sync_site_gates (
       gate_id TEXT PRIMARY KEY,
       signing_public_key BLOB NOT NULL CHECK (length(signing_public_key) = 32),
       box_public_key BLOB NOT NULL CHECK (length(box_public_key) = 32),
       list_version INTEGER NOT NULL,
       stored_at INTEGER NOT NULL
     );
     CREATE TABLE sync_list_meta (
       only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
       list_version INTEGER NOT NULL,
       signed_by TEXT NOT NULL,
       stored_at INTEGER NOT NULL
     );
     CREATE TABLE sync_installed_packages (
       package_id TEXT PRIMARY KEY,
       from_gate TEXT NOT NULL,
       subject_id TEXT NOT NULL,
       installed_at INTEGER NOT NULL
     );`,
  ],
};

export interface SiteGateKeys {
  gateId: string;
  signingPublicKey: Uint8Array;
  boxPublicKey: Uint8Array;
}

export class SyncRecords {
  private constructor(private readonly db: Db) {}

  /** Creates or migrates the tables if needed. */
  static open(db: Db): SyncRecords {
    runMigrations(db, [templateSyncMigrations]);
    return new SyncRecords(db);
  }

  /** The version of the list held, or undefined before the first `site.gates`. */
  listVersion(): number | undefined {
    return this.db.prepare<[], { list_version: number }>("SELECT list_version FROM sync_list_meta WHERE only_row = 1").get()?.list_version;
  }

  /** Replaces the list in one transaction (the caller checked the version). */
  replaceList(version: number, gates: readonly SiteGateKeys[], signedBy: string, at: number): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM sync_site_gates").run();
      const insert = this.db.prepare("INSERT INTO sync_site_gates (gate_id, signing_public_key, box_public_key, list_version, stored_at) VALUES (?, ?, ?, ?, ?)");
      for (const g of gates) insert.run(g.gateId, Buffer.from(g.signingPublicKey), Buffer.from(g.boxPublicKey), version, at);
      this.db
        .prepare("INSERT INTO sync_list_meta (only_row, list_version, signed_by, stored_at) VALUES (1, ?, ?, ?) ON CONFLICT(only_row) DO UPDATE SET list_version = excluded.list_version, signed_by = excluded.signed_by, stored_at = excluded.stored_at")
        .run(version, signedBy, at);
    })();
  }

  gate(gateId: string): SiteGateKeys | undefined {
    const row = this.db.prepare<[string], { gate_id: string; signing_public_key: Buffer; box_public_key: Buffer }>("SELECT gate_id, signing_public_key, box_public_key FROM sync_site_gates WHERE gate_id = ?").get(gateId);
    return row ? { gateId: row.gate_id, signingPublicKey: new Uint8Array(row.signing_public_key), boxPublicKey: new Uint8Array(row.box_public_key) } : undefined;
  }

  gateCount(): number {
    return this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sync_site_gates").get()!.n;
  }

  wasInstalled(packageId: string): boolean {
    return this.db.prepare("SELECT 1 FROM sync_installed_packages WHERE package_id = ?").get(packageId) !== undefined;
  }

  recordInstalled(packageId: string, fromGate: string, subjectId: string, at: number): void {
    this.db.prepare("INSERT INTO sync_installed_packages (package_id, from_gate, subject_id, installed_at) VALUES (?, ?, ?, ?)").run(packageId, fromGate, subjectId, at);
  }

  /** When the subject's face data was last deleted here (a deletion receipt), if ever. */
  lastDeletionAt(subjectId: string): number | undefined {
    return this.db.prepare<[string], { t: number | null }>("SELECT MAX(at) AS t FROM deletion_receipts WHERE subject_id = ?").get(subjectId)?.t ?? undefined;
  }
}
