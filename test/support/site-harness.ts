/**
 * A whole test site: N real gate runtimes on simulated hardware (buildSimulatedGate) on one
 * real broker, every gate with its own gate id under ONE site id and ONE topic prefix
 * (unique per harness, so parallel tests on a shared Mosquitto never meet). The site's
 * admin key is enrolled at each gate's installation; each gate's device signing key and
 * box key are exposed for pinning, as an installer would read them off the gate
 * (`facegate audit device-key --json`).
 *
 * Time: every gate has its own ManualClock; the harness keeps them and the site's clock
 * (for the service) on the same instant, and `advance(ms)` moves them all.
 *
 * A gate's link can be stopped and started (offline/online) without touching its database:
 * the gate keeps working at the door, and its persistent session keeps what the broker queued.
 */
import { randomBytes } from "node:crypto";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../sdk/crypto/keys.js";
import { type FaceModel, gateTopics, toBase64 } from "../../sdk/protocol/index.js";
import { ManualClock } from "../../sdk/time/clock.js";
import { buildCommand } from "../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../sdk/operator/until-answered.js";
import type { FacePipeline } from "../../sdk/vision/index.js";
import { DEFAULT_SIM_START, type SimulatedGate, buildSimulatedGate } from "../../device/scenario/simulated-gate.js";
import { type TestBroker, clearRetained } from "./broker.js";

export interface SiteHarnessGate {
  gateId: string;
  sim: SimulatedGate;
  /** The gate's Ed25519 signing public key (results, state, events and receipts verify against it). */
  signingPublicKey: Uint8Array;
  /** The gate's X25519 box public key (command bodies are sealed to it). */
  boxPublicKey: Uint8Array;
  readonly online: boolean;
  /** Stops the gate's MQTT link (it publishes `online: false`); the gate and its database stay up. */
  goOffline(): Promise<void>;
  /** Starts the link again and waits until it is connected. */
  goOnline(): Promise<void>;
}

export interface SiteHarness {
  broker: TestBroker;
  site: string;
  processorId: string;
  prefix: string;
  /** The site's admin key, enrolled at every gate. */
  admin: Ed25519KeyPair;
  /** The site's clock (give it to the service); `advance` keeps it and every gate's together. */
  clock: ManualClock;
  gates: SiteHarnessGate[];
  gate(id: string): SiteHarnessGate;
  advance(ms: number): void;
  /** Lets every gate handle what it was sent (see SimulatedGate.settle). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface SiteHarnessOptions {
  broker: TestBroker;
  gateIds: readonly string[];
  /** Shared face pipeline (not closed here); null: gates without a face path. */
  pipeline?: FacePipeline | null;
  mode?: string;
  /** Start time of every clock (ms); default DEFAULT_SIM_START. A service on the system clock needs Date.now(). */
  start?: number;
  /** Face model per gate id (template sync); default: the installed manifest's. */
  faceModels?: Readonly<Record<string, FaceModel>>;
}

export async function startSiteHarness(options: SiteHarnessOptions): Promise<SiteHarness> {
  const { broker } = options;
  const tag = randomBytes(4).toString("hex");
  const site = `site-${tag}`;
  const processorId = "acme-property";
  const prefix = `t${tag}`;
  const admin = await generateEd25519KeyPair();
  const clock = new ManualClock(options.start ?? DEFAULT_SIM_START);
  const gates: SiteHarnessGate[] = [];
  const close = async (): Promise<void> => {
    for (const g of gates) await g.sim.close().catch(() => undefined);
    const topics = gates.flatMap((g) => {
      const t = gateTopics({ prefix, site, gate: g.gateId });
      return [t.state, t.notice];
    });
    await clearRetained(broker, topics).catch(() => undefined);
  };
  try {
    for (const gateId of options.gateIds) {
      const sim = await buildSimulatedGate({
        gates: [{ gateId, mode: options.mode ?? "face_or_card_or_pin" }],
        gateId,
        start: clock.now(),
        site: { id: site, processorId },
        ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
        mqtt: { url: broker.url, prefix, protocolVersion: broker.protocolVersion },
        operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "estate office" }],
        ...(options.faceModels?.[gateId] ? { faceModel: options.faceModels[gateId] } : {}),
      });
      let online = true;
      const link = sim.runtime.link!;
      gates.push({
        gateId,
        sim,
        signingPublicKey: sim.runtime.store.publicKeys.signingPublicKey,
        boxPublicKey: sim.runtime.store.publicKeys.boxPublicKey,
        get online() {
          return online;
        },
        async goOffline() {
          online = false;
          await link.stop();
        },
        async goOnline() {
          link.start();
          await link.connection.waitConnected(10_000);
          online = true;
        },
      });
    }
    for (const g of gates) await g.sim.runtime.link!.connection.waitConnected(10_000);
    // A gate subscribes to its commands just after connecting: wait until each answers one.
    const op = new OperatorClient({ url: broker.url, prefix, protocolVersion: broker.protocolVersion });
    await op.start();
    try {
      for (const g of gates) {
        await untilAnswered(async () =>
          op.send(await buildCommand({ site, gate: g.gateId, type: "gate.status", body: {}, key: admin, sealTo: g.boxPublicKey, clock: g.sim.clock }), {
            devicePublicKey: g.signingPublicKey,
            timeoutMs: 1_000,
          }),
        );
      }
    } finally {
      await op.stop();
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    broker,
    site,
    processorId,
    prefix,
    admin,
    clock,
    gates,
    gate(id) {
      const g = gates.find((x) => x.gateId === id);
      if (!g) throw new Error(`no gate ${id} in this site`);
      return g;
    },
    advance(ms) {
      clock.advance(ms);
      for (const g of gates) g.sim.clock.advance(ms);
    },
    async settle() {
      for (const g of gates) await g.sim.settle();
    },
    close,
  };
}
