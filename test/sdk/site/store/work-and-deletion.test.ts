import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SiteStoreError } from "../../../../sdk/site/store/site-store-error.js";
import { DEFAULT_DELETION_DEADLINE_MS, type SiteStore, type WorkRow } from "../../../../sdk/site/store/site-store.js";
import { freshSiteDb, gateInput, SITE_ENGINES, type SiteDbFixture } from "../../../support/site-db.js";

const HASH = "a".repeat(64);
const DAY = 24 * 60 * 60 * 1000;

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SiteStoreError);
  return (err as SiteStoreError).code;
}

const brief = (w: WorkRow[]): string[] => w.map((x) => `${x.kind}:${x.subjectRef}`);

describe.each(SITE_ENGINES)("work, tombstones and deletions on $engine", ({ engine, available }) => {
  describe.skipIf(!available)(`${engine}`, () => {
    let f: SiteDbFixture;
    let store: SiteStore;
    const gates = ["g1", "g2", "g3"];
    beforeEach(async () => {
      f = await freshSiteDb(engine);
      store = await f.open();
      for (const g of gates) await store.addGate(await gateInput(g, { groups: ["All"] }));
      for (const p of ["p1", "p2", "p3"]) await store.putPerson({ subjectRef: p, label: p, cards: ["1001"], rights: { gates: [], groups: ["All"] } });
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it("hands a gate its deletions before anything else, then oldest first", async () => {
      await store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "enroll" });
      f.clock.advance(1000);
      await store.queueWork({ subjectRef: "p2", gateId: "g1", kind: "enroll" });
      f.clock.advance(1000);
      await store.queueWork({ subjectRef: "p2", gateId: "g1", kind: "consent" });
      f.clock.advance(1000);
      await store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "rights" });
      f.clock.advance(1000);
      await store.queueWork({ subjectRef: "p2", gateId: "g1", kind: "end_access" });
      f.clock.advance(1000);
      await store.requestDeletion({ id: "del-p3", subjectRef: "p3", reason: "resident_request" });
      f.clock.advance(1000);
      await store.queueWork({ subjectRef: "p1", gateId: "g2", kind: "enroll" });

      expect(brief(await store.nextWork("g1"))).toEqual(["delete:p3", "end_access:p2", "consent:p2", "rights:p1", "enroll:p1", "enroll:p2"]);
      expect(brief(await store.nextWork("g1", 2))).toEqual(["delete:p3", "end_access:p2"]);
      expect(brief(await store.nextWork("g2"))).toEqual(["delete:p3", "enroll:p1"]);
      // A later deletion still goes before older work, and two deletions go oldest first.
      f.clock.advance(1000);
      await store.requestDeletion({ id: "del-p1", subjectRef: "p1", reason: "court_order" });
      const next = await store.nextWork("g1");
      // (p1's enrollment was cancelled by its deletion; its card rights stay.)
      expect(brief(next)).toEqual(["delete:p3", "delete:p1", "end_access:p2", "consent:p2", "rights:p1", "enroll:p2"]);
      expect(next[0]!.ref).toBe("del-p3");
    });

    it("tracks each item through sent, applied and failed, and sends unanswered work again", async () => {
      const key = { subjectRef: "p1", gateId: "g1", kind: "rights" as const };
      const queued = await store.queueWork({ ...key, ref: "rights-v1" });
      expect(queued).toMatchObject({ state: "pending", attempts: 0, commandId: null, priority: 3, ref: "rights-v1" });
      f.clock.advance(10);
      await store.markWorkSent(key, "cmd-1");
      expect(await store.getWork(key)).toMatchObject({ state: "sent", attempts: 1, commandId: "cmd-1", sentAt: f.clock.now() });
      expect(await store.workByCommand("cmd-1")).toMatchObject(key);
      expect(await store.nextWork("g1")).toEqual([]);
      expect(await store.countWork("g1", "sent")).toBe(1);

      // The gate went away before answering: its sent work goes back to pending, to be re-signed.
      expect(await store.requeueSent("g1")).toBe(1);
      expect(brief(await store.nextWork("g1"))).toEqual(["rights:p1"]);
      await store.markWorkSent(key, "cmd-2");
      await store.markWorkFailed(key, { code: "command_expired", message: "the command expired before the gate ran it" });
      expect(await store.getWork(key)).toMatchObject({ state: "failed", attempts: 2, errorCode: "command_expired", errorMessage: "the command expired before the gate ran it" });
      await store.queueWork(key);
      expect(await store.getWork(key)).toMatchObject({ state: "pending", attempts: 2, errorCode: null, commandId: null });
      await store.markWorkSent(key, "cmd-3");
      await store.markWorkApplied(key);
      expect(await store.getWork(key)).toMatchObject({ state: "applied", attempts: 3, commandId: "cmd-3" });
      expect((await store.workOf("p1")).map((w) => w.state)).toEqual(["applied"]);
      expect((await store.workOfGate("g1", ["applied"])).length).toBe(1);
      expect(await store.workOfGate("g1", ["pending"])).toEqual([]);

      expect(await codeOf(store.markWorkApplied({ ...key, gateId: "g2" }))).toBe("site_unknown_work");
      expect(await codeOf(store.queueWork({ ...key, kind: "wipe" as never }))).toBe("site_input_invalid");
    });

    it("writes the tombstone, the request, the expected gates and a deletion per gate in one transaction", async () => {
      await store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "enroll" });
      await store.queueWork({ subjectRef: "p1", gateId: "g2", kind: "consent" });
      await store.markWorkSent({ subjectRef: "p1", gateId: "g2", kind: "consent" }, "cmd-c");
      await store.queueWork({ subjectRef: "p1", gateId: "g3", kind: "rights" });
      const request = await store.requestDeletion({ id: "del-1", subjectRef: "p1", reason: "consent_withdrawn" });
      expect(request).toMatchObject({ id: "del-1", subjectRef: "p1", reason: "consent_withdrawn", requestedAt: f.clock.now(), deadlineAt: f.clock.now() + DEFAULT_DELETION_DEADLINE_MS, certificate: null, completedAt: null });
      expect(request.gates).toEqual(gates.map((gateId) => ({ gateId, receipt: null, verifiedAt: null })));
      expect(await store.isTombstoned("p1")).toBe(true);
      expect(await store.isTombstoned("p2")).toBe(false);
      const work = await store.workOf("p1");
      expect(work.filter((w) => w.kind === "delete").map((w) => [w.gateId, w.state, w.ref])).toEqual(gates.map((g) => [g, "pending", "del-1"]));
      // Face data queued before the request does not go out after it; card access stays (another way in).
      expect(work.find((w) => w.kind === "enroll")).toMatchObject({ state: "failed", errorCode: "site_subject_tombstoned" });
      expect(work.find((w) => w.kind === "consent")).toMatchObject({ state: "failed", errorCode: "site_subject_tombstoned" });
      expect(work.find((w) => w.kind === "rights")).toMatchObject({ state: "pending" });

      // A request naming an unknown gate writes nothing at all.
      expect(await codeOf(store.requestDeletion({ id: "del-2", subjectRef: "p2", reason: "court_order", gateIds: ["g1", "ghost"] }))).toBe("site_unknown_gate");
      expect(await store.isTombstoned("p2")).toBe(false);
      expect(await store.getDeletionRequest("del-2")).toBeNull();
      expect(await store.workOf("p2")).toEqual([]);
      expect(await codeOf(store.requestDeletion({ id: "del-1", subjectRef: "p2", reason: "court_order" }))).toBe("site_duplicate");
      expect(await codeOf(store.requestDeletion({ id: "del-3", subjectRef: "nobody", reason: "court_order" }))).toBe("site_unknown_subject");
      expect(await codeOf(store.requestDeletion({ id: "del-4", subjectRef: "p2", reason: "because" as never }))).toBe("site_input_invalid");
    });

    it("blocks enrollment and consent for a tombstoned subject until a newer consent clears it, keeping the history", async () => {
      f.clock.advance(DAY);
      await store.requestDeletion({ id: "del-1", subjectRef: "p1", reason: "resident_request" });
      const blocked = await store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "enroll" }).catch((e: unknown) => e);
      expect((blocked as SiteStoreError).code).toBe("site_subject_tombstoned");
      expect((blocked as Error).message).toMatch(/subject p1 was deleted: no enroll work until a new consent is recorded/);
      expect(await codeOf(store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "consent" }))).toBe("site_subject_tombstoned");
      await expect(store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "rights" })).resolves.toMatchObject({ state: "pending" });
      await expect(store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "end_access" })).resolves.toMatchObject({ state: "pending" });

      // A consent dated before the deletion (an old form brought back) does not clear it.
      await store.recordConsent({ id: "c-old", subjectRef: "p1", scope: { gates: ["g1"], groups: [] }, noticeVersion: "v1", evidenceHash: HASH, recordedAt: f.clock.now() - DAY, expiresAt: f.clock.now() + 300 * DAY });
      expect(await store.isTombstoned("p1")).toBe(true);

      f.clock.advance(DAY);
      const consent = await store.recordConsent({ id: "c-new", subjectRef: "p1", scope: { gates: [], groups: ["All"] }, noticeVersion: "v2", evidenceHash: HASH.toUpperCase(), expiresAt: f.clock.now() + 365 * DAY });
      expect(consent).toMatchObject({ id: "c-new", evidenceHash: HASH, scope: { gates: [], groups: ["All"] }, withdrawnAt: null });
      expect(await store.isTombstoned("p1")).toBe(false);
      expect(await store.tombstonesOf("p1")).toEqual([{ subjectRef: "p1", requestId: "del-1", createdAt: f.clock.now() - DAY, clearedAt: f.clock.now(), clearedByConsent: "c-new" }]);
      await expect(store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "enroll" })).resolves.toMatchObject({ state: "pending" });

      // A second deletion tombstones again; both stay as history.
      f.clock.advance(DAY);
      await store.requestDeletion({ id: "del-2", subjectRef: "p1", reason: "end_of_tenancy" });
      expect(await store.isTombstoned("p1")).toBe(true);
      expect((await store.tombstonesOf("p1")).map((t) => [t.requestId, t.clearedByConsent])).toEqual([
        ["del-1", "c-new"],
        ["del-2", null],
      ]);
      expect((await store.consentsOf("p1")).map((c) => c.id)).toEqual(["c-old", "c-new"]);
    });

    it("records consents once, with their scope and evidence, and their withdrawal", async () => {
      const input = { id: "c-1", subjectRef: "p2", scope: { gates: ["g1", "g2"], groups: [] }, noticeVersion: "2026-01", evidenceHash: HASH, expiresAt: f.clock.now() + 365 * DAY };
      await store.recordConsent(input);
      expect(await codeOf(store.recordConsent(input))).toBe("site_duplicate");
      expect(await codeOf(store.recordConsent({ ...input, id: "c-2", evidenceHash: "not-a-hash" }))).toBe("site_input_invalid");
      expect(await codeOf(store.recordConsent({ ...input, id: "c-3", scope: { gates: ["ghost"], groups: [] } }))).toBe("site_unknown_gate");
      expect(await codeOf(store.recordConsent({ ...input, id: "c-4", scope: { gates: [], groups: [] } }))).toBe("site_input_invalid");
      expect(await codeOf(store.recordConsent({ ...input, id: "c-5", subjectRef: "nobody" }))).toBe("site_unknown_subject");
      expect(await codeOf(store.recordConsent({ ...input, id: "c-6", expiresAt: f.clock.now() }))).toBe("site_input_invalid");
      f.clock.advance(DAY);
      await store.withdrawConsent("c-1");
      await store.withdrawConsent("c-1", f.clock.now() + DAY);
      expect(await store.getConsent("c-1")).toMatchObject({ scope: { gates: ["g1", "g2"], groups: [] }, noticeVersion: "2026-01", withdrawnAt: f.clock.now() });
      expect(await codeOf(store.withdrawConsent("c-9"))).toBe("site_unknown_consent");
      expect((await store.consentsOf("p2")).length).toBe(1);
    });

    it("collects one receipt per expected gate and closes the request with its certificate", async () => {
      await store.requestDeletion({ id: "del-1", subjectRef: "p1", reason: "court_order", gateIds: ["g1", "g2"] });
      expect(brief(await store.nextWork("g3"))).toEqual([]);
      const receipt = (g: string): string => JSON.stringify({ receiptId: `r-${g}`, gateId: g, subjectRef: "p1", signature: "sig" });
      await store.markWorkSent({ subjectRef: "p1", gateId: "g1", kind: "delete" }, "cmd-d1");
      f.clock.advance(100);
      let request = await store.recordReceipt({ requestId: "del-1", gateId: "g1", receipt: receipt("g1") });
      expect(request.gates).toEqual([
        { gateId: "g1", receipt: receipt("g1"), verifiedAt: f.clock.now() },
        { gateId: "g2", receipt: null, verifiedAt: null },
      ]);
      expect(await store.getWork({ subjectRef: "p1", gateId: "g1", kind: "delete" })).toMatchObject({ state: "applied" });
      // The same receipt again is harmless; another one for a gate that answered is refused.
      await store.recordReceipt({ requestId: "del-1", gateId: "g1", receipt: receipt("g1") });
      expect(await codeOf(store.recordReceipt({ requestId: "del-1", gateId: "g1", receipt: receipt("g2") }))).toBe("site_duplicate");
      expect(await codeOf(store.recordReceipt({ requestId: "del-1", gateId: "g3", receipt: receipt("g3") }))).toBe("site_receipt_unexpected");
      expect(await codeOf(store.recordReceipt({ requestId: "del-9", gateId: "g1", receipt: receipt("g1") }))).toBe("site_unknown_request");

      const early = await store.completeDeletion("del-1", "{}").catch((e: unknown) => e);
      expect((early as SiteStoreError).code).toBe("site_deletion_incomplete");
      expect((early as Error).message).toMatch(/still waits for 1 gate\(s\): g2/);
      request = await store.recordReceipt({ requestId: "del-1", gateId: "g2", receipt: receipt("g2") });
      expect(request.gates.every((g) => g.receipt !== null)).toBe(true);
      f.clock.advance(100);
      const done = await store.completeDeletion("del-1", '{"certificate":true}');
      expect(done).toMatchObject({ certificate: '{"certificate":true}', completedAt: f.clock.now() });
      expect(await codeOf(store.completeDeletion("del-1", "{}"))).toBe("site_duplicate");
      expect(await store.openDeletionRequests()).toEqual([]);
      expect((await store.deletionRequestsOf("p1")).map((r) => r.id)).toEqual(["del-1"]);
    });

    it("lists open requests and those past their deadline at a given time", async () => {
      const t0 = f.clock.now();
      await store.requestDeletion({ id: "del-a", subjectRef: "p1", reason: "resident_request" });
      f.clock.advance(DAY);
      await store.requestDeletion({ id: "del-b", subjectRef: "p2", reason: "court_order", deadlineMs: DAY });
      f.clock.advance(DAY);
      await store.requestDeletion({ id: "del-c", subjectRef: "p3", reason: "end_of_tenancy", gateIds: [] });
      expect((await store.openDeletionRequests()).map((r) => r.id)).toEqual(["del-a", "del-b", "del-c"]);
      // del-b's one-day deadline ended exactly now; del-a's five days have not.
      expect((await store.overdueDeletionRequests()).map((r) => r.id)).toEqual(["del-b"]);
      expect((await store.overdueDeletionRequests(t0 + 5 * DAY - 1)).map((r) => r.id)).toEqual(["del-b"]);
      expect((await store.overdueDeletionRequests(t0 + 5 * DAY)).map((r) => r.id)).toEqual(["del-b", "del-a"]);
      // A request expecting no gate is complete as soon as its certificate is written.
      await store.completeDeletion("del-c", "{}");
      expect((await store.overdueDeletionRequests(t0 + 100 * DAY)).map((r) => r.id)).toEqual(["del-b", "del-a"]);
    });

    it("uses the store's configured deadline by default", async () => {
      const short = await f.open({ deletionDeadlineMs: 2 * DAY });
      const r = await short.requestDeletion({ id: "del-x", subjectRef: "p1", reason: "resident_request" });
      expect(r.deadlineAt - r.requestedAt).toBe(2 * DAY);
    });
  });
});
