/**
 * Events/s from the outbox to a broker at QoS 1 (SPEC section 5: at least 500/s).
 * Not a vitest test (benchmarks are not timed tests). Run:
 *   node --import tsx test/sdk/transport/throughput.bench.ts [--url mqtt://127.0.0.1:1883] [--mqtt-version 5] [--events 10000] [--window 128]
 * Without --url, an in-process aedes broker (MQTT 3.1.1) is used.
 *
 * Two figures, both on a file database (WAL, synchronous=FULL):
 *  - drain: N events already in the outbox, published and deleted on PUBACK;
 *  - live: events recorded one per transaction (one fsync each, the worst case) while the
 *    publisher runs, until every one is acknowledged.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../../../sdk/store/database.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { DeviceLink } from "../../../sdk/transport/device-link.js";
import { Outbox, outboxMigrations } from "../../../sdk/transport/outbox.js";
import { startTestBroker } from "../../support/broker.js";
import { testDeviceSigner } from "../../support/device-signer.js";

const { values } = parseArgs({ options: { url: { type: "string" }, "mqtt-version": { type: "string" }, events: { type: "string" }, window: { type: "string" } } });
const n = Number(values.events ?? 10_000);
const broker = values.url ? { url: values.url, protocolVersion: Number(values["mqtt-version"] ?? 5) as 4 | 5, stop: async () => {} } : await startTestBroker();
const identity = { site: "bench", gate: `g${process.pid}` };
const signer = await testDeviceSigner();

async function run(mode: "drain" | "live"): Promise<number> {
  const db = openDatabase({ path: join(mkdtempSync(join(tmpdir(), "fg-bench-")), "d.db"), migrations: [outboxMigrations] });
  const outbox = new Outbox({ db, identity, clock: systemClock, signer });
  const event = (i: number) => ({ id: `${mode}-${i}`, type: "access.granted", category: "access" as const, at: Date.now(), data: { personRef: `p-${i % 500}`, method: "card", door: "main" } });
  if (mode === "drain") db.transaction(() => Array.from({ length: n }, (_, i) => outbox.record(event(i))))();
  const link = new DeviceLink({ url: broker.url, identity, protocolVersion: broker.protocolVersion, clock: systemClock, signer, outbox, clientId: `bench-${mode}-${process.pid}`, publishWindow: Number(values.window ?? 128) });
  link.start();
  await link.connection.waitConnected(5000);
  const t0 = performance.now();
  if (mode === "live") {
    for (let i = 0; i < n; i++) {
      outbox.record(event(i));
      if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let the publisher run, as a device loop would
    }
  }
  await link.publisher!.idle();
  const seconds = (performance.now() - t0) / 1000;
  await link.stop();
  db.close();
  return n / seconds;
}

const drain = await run("drain");
const live = await run("live");
console.log(JSON.stringify({ broker: values.url ?? "aedes (in-process)", mqtt: broker.protocolVersion, events: n, window: Number(values.window ?? 128), drainEventsPerSecond: Math.round(drain), liveEventsPerSecond: Math.round(live) }));
await broker.stop();
