/**
 * Two `facegate site serve` instances on one database share the events through an MQTT 5
 * shared subscription (issue 13 item 5): a gate publishes a burst of 1,000 signed events,
 * one instance is killed with SIGKILL in the middle of it and started again; every event is
 * stored exactly once, none lost (each acknowledgement to the broker waits until the event
 * is stored; the killed instance's persistent session keeps what was in flight to it).
 *
 * Needs Mosquitto (aedes speaks MQTT 3.1.1 only, without shared subscriptions): skipped with
 * a visible message where the binary is missing. On PostgreSQL when FACEGATE_PG_URL is
 * set, else on one SQLite file (WAL) shared by the two processes.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDataKeyFile } from "../../../device/site/data-key-file.js";
import { signDeviceMessage } from "../../../sdk/crypto/signatures.js";
import { createLogger } from "../../../sdk/log/logger.js";
import { writeOperatorKeyFile } from "../../../sdk/operator/key-file.js";
import { toBase64 } from "../../../sdk/protocol/index.js";
import { openSiteStore } from "../../../sdk/site/store/open-site-store.js";
import type { SiteStore } from "../../../sdk/site/store/site-store.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { mosquittoAvailable, type RestartableBroker, startRestartableBroker } from "../../support/broker.js";
import { type SiteHarness, startSiteHarness } from "../../support/site-harness.js";
import { type FakeGate, startFakeGate } from "../../sdk/site/service/fake-gate.js";
import { type SiteServeProcess, startSiteServe } from "../../support/site-serve-process.js";

const hasMosquitto = mosquittoAvailable();
if (!hasMosquitto) console.warn("\n*** two site service instances on shared subscriptions: SKIPPED (no mosquitto binary; MQTT 5 needed) ***\n");
const pgUrl = process.env["FACEGATE_PG_URL"];
const EVENTS = 1_000;

type Instance = SiteServeProcess;
const serve = startSiteServe;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasMosquitto)(`two site service instances on one ${pgUrl ? "PostgreSQL" : "SQLite"} database`, () => {
  let broker: RestartableBroker;
  let site: SiteHarness;
  let gate: FakeGate;
  let dir: string;
  let schema: string | undefined;
  let admin: pg.Client | undefined;
  const instances: Instance[] = [];

  beforeAll(async () => {
    broker = await startRestartableBroker("mosquitto");
    site = await startSiteHarness({ broker, gateIds: [], pipeline: null, start: Date.now() });
    gate = await startFakeGate(site, "lobby");
    dir = mkdtempSync(join(tmpdir(), "fg-site-two-"));
    writeOperatorKeyFile(join(dir, "office.key"), site.admin);
    readDataKeyFile(join(dir, "data.key"), { create: true });
    if (pgUrl) {
      schema = `site_two_${randomBytes(4).toString("hex")}`;
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
          mqtt: { url: broker.url, prefix: site.prefix, protocolVersion: 5, clientId: `site-${name}-${randomBytes(3).toString("hex")}`, shareEvents: "office" },
          gates: [{ id: "lobby", signingPublicKey: toBase64(gate.signer.publicKey), boxPublicKey: toBase64(gate.boxPublicKey) }],
          sendWork: name === "a",
          retrySeconds: 1,
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    for (const i of instances) if (i.child.exitCode === null) i.child.kill("SIGKILL");
    await gate?.close();
    await site?.close();
    await broker?.dispose();
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

  it("stores each of 1,000 events exactly once although one instance is killed mid-burst", async () => {
    // A first, so the database is created once; then B.
    const a = serve(join(dir, "a.json"));
    instances.push(a);
    await until("instance a running", () => /running/.test(a.output()) || a.child.exitCode !== null);
    expect(a.output()).toMatch(/running/);
    let b = serve(join(dir, "b.json"));
    instances.push(b);
    await until("instance b running", () => /running/.test(b.output()) || b.child.exitCode !== null);
    expect(b.output()).toMatch(/running/);
    await gate.publishState(true);
    await new Promise((r) => setTimeout(r, 500));

    const ids: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const id = `ev-${String(i).padStart(4, "0")}`;
      ids.push(id);
      const event = signDeviceMessage(gate.signer, "event", { v: 2, site: site.site, gate: "lobby", id, type: "access.denied", category: "access", at: Date.now(), data: { reason: "unknown_card" }, auditRelevant: false });
      await gate.client.publishAsync(gate.topic("events/access"), JSON.stringify(event), { qos: 1 });
      if (i === 400) {
        b.child.kill("SIGKILL");
        await b.exit;
      }
      if (i === 700) {
        b = serve(join(dir, "b.json"));
        instances.push(b);
      }
    }
    await until("instance b running again", () => /running/.test(b.output()) || b.child.exitCode !== null);
    const store = await openStore();
    try {
      const stored = await until(
        "every event stored",
        async () => {
          const rows = await store.queryEvents({ gateId: "lobby", limit: 10_000 });
          return rows.length >= EVENTS ? rows : undefined;
        },
        60_000,
      );
      const storedIds = stored.map((e) => e.id).sort();
      expect(storedIds).toHaveLength(EVENTS);
      expect(new Set(storedIds).size).toBe(EVENTS);
      expect(storedIds).toEqual(ids.map((id) => `lobby.${id}`).sort());
    } finally {
      await store.close();
    }
    for (const i of [a, b]) i.child.kill("SIGTERM");
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    // The events were shared: instance a stored some of them, not all.
    const storedBy = (i: Instance): number => {
      const line = i.output().split("\n").find((l) => l.includes("site service stopped"));
      return (JSON.parse(line!) as { fields: { eventsStored: number } }).fields.eventsStored;
    };
    const byA = storedBy(a);
    console.info(`two instances: a stored ${byA}, b (after its restart) stored ${storedBy(b)}, of ${EVENTS}`);
    expect(byA).toBeGreaterThan(0);
    expect(byA).toBeLessThan(EVENTS);
  }, 120_000);
});
