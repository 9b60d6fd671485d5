/**
 * The site service collects every gate's audit log incrementally and checks its chain
 * (issue 13 item 5, L8), and exports a subject's evidence bundle that verifies offline
 * (L7, L12). Real gates from the site harness, a real broker, a real store: SQLite, and
 * PostgreSQL when FACEGATE_PG_URL is set (visible skip otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ed25519Signer, generateEd25519KeyPair, type Signer } from "../../../../sdk/crypto/keys.js";
import { checkpointMessage, GENESIS_HASH, toBase64, type AuditEntry } from "../../../../sdk/protocol/index.js";
import { entryHash } from "../../../../sdk/audit/entry-hash.js";
import { type EvidenceBundle, verifyEvidenceBundle } from "../../../../sdk/site/service/index.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { type SiteHarness, startSiteHarness } from "../../../support/site-harness.js";
import { startFakeGate } from "./fake-gate.js";
import { SITE_ENGINES, openTestSiteStore, type TestSiteStore } from "./site-service-db.js";
import { type ServiceUnderTest, settledWork, startService, until } from "./site-service-support.js";

const GATES = ["main", "b1", "b2"] as const;
const AMY = { subject: "r-0201", card: "C0FFEE0201", pin: "739164" };
const BEN = { subject: "r-0202", card: "C0FFEE0202", pin: "518273" };

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

describe.each(SITE_ENGINES)("audit collection and evidence bundles on $name", (engine) => {
  if (engine.skip) console.warn(`\n*** site audit collection suite on ${engine.name} SKIPPED: ${engine.skip} ***\n`);
  let site: SiteHarness;
  let db: TestSiteStore;
  let s: ServiceUnderTest;
  let siteKey: Signer;

  beforeAll(async () => {
    if (engine.skip) return;
    site = await startSiteHarness({ broker, gateIds: GATES, pipeline: null });
    db = await openTestSiteStore(engine, site.clock);
    siteKey = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
    // Small chunks: every collection below takes several audit.export round trips.
    s = await startService(site, db.store, { siteKey, auditChunk: 3 });
    for (const g of site.gates) await s.service.addGate({ gateId: g.gateId, signingPublicKey: g.signingPublicKey, boxPublicKey: g.boxPublicKey });
    await until("every gate online", async () => (await db.store.listGates()).every((g) => g.status.online));
  }, 60_000);
  afterAll(async () => {
    await s?.service.stop();
    await site?.close();
    await db?.close();
  });

  const gateEntries = (id: string): AuditEntry[] => site.gate(id).sim.runtime.store.audit.entries();

  it.skipIf(engine.skip)("fetches each gate's log in chunks from its cursor, several times, and the stored chain is the gate's", async () => {
    expect((await s.service.auditStatus()).map((x) => x.state)).toEqual(["unchecked", "unchecked", "unchecked"]);
    await s.service.registerPerson({ subject: AMY.subject, cards: [AMY.card], pin: AMY.pin, rights: { gates: [...GATES] } });
    await settledWork(db.store, AMY.subject, "rights", GATES);
    const first = await s.service.collectAudit();
    for (const o of first) expect(o).toMatchObject({ outcome: "advanced", from: 0 });
    const heads = new Map(first.map((o) => [o.gateId, o.outcome === "advanced" ? o.to : -1]));
    // The gate logs the export commands themselves too: the head is what it had signed when it answered.
    for (const id of GATES) expect(await db.store.auditEntries(id)).toEqual(gateEntries(id).slice(0, heads.get(id)));

    // New entries: the next fetch starts at the stored head and links to it.
    await s.service.registerPerson({ subject: BEN.subject, cards: [BEN.card], pin: BEN.pin, rights: { gates: [...GATES] } });
    await settledWork(db.store, BEN.subject, "rights", GATES);
    const second = await s.service.collectAudit();
    for (const o of second) expect(o).toMatchObject({ outcome: "advanced", from: heads.get(o.gateId) });
    for (const id of GATES) {
      const stored = await db.store.auditEntries(id);
      expect(stored.length).toBeGreaterThan(heads.get(id)!);
      expect(stored).toEqual(gateEntries(id).slice(0, stored.length));
      const [st] = await s.service.auditStatus(id);
      expect(st).toMatchObject({ state: "ok", lastSequence: stored.length, lastEntryHash: stored[stored.length - 1]!.hash });
    }
    expect(await s.service.auditAlarms()).toEqual([]);

    // Compare-and-set: a second instance that read the cursor before it moved stores nothing.
    const stale = await db.store.appendAuditEntries("main", { fromSequence: heads.get("main")!, entries: gateEntries("main").slice(heads.get("main")!, heads.get("main")! + 1), checkpoints: [] });
    expect(stale).toBe(false);
    expect(await db.store.auditEntries("main")).toEqual(gateEntries("main").slice(0, (await s.service.auditStatus("main"))[0]!.lastSequence));
  });

  it.skipIf(engine.skip)("a gate whose log was edited after the stored head raises audit_chain_broken until acknowledged", async () => {
    const victim = site.gate("b1");
    const before = (await s.service.auditStatus("b1"))[0]!;
    await s.service.registerPerson({ subject: AMY.subject, cards: [AMY.card], pin: "204815", rights: { gates: [...GATES] } });
    await until("new entries at b1", () => gateEntries("b1").length > before.lastSequence + 1);
    await settledWork(db.store, AMY.subject, "rights", GATES);
    // Someone with the gate's disk edits an entry the office has not fetched yet.
    const seq = before.lastSequence + 1;
    const gateDb = victim.sim.runtime.store.db;
    for (const t of gateDb.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'").all()) gateDb.exec(`DROP TRIGGER ${t.name}`);
    gateDb.prepare("UPDATE audit_entries SET details = ? WHERE seq = ?").run(JSON.stringify({ edited: true }), seq);
    const at = site.clock.now();
    const out = await s.service.collectAudit();
    expect(out.find((o) => o.gateId === "b1")).toMatchObject({ outcome: "broken", since: at });
    expect((out.find((o) => o.gateId === "b1") as { detail: string }).detail).toContain(`entry ${seq}`);
    for (const o of out.filter((x) => x.gateId !== "b1")) expect(o.outcome).toBe("advanced");
    expect(await s.service.auditAlarms()).toEqual([{ kind: "audit_chain_broken", gateId: "b1", since: at, detail: expect.stringContaining("edited") }]);
    // Nothing after the break was stored; the cursor stayed at the last good head.
    expect((await db.store.auditEntries("b1")).length).toBe(before.lastSequence);

    // It stays, round after round, with its first since-when...
    site.advance(60_000);
    await s.service.collectAudit();
    expect(await s.service.auditAlarms()).toMatchObject([{ gateId: "b1", since: at }]);
    // ...until an operator acknowledges it; the chain stays broken.
    await s.service.acknowledgeAuditAlarm("b1");
    expect(await s.service.auditAlarms()).toEqual([]);
    expect((await s.service.auditStatus("b1"))[0]).toMatchObject({ state: "broken", brokenAt: at });
    await expect(s.service.acknowledgeAuditAlarm("main")).rejects.toMatchObject({ code: "site_input_invalid" });
  });

  it.skipIf(engine.skip)("the evidence bundle of a deleted subject verifies offline, fails when a byte of a receipt changes, and holds no card or PIN", async () => {
    await s.service.recordConsent({ subject: BEN.subject, scope: { gates: [...GATES] }, evidenceHash: "a".repeat(64), noticeVersion: String(site.gates[0]!.sim.runtime.store.consents.currentNotice()!.version), expiresAt: site.clock.now() + 86_400_000 });
    await settledWork(db.store, BEN.subject, "consent", GATES);
    const request = await s.service.requestDeletion({ subject: BEN.subject, reason: "resident_request" });
    await until("the certificate", async () => ((await s.service.deletionStatus(request.id)).state === "complete" ? true : undefined));
    await s.service.collectAudit();
    const bundle = await s.service.evidenceBundle(BEN.subject);
    const text = JSON.stringify(bundle);
    const doc = JSON.parse(text) as EvidenceBundle;

    expect(doc.consents).toMatchObject([{ evidenceHash: "a".repeat(64), scope: { gates: [...GATES].sort() } }]);
    expect(doc.deletions).toHaveLength(1);
    expect(doc.deletions[0]!.receipts.filter((r) => r.receipt !== null)).toHaveLength(GATES.length);
    expect(doc.deletions[0]!.certificate).not.toBeNull();
    expect(doc.keys.gates.map((g) => g.gateId)).toEqual(expect.arrayContaining([...GATES]));
    // Audit entries about the subject from the gates whose chain verifies (b1's broke above).
    const gatesWithAudit = doc.audit.map((a) => a.gateId).sort();
    expect(gatesWithAudit).toEqual(expect.arrayContaining(["b2", "main"]));
    for (const seg of doc.audit) expect(seg.subjectSeqs.length).toBeGreaterThan(0);

    const v = await verifyEvidenceBundle(doc, { siteKey: siteKey.publicKey });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.checked.receipts).toBe(GATES.length);
    expect(v.checked.certificates).toBe(1);
    expect(v.checked.auditEntries).toBeGreaterThan(0);

    // Another site key: refused.
    const stranger = await generateEd25519KeyPair();
    expect((await verifyEvidenceBundle(doc, { siteKey: stranger.publicKey })).ok).toBe(false);

    // One byte of a receipt's signed content changed: the receipt check names it.
    const receipt = doc.deletions[0]!.receipts[0]!;
    const tampered = JSON.parse(text) as EvidenceBundle;
    const r0 = tampered.deletions[0]!.receipts[0]!.receipt!;
    r0.at = r0.at + 1;
    const tv = await verifyEvidenceBundle(tampered, { siteKey: siteKey.publicKey });
    expect(tv.ok).toBe(false);
    expect(tv.problems.map((p) => p.path)).toContain("deletions[0].receipts[0]");
    expect(tv.problems.find((p) => p.path === "deletions[0].receipts[0]")!.message).toContain(`gate ${receipt.gateId}`);

    // An audit entry about the subject edited inside the bundle: its segment fails.
    const edited = JSON.parse(text) as EvidenceBundle;
    edited.audit[0]!.entries[0]!.type = "consent.given";
    const ev = await verifyEvidenceBundle(edited, { siteKey: siteKey.publicKey });
    expect(ev.problems.map((p) => p.path)).toContain("audit[0]");

    // Never a card number or a PIN in the bundle (positive control: the scan finds one put in).
    const secrets = [BEN.card, BEN.pin, AMY.card, AMY.pin];
    const scan = (t: string): string[] => secrets.filter((x) => t.includes(x));
    expect(scan(text)).toEqual([]);
    expect(scan(text.replace(`"subjectRef":"${BEN.subject}"`, `"subjectRef":"${BEN.subject}","card":"${BEN.card}"`))).toEqual([BEN.card]);
  }, 60_000);
  it.skipIf(engine.skip)("a hand-played gate: a good chunk is stored; one that does not continue the head, skips a position, runs back in time or is signed by another key breaks the chain", async () => {
    for (const [gateId, how] of [
      ["fake1", "fork"],
      ["fake2", "key"],
      ["fake3", "gap"],
      ["fake4", "clock"],
    ] as const) {
      const fake = await startFakeGate(site, gateId);
      try {
        await fake.publishState(true);
        await s.service.addGate({ gateId, signingPublicKey: fake.signer.publicKey, boxPublicKey: fake.boxPublicKey });
        const other = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
        const chain = (from: number, n: number, prev: string, at = site.clock.now()): AuditEntry[] => {
          const out: AuditEntry[] = [];
          for (let i = 1; i <= n; i++) {
            const partial = { seq: from + i, at, type: "command.accepted", actor: "k", subject: null, details: {}, prevHash: prev };
            const e = { ...partial, hash: entryHash(partial) };
            out.push(e);
            prev = e.hash;
          }
          return out;
        };
        const checkpoint = (e: AuditEntry, signer: Signer) => {
          const unsigned = { seq: e.seq, at: e.at, head: e.hash, keyId: signer.keyId };
          return { ...unsigned, signature: toBase64(signer.sign(checkpointMessage(unsigned))) };
        };
        // Round 1: two good entries, signed head.
        const good = chain(0, 2, GENESIS_HASH);
        const from = fake.requests.length;
        const round1 = s.service.collectAudit(gateId);
        const r1 = await fake.next("audit.export", from);
        await fake.answer(r1, { result: { offset: 0, total: 2, entries: good, nextOffset: null, checkpoints: [checkpoint(good[1]!, fake.signer)] } });
        expect(await round1).toEqual([{ gateId, outcome: "advanced", from: 0, to: 2 }]);
        // Round 2: the bad chunk.
        const next =
          how === "fork" ? chain(2, 1, "f".repeat(64)) : how === "gap" ? chain(3, 1, good[1]!.hash) : how === "clock" ? chain(2, 1, good[1]!.hash, good[1]!.at - 2 * 3_600_000) : chain(2, 1, good[1]!.hash);
        const signer = how === "key" ? other : fake.signer;
        const from2 = fake.requests.length;
        const round2 = s.service.collectAudit(gateId);
        const r2 = await fake.next("audit.export", from2);
        await fake.answer(r2, { result: { offset: 2, total: next[0]!.seq, entries: next, nextOffset: null, checkpoints: [checkpoint(next[0]!, signer)] } });
        const [o] = await round2;
        expect(o).toMatchObject({ gateId, outcome: "broken" });
        const detail = (o as { detail: string }).detail;
        expect(detail).toMatch(how === "fork" ? /does not link/ : how === "gap" ? /missing/ : how === "clock" ? /clock was set back/ : /not signed by the device key/);
        expect((await s.service.auditAlarms()).map((a) => a.gateId)).toContain(gateId);
        expect(await db.store.auditEntries(gateId)).toEqual(good);
      } finally {
        await fake.close();
      }
    }
  }, 60_000);

});
