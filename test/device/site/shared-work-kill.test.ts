/**
 * Two `facegate site serve` processes on one database share the WORK (`shareWork: true`,
 * issue 13 item 5): 20 residents for 3 real gates are written to the database, both
 * instances claim and send; one is killed with SIGKILL in the middle; the other finishes
 * the rest once the killed one's claims run out. Every person.upsert reaches every gate
 * exactly once (counted at the gates: their audit logs). On PostgreSQL when
 * FACEGATE_PG_URL is set, else on one SQLite file shared by the two processes.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDataKeyFile } from "../../../device/site/data-key-file.js";
import { createLogger } from "../../../sdk/log/logger.js";
import { writeOperatorKeyFile } from "../../../sdk/operator/key-file.js";
import { toBase64 } from "../../../sdk/protocol/index.js";
import { openSiteStore } from "../../../sdk/site/store/open-site-store.js";
import type { SiteStore } from "../../../sdk/site/store/site-store.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { type SiteHarness, startSiteHarness } from "../../support/site-harness.js";
import { type SiteServeProcess, startSiteServe } from "../../support/site-serve-process.js";

const pgUrl = process.env["FACEGATE_PG_URL"];
const GATES = ["g1", "g2", "g3"];
const RESIDENTS = Array.from({ length: 20 }, (_, i) => `r-${String(i + 1).padStart(3, "0")}`);

type Instance = SiteServeProcess;
const serve = startSiteServe;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

describe(`two site service instances sharing the work on one ${pgUrl ? "PostgreSQL" : "SQLite"} database, one killed`, () => {
  let broker: TestBroker;
  let site: SiteHarness;
  let dir: string;
  let schema: string | undefined;
  let admin: pg.Client | undefined;
  const instances: Instance[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
    site = await startSiteHarness({ broker, gateIds: GATES, pipeline: null, start: Date.now() });
    dir = mkdtempSync(join(tmpdir(), "fg-site-work-"));
    writeOperatorKeyFile(join(dir, "office.key"), site.admin);
    readDataKeyFile(join(dir, "data.key"), { create: true });
    if (pgUrl) {
      schema = `site_work_${randomBytes(4).toString("hex")}`;
      admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
    }
    for (const name of ["a", "b"]) {
      writeFileSync(
        join(dir, `${name}.json`),
        JSON.stringify({
          version: 1,
          site: { id: site.site, processorId: site.processorId },
          database: pgUrl ?? "site.db",
          ...(schema ? { databaseSchema: schema } : {}),
          dataKeyFile: "data.key",
          operatorKeyFile: "office.key",
          mqtt: { url: broker.url, prefix: site.prefix, protocolVersion: broker.protocolVersion },
          gates: site.gates.map((g) => ({ id: g.gateId, signingPublicKey: toBase64(g.signingPublicKey), boxPublicKey: toBase64(g.boxPublicKey) })),
          shareWork: true,
          workLeaseSeconds: 2,
          retrySeconds: 1,
          auditSeconds: 0,
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null) i.child.kill("SIGKILL");
    await site?.close();
    await broker?.stop();
    if (admin && schema) {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await admin.end();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openStore(): Promise<SiteStore> {
    const logger = createLogger({ sink: () => {}, level: "error" });
    const dataKey = readDataKeyFile(join(dir, "data.key"));
    return pgUrl ? openSiteStore({ url: pgUrl, schema: schema!, clock: systemClock, logger, dataKey }) : openSiteStore({ path: join(dir, "site.db"), clock: systemClock, logger, dataKey });
  }

  it("both send, one is killed mid-way, the other finishes; every person.upsert reaches every gate exactly once", async () => {
    const a = serve(join(dir, "a.json"), dir);
    instances.push(a);
    await until("a running", () => /running/.test(a.output()) || a.child.exitCode !== null);
    expect(a.child.exitCode, a.output()).toBeNull();
    const b = serve(join(dir, "b.json"), dir);
    instances.push(b);
    await until("b running", () => /running/.test(b.output()) || b.child.exitCode !== null);
    expect(b.child.exitCode, b.output()).toBeNull();

    const store = await openStore();
    try {
      // As the office registers residents (the HTTP API will): the person and a rights item per gate, in one go.
      await store.transaction(async (t) => {
        for (const [i, subject] of RESIDENTS.entries()) {
          await t.putPerson({ subjectRef: subject, label: subject, cards: [`C0FFEE${String(i).padStart(4, "0")}`], rights: { gates: GATES, groups: [] } });
          for (const gateId of GATES) await t.queueWork({ subjectRef: subject, gateId, kind: "rights" });
        }
      });
      const applied = async (): Promise<Array<{ claimedBy: string | null }>> => (await Promise.all(GATES.map((g) => store.workOfGate(g, ["applied"])))).flat();
      // Kill A as soon as both have sent something, well before the end.
      const atKill = await until(
        "both instances sending",
        async () => {
          const done = await applied();
          return new Set(done.map((w) => w.claimedBy)).size === 2 ? done.length : undefined;
        },
        60_000,
        10,
      );
      a.child.kill("SIGKILL");
      expect(await a.exit).toBeNull();
      expect(atKill).toBeLessThan(RESIDENTS.length * GATES.length);

      await until("every item applied", async () => ((await applied()).length === RESIDENTS.length * GATES.length ? true : undefined), 60_000);
      for (const g of GATES) {
        const counts = new Map<string, number>();
        for (const e of site.gate(g).sim.runtime.store.audit.entries()) if (e.type === "access.person_set" && e.subject) counts.set(e.subject, (counts.get(e.subject) ?? 0) + 1);
        expect([...counts.keys()].sort()).toEqual(RESIDENTS);
        expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      }
      const byHolder = new Map<string, number>();
      for (const w of await applied()) byHolder.set(w.claimedBy ?? "none", (byHolder.get(w.claimedBy ?? "none") ?? 0) + 1);
      expect(byHolder.size).toBe(2);
    } finally {
      await store.close();
    }
    b.child.kill("SIGTERM");
    expect(await b.exit).toBe(0);
  }, 120_000);
});
