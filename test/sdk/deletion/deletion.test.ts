import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { verifyAuditExport } from "../../../sdk/audit/audit-verify.js";
import { verifyReceipt } from "../../../sdk/crypto/signatures.js";
import { DAY, type Fixture, consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";

function enroll(f: Fixture, subjectId: string, seed: number, over: Parameters<typeof consentInput>[2] = {}): void {
  f.store.consents.give(consentInput(f, subjectId, over));
  f.store.vault.enroll({ subjectId, gateId: "gate-a", embeddings: [embedding(seed), embedding(seed + 1)] });
}

function secretBytes(f: Fixture, subjectId: string): Buffer[] {
  const templates = f.store.db.prepare("SELECT ciphertext FROM templates WHERE subject_id = ?").all(subjectId) as Array<{ ciphertext: Buffer }>;
  const key = f.store.db.prepare("SELECT wrapped_key FROM subject_keys WHERE subject_id = ?").get(subjectId) as { wrapped_key: Buffer };
  return [...templates.map((t) => Buffer.from(t.ciphertext)), Buffer.from(key.wrapped_key)];
}

function filesContain(dbPath: string, needle: Buffer): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((p) => existsSync(p) && readFileSync(p).includes(needle));
}

describe("deletion", () => {
  it("L7 deletion leaves nothing recoverable: no ciphertext or wrapped key in the database, -wal or -shm files", async () => {
    const f = await openFixture();
    for (let i = 0; i < 6; i++) enroll(f, `s${i}`, i * 10);
    const secrets = secretBytes(f, "s3");
    expect(secrets.some((s) => filesContain(f.dbPath, s).length > 0)).toBe(true); // the scan does find live data
    const receipt = f.store.deletion.requestDeletion({ subjectId: "s3", actor: "op-key-1" });
    for (const s of secrets) expect(filesContain(f.dbPath, s)).toEqual([]);
    // Half-ciphertexts too (a partially overwritten page would still leak).
    for (const s of secrets) expect(filesContain(f.dbPath, s.subarray(0, 32))).toEqual([]);
    expect(f.sink.templates.has("s3")).toBe(false);
    expect(f.sink.templates.size).toBe(5);
    expect(receipt).toMatchObject({ subjectRef: "s3", trigger: "deletion_request", requestedBy: "op-key-1", deleted: { templates: 2, dataKeys: 1, consentsEnded: 1 } });
    expect(await verifyReceipt(JSON.parse(JSON.stringify(receipt)), f.store.publicKeys.signingPublicKey)).toEqual({ ok: true });
    const doc = f.store.audit.export();
    expect((await verifyAuditExport(doc, f.store.publicKeys.signingPublicKey)).ok).toBe(true);
    const entry = doc.entries.find((e) => e.type === "deletion.completed")!;
    expect(entry).toMatchObject({ seq: receipt.audit.seq, hash: receipt.audit.hash, subject: "s3", details: { receiptId: receipt.receiptId, templates: 2 } });
    f.store.close();
    // Still gone after reopen; the other subjects load.
    const again = await f.reopen();
    expect(again.vault.loadInto(f.sink).subjects).toBe(5);
    expect(again.subjectStatus("s3")).toMatchObject({ templates: 0, dataKey: false });
    expect(again.deletion.receipts("s3").map((r) => r.receiptId)).toEqual([receipt.receiptId]);
    again.close();
  });

  it("L7 a tampered receipt or another device's key does not verify", async () => {
    const f = await openFixture();
    enroll(f, "s1", 1);
    const receipt = f.store.deletion.requestDeletion({ subjectId: "s1", actor: "resident" });
    expect((await verifyReceipt({ ...receipt, deleted: { ...receipt.deleted, templates: 0 } }, f.store.publicKeys.signingPublicKey)).ok).toBe(false);
    expect((await verifyReceipt({ ...receipt, subjectRef: "s2" }, f.store.publicKeys.signingPublicKey)).ok).toBe(false);
    const g = await openFixture();
    expect((await verifyReceipt(receipt, g.store.publicKeys.signingPublicKey)).reason).toMatch(/device key/);
    f.store.close();
    g.store.close();
  });

  it("L7 every trigger takes the same path, and its event is recorded inside the deletion transaction", async () => {
    const f = await openFixture();
    const inTx: boolean[] = [];
    f.events.onEvent((e) => e.type === "privacy.deletion" && inTx.push(f.store.db.inTransaction));
    enroll(f, "a", 1);
    enroll(f, "b", 3);
    enroll(f, "c", 5);
    enroll(f, "d", 7, { expiresAt: f.clock.now() + 2 * DAY });
    const receipts = [
      f.store.deletion.requestDeletion({ subjectId: "a", actor: "op" }),
      f.store.deletion.withdrawConsent({ subjectId: "b", actor: "resident" }),
      f.store.deletion.accessEnded({ subjectId: "c", actor: "op" }),
    ];
    f.clock.advance(2 * DAY);
    receipts.push(...f.store.deletion.sweepExpired());
    expect(receipts.map((r) => [r.subjectRef, r.trigger])).toEqual([["a", "deletion_request"], ["b", "consent_withdrawn"], ["c", "access_ended"], ["d", "consent_expired"]]);
    expect(receipts.every((r) => r.deleted.templates === 2 && r.deleted.dataKeys === 1)).toBe(true);
    expect(inTx).toEqual([true, true, true, true]);
    expect(f.sink.count()).toBe(0);
    const events = f.events.events.filter((e) => e.type === "privacy.deletion");
    expect(events.map((e) => (e.data["receipt"] as { receiptId: string }).receiptId)).toEqual(receipts.map((r) => r.receiptId));
    expect(f.store.audit.entries().filter((e) => e.type === "deletion.completed")).toHaveLength(4);
    expect(f.store.audit.entries().filter((e) => e.type === "consent.withdrawn").map((e) => e.subject)).toEqual(["b"]);
    f.store.close();
  });

  it("L7 a failing event recorder rolls the whole deletion back (nothing half-done)", async () => {
    const f = await openFixture();
    enroll(f, "s1", 1);
    f.events.onEvent((e) => {
      if (e.type === "privacy.deletion") throw new Error("outbox full");
    });
    expect(() => f.store.deletion.requestDeletion({ subjectId: "s1", actor: "op" })).toThrow("outbox full");
    expect(f.store.subjectStatus("s1")).toMatchObject({ templates: 2, dataKey: true, consent: { status: "active" } });
    expect(f.store.audit.entries().some((e) => e.type === "deletion.completed")).toBe(false);
    f.store.close();
  });

  it("L7 expiry deletion runs on the device by itself with an injected clock and timer", async () => {
    const f = await openFixture();
    enroll(f, "soon", 1, { expiresAt: f.clock.now() + 3 * DAY });
    enroll(f, "later", 3, { expiresAt: f.clock.now() + 20 * DAY });
    const timers: Array<{ fn: () => void; at: number }> = [];
    const scheduler = f.store.startExpiryScheduler({ setTimer: (fn, ms) => timers.push({ fn, at: f.clock.now() + ms }), maxIntervalMs: 7 * DAY });
    expect(timers.at(-1)!.at).toBe(f.clock.now() + 3 * DAY); // woken exactly at the first expiry
    const fire = (): void => {
      const t = timers.pop()!;
      f.clock.set(t.at);
      t.fn();
    };
    fire();
    expect(f.store.subjectStatus("soon")).toMatchObject({ templates: 0, dataKey: false, consent: { status: "expired" } });
    expect(f.store.subjectStatus("later").templates).toBe(2);
    expect(f.store.deletion.receipts("soon")[0]).toMatchObject({ trigger: "consent_expired", requestedBy: "device" });
    fire(); // max interval (7 days) caps the wait before the next expiry (17 days away)
    expect(f.store.subjectStatus("later").templates).toBe(2);
    fire();
    fire();
    expect(f.store.subjectStatus("later").templates).toBe(0);
    scheduler.stop();
    f.store.close();
  });

  it("L7 the end of access rights deletes face data on the device by itself, woken at the end date", async () => {
    const f = await openFixture();
    enroll(f, "leaving", 1, { expiresAt: f.clock.now() + 300 * DAY });
    enroll(f, "staying", 3, { expiresAt: f.clock.now() + 300 * DAY });
    const rightsEnd = new Map([["leaving", f.clock.now() + 5 * DAY], ["no-face-data", f.clock.now() + DAY]]);
    const rights = {
      endedBy: (at: number) => [...rightsEnd].filter(([, t]) => t <= at).map(([s]) => s),
      nextEndAfter: (at: number) => Math.min(...[...rightsEnd.values()].filter((t) => t > at)),
    };
    const timers: Array<{ fn: () => void; at: number }> = [];
    const scheduler = f.store.startExpiryScheduler({ setTimer: (fn, ms) => timers.push({ fn, at: f.clock.now() + ms }), maxIntervalMs: 30 * DAY, rights });
    expect(timers.at(-1)!.at).toBe(f.clock.now() + DAY); // the earliest end of rights, before any consent expiry
    const fire = (): void => {
      const t = timers.pop()!;
      f.clock.set(t.at);
      t.fn();
    };
    fire(); // "no-face-data" ends: nothing to delete, no receipt
    expect(f.store.deletion.receipts("no-face-data")).toEqual([]);
    expect(timers.at(-1)!.at).toBe(f.clock.now() + 4 * DAY);
    fire();
    expect(f.store.subjectStatus("leaving")).toMatchObject({ templates: 0, dataKey: false });
    expect(f.store.deletion.receipts("leaving")[0]).toMatchObject({ trigger: "access_ended", requestedBy: "device", deleted: { templates: 2, consentsEnded: 1 } });
    expect(f.store.subjectStatus("staying").templates).toBe(2);
    expect(f.sink.templates.has("leaving")).toBe(false);
    scheduler.stop();
    f.store.close();
  });

  it("L7 a subject with nothing stored still gets a receipt, and deleting twice is harmless", async () => {
    const f = await openFixture();
    const r1 = f.store.deletion.requestDeletion({ subjectId: "nobody", actor: "op" });
    const r2 = f.store.deletion.requestDeletion({ subjectId: "nobody", actor: "op" });
    expect(r1.deleted).toEqual({ templates: 0, dataKeys: 0, consentsEnded: 0 });
    expect(r2.audit.seq).toBeGreaterThan(r1.audit.seq);
    f.store.close();
  });
});
