/**
 * `facegate bench deletion [--url URL] [--deletions N] [--templates-per-subject K] [--json]`
 *
 * Deletion round trip (issue 18: p95 under 20 ms through Mosquitto): from before an operator
 * signs `subject.delete` to a deletion receipt verified against the device's public
 * signing key, through a real broker (--url, else FACEGATE_MQTT_URL, else
 * mqtt://127.0.0.1:1883; MQTT 5). The gate is the real runtime on simulated hardware
 * (buildSimulatedGate): real SQLite, vault, consent registry, audit log, receipts. The
 * residents are enrolled directly through the store (a consent each, then K seeded random
 * templates), not through photos: deletion does not look at the face.
 *
 * The figure depends on the broker's settings too: the shipped device/config/mosquitto.conf
 * has `set_tcp_nodelay true`; every socket the project opens sets TCP_NODELAY itself.
 */
import { randomBytes } from "node:crypto";
import { generateEd25519KeyPair } from "../../sdk/crypto/keys.js";
import { verifyReceipt } from "../../sdk/crypto/signatures.js";
import { mulberry32, randomUnitVector } from "../../sdk/matcher/synthetic-embeddings.js";
import { buildCommand } from "../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../sdk/operator/until-answered.js";
import { type CommandBodies, type DeletionReceipt, gateTopics, toBase64 } from "../../sdk/protocol/index.js";
import { buildSimulatedGate } from "../scenario/simulated-gate.js";
import { intValue, parseArgs } from "../cli/args.js";
import type { CliIo } from "../cli/cli-io.js";
import { summarize } from "./stats.js";

const GATE = "lobby";
const DAY = 86_400_000;
const WARMUP = 3;
const TARGET_P95_MS = 20;

export const usage = [
  "usage: facegate bench deletion [--url URL] [--deletions N] [--templates-per-subject K] [--json]",
  "  subject.delete to verified receipt through a real broker (default FACEGATE_MQTT_URL, else mqtt://127.0.0.1:1883):",
  "  p50/p95 over N deletions (default 50), K templates per resident (default 2).",
].join("\n");

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["url", "deletions", "templates-per-subject"], usage });
  const url = args.values["url"] ?? io.env["FACEGATE_MQTT_URL"] ?? "mqtt://127.0.0.1:1883";
  const deletions = intValue(args, "deletions", 50);
  const perSubject = intValue(args, "templates-per-subject", 2);
  const json = args.flags.has("json");

  const tag = randomBytes(4).toString("hex");
  const site = `bench-${tag}`;
  const prefix = `bench${tag}`;
  const admin = await generateEd25519KeyPair();
  const sim = await buildSimulatedGate({
    gates: [{ gateId: GATE, mode: "face_or_card_or_pin" }],
    site: { id: site, processorId: "bench-property" },
    pipeline: null,
    mqtt: { url, prefix, protocolVersion: 5 },
    operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "bench office" }],
  });
  const op = new OperatorClient({ url, prefix, protocolVersion: 5 });
  const devicePublicKey = sim.runtime.store.publicKeys.signingPublicKey;
  const send = async <T extends "subject.delete" | "gate.status">(type: T, body: CommandBodies[T], timeoutMs = 10_000) => {
    const command = await buildCommand({ site, gate: sim.gateId, type, body, key: admin, sealTo: sim.runtime.store.publicKeys.boxPublicKey, clock: sim.clock });
    return op.send(command, { devicePublicKey, timeoutMs });
  };
  try {
    await op.start();
    await sim.runtime.link!.connection.waitConnected(10_000);
    await untilAnswered(() => send("gate.status", {}, 1_000));

    const store = sim.runtime.store;
    const noticeHash = store.consents.currentNotice()!.hash;
    const random = mulberry32(18);
    const residents = Array.from({ length: WARMUP + deletions }, (_, i) => `res-${String(i).padStart(4, "0")}`);
    for (const subjectId of residents) {
      store.consents.give({
        subjectId, siteId: site, processorId: "bench-property", gateIds: [GATE], purpose: "entry_verification", noticeHash,
        separate: true, method: "electronic", evidenceRef: `bench:${subjectId}`, collectedBy: "bench", expiresAt: sim.clock.now() + 90 * DAY,
      });
      store.vault.enroll({ subjectId, gateId: GATE, embeddings: Array.from({ length: perSubject }, () => randomUnitVector(random)), actor: "bench" });
    }

    const samples: number[] = [];
    let verified = 0;
    for (const [i, subjectRef] of residents.entries()) {
      const started = performance.now();
      const r = await send("subject.delete", { subjectRef, reason: "resident_request", reference: `bench-${i}` });
      if (r.status !== "ok" || !r.result) throw new Error(`subject.delete failed: ${r.error?.code}: ${r.error?.message}`);
      const receipt = r.result.receipt as unknown as DeletionReceipt;
      const check = await verifyReceipt(receipt, devicePublicKey);
      const ms = performance.now() - started;
      if (!check.ok || receipt.deleted.templates !== perSubject) throw new Error(`deletion ${i}: receipt did not verify or deleted ${receipt.deleted.templates} templates`);
      if (i >= WARMUP) {
        samples.push(ms);
        verified++;
      }
    }
    const roundTripMs = summarize(samples);
    const report = {
      bench: "deletion",
      broker: url.replace(/\/\/[^@/]*@/, "//"),
      deletions,
      templatesPerSubject: perSubject,
      verifiedReceipts: verified,
      deviceSocketNoDelay: sim.runtime.link!.connection.socketNoDelay ?? null,
      roundTripMs,
      targetP95Ms: TARGET_P95_MS,
      meets: roundTripMs.p95 < TARGET_P95_MS,
    };
    if (json) io.out(JSON.stringify(report));
    else {
      io.out(
        [
          `deletion bench: ${deletions} subject.delete commands through ${report.broker}, ${perSubject} templates each`,
          `round trip  p50 ${roundTripMs.p50} ms, p95 ${roundTripMs.p95} ms, p99 ${roundTripMs.p99} ms, max ${roundTripMs.max} ms (sign, broker, delete, receipt, verify)`,
          `receipts    ${verified}/${deletions} verified against the device key`,
          `target      p95 < ${TARGET_P95_MS} ms: ${report.meets ? "yes" : "NO"}`,
        ].join("\n"),
      );
    }
    return 0;
  } finally {
    await op.stop().catch(() => undefined);
    await sim.close();
    const topics = gateTopics({ prefix, site, gate: GATE });
    await clearRetained(url, [topics.state, topics.notice]);
  }
}

/** Removes the gate's retained messages so the bench leaves nothing on a shared broker. */
async function clearRetained(url: string, topics: string[]): Promise<void> {
  const { MqttConnection } = await import("../../sdk/transport/connection.js");
  const c = new MqttConnection({ url, clientId: `fg-bench-clean-${randomBytes(4).toString("hex")}`, clean: true });
  c.start();
  try {
    await c.waitConnected(5_000);
    for (const t of topics) await c.publish(t, "", { qos: 1, retain: true });
  } catch {
    // A broker that went away keeps nothing worth clearing here.
  } finally {
    await c.stop();
  }
}
