import { describe, expect, it } from "vitest";
import { verifyAuditExport } from "../../../sdk/audit/audit-verify.js";
import type { AuditExport } from "../../../sdk/protocol/index.js";
import { entryHash } from "../../../sdk/audit/entry-hash.js";
import type { AuditSink } from "../../../sdk/commands/ports.js";
import type { Signer as DeviceSigner } from "../../../sdk/crypto/keys.js";
import { openFixture } from "../../support/secure-store-fixture.js";

async function withEntries(n: number, checkpointEvery = 100) {
  const f = await openFixture({ config: { auditCheckpointEvery: checkpointEvery } });
  for (let i = 0; i < n; i++) f.store.audit.append({ type: "command.executed", actor: `op-${i % 3}`, subject: `s${i}`, details: { command: "open_door", n: i } });
  return f;
}

describe("audit log", () => {
  it("L8 entries are hash-chained, checkpoints are signed, and an export verifies offline", async () => {
    const f = await withEntries(25, 10);
    const doc = f.store.audit.export();
    expect(doc.checkpoints.map((c) => c.seq)).toEqual(expect.arrayContaining([10, 20, doc.entries.length]));
    const result = await verifyAuditExport(JSON.parse(JSON.stringify(doc)), f.store.publicKeys.signingPublicKey);
    expect(result).toMatchObject({ ok: true, entries: doc.entries.length });
    // key creation and policy are audited at first start
    expect(doc.entries.slice(0, 3).map((e) => e.type)).toEqual(["key.created", "policy.set", "notice.published"]);
    f.store.close();
  });

  it("L8 append joins the caller's transaction: a rollback leaves no entry and the chain intact", async () => {
    const f = await withEntries(3);
    const before = f.store.audit.head();
    expect(() =>
      f.store.db.transaction(() => {
        f.store.audit.append({ type: "command.executed", details: {} });
        throw new Error("abort");
      })(),
    ).toThrow("abort");
    expect(f.store.audit.head()).toEqual(before);
    expect(f.store.audit.append({ type: "command.executed", details: {} })).toBe(before.seq + 1);
    expect(f.store.audit.verify().ok).toBe(true);
    f.store.close();
  });

  it("L8 the log is append-only inside the software and refuses biometric-looking details", async () => {
    const f = await withEntries(2);
    expect(() => f.store.db.prepare("UPDATE audit_entries SET actor = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => f.store.db.prepare("DELETE FROM audit_entries WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => f.store.audit.append({ type: "x.y", details: { v: Array.from({ length: 512 }, () => 0.1) } })).toThrow(/number arrays/);
    expect(() => f.store.audit.append({ type: "x.y", details: { v: new Float32Array(4) as never } })).toThrow(/binary/);
    expect(() => f.store.audit.append({ type: "Bad Type", details: {} })).toThrow(/dotted/);
    f.store.close();
  });

  it("L8 an edited entry is named as the first broken entry", async () => {
    const f = await withEntries(12);
    const doc = structuredClone(f.store.audit.export()) as AuditExport;
    doc.entries[6]!.actor = "someone-else";
    const r = await verifyAuditExport(doc, f.store.publicKeys.signingPublicKey);
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toMatchObject({ seq: 7, reason: expect.stringMatching(/edited/) });
    f.store.close();
  });

  it("L8 a log whose times run back 400 days does not verify, naming the entry; a 30 s clock correction does", async () => {
    const f = await openFixture({ config: { auditCheckpointEvery: 5 } });
    const append = (n: number) => f.store.audit.append({ type: "command.executed", actor: "op-1", subject: `s${n}`, details: { n } });
    append(1);
    f.clock.advance(60_000);
    append(2);
    f.clock.set(f.clock.now() - 30_000); // NTP steps the clock back half a minute
    append(3);
    const corrected = await verifyAuditExport(JSON.parse(JSON.stringify(f.store.audit.export())), f.store.publicKeys.signingPublicKey);
    expect(corrected.ok).toBe(true);
    f.clock.set(f.clock.now() - 400 * 86_400_000);
    append(4);
    const doc = f.store.audit.export();
    const jumped = doc.entries.at(-1)!.seq;
    const r = await verifyAuditExport(JSON.parse(JSON.stringify(doc)), f.store.publicKeys.signingPublicKey);
    expect(r.ok).toBe(false);
    expect(r.firstBroken).toEqual({ seq: jumped, reason: `is dated 400 days before entry ${jumped - 1}: the device clock was set back, and times from here on prove nothing` });
    f.store.close();
  });

  it("L8 an edited entry with the chain rehashed after it is caught by the signed checkpoint", async () => {
    const f = await withEntries(12, 5);
    const doc = structuredClone(f.store.audit.export()) as AuditExport;
    doc.entries[11]!.details = { command: "nothing_happened" };
    for (let i = 11; i < doc.entries.length; i++) {
      const e = doc.entries[i]!;
      e.prevHash = doc.entries[i - 1]!.hash;
      e.hash = entryHash(e);
    }
    const r = await verifyAuditExport(doc, f.store.publicKeys.signingPublicKey);
    expect(r.ok).toBe(false);
    expect(r.firstBroken!.seq).toBe(11); // first entry after the last checkpoint that still holds (10)
    f.store.close();
  });

  it("L8 a removed entry is detected, in the middle and at the tail", async () => {
    const f = await withEntries(12);
    const doc = f.store.audit.export();
    const middle = structuredClone(doc) as AuditExport;
    middle.entries.splice(4, 1);
    expect((await verifyAuditExport(middle, f.store.publicKeys.signingPublicKey)).firstBroken).toMatchObject({ seq: 5, reason: expect.stringMatching(/missing/) });
    const tail = structuredClone(doc) as AuditExport;
    tail.entries.pop();
    tail.checkpoints.pop();
    const r = await verifyAuditExport(tail, f.store.publicKeys.signingPublicKey);
    expect(r.ok).toBe(false);
    expect(r.firstBroken!.reason).toMatch(/not covered by a signed checkpoint/);
    f.store.close();
  });

  it("L8 an entry edited in the database itself is detected by the local verifier", async () => {
    const f = await withEntries(6);
    f.store.db.exec("DROP TRIGGER audit_entries_no_update");
    f.store.db.prepare("UPDATE audit_entries SET subject = 'other' WHERE seq = 5").run();
    expect(f.store.audit.verify().firstBroken?.seq).toBe(5);
    f.store.close();
  });

  it("L8 a forged checkpoint or another device's key is refused", async () => {
    const f = await withEntries(4);
    const g = await withEntries(4);
    const doc = f.store.audit.export();
    expect((await verifyAuditExport(doc, g.store.publicKeys.signingPublicKey)).ok).toBe(false);
    const forged = structuredClone(doc) as AuditExport;
    forged.checkpoints.at(-1)!.signature = g.store.audit.export().checkpoints.at(-1)!.signature;
    expect((await verifyAuditExport(forged, f.store.publicKeys.signingPublicKey)).firstBroken!.reason).toMatch(/not signed/);
    expect((await verifyAuditExport({ hello: 1 }, f.store.publicKeys.signingPublicKey)).ok).toBe(false);
    f.store.close();
    g.store.close();
  });

  it("L12 plugs into the command layer's AuditSink and DeviceSigner ports", async () => {
    const f = await withEntries(5);
    const sink: AuditSink = f.store.audit;
    const signer: DeviceSigner = f.store.signer;
    const seq = sink.append({ type: "command.executed", actor: "op-key-9", details: { command: "door.open", bodyHash: "ab" } });
    expect(sink.size!()).toBe(seq);
    const chunk = sink.read!(seq - 2, 10) as Array<{ seq: number }>;
    expect(chunk.map((e) => e.seq)).toEqual([seq - 1, seq]);
    expect(signer.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(() => sink.append({ type: "x.y", details: { when: new Date() } })).toThrow(/plain objects/);
    f.store.close();
  });
});
