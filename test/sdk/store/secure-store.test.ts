import { chmodSync, copyFileSync, existsSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileKeyProvider } from "../../../sdk/crypto/key-provider.js";
import { silentLogger } from "../../../sdk/log/logger.js";
import { openSecureStore } from "../../../sdk/privacy/secure-store.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { RecordingSink, consentInput, embedding, openFixture, sampleNotice, tempDir, testConfig } from "../../support/secure-store-fixture.js";

const open = (dbPath: string, keyPath: string) =>
  openSecureStore({ dbPath, keyProvider: new FileKeyProvider({ path: keyPath }), clock: new ManualClock(), logger: silentLogger, sink: new RecordingSink(), config: testConfig });

function snapshot(paths: string[]): Array<Buffer | null> {
  return paths.map((p) => (existsSync(p) ? readFileSync(p) : null));
}

async function populated() {
  const f = await openFixture();
  f.store.consents.give(consentInput(f, "s1"));
  f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1)] });
  f.store.close();
  return f;
}

describe("opening the secure store", () => {
  it("L1 L5 opens with WAL, synchronous FULL, secure_delete, foreign keys, and keeps the key out of the database", async () => {
    const f = await openFixture();
    expect(f.store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(f.store.db.pragma("synchronous", { simple: true })).toBe(2);
    expect(f.store.db.pragma("secure_delete", { simple: true })).toBe(1);
    expect(f.store.db.pragma("foreign_keys", { simple: true })).toBe(1);
    const modules = (f.store.db.prepare("SELECT DISTINCT module FROM schema_migrations").all() as Array<{ module: string }>).map((r) => r.module);
    expect(modules).toEqual(expect.arrayContaining(["device_keys", "store_meta", "audit", "consent", "vault", "deletion"]));
    f.store.close();
    const master = readFileSync(f.keyPath);
    expect(readFileSync(f.dbPath).includes(master)).toBe(false);
  });

  it("L5 key file permissions wider than 0600 are refused at start and nothing is overwritten", async () => {
    const f = await populated();
    chmodSync(f.keyPath, 0o640);
    const before = snapshot([f.dbPath, f.keyPath]);
    await expect(open(f.dbPath, f.keyPath)).rejects.toMatchObject({ code: "key_permissions" });
    expect(snapshot([f.dbPath, f.keyPath])).toEqual(before);
  });

  it("L5 a missing key file with an existing database is refused; no new key is created", async () => {
    const f = await populated();
    const moved = join(f.dir, "elsewhere.key");
    copyFileSync(f.keyPath, moved);
    unlinkSync(f.keyPath);
    const before = snapshot([f.dbPath]);
    await expect(open(f.dbPath, f.keyPath)).rejects.toMatchObject({ code: "key_missing", message: expect.stringMatching(/exists but key file .* is missing/) });
    expect(existsSync(f.keyPath)).toBe(false);
    expect(snapshot([f.dbPath])).toEqual(before);
  });

  it("L5 another device's key file is refused before any write", async () => {
    const f = await populated();
    const other = join(tempDir(), "other.key");
    await (await open(join(tempDir(), "x.db"), other)).close();
    const before = snapshot([f.dbPath]);
    await expect(open(f.dbPath, other)).rejects.toMatchObject({ code: "key_mismatch" });
    expect(snapshot([f.dbPath])).toEqual(before);
  });

  it("a corrupt database gives a clear error at start and is left untouched", async () => {
    const f = await populated();
    const bytes = readFileSync(f.dbPath);
    bytes.fill(0x5a, 100, 4096 * 2); // smash the header's tail and the first pages
    writeFileSync(f.dbPath, bytes);
    const before = snapshot([f.dbPath, f.keyPath]);
    await expect(open(f.dbPath, f.keyPath)).rejects.toMatchObject({ code: "store_corrupt", message: expect.stringMatching(/corrupt.*left untouched/) });
    expect(snapshot([f.dbPath, f.keyPath])).toEqual(before);
  });

  it("L5 the device keys persist across restarts and templates reload", async () => {
    const f = await populated();
    const again = await f.reopen();
    const sink = new RecordingSink();
    expect(again.vault.loadInto(sink)).toMatchObject({ subjects: 1, templates: 1 });
    expect(again.audit.entries().filter((e) => e.type === "key.created")).toHaveLength(1);
    expect(again.audit.verify().ok).toBe(true);
    again.close();
  });

  it("L8 every event-worthy change records its event inside the change's transaction, with opaque references only", async () => {
    const f = await openFixture();
    const seen: Array<[string, boolean]> = [];
    f.events.onEvent((e) => seen.push([e.type, f.store.db.inTransaction]));
    f.store.consents.publishNotice(sampleNotice(2));
    f.store.consents.give(consentInput(f, "s1"));
    f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1)] });
    f.store.vault.quarantine("s1", "integrity_template");
    f.store.deletion.withdrawConsent({ subjectId: "s1", actor: "resident" });
    expect(seen.map(([t]) => t)).toEqual([
      "privacy.notice_published",
      "privacy.consent_given",
      "privacy.enrollment",
      "integrity.quarantine",
      "privacy.consent_withdrawn",
      "privacy.deletion",
    ]);
    expect(seen.every(([, inTx]) => inTx)).toBe(true);
    expect(f.events.events.every((e) => e.auditRelevant === true && typeof e.id === "string")).toBe(true);
    expect(JSON.stringify(f.events.events)).not.toMatch(/\d\.\d{6,}/);
    f.store.close();
  });
});
