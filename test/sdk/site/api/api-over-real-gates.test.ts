/**
 * The site API over a real listening socket (fetch), a real site service and a small site
 * of real gate runtimes on simulated hardware on one broker: an admin adds the gates and an
 * operator; the operator's own key reaches every gate (operator.key_add, signed by the
 * service's admin key); the operator logs in, registers a resident, records consent,
 * (enrolls when the face set is present), requests a deletion; every gate's receipt and
 * audit log name the OPERATOR's key id (L12), the certificate downloads and verifies
 * offline. A live event stream (SSE) delivers the card grant. Every response body and the
 * SSE text are scanned: no card number, PIN or secret key (with a positive control).
 *
 * On SQLite, and on PostgreSQL when FACEGATE_PG_URL is set (visible skip otherwise).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { defaultModelsDir } from "../../../../models/manifest.js";
import { verifiedModels } from "../../../../models/verify.js";
import { ed25519Signer, generateEd25519KeyPair, type Signer } from "../../../../sdk/crypto/keys.js";
import { toBase64, type DeletionReceipt } from "../../../../sdk/protocol/index.js";
import { createSiteApi, listenSiteApi } from "../../../../sdk/site/api/site-api.js";
import { createOperator } from "../../../../sdk/site/api/index.js";
import { verifyCertificate } from "../../../../sdk/site/certificate/index.js";
import { verifyEvidenceBundle } from "../../../../sdk/site/service/index.js";
import { createFacePipeline, type FacePipeline } from "../../../../sdk/vision/index.js";
import { systemTimers } from "../../../../device/runtime/system-timers.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { facePath, facesAvailable } from "../../../support/faces.js";
import { type SiteHarness, startSiteHarness } from "../../../support/site-harness.js";
import { SITE_ENGINES, openTestSiteStore, type TestSiteStore } from "../service/site-service-db.js";
import { type ServiceUnderTest, settledWork, startService, until } from "../service/site-service-support.js";

const GATES = ["main", "b1", "car"] as const;
const DAY = 86_400_000;
const AMY = { subject: "r-0101", card: "C0FFEE0101", pin: "482913" };

let broker: TestBroker;
let pipeline: FacePipeline | undefined;

beforeAll(async () => {
  broker = await startTestBroker();
  if (facesAvailable) pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir()) });
});
afterAll(async () => {
  await pipeline?.close();
  await broker?.stop();
});

/** Everything the API answered, as text, for the leak scan. */
class Transcript {
  readonly texts: string[] = [];
  /** Finds a secret in what was recorded; `within` lets the positive control scan other text the same way. */
  leaks(secrets: readonly string[], within: readonly string[] = this.texts): string[] {
    return secrets.filter((s) => within.some((t) => t.includes(s) || t.includes(JSON.stringify(s).slice(1, -1))));
  }
}

