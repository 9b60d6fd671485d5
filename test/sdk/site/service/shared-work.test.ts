/**
 * Two site service instances on one database share the WORK (issue 13 item 5): both send,
 * each item is claimed with the store's lease before it is sent, and no person.upsert
 * reaches a gate twice (counted at the gates: their audit logs). Real gates from the site
 * harness, a real broker; one SQLite file opened by both, and one PostgreSQL schema when
 * FACEGATE_PG_URL is set (visible skip otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSiteStore } from "../../../../sdk/site/store/open-site-store.js";
import { createLogger } from "../../../../sdk/log/logger.js";
import type { SiteStore } from "../../../../sdk/site/store/site-store.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { type SiteHarness, startSiteHarness } from "../../../support/site-harness.js";
import { SITE_ENGINES, openTestSiteStore, type TestSiteStore } from "./site-service-db.js";
import { type ServiceUnderTest, settledWork, startService, until } from "./site-service-support.js";

const GATES = ["g1", "g2", "g3"] as const;
const RESIDENTS = Array.from({ length: 20 }, (_, i) => `r-${String(i + 1).padStart(3, "0")}`);

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

/** person.upsert commands each gate executed, by subject (its audit log: command accepted, then access.person_set). */
function upsertsAt(site: SiteHarness, gateId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of site.gate(gateId).sim.runtime.store.audit.entries()) {
    if (e.type === "access.person_set" && e.subject) counts.set(e.subject, (counts.get(e.subject) ?? 0) + 1);
  }
  return counts;
}

describe.each(SITE_ENGINES)("two service instances sharing the work on $name", (engine) => {
  if (engine.skip) console.warn(`\n*** shared work suite on ${engine.name} SKIPPED: ${engine.skip} ***\n`);
  let site: SiteHarness;
  let db: TestSiteStore;
  let second: SiteStore;
  let a: ServiceUnderTest;
  let b: ServiceUnderTest;

  beforeAll(async () => {
    if (engine.skip) return;
    site = await startSiteHarness({ broker, gateIds: GATES, pipeline: null });
    db = await openTestSiteStore(engine, site.clock);
    // PostgreSQL: the second instance's own connection pool on the same schema. SQLite: one
    // process cannot hold two connections to one file with async transactions interleaved
    // (better-sqlite3 is synchronous: a busy wait would block the other), so here the two
    // instances share the handle; the claims are in the database either way. Two processes
    // on one SQLite file: test/device/site/shared-work-kill.test.ts.
    const logger = createLogger({ sink: () => {}, level: "error" });
    second = db.path ? db.store : await openSiteStore({ url: engine.url!, schema: db.schema!, clock: site.clock, logger, dataKey: db.dataKey, passwordLimits: { opsLimit: 1, memLimit: 8192 } });
    a = await startService(site, db.store, { shareWork: { holder: "instance-a", leaseMs: 10_000 }, retryMs: 300 });
    b = await startService(site, second, { shareWork: { holder: "instance-b", leaseMs: 10_000 }, retryMs: 300 });
    for (const g of site.gates) {
      await a.service.addGate({ gateId: g.gateId, signingPublicKey: g.signingPublicKey, boxPublicKey: g.boxPublicKey });
      await b.service.addGate({ gateId: g.gateId, signingPublicKey: g.signingPublicKey, boxPublicKey: g.boxPublicKey });
    }
    await until("every gate online", async () => (await db.store.listGates()).every((g) => g.status.online));
  }, 60_000);
  afterAll(async () => {
    await a?.service.stop();
    await b?.service.stop();
    if (second !== db?.store) await second?.close();
    await site?.close();
    await db?.close();
  });

  it.skipIf(engine.skip)("20 residents registered through both: every person.upsert reaches every gate exactly once, and both instances sent", async () => {
    await Promise.all(RESIDENTS.map((subject, i) => (i % 2 === 0 ? a : b).service.registerPerson({ subject, cards: [`C0FFEE${String(i).padStart(4, "0")}`], rights: { gates: [...GATES] } })));
    for (const subject of RESIDENTS) expect(await settledWork(db.store, subject, "rights", GATES, 60_000)).toEqual({ g1: "applied", g2: "applied", g3: "applied" });
    for (const g of GATES) {
      const counts = upsertsAt(site, g);
      expect([...counts.keys()].sort()).toEqual(RESIDENTS);
      expect([...counts.values()].every((n) => n === 1), JSON.stringify([...counts])).toBe(true);
    }
    const holders = new Set((await Promise.all(GATES.map((g) => db.store.workOfGate(g)))).flat().map((w) => w.claimedBy));
    expect(holders).toEqual(new Set(["instance-a", "instance-b"]));
  }, 90_000);
});
