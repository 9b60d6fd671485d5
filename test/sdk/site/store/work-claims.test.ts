import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SiteStoreError } from "../../../../sdk/site/store/site-store-error.js";
import type { SiteStore } from "../../../../sdk/site/store/site-store.js";
import { freshSiteDb, gateInput, SITE_ENGINES, type SiteDbFixture } from "../../../support/site-db.js";

const LEASE = 30_000;
const WORKER = fileURLToPath(new URL("../../../support/site-claim-worker.ts", import.meta.url));

function runWorker(arg: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", WORKER, arg], { timeout: 50_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`claim worker failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split("\n").at(-1)!) as string[]);
    });
  });
}

describe.each(SITE_ENGINES)("work claims between service instances on $engine", ({ engine, available }) => {
  describe.skipIf(!available)(`${engine}`, () => {
    let f: SiteDbFixture;
    let store: SiteStore;
    beforeEach(async () => {
      f = await freshSiteDb(engine);
      store = await f.open();
      await store.addGate(await gateInput("g1"));
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it("claims in nextWork's order, skips what another holder claimed, and frees it when the lease ends", async () => {
      await store.queueWork({ subjectRef: "p1", gateId: "g1", kind: "enroll" });
      f.clock.advance(1);
      await store.queueWork({ subjectRef: "p2", gateId: "g1", kind: "rights" });
      f.clock.advance(1);
      await store.queueWork({ subjectRef: "p3", gateId: "g1", kind: "delete" });
      const a = await store.claimWork("g1", { holder: "site-a", leaseMs: LEASE, limit: 2 });
      expect(a.map((w) => `${w.kind}:${w.subjectRef}`)).toEqual(["delete:p3", "rights:p2"]);
      expect(a[0]).toMatchObject({ claimedBy: "site-a", claimedUntil: f.clock.now() + LEASE });
      const b = await store.claimWork("g1", { holder: "site-b", leaseMs: LEASE });
      expect(b.map((w) => w.subjectRef)).toEqual(["p1"]);
      expect(await store.claimWork("g1", { holder: "site-b", leaseMs: LEASE })).toHaveLength(1); // its own claim, renewed
      // Claimed work is still pending work: the gate's view does not change.
      expect((await store.nextWork("g1")).length).toBe(3);

      // site-a sent one and went away; when its lease ends, site-b picks up the rest.
      await store.markWorkSent({ subjectRef: "p3", gateId: "g1", kind: "delete" }, "cmd-d");
      f.clock.advance(LEASE);
      const after = await store.claimWork("g1", { holder: "site-b", leaseMs: LEASE });
      expect(after.map((w) => w.subjectRef).sort()).toEqual(["p1", "p2"]);
      // Queued again, an item starts unclaimed.
      const requeued = await store.queueWork({ subjectRef: "p2", gateId: "g1", kind: "rights" });
      expect(requeued).toMatchObject({ claimedBy: null, claimedUntil: null });
      expect(await store.claimWork("g1", { holder: "site-a", leaseMs: LEASE })).toMatchObject([{ subjectRef: "p2" }]);
    });

    it("gives each of 200 items to exactly one of two service processes claiming at the same time", async () => {
      for (let i = 0; i < 200; i++) await store.queueWork({ subjectRef: `p${String(i).padStart(3, "0")}`, gateId: "g1", kind: i % 10 === 0 ? "delete" : "rights" });
      // Two processes, as two instances are deployed (better-sqlite3 is synchronous: two
      // connections in one thread would wait on each other's locks with the thread blocked).
      const startAt = Date.now() + 4000;
      const args = (holder: string): string => JSON.stringify({ where: f.where, dataKeyHex: Buffer.from(f.dataKey).toString("hex"), holder, gateId: "g1", at: f.clock.now(), startAt });
      const [a, b] = await Promise.all([runWorker(args("site-a")), runWorker(args("site-b"))]);
      expect(a.length + b.length).toBe(200);
      expect(new Set([...a, ...b]).size).toBe(200);
      expect(a.filter((s) => b.includes(s))).toEqual([]);
      expect(await store.countWork("g1", "sent")).toBe(200);
      // Deletions went out first, whoever sent them.
      const sent = await store.workOfGate("g1", ["sent"]);
      expect(sent.filter((w) => w.kind === "delete").length).toBe(20);
    }, 60_000);

    it("refuses a claim without a holder or a lease", async () => {
      const err = await store.claimWork("g1", { holder: "", leaseMs: LEASE }).catch((e: unknown) => e);
      expect((err as SiteStoreError).code).toBe("site_input_invalid");
      const lease = await store.claimWork("g1", { holder: "site-a", leaseMs: 0 }).catch((e: unknown) => e);
      expect((lease as SiteStoreError).code).toBe("site_input_invalid");
    });
  });
});