describe.each(SITE_ENGINES)("the site API over real gates on $name", (engine) => {
  if (engine.skip) console.warn(`\n*** site API suite on ${engine.name} SKIPPED: ${engine.skip} ***\n`);
  let site: SiteHarness;
  let db: TestSiteStore;
  let s: ServiceUnderTest;
  let app: FastifyInstance;
  let base: string;
  let siteKey: Signer;
  const transcript = new Transcript();

  const call = async (method: string, path: string, o: { cookie?: string; json?: unknown; bytes?: Uint8Array } = {}) => {
    const headers: Record<string, string> = {};
    if (o.cookie) headers["cookie"] = o.cookie;
    let body: string | Uint8Array | undefined;
    if (o.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(o.json);
    } else if (o.bytes) {
      headers["content-type"] = "application/octet-stream";
      body = o.bytes;
    }
    const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    transcript.texts.push(text, JSON.stringify([...res.headers.entries()]));
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  const loginCookie = async (name: string, password: string) => {
    const r = await call("POST", "/api/session", { json: { name, password } });
    expect(r.status).toBe(200);
    return r.headers.get("set-cookie")!.split(";")[0]!;
  };

  beforeAll(async () => {
    if (engine.skip) return;
    site = await startSiteHarness({ broker, gateIds: GATES, pipeline: pipeline ?? null, start: Date.now() });
    db = await openTestSiteStore(engine, site.clock);
    siteKey = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
    s = await startService(site, db.store, { siteKey });
    app = await createSiteApi({ service: s.service, store: db.store, clock: site.clock, timers: systemTimers, logger: s.logger.child("api"), newToken: () => randomBytes(32).toString("base64url"), randomId: () => randomUUID(), heartbeatMs: 200 });
    base = (await listenSiteApi(app, { host: "127.0.0.1", port: 0 })).url;
    // The first admin is created at installation (facegate site operator add); the rest through the API.
    await createOperator({ store: db.store, clock: site.clock, name: "office-admin", role: "admin", password: "admin-password-1", id: "op-admin" });
    await createOperator({ store: db.store, clock: site.clock, name: "night-auditor", role: "auditor", password: "auditor-password-1", id: "op-audit" });
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    await s?.service.stop();
    await site?.close();
    await db?.close();
  });

  it.skipIf(engine.skip)("an operator acts through the API; every gate's audit log and receipt name the operator's own key", { timeout: 120_000 }, async () => {
    const admin = await loginCookie("office-admin", "admin-password-1");
    for (const g of site.gates) {
      const r = await call("POST", "/api/gates", { cookie: admin, json: { gateId: g.gateId, name: `Gate ${g.gateId}`, signingPublicKey: toBase64(g.signingPublicKey), boxPublicKey: toBase64(g.boxPublicKey), ...(g.gateId === "car" ? { groups: ["Car park"] } : {}) } });
      expect(r.status, r.text).toBe(201);
      expect((r.json()["signed"] as Array<{ commandType: string; keyId: string }>)[0]).toMatchObject({ commandType: "operator.key_add", keyId: s.service.operatorKeyId });
    }
    await until("every gate online", async () => ((await call("GET", "/api/gates", { cookie: admin })).json()["gates"] as Array<{ online: boolean }>).every((g) => g.online));

    const added = await call("POST", "/api/operators", { cookie: admin, json: { name: "duty-officer", role: "operator", password: "operator-password-1" } });
    expect(added.status, added.text).toBe(201);
    const officer = added.json()["operator"] as { id: string; keyId: string };
    expect(added.json()["signed"]).toEqual([{ commandType: "operator.key_add", keyId: s.service.operatorKeyId, operatorId: null, gates: [...GATES].sort() }]);
    // The two installed operators and the new one: each key at each gate.
    for (const id of ["op-admin", "op-audit", officer.id]) expect(await settledWork(db.store, id, "operator_key", GATES)).toEqual({ main: "applied", b1: "applied", car: "applied" });
    for (const g of site.gates) {
      expect(g.sim.runtime.store.audit.entries().some((e) => e.type === "operator.key_added" && e.subject === officer.keyId && e.actor === site.admin.keyId)).toBe(true);
    }

    const op = await loginCookie("duty-officer", "operator-password-1");
    // Live events before anything happens: the card grant must arrive on this stream.
    const stream = await fetch(`${base}/api/events/stream?type=access.granted`, { headers: { cookie: op } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = stream.body!.getReader();
    let sse = "";
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        sse += new TextDecoder().decode(value);
      }
    })();

    const reg = await call("POST", "/api/people", { cookie: op, json: { subject: AMY.subject, label: "Flat 3-0101", cards: [AMY.card], pin: AMY.pin, rights: { gates: ["main"], groups: ["Car park"] } } });
    expect(reg.status, reg.text).toBe(201);
    expect(reg.json()["signed"]).toEqual([{ commandType: "person.upsert", keyId: officer.keyId, operatorId: officer.id, gates: ["car", "main"] }]);
    expect(reg.json()["person"]).toMatchObject({ subjectRef: AMY.subject, cardCount: 1, hasPin: true });
    expect(await settledWork(db.store, AMY.subject, "rights", ["main", "car"])).toEqual({ main: "applied", car: "applied" });

    site.gate("main").sim.hardware.swipe(AMY.card);
    await site.gate("main").sim.settle();
    await until("the card grant on the live stream", () => sse.includes("event: site-event"), 15_000);
    const frame = sse.split("\n\n").find((f) => f.includes("event: site-event"))!;
    const event = JSON.parse(frame.split("\n").find((l) => l.startsWith("data: "))!.slice(6)) as { gateId: string; type: string };
    expect(event).toMatchObject({ gateId: "main", type: "access.granted" });
    const queried = await call("GET", "/api/events?gate=main&type=access.granted", { cookie: op });
    expect((queried.json()["events"] as unknown[]).length).toBeGreaterThan(0);

    const notice = String(site.gate("main").sim.runtime.store.consents.currentNotice()!.version);
    const consent = await call("POST", "/api/consents", { cookie: op, json: { subject: AMY.subject, scope: { gates: ["main"] }, evidenceHash: "ab".repeat(32), noticeVersion: notice, expiresAt: site.clock.now() + 90 * DAY } });
    expect(consent.status, consent.text).toBe(201);
    expect(consent.json()["signed"]).toEqual([{ commandType: "consent.record", keyId: officer.keyId, operatorId: officer.id, gates: ["main"] }]);
    expect(await settledWork(db.store, AMY.subject, "consent", ["main"])).toEqual({ main: "applied" });

    if (facesAvailable) {
      const photo = readFileSync(facePath("identities", "amy", "amy1.png"));
      const enrolled = await call("POST", `/api/people/${AMY.subject}/enrollment`, { cookie: op, bytes: new Uint8Array(photo) });
      expect(enrolled.status, enrolled.text).toBe(200);
      expect(enrolled.json()["signed"]).toEqual([{ commandType: "enroll.photo", keyId: officer.keyId, operatorId: officer.id, gates: ["main"] }]);
      expect(await settledWork(db.store, AMY.subject, "enroll", ["main"], 60_000)).toEqual({ main: "applied" });
    } else console.warn("face set absent: the enrollment step of the site API flow is skipped");

    const person = (await call("GET", `/api/people/${AMY.subject}`, { cookie: op })).json() as { gates: Array<{ gateId: string; rights: { state: string } | null; consent: { state: string } | null; template: { state: string } | null }> };
    expect(person.gates.map((g) => [g.gateId, g.rights?.state, g.consent?.state ?? null])).toEqual([["car", "applied", null], ["main", "applied", "applied"]]);
    if (facesAvailable) expect(person.gates.find((g) => g.gateId === "main")!.template?.state).toBe("applied");

    // An auditor, over the socket too, cannot act.
    const auditor = await loginCookie("night-auditor", "auditor-password-1");
    const refused = await call("POST", "/api/deletions", { cookie: auditor, json: { subject: AMY.subject, reason: "resident_request" } });
    expect([refused.status, (refused.json()["error"] as { code: string }).code]).toEqual([403, "forbidden"]);

    const del = await call("POST", "/api/deletions", { cookie: op, json: { subject: AMY.subject, reason: "resident_request" } });
    expect(del.status, del.text).toBe(201);
    expect(del.json()["signed"]).toEqual([{ commandType: "subject.delete", keyId: officer.keyId, operatorId: officer.id, gates: [...GATES].sort() }]);
    const requestId = (del.json()["deletion"] as { id: string }).id;
    const done = await until("the deletion complete with its certificate", async () => {
      const d = (await call("GET", `/api/deletions/${requestId}`, { cookie: auditor })).json() as { state: string; gates: Array<{ gateId: string; receipt: DeletionReceipt | null }> };
      return d.state === "complete" ? d : undefined;
    }, 30_000);
    for (const g of done.gates) expect({ gate: g.gateId, by: g.receipt!.requestedBy }).toEqual({ gate: g.gateId, by: officer.keyId });
    for (const g of site.gates) {
      const entries = g.sim.runtime.store.audit.entries();
      const byOfficer = entries.filter((e) => e.actor === officer.keyId).map((e) => (e.details as { commandType?: string }).commandType);
      expect({ gate: g.gateId, deleted: byOfficer.includes("subject.delete") }).toEqual({ gate: g.gateId, deleted: true });
    }
    const mainTypes = site.gate("main").sim.runtime.store.audit.entries().filter((e) => e.actor === officer.keyId).map((e) => (e.details as { commandType?: string }).commandType);
    expect(mainTypes).toEqual(expect.arrayContaining(["person.upsert", "consent.record", "subject.delete"]));

    const list = (await call("GET", "/api/deletions", { cookie: auditor })).json() as { deletions: Array<{ id: string; ageMs: number; deadlineAt: number; receipts: number }> };
    expect(list.deletions.find((d) => d.id === requestId)).toMatchObject({ receipts: 3 });
    const cert = await call("GET", `/api/deletions/${requestId}/certificate`, { cookie: auditor });
    expect(cert.status).toBe(200);
    expect(cert.headers.get("content-disposition")).toBe(`attachment; filename="deletion-certificate-${requestId}.json"`);
    expect(await verifyCertificate(JSON.parse(cert.text), { siteKey: siteKey.publicKey })).toMatchObject({ ok: true });
    const tampered = cert.text.replace(AMY.subject, "r-0102");
    expect((await verifyCertificate(JSON.parse(tampered), { siteKey: siteKey.publicKey })).ok).toBe(false);

    // The auditor exports the resident's evidence: it verifies offline with the site key alone.
    const evidence = await call("GET", `/api/people/${AMY.subject}/evidence`, { cookie: auditor });
    expect(evidence.status).toBe(200);
    expect(evidence.headers.get("content-disposition")).toBe(`attachment; filename="evidence-${AMY.subject}.json"`);
    expect(await verifyEvidenceBundle(JSON.parse(evidence.text), { siteKey: siteKey.publicKey })).toMatchObject({ ok: true });
    expect((await call("GET", "/api/people/r-nobody/evidence", { cookie: auditor })).status).toBe(404);

    const out = await call("DELETE", "/api/session", { cookie: op });
    expect(out.status).toBe(200);
    expect((await call("GET", "/api/people", { cookie: op })).status).toBe(401);

    // The leak scan: every response body and header, and the whole SSE text.
    await reader.cancel();
    await reading.catch(() => undefined);
    const secretKeys = await Promise.all(["op-admin", "op-audit", officer.id].map(async (id) => db.store.operatorCommandKey(id)));
    const secrets = [AMY.card, AMY.pin, ...secretKeys.flatMap((k) => [toBase64(k), Buffer.from(k).toString("hex"), toBase64(k.subarray(0, 32))]), toBase64(site.admin.secretKey)];
    const scanned = [...transcript.texts, sse];
    expect(scanned.join("").length).toBeGreaterThan(10_000);
    expect(transcript.leaks(secrets, scanned)).toEqual([]);
    // Positive control: the same scan finds the card and PIN in what was sent (the registration body) and in the store's sealed-secret read.
    const sent = JSON.stringify({ cards: [AMY.card], pin: AMY.pin });
    expect(transcript.leaks([AMY.card, AMY.pin], [sent])).toEqual([AMY.card, AMY.pin]);
    expect(await db.store.personSecrets(AMY.subject)).toEqual({ cards: [AMY.card], pin: AMY.pin });
  });

  it.skipIf(engine.skip)("changes rights, withdraws a consent while a gate is offline (overdue alarm, no certificate until it returns), ends access", { timeout: 120_000 }, async () => {
    const BOB = { subject: "r-0202", card: "B0B0B0B0202" };
    let op = await loginCookie("duty-officer", "operator-password-1");
    const officerKey = ((await call("GET", "/api/session", { cookie: op })).json()["operator"] as { keyId: string }).keyId;
    expect((await call("POST", "/api/people", { cookie: op, json: { subject: BOB.subject, cards: [BOB.card], rights: { gates: ["main", "car"] } } })).status).toBe(201);
    await settledWork(db.store, BOB.subject, "rights", ["main", "car"]);

    const changed = await call("PUT", `/api/people/${BOB.subject}/rights`, { cookie: op, json: { rights: { gates: ["main"] } } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json()["signed"]).toEqual([
      { commandType: "person.upsert", keyId: officerKey, operatorId: expect.any(String), gates: ["main"] },
      { commandType: "person.end_access", keyId: officerKey, operatorId: expect.any(String), gates: ["car"] },
    ]);
    expect(changed.json()["person"]).toMatchObject({ cardCount: 1 });
    expect(await settledWork(db.store, BOB.subject, "end_access", ["car"])).toEqual({ car: "applied" });
    expect(await settledWork(db.store, BOB.subject, "rights", ["main"])).toEqual({ main: "applied" });
    // The card was kept through the change (re-sent sealed to main), and is gone at the car park.
    expect(await db.store.personSecrets(BOB.subject)).toEqual({ cards: [BOB.card], pin: null });

    const notice = String(site.gate("main").sim.runtime.store.consents.currentNotice()!.version);
    const consent = await call("POST", "/api/consents", { cookie: op, json: { subject: BOB.subject, scope: { gates: ["main"] }, evidenceHash: "cd".repeat(32), noticeVersion: notice, expiresAt: site.clock.now() + 90 * DAY } });
    const consentId = consent.json()["consentId"] as string;
    await settledWork(db.store, BOB.subject, "consent", ["main"]);
    if (facesAvailable) {
      const photo = readFileSync(facePath("identities", "amy", "amy2.png"));
      const enrolled = await call("POST", `/api/people/${BOB.subject}/enrollment`, { cookie: op, json: { photo: photo.toString("base64") } });
      expect(enrolled.status, enrolled.text).toBe(200);
      expect(await settledWork(db.store, BOB.subject, "enroll", ["main"], 60_000)).toEqual({ main: "applied" });
    }

    await site.gate("b1").goOffline();
    await until("b1 offline in the registry", async () => !(await db.store.getGate("b1"))!.status.online);
    const withdrawn = await call("POST", `/api/consents/${consentId}/withdraw`, { cookie: op });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(withdrawn.json()["signed"]).toEqual([{ commandType: "subject.delete", keyId: officerKey, operatorId: expect.any(String), gates: [...GATES].sort() }]);
    const requestId = withdrawn.json()["deletionRequestId"] as string;
    await until("receipts from the two online gates", async () => {
      const d = (await call("GET", `/api/deletions/${requestId}`, { cookie: op })).json() as { missingGates: string[] };
      return d.missingGates.length === 1 ? d : undefined;
    });
    const pending = await call("GET", `/api/deletions/${requestId}/certificate`, { cookie: op });
    expect([pending.status, (pending.json()["error"] as { code: string }).code]).toEqual([409, "certificate_not_issued"]);

    site.advance(5 * DAY + 60_000);
    const expired = await call("GET", "/api/alarms", { cookie: op });
    expect([expired.status, (expired.json()["error"] as { code: string }).code]).toEqual([401, "session_expired"]);
    op = await loginCookie("duty-officer", "operator-password-1");
    const alarms = (await call("GET", "/api/alarms", { cookie: op })).json()["alarms"] as Array<{ kind: string; requestId: string; missingGates: string[]; since: number }>;
    expect(alarms).toEqual([expect.objectContaining({ kind: "deletion_overdue", requestId, missingGates: ["b1"] })]);
    const open = (await call("GET", "/api/deletions?state=open", { cookie: op })).json()["deletions"] as Array<{ id: string; overdue: boolean; ageMs: number; deadlineAt: number }>;
    expect(open.map((d) => d.id)).toEqual([requestId]);
    expect(open[0]!.overdue).toBe(true);
    expect(open[0]!.ageMs).toBeGreaterThan(5 * DAY);

    await site.gate("b1").goOnline();
    const done = await until("the certificate once b1 is back", async () => {
      const d = (await call("GET", `/api/deletions/${requestId}`, { cookie: op })).json() as { state: string; gates: Array<{ receipt: DeletionReceipt | null }> };
      return d.state === "complete" ? d : undefined;
    }, 40_000);
    expect(done.gates.every((g) => g.receipt!.requestedBy === officerKey)).toBe(true);
    expect((await call("GET", "/api/alarms", { cookie: op })).json()["alarms"]).toEqual([]);
    expect((await call("GET", `/api/deletions/${requestId}/certificate`, { cookie: op })).status).toBe(200);

    const ended = await call("POST", `/api/people/${BOB.subject}/end-access`, { cookie: op });
    expect(ended.status, ended.text).toBe(200);
    expect((ended.json()["signed"] as Array<{ commandType: string; gates: string[] }>)[0]).toMatchObject({ commandType: "person.end_access" });
    expect((ended.json()["signed"] as Array<{ gates: string[] }>)[0]!.gates).toContain("main");
    expect(ended.json()["person"]).toMatchObject({ endedAt: expect.any(Number), tombstoned: true });
    expect(await settledWork(db.store, BOB.subject, "end_access", ["main"])).toEqual({ main: "applied" });
    const bob = (await call("GET", `/api/people/${BOB.subject}`, { cookie: op })).json() as { gates: Array<{ gateId: string; endAccess: { state: string } | null; deletion: { state: string } | null }> };
    expect(bob.gates.find((g) => g.gateId === "main")).toMatchObject({ endAccess: { state: "applied" }, deletion: { state: "applied" } });
    expect(transcript.leaks([BOB.card])).toEqual([]);
  });
});
