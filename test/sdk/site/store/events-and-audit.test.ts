import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SiteStoreError } from "../../../../sdk/site/store/site-store-error.js";
import type { SiteEventInput, SiteStore } from "../../../../sdk/site/store/site-store.js";
import { freshSiteDb, gateInput, pgQuery, SITE_ENGINES, type SiteDbFixture } from "../../../support/site-db.js";

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SiteStoreError);
  return (err as SiteStoreError).code;
}

async function eventRows(f: SiteDbFixture): Promise<{ n: number; distinct: number }> {
  if (f.engine === "sqlite") {
    const db = new Database(f.path!, { readonly: true });
    try {
      const r = db.prepare("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS distinct_ids FROM site_events").get() as { n: number; distinct_ids: number };
      return { n: r.n, distinct: r.distinct_ids };
    } finally {
      db.close();
    }
  }
  const [r] = await pgQuery<{ n: string; distinct_ids: string }>(f.schema!, "SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS distinct_ids FROM site_events");
  return { n: Number(r!.n), distinct: Number(r!.distinct_ids) };
}

const event = (i: number, gateId = "g1"): SiteEventInput => ({ id: `evt-${String(i).padStart(5, "0")}`, gateId, subjectRef: i % 3 === 0 ? `p${i % 7}` : null, type: i % 2 === 0 ? "access.granted" : "door.opened", at: 1_000_000 + i, body: { seq: i } });

describe.each(SITE_ENGINES)("events and audit cursors on $engine", ({ engine, available }) => {
  describe.skipIf(!available)(`${engine}`, () => {
    let f: SiteDbFixture;
    let store: SiteStore;
    beforeEach(async () => {
      f = await freshSiteDb(engine);
      store = await f.open();
      await store.addGate(await gateInput("g1"));
      await store.addGate(await gateInput("g2"));
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it("stores an event once: a duplicate id returns false and changes nothing", async () => {
      expect(await store.insertEvent({ id: "e-1", gateId: "g1", subjectRef: "p1", type: "access.granted", at: 10, body: { via: "card" } })).toBe(true);
      expect(await store.insertEvent({ id: "e-1", gateId: "g2", subjectRef: null, type: "tamper", at: 99, body: { other: true } })).toBe(false);
      expect(await store.queryEvents({})).toEqual([{ id: "e-1", gateId: "g1", subjectRef: "p1", type: "access.granted", at: 10, body: { via: "card" }, storedAt: f.clock.now() }]);
      expect(await store.insertEvents([event(1), event(2), { ...event(1), body: "again" }])).toEqual([event(1).id, event(2).id]);
      expect(await store.insertEvents([event(2), event(3)])).toEqual([event(3).id]);
      expect(await store.insertEvents([])).toEqual([]);
    });

    it("queries by gate, subject, type and time range, oldest first, with a limit", async () => {
      await store.insertEvents(Array.from({ length: 60 }, (_, i) => event(i, i < 40 ? "g1" : "g2")));
      expect((await store.queryEvents({ gateId: "g2", limit: 1000 })).length).toBe(20);
      const bySubject = await store.queryEvents({ subjectRef: "p3" });
      expect(bySubject.map((e) => e.body)).toEqual([{ seq: 3 }, { seq: 24 }, { seq: 45 }]);
      const range = await store.queryEvents({ gateId: "g1", type: "door.opened", from: 1_000_010, to: 1_000_020 });
      expect(range.map((e) => (e.body as { seq: number }).seq)).toEqual([11, 13, 15, 17, 19]);
      expect((await store.queryEvents({ limit: 5 })).map((e) => e.id)).toEqual([0, 1, 2, 3, 4].map((i) => event(i).id));
      expect(await codeOf(store.queryEvents({ limit: 0 }))).toBe("site_input_invalid");
      expect(await codeOf(store.queryEvents({ from: -5 }))).toBe("site_input_invalid");
    });

    it("refuses a malformed event before writing any of its batch", async () => {
      expect(await codeOf(store.insertEvents([event(1), { ...event(2), at: 1.5 }]))).toBe("site_input_invalid");
      expect(await codeOf(store.insertEvents([event(1), event(2, "ghost")]))).toBe("site_unknown_gate");
      expect(await codeOf(store.insertEvent({ ...event(3), id: "" }))).toBe("site_input_invalid");
      expect(await store.queryEvents({})).toEqual([]);
    });

    it("stores each of 1,000 ids exactly once when two store instances insert them all in parallel", async () => {
      const other = await f.open();
      const events = Array.from({ length: 1000 }, (_, i) => event(i, i % 2 === 0 ? "g1" : "g2"));
      // Both instances race over every id: one by one, in parallel, from opposite ends.
      const [a, b] = await Promise.all([
        Promise.all(events.map((e) => store.insertEvent(e))),
        Promise.all([...events].reverse().map((e) => other.insertEvent(e))),
      ]);
      const stored = a.filter(Boolean).length + b.filter(Boolean).length;
      expect(stored).toBe(1000);
      // Each id was stored by exactly one of the two.
      const reversedB = [...b].reverse();
      expect(events.every((_, i) => a[i] !== reversedB[i])).toBe(true);
      // And again in batches (the service's path for a burst), overlapping: nothing new.
      const [x, y] = await Promise.all([store.insertEvents(events), other.insertEvents([...events].reverse())]);
      expect(x.length + y.length).toBe(0);
      const rows = await eventRows(f);
      expect(rows.n).toBe(1000);
      expect(rows.distinct).toBe(1000);
    }, 60_000);

    it("moves an audit cursor by compare-and-set, and keeps a broken chain as an alarm", async () => {
      expect(await store.getAuditCursor("g1")).toEqual({ gateId: "g1", lastSequence: 0, lastEntryHash: null, verifiedAt: null, broken: false, brokenDetail: null, brokenAt: null, acknowledgedAt: null });
      expect(await store.advanceAuditCursor("g1", { fromSequence: 0, lastSequence: 50, lastEntryHash: "h50" })).toBe(true);
      // Another instance that read the cursor at 0 loses: the cursor stays where the first put it.
      expect(await store.advanceAuditCursor("g1", { fromSequence: 0, lastSequence: 40, lastEntryHash: "h40" })).toBe(false);
      expect(await store.getAuditCursor("g1")).toMatchObject({ lastSequence: 50, lastEntryHash: "h50", verifiedAt: f.clock.now() });
      f.clock.advance(1000);
      await store.markAuditBroken("g1", "entry 51 does not chain to entry 50");
      expect(await store.getAuditCursor("g1")).toMatchObject({ lastSequence: 50, broken: true, brokenDetail: "entry 51 does not chain to entry 50", brokenAt: f.clock.now() });
      expect(await store.getAuditCursor("g2")).toMatchObject({ broken: false });
      expect(await codeOf(store.advanceAuditCursor("ghost", { fromSequence: 0, lastSequence: 1, lastEntryHash: "h" }))).toBe("site_unknown_gate");
      expect(await codeOf(store.advanceAuditCursor("g1", { fromSequence: 50, lastSequence: -1, lastEntryHash: "h" }))).toBe("site_input_invalid");
    });
  });
});
