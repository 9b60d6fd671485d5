/**
 * Exports a device's audit log for an installer or operator tool, without starting the
 * gate: opens the existing database, checks the key file belongs to it, signs a
 * checkpoint at the head and returns the export (L8). It never creates a key or a
 * database, and touches no other table.
 */
import { checkDeviceKeys } from "./device-key-binding.js";
import { KeyHierarchy } from "../crypto/key-hierarchy.js";
import type { KeyProvider } from "../crypto/key-provider.js";
import { KeyError } from "../errors.js";
import { openDatabase } from "../store/database.js";
import type { Clock } from "../time/clock.js";
import { AuditLog } from "../audit/audit-log.js";
import { auditMigrations } from "../audit/audit-migrations.js";
import type { AuditExport } from "../protocol/index.js";

export async function exportDeviceAudit(options: { dbPath: string; keyProvider: KeyProvider; clock: Clock }): Promise<AuditExport> {
  const keys = await KeyHierarchy.fromProvider({ provider: options.keyProvider, create: false });
  try {
    const db = openDatabase({ path: options.dbPath, migrations: [auditMigrations], mustExist: true });
    try {
      if (!checkDeviceKeys(db, keys)) throw new KeyError("key_unbound", `database ${options.dbPath} records no device key; it was never opened by a gate`);
      return new AuditLog({ db, signer: keys.signer, clock: options.clock }).export();
    } finally {
      db.close();
    }
  } finally {
    keys.close();
  }
}

/** The public half of a device's keys, for handing to verifiers. */
export async function devicePublicKeys(options: { keyProvider: KeyProvider }): Promise<{ keyId: string; signingPublicKey: string; boxPublicKey: string }> {
  const keys = await KeyHierarchy.fromProvider({ provider: options.keyProvider, create: false });
  try {
    const b64 = (k: Uint8Array): string => Buffer.from(k).toString("base64");
    return { keyId: keys.publicKeys.keyId, signingPublicKey: b64(keys.publicKeys.signingPublicKey), boxPublicKey: b64(keys.publicKeys.boxPublicKey) };
  } finally {
    keys.close();
  }
}
