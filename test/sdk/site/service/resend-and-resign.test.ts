/**
 * Retries at the site service (issue 13 item 3): work a gate did not answer is sent again;
 * a command that expired meanwhile is re-built and re-signed (new id, new issue time);
 * a late answer to an earlier command of the same work still settles it, unless the work
 * moved on since (new content queued): then that answer is ignored. A gate answering
 * `command_expired` gets the work again under a new command.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ed25519Signer, generateEd25519KeyPair } from "../../../../sdk/crypto/keys.js";
import { signReceipt } from "../../../../sdk/crypto/signatures.js";
import { RECEIPT_FORMAT } from "../../../../sdk/protocol/index.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { type SiteHarness, startSiteHarness } from "../../../support/site-harness.js";
import { type FakeGate, startFakeGate } from "./fake-gate.js";
import { SITE_ENGINES, openTestSiteStore, type TestSiteStore } from "./site-service-db.js";
import { type ServiceUnderTest, startService, until } from "./site-service-support.js";

const MIN = 60_000;
const OK = { personRef: "r-1", credentials: { cardCount: 1, hasPin: false } };

let broker: TestBroker;
let site: SiteHarness;
let db: TestSiteStore;
let s: ServiceUnderTest;
let fake: FakeGate;

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startSiteHarness({ broker, gateIds: [], pipeline: null });
  db = await openTestSiteStore(SITE_ENGINES[0]!, site.clock);
  // Retries only when the test calls retry(): the timer is far away.
  s = await startService(site, db.store, { commandTimeoutMs: 500, retryMs: 3_600_000, commandTtlMs: 5 * MIN, siteKey: await ed25519Signer((await generateEd25519KeyPair()).secretKey) });
  fake = await startFakeGate(site, "f1");
  await s.service.addGate({ gateId: "f1", signingPublicKey: fake.signer.publicKey, boxPublicKey: fake.boxPublicKey });
  await fake.publishState(true);
  await until("f1 online", async () => (await db.store.getGate("f1"))?.status.online);
}, 30_000);
afterAll(async () => {
  await s?.service.stop();
  await fake?.close();
  await site?.close();
  await db?.close();
  await broker?.stop();
});

const work = async (subject: string) => (await db.store.getWork({ subjectRef: subject, gateId: "f1", kind: "rights" }))!;

describe("work a gate did not answer", () => {
  it("is re-sent as is while valid, re-signed once expired, and a late answer to the first command still settles it", async () => {
    await s.service.registerPerson({ subject: "r-1", cards: ["C0FFEE0001"], rights: { gates: ["f1"] } });
    const first = await fake.next("person.upsert");
    await until("the first send given up", async () => !s.service.busy("f1"));
    expect((await work("r-1")).commandId).toBe(first.id);
    // Still valid: the same envelope again (the gate is idempotent by command id).
    const n = fake.requests.length;
    await s.service.retry();
    const again = await fake.next("person.upsert", n);
    expect(again).toEqual(first);
    await until("the second send given up", async () => !s.service.busy("f1"));
    // Expired while unanswered: re-built and re-signed.
    site.advance(6 * MIN);
    const m = fake.requests.length;
    await s.service.retry();
    const resigned = await fake.next("person.upsert", m);
    expect(resigned.id).not.toBe(first.id);
    expect(resigned.issuedAt).toBe(site.clock.now());
    expect(resigned.issuedAt).toBeGreaterThan(first.issuedAt);
    expect((await work("r-1")).commandId).toBe(resigned.id);
    // The answer to the first command arrives now: the work did not move on, so it counts.
    await fake.answer(first, { result: OK });
    await until("applied", async () => (await work("r-1")).state === "applied");
  });

  it("ignores a late answer once the work moved on to new content", async () => {
    await s.service.registerPerson({ subject: "r-2", cards: ["C0FFEE0002"], rights: { gates: ["f1"] } });
    await until("sent", async () => (await work("r-2")).commandId !== null && !s.service.busy("f1"));
    const oldId = (await work("r-2")).commandId!;
    const sentOld = await until("the request", () => fake.requests.find((r) => r.id === oldId));
    // New content: another card. The work moves on.
    const n = fake.requests.length;
    await s.service.registerPerson({ subject: "r-2", cards: ["C0FFEE0002", "C0FFEE0003"], rights: { gates: ["f1"] } });
    const fresh = await fake.next("person.upsert", n);
    expect(fresh.id).not.toBe(oldId);
    const ignored = s.service.ignoredResults;
    await fake.answer(sentOld, { result: OK });
    await until("the stale answer ignored", () => s.service.ignoredResults > ignored);
    expect((await work("r-2")).state).not.toBe("applied");
    await fake.answer(fresh, { result: { ...OK, personRef: "r-2", credentials: { cardCount: 2, hasPin: false } } });
    await until("applied", async () => (await work("r-2")).state === "applied");
  });

  it("re-signs work the gate refused as expired", async () => {
    await s.service.registerPerson({ subject: "r-3", cards: ["C0FFEE0004"], rights: { gates: ["f1"] } });
    await until("sent", async () => (await work("r-3")).commandId !== null);
    const firstId = (await work("r-3")).commandId!;
    const first = await until("the request", () => fake.requests.find((r) => r.id === firstId));
    const n = fake.requests.length;
    await fake.answer(first, { error: { code: "command_expired", message: "command has expired" } });
    const next = await fake.next("person.upsert", n);
    expect(next.id).not.toBe(firstId);
    await fake.answer(next, { result: { ...OK, personRef: "r-3" } });
    await until("applied", async () => (await work("r-3")).state === "applied");
    expect((await work("r-3")).commandId).toBe(next.id);
  });
});

describe("a deletion a gate does not answer", () => {
  it("shows its age and raises an overdue alarm once past the 5-day deadline, until the receipt is in", async () => {
    const request = await s.service.requestDeletion({ subject: "r-1", reason: "end_of_tenancy" });
    const del = await fake.next("subject.delete");
    expect(del.id).toBeTruthy();
    site.advance(4 * 24 * 60 * MIN);
    expect(await s.service.alarms()).toEqual([]);
    const young = await s.service.deletionStatus(request.id);
    expect(young).toMatchObject({ state: "open", overdue: false, ageMs: 4 * 24 * 60 * MIN, missingGates: ["f1"] });
    site.advance(24 * 60 * MIN);
    const alarms = await s.service.alarms();
    expect(alarms).toEqual([{ kind: "deletion_overdue", requestId: request.id, ageMs: 5 * 24 * 60 * MIN, deadlineAt: request.requestedAt + 5 * 24 * 60 * MIN, missingGates: ["f1"] }]);
    expect((await s.service.deletionStatus(request.id)).overdue).toBe(true);
    const receipt = signReceipt(
      {
        format: RECEIPT_FORMAT,
        receiptId: "rc-1",
        siteId: site.site,
        processorId: site.processorId,
        subjectRef: "r-1",
        trigger: "deletion_request",
        requestedBy: site.admin.keyId,
        deleted: { templates: 0, dataKeys: 0, consentsEnded: 0 },
        at: site.clock.now(),
        audit: { seq: 7, hash: "ab".repeat(32) },
        deviceKeyId: fake.signer.keyId,
      },
      fake.signer,
    );
    const latest = fake.requests.filter((r) => r.type === "subject.delete").at(-1)!;
    await fake.answer(latest, { result: { subjectRef: "r-1", receipt } });
    await until("the certificate", async () => (await s.service.deletionStatus(request.id)).state === "complete");
    expect(await s.service.alarms()).toEqual([]);
  });
});
