/**
 * A whole simulated gate (buildSimulatedGate: the real runtime on simulated hardware)
 * linked to a real MQTT broker, with an admin operator key enrolled at installation and
 * an OperatorClient on the other side of the broker. Commands are built and signed as an
 * operator would (buildCommand, on the gate's ManualClock so issuedAt matches the device
 * clock) and every result is verified against the device's public signing key by
 * OperatorClient.send.
 *
 * Each gate gets its own site id and topic prefix, so gates of tests running in parallel
 * on one shared broker (Mosquitto in CI) never see each other's traffic or client ids.
 */
import { randomBytes } from "node:crypto";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../sdk/crypto/keys.js";
import { type CommandBodies, type CommandResultMessage, type CommandType, gateTopics, toBase64 } from "../../sdk/protocol/index.js";
import { buildCommand } from "../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../sdk/operator/until-answered.js";
import type { FacePipeline } from "../../sdk/vision/index.js";
import { type SimulatedGate, buildSimulatedGate } from "../../device/scenario/simulated-gate.js";
import { type TestBroker, clearRetained } from "./broker.js";

export interface MqttGate {
  sim: SimulatedGate;
  op: OperatorClient;
  admin: Ed25519KeyPair;
  site: string;
  gate: string;
  /** The gate's topic prefix (its own, per test). */
  prefix: string;
  /** Device's Ed25519 public signing key (results and deletion receipts verify against it). */
  devicePublicKey: Uint8Array;
  /** Signs `type` with the admin key on the gate's clock, sends it through the broker, awaits the verified result. */
  send<T extends CommandType>(type: T, body: CommandBodies[T], options?: { timeoutMs?: number }): Promise<CommandResultMessage<T>>;
  /** `send`, expecting `ok`: returns the result, or throws with the error code and message. */
  sendOk<T extends CommandType>(type: T, body: CommandBodies[T]): Promise<NonNullable<CommandResultMessage<T>["result"]>>;
  close(): Promise<void>;
}

export async function startMqttGate(options: { broker: TestBroker; gates: unknown; pipeline?: FacePipeline | null }): Promise<MqttGate> {
  const { broker } = options;
  const tag = randomBytes(4).toString("hex");
  const site = `site-${tag}`;
  const prefix = `t${tag}`;
  const admin = await generateEd25519KeyPair();
  const sim = await buildSimulatedGate({
    gates: options.gates,
    site: { id: site, processorId: "acme-property" },
    ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
    mqtt: { url: broker.url, prefix, protocolVersion: broker.protocolVersion },
    operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "estate office" }],
  });
  const op = new OperatorClient({ url: broker.url, prefix, protocolVersion: broker.protocolVersion });
  const devicePublicKey = sim.runtime.store.publicKeys.signingPublicKey;
  const send: MqttGate["send"] = async (type, body, o = {}) => {
    const command = await buildCommand({ site, gate: sim.gateId, type, body, key: admin, sealTo: sim.runtime.store.publicKeys.boxPublicKey, clock: sim.clock });
    return op.send(command, { devicePublicKey, timeoutMs: o.timeoutMs ?? 10_000 });
  };
  const sendOk: MqttGate["sendOk"] = async (type, body) => {
    const r = await send(type, body);
    if (r.status !== "ok" || r.result === undefined) throw new Error(`${type} failed: ${r.error?.code}: ${r.error?.message}`);
    return r.result;
  };
  const close = async (): Promise<void> => {
    await op.stop().catch(() => undefined);
    await sim.close();
    await clearRetained(broker, [gateTopics({ prefix, site, gate: sim.gateId }).state, gateTopics({ prefix, site, gate: sim.gateId }).notice]).catch(() => undefined);
  };
  try {
    await op.start();
    await sim.runtime.link!.connection.waitConnected(10_000);
    await untilAnswered(() => send("gate.status", {}, { timeoutMs: 1_000 }));
  } catch (err) {
    await close();
    throw err;
  }
  return { sim, op, admin, site, gate: sim.gateId, prefix, devicePublicKey, send, sendOk, close };
}
