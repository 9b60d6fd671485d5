/**
 * `facegate bench flood [--junk N] [--swipes N] [--broker URL] [--json]`
 *
 * The door under a flood of junk on its command topic (issue 12, finding 3): a whole gate
 * (the real runtime on simulated hardware) linked to a broker (in-process, or --broker /
 * FACEGATE_MQTT_URL), a resident's card swiped every 20 ms; card to relay latency is
 * measured idle, then while a client publishes N junk messages (not JSON, and commands
 * signed by a key the gate does not know) as fast as the broker takes them. Reports both
 * latencies, the junk the gate took in, and how much the audit log grew.
 */
import mqtt from "mqtt";
import { statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { generateEd25519KeyPair } from "../../sdk/crypto/keys.js";
import { buildCommand } from "../../sdk/operator/command-builder.js";
import { gateTopics } from "../../sdk/protocol/index.js";
import { intValue, parseArgs } from "../cli/args.js";
import { type CliIo, EXIT } from "../cli/cli-io.js";
import { startEmbeddedBroker } from "../demo/embedded-broker.js";
import { buildSimulatedGate } from "../scenario/simulated-gate.js";
import { type LatencySummary, summarize } from "./stats.js";

const usage = [
  "usage: facegate bench flood [--junk N] [--swipes N] [--broker URL] [--json]",
  "  Card-to-relay latency of a real gate runtime idle and under N junk messages on its command topic",
  "  (default 20000), with the audit log's growth. --broker: a broker to use (default FACEGATE_MQTT_URL, else in-process).",
].join("\n");

const CARD = "C0FFEE7001";
const PREFIX = "bench";

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["junk", "swipes", "broker"], usage });
  const junk = intValue(args, "junk", 20_000);
  const swipes = intValue(args, "swipes", 200);
  const external = args.values["broker"] ?? io.env["FACEGATE_MQTT_URL"];
  const embedded = external ? undefined : await startEmbeddedBroker();
  const url = external ?? embedded!.url;
  const site = `flood-${process.pid}`;
  const sim = await buildSimulatedGate({
    gates: [{ gateId: "lobby", mode: "card_or_pin" }],
    site: { id: site, processorId: "bench" },
    pipeline: null,
    mqtt: { url, prefix: PREFIX, protocolVersion: 4 },
    operators: [{ publicKey: Buffer.from((await generateEd25519KeyPair()).publicKey).toString("base64"), role: "admin", label: "bench office" }],
  });
  const flooder = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  try {
    await sim.runtime.link!.connection.waitConnected(10_000);
    await sim.access.putPerson({ personRef: "p-bench", rights: { gates: ["lobby"] }, cards: [{ cardNumber: CARD }] });
    const relay = sim.hardware.relay;
    let opened: (() => void) | undefined;
    const unlock = relay.unlock.bind(relay);
    relay.unlock = async (ms: number) => {
      await unlock(ms);
      opened?.();
    };
    let unanswered = 0;
    const swipe = async (): Promise<number> => {
      const done = new Promise<boolean>((r) => (opened = () => r(true)));
      const t0 = performance.now();
      sim.hardware.cardReader.swipe(CARD);
      let timer: NodeJS.Timeout | undefined;
      const answered = await Promise.race([done, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5_000)))]);
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (!answered) {
        unanswered++;
        io.err(`a swipe opened nothing within 5 s: ${sim.events.events.slice(-3).map((e) => e.type).join(", ")}`);
      }
      sim.clock.advance(10_000); // the door re-locks; the next swipe is a new passage
      await sim.settle();
      return ms;
    };
    const run = async (n: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        out.push(await swipe());
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    };
    const idle = summarize(await run(swipes));

    const auditBefore = sim.runtime.store.audit.entries().length;
    const dbPath = join(sim.runtime.store.db.name);
    const sizeBefore = fileBytes(dbPath);
    const topics = gateTopics({ prefix: PREFIX, site, gate: "lobby" });
    const stranger = await generateEd25519KeyPair();
    const forged = JSON.stringify(await buildCommand({ site, gate: "lobby", type: "gate.status", body: {}, key: stranger, sealTo: sim.runtime.store.publicKeys.boxPublicKey, clock: sim.clock }));
    let sent = 0;
    const flood = (async () => {
      for (; sent < junk; sent++) {
        const payload = sent % 2 === 0 ? `{"junk":${sent}` : forged.replace('"id":"', `"id":"j${sent}-`);
        flooder.publish(topics.commandRequest, payload, { qos: 0 });
        if (sent % 100 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    const underFlood: number[] = [];
    // One swipe every 20 ms while the junk goes out, and until the gate has taken it all in.
    const took = () => sim.runtime.processor?.refusalsCounted ?? 0;
    // A broker may drop QoS 0 messages it cannot deliver fast enough: once all are sent,
    // stop when the gate has taken them all in or has taken none more for a second.
    let last = { count: -1, at: 0 };
    while (sent < junk || took() < junk) {
      underFlood.push(await swipe());
      await new Promise((r) => setTimeout(r, 20));
      if (sent < junk) continue;
      const now = performance.now();
      if (took() !== last.count) last = { count: took(), at: now };
      else if (now - last.at > 1_000) break;
    }
    await flood;
    const flooded = summarize(underFlood);
    sim.runtime.processor?.flushRefusals();
    const grown = sim.runtime.store.audit.entries().length - auditBefore;
    const report = { junk, refusalsCounted: took(), idle, flood: flooded, ratioP95: round(flooded.p95 / idle.p95), swipesUnanswered: unanswered, auditEntriesAdded: grown, databaseBytesAdded: fileBytes(dbPath) - sizeBefore, broker: external ? url : "in-process" };
    if (args.flags.has("json")) io.out(JSON.stringify(report));
    else {
      io.out(`card to relay, idle:        ${line(idle)}`);
      io.out(`card to relay, under flood: ${line(flooded)} (${junk} junk messages; p95 ${report.ratioP95}x idle)`);
      io.out(`audit log: +${grown} entries, database +${report.databaseBytesAdded} bytes`);
    }
    return EXIT.ok;
  } finally {
    await flooder.endAsync().catch(() => undefined);
    await sim.close();
    await embedded?.stop();
  }
}

function line(s: LatencySummary): string {
  return `p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms (n=${s.n})`;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  } catch {
    return 0;
  }
}
