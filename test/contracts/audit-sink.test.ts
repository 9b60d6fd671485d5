/**
 * The AuditSink suite over the device's audit log (sdk/audit) in the secure store's
 * database, the same log alone on its own database (as the command tests use it), and
 * the command tests' InspectableAuditLog. The log's in-memory double is gone (it used to
 * live in sdk/commands/ports.ts): every test uses the real log.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { AuditLog } from "../../sdk/audit/audit-log.js";
import { auditMigrations } from "../../sdk/audit/audit-migrations.js";
import { FileKeyProvider } from "../../sdk/crypto/key-provider.js";
import { generateEd25519KeyPair } from "../../sdk/crypto/keys.js";
import { silentLogger } from "../../sdk/log/logger.js";
import { openSecureStore } from "../../sdk/privacy/secure-store.js";
import { openDatabase } from "../../sdk/store/database.js";
import type { ContractEnv } from "../../sdk/testing/contract-kit.js";
import { InspectableAuditLog, deviceSignerFor } from "../sdk/commands/harness.js";
import { RecordingSink, tempDir, testConfig } from "../support/secure-store-fixture.js";
import { type AuditSinkFixture, auditSinkContract } from "./audit-sink-contract.js";

function alone(Log: typeof AuditLog) {
  return async ({ clock }: ContractEnv): Promise<AuditSinkFixture> => {
    const db = openDatabase({ path: ":memory:", migrations: [auditMigrations] });
    const signer = await deviceSignerFor((await generateEd25519KeyPair()).secretKey);
    return { sink: new Log({ db, signer, clock }), db, device: { keyId: signer.keyId, publicKey: signer.publicKey }, close: () => void db.close() };
  };
}

auditSinkContract({
  name: "AuditLog in the secure store (sdk/privacy/secure-store.ts)",
  create: async ({ clock }) => {
    const dir = tempDir("fg-audit-contract-");
    const store = await openSecureStore({ dbPath: join(dir, "device.db"), keyProvider: new FileKeyProvider({ path: join(dir, "keys", "master.key") }), clock, logger: silentLogger, sink: new RecordingSink(), config: testConfig });
    return {
      sink: store.audit,
      db: store.db,
      device: { keyId: store.publicKeys.keyId, publicKey: store.publicKeys.signingPublicKey },
      close() {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

auditSinkContract({ name: "AuditLog on its own database", create: alone(AuditLog) });
auditSinkContract({ name: "InspectableAuditLog (test/sdk/commands/harness.ts)", create: alone(InspectableAuditLog) });
