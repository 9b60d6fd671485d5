/**
 * Events are not lost across a broker restart and a device crash (SPEC section 5,
 * "events"): a burst of 1,000 events; mid-burst the broker stops and starts again, then
 * the device process is killed with SIGKILL and started again. Every event arrives at
 * least once, and a consumer that drops duplicates by id sees each exactly once.
 *
 * Runs against every restartable broker available: aedes in-process (MQTT 3.1.1, always)
 * and a private Mosquitto process (MQTT 5, where the binary exists).
 */
import { generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { toBase64 } from "../../../sdk/protocol/index.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { OperatorClient } from "../../../sdk/operator/operator-client.js";
import type { EventMessage } from "../../../sdk/protocol/index.js";
import { mosquittoAvailable, type RestartableBroker, startRestartableBroker } from "../../support/broker.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../../..");
const TOTAL = 1000;

function spawnDevice(envs: Record<string, string>, onLine: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(here, "fixtures/device-child.ts")], {
    cwd: root,
    env: { ...process.env, ...envs },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return child;
}

const until = async (what: string, cond: () => boolean, timeoutMs: number): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const kinds: Array<"aedes" | "mosquitto"> = mosquittoAvailable() ? ["aedes", "mosquitto"] : ["aedes"];

describe.each(kinds)("event delivery through a %s broker restart and a device kill -9", (kind) => {
  let broker: RestartableBroker | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await broker?.dispose();
  });

  it("delivers all 1,000 events at least once, each exactly once after dropping duplicates by id", async () => {
    broker = await startRestartableBroker(kind);
    const tag = Math.random().toString(36).slice(2, 8);
    const deviceKey = await generateEd25519KeyPair();
    const envs = {
      BURST_DEVICE_KEY: toBase64(deviceKey.secretKey),
      BURST_DB: join(mkdtempSync(join(tmpdir(), "fg-burst-")), "device.db"),
      BURST_URL: broker.url,
      BURST_MQTT_VERSION: String(broker.protocolVersion),
      BURST_PREFIX: `t${tag}`,
      BURST_SITE: "estate-7",
      BURST_GATE: "north",
      BURST_TOTAL: String(TOTAL),
      BURST_BATCH: "10",
      BURST_PAUSE_MS: "25",
    };
    const consumer = new OperatorClient({ url: broker.url, prefix: envs.BURST_PREFIX, clientId: `consumer-${tag}`, protocolVersion: broker.protocolVersion, backoff: { initialMs: 100, maxMs: 500 } });
    await consumer.start();
    const unique = new Set<string>();
    const watch = await consumer.watch({ site: "estate-7", gate: "north", deviceKeys: deviceKey.publicKey, onEvent: (e: EventMessage) => unique.add(e.id) });

    let produced = 0;
    let drained = false;
    const onLine = (line: string): void => {
      if (line.startsWith("PRODUCED ")) produced = Number(line.slice(9));
      if (line === "DRAINED") drained = true;
    };
    children.push(spawnDevice(envs, onLine));

    await until("300 events produced", () => produced >= 300, 30_000);
    const seenBeforeOutage = unique.size;
    await broker.restart(500);

    await until("650 events produced", () => produced >= 650, 30_000);
    const first = children[0]!;
    const exited = new Promise((r) => first.once("exit", r));
    first.kill("SIGKILL");
    await exited;
    const producedAtKill = produced;
    children.push(spawnDevice(envs, onLine));

    await until("the device to drain its outbox", () => drained, 60_000);
    await until("all events at the consumer", () => unique.size >= TOTAL, 30_000).catch((err: Error) => {
      const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !unique.has(`evt-${i}`));
      throw new Error(`${err.message}: ${missing.length} missing, first ${missing.slice(0, 20).join(",")}; seen before outage ${seenBeforeOutage}, produced at kill ${producedAtKill}`);
    });
    await watch.stop();
    await consumer.stop();

    const missing = Array.from({ length: TOTAL }, (_, i) => `evt-${i}`).filter((id) => !unique.has(id));
    expect(missing).toEqual([]);
    expect(unique.size).toBe(TOTAL);
    expect(watch.received).toBe(TOTAL + watch.duplicates);
    // For the report: how much the failures cost in redeliveries.
    console.info(`[${kind}] seen before outage ${seenBeforeOutage}, produced at kill ${producedAtKill}, received ${watch.received}, duplicates dropped ${watch.duplicates}`);
  });
});
