/**
 * A gate in a process of its own, for tests that look into its memory from outside
 * (test/support/process-memory.ts): the real runtime with the real face models on
 * simulated hardware, linked to a real broker. The parent (the test) is the property
 * office on the other side of the broker; only this process is the gate, so whatever
 * the scan finds here is the gate's.
 *
 * Run with `node --expose-gc --import tsx`, forked with an IPC channel. Messages:
 *   parent → child  {start: {url, protocolVersion, prefix, site, admin, dataDir}}   → {ready: {gate, clock, noticeHash, signingPublicKey, boxPublicKey}}
 *                   {gc: true}                                                       → {gcDone: true}
 *                   {hold: base64}   keeps a copy of the bytes (a control for the scan) → {held: true}
 *                   {stop: true}                                                     → exits
 */
import { defaultModelsDir } from "../../models/manifest.js";
import { verifiedModels } from "../../models/verify.js";
import { toBase64 } from "../../sdk/protocol/index.js";
import { createFacePipeline } from "../../sdk/vision/index.js";
import { buildSimulatedGate, type SimulatedGate } from "../../device/scenario/simulated-gate.js";

interface Start {
  url: string;
  protocolVersion: 4 | 5;
  prefix: string;
  site: string;
  admin: string;
  dataDir: string;
}

type Message = { start: Start } | { gc: true } | { hold: string } | { stop: true };

const held: Buffer[] = [];
let sim: SimulatedGate | undefined;

function send(message: unknown): void {
  process.send!(message);
}

/** Several collections with turns of the event loop between them, so that finalizers and freed backing stores are done with. */
async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
}

process.on("message", (m: Message) => {
  void (async () => {
    if ("start" in m) {
      const s = m.start;
      const pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir()) });
      sim = await buildSimulatedGate({
        gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }],
        site: { id: s.site, processorId: "acme-property" },
        dataDir: s.dataDir,
        pipeline,
        mqtt: { url: s.url, prefix: s.prefix, protocolVersion: s.protocolVersion },
        operators: [{ publicKey: s.admin, role: "admin", label: "estate office" }],
      });
      await sim.runtime.link!.connection.waitConnected(10_000);
      const keys = sim.runtime.store.publicKeys;
      send({ ready: { gate: sim.gateId, clock: sim.clock.now(), noticeHash: sim.runtime.store.consents.currentNotice()!.hash, signingPublicKey: toBase64(keys.signingPublicKey), boxPublicKey: toBase64(keys.boxPublicKey) } });
    } else if ("gc" in m) {
      await collect();
      send({ gcDone: true });
    } else if ("hold" in m) {
      held.push(Buffer.from(m.hold, "base64"));
      send({ held: true });
    } else if ("stop" in m) {
      await sim?.close();
      await sim?.pipeline?.close();
      process.exit(0);
    }
  })().catch((err: unknown) => {
    send({ error: String((err as Error)?.stack ?? err) });
  });
});
