/**
 * `facegate bench site [--url URL] [--mqtt-version 4|5] [--gates N] [--residents R] [--rounds K] [--db URL] [--gate-data DIR] [--json]`
 *
 * The site service (issue 13) over N light gates: real gate runtimes on simulated hardware
 * without face models (buildSimulatedGate, pipeline null), one broker (--url, else
 * FACEGATE_MQTT_URL, else mqtt://127.0.0.1:1883), the site database a SQLite file (or
 * --db postgres://...). R residents are registered in the site database first (in the
 * store only: pushing R x N commands is not what is measured). Then, K times each:
 *  - push: registerPerson of one new resident with rights at every gate, until every gate's
 *    `person.upsert` is applied (signed result verified);
 *  - deletion: requestDeletion until the site certificate is issued over N verified
 *    receipts (target p95 under 2 s with all gates online);
 *  - events: a card swipe at every gate, until the site stored every resulting event once
 *    (events stored per second).
 *
 * Every gate runs in this one process, on one event loop, each with its own SQLite files
 * (synchronous=FULL): on a real disk the figures are dominated by the gates' own fsyncs
 * done one after another, which separate terminals do in parallel. `--gate-data /dev/shm`
 * keeps the gates' databases in memory and the site's on disk: the service's own share.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ed25519Signer, generateEd25519KeyPair } from "../../sdk/crypto/keys.js";
import { createLogger } from "../../sdk/log/logger.js";
import { toBase64 } from "../../sdk/protocol/index.js";
import { SiteService } from "../../sdk/site/service/site-service.js";
import { openSiteStore } from "../../sdk/site/store/open-site-store.js";
import type { SiteStore } from "../../sdk/site/store/site-store.js";
import { ManualClock } from "../../sdk/time/clock.js";
import { buildSimulatedGate, type SimulatedGate } from "../scenario/simulated-gate.js";
import { systemTimers } from "../runtime/system-timers.js";
import { intValue, parseArgs } from "../cli/args.js";
import type { CliIo } from "../cli/cli-io.js";
import { summarize } from "./stats.js";

const TARGET_DELETION_P95_MS = 2_000;

export const usage = [
  "usage: facegate bench site [--url URL] [--mqtt-version 4|5] [--gates N] [--residents R] [--rounds K] [--db URL] [--gate-data DIR] [--json]",
  "  The site service over N light gates (default 100) and R residents (default 10000): time to push one",
  "  new resident to every gate, deletion request to verified certificate (target p95 < 2 s), events stored per second.",
  "  --gate-data DIR: where the gates keep their databases (e.g. /dev/shm: one disk serialises 100 gates' fsyncs).",
].join("\n");

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`bench site: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["url", "gates", "residents", "rounds", "db", "mqtt-version", "gate-data"], usage });
  const url = args.values["url"] ?? io.env["FACEGATE_MQTT_URL"] ?? "mqtt://127.0.0.1:1883";
  const gateCount = intValue(args, "gates", 100);
  const residents = intValue(args, "residents", 10_000);
  const rounds = intValue(args, "rounds", 5);
  const json = args.flags.has("json");
  const protocolVersion = intValue(args, "mqtt-version", 5) === 4 ? 4 : 5;
  const tag = randomBytes(4).toString("hex");
  const siteId = `bench-${tag}`;
  const prefix = `bench${tag}`;
  const admin = await generateEd25519KeyPair();
  const logger = createLogger({ sink: () => {}, level: "error" });
  const clock = new ManualClock(Date.now());
  const dir = mkdtempSync(join(tmpdir(), "fg-bench-site-"));
  const gateData = args.values["gate-data"] ? mkdtempSync(join(resolve(io.cwd, args.values["gate-data"]), "fg-bench-gates-")) : undefined;
  const gates: SimulatedGate[] = [];
  let store: SiteStore | undefined;
  let service: SiteService | undefined;
  try {
    const started = Date.now();
    for (let i = 0; i < gateCount; i++) {
      gates.push(
        await buildSimulatedGate({
          gates: [{ gateId: `g${i}`, mode: "face_or_card_or_pin" }],
          ...(gateData ? { dataDir: join(gateData, `g${i}`) } : {}),
          start: clock.now(),
          site: { id: siteId, processorId: "bench-property" },
          pipeline: null,
          mqtt: { url, prefix, protocolVersion },
          operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "bench office" }],
        }),
      );
    }
    const gatesStartedMs = Date.now() - started;
    const db = args.values["db"];
    store = await openSiteStore({ ...(db ? { url: db } : { path: join(dir, "site.db") }), clock, logger, dataKey: new Uint8Array(randomBytes(32)) });
    const s = store;
    service = new SiteService({
      store: s,
      siteId,
      mqtt: { url, prefix, protocolVersion },
      clock,
      timers: systemTimers,
      logger,
      operatorKey: admin,
      siteKey: await ed25519Signer((await generateEd25519KeyPair()).secretKey),
      randomId: () => randomUUID(),
      retryMs: 2_000,
    });
    await service.start();
    for (const g of gates) {
      await service.addGate({ gateId: g.gateId, signingPublicKey: g.runtime.store.publicKeys.signingPublicKey, boxPublicKey: g.runtime.store.publicKeys.boxPublicKey, groups: ["estate"] });
    }
    await waitUntil(async () => (await s.listGates()).every((g) => g.status.online), 60_000, "every gate online");
    const seedStarted = Date.now();
    for (let i = 0; i < residents; i++) {
      await s.putPerson({ subjectRef: `seed-${i}`, label: `seed ${i}`, cards: [(0x10000000 + i).toString(16).toUpperCase()], rights: { gates: [], groups: ["estate"] } });
    }
    const seedMs = Date.now() - seedStarted;

    const push: number[] = [];
    const deletion: number[] = [];
    const eventsPerSecond: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const subject = `new-${r}`;
      let t0 = performance.now();
      await service.registerPerson({ subject, cards: [(0xc0000000 + r).toString(16).toUpperCase()], rights: { groups: ["estate"] } });
      await waitUntil(async () => (await s.workOf(subject)).filter((w) => w.kind === "rights" && w.state === "applied").length === gateCount, 120_000, "the new resident at every gate");
      push.push(performance.now() - t0);

      t0 = performance.now();
      const request = await service.requestDeletion({ subject, reason: "resident_request" });
      await waitUntil(async () => (await s.getDeletionRequest(request.id))?.certificate != null, 120_000, "the certificate");
      deletion.push(performance.now() - t0);

      const before = (await s.queryEvents({ limit: 10_000, type: "access.denied" })).length;
      t0 = performance.now();
      for (const g of gates) g.hardware.swipe("DEADBEEF99");
      await waitUntil(async () => (await s.queryEvents({ limit: 10_000, type: "access.denied" })).length >= before + gateCount, 60_000, "every event stored");
      eventsPerSecond.push(gateCount / ((performance.now() - t0) / 1000));
    }
    const result = {
      gates: gateCount,
      residents,
      rounds,
      engine: s.engine,
      gatesStartedMs,
      seedResidentsMs: seedMs,
      pushToAllGatesMs: summarize(push),
      deletionToCertificateMs: summarize(deletion),
      eventsStoredPerSecond: summarize(eventsPerSecond),
      deletionTargetP95Ms: TARGET_DELETION_P95_MS,
    };
    if (json) io.out(JSON.stringify(result));
    else {
      io.out(`site bench: ${gateCount} light gates, ${residents} residents in the site database (${s.engine}), ${rounds} rounds`);
      io.out(`  gates started in ${gatesStartedMs} ms; residents registered in the store in ${seedMs} ms`);
      io.out(`  push one new resident to every gate: p50 ${result.pushToAllGatesMs.p50.toFixed(0)} ms, p95 ${result.pushToAllGatesMs.p95.toFixed(0)} ms`);
      io.out(`  deletion request to verified certificate: p50 ${result.deletionToCertificateMs.p50.toFixed(0)} ms, p95 ${result.deletionToCertificateMs.p95.toFixed(0)} ms (target p95 < ${TARGET_DELETION_P95_MS} ms)`);
      io.out(`  events stored: p50 ${result.eventsStoredPerSecond.p50.toFixed(0)} per second`);
    }
    return 0;
  } finally {
    await service?.stop().catch(() => undefined);
    await store?.close().catch(() => undefined);
    for (const g of gates) await g.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    if (gateData) rmSync(gateData, { recursive: true, force: true });
  }
}

