/**
 * Real deletion receipts for certificate tests: N real gate runtimes on simulated hardware
 * (buildSimulatedGate, light: no face models), ONE site id, ONE topic prefix and ONE admin
 * operator key enrolled at each gate's installation, on a real broker (startTestBroker), and
 * one OperatorClient talking to all of them. A resident is registered and consents at every
 * gate (person.upsert, consent.record); `deleteAt` sends `subject.delete`, signed by the
 * admin key and sealed to the gate's box key, and returns the gate's signed receipt after
 * OperatorClient verified the result against the gate's device key.
 *
 * The gate ids, site id and prefix are unique per call, so suites running in parallel on a
 * shared Mosquitto never meet.
 */
import { randomBytes } from "node:crypto";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../../../sdk/crypto/keys.js";
import { buildCommand } from "../../../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../../../sdk/operator/until-answered.js";
import { type CommandBodies, type CommandResultMessage, type CommandType, type DeletionReceipt, gateTopics, toBase64 } from "../../../../sdk/protocol/index.js";
import { type SimulatedGate, buildSimulatedGate } from "../../../../device/scenario/simulated-gate.js";
import { type TestBroker, clearRetained } from "../../../support/broker.js";

export const PROCESSOR = "acme-property";
const DAY = 86_400_000;

export interface ReceiptGate {
  gateId: string;
  sim: SimulatedGate;
  signingPublicKey: Uint8Array;
  send<T extends CommandType>(type: T, body: CommandBodies[T], timeoutMs?: number): Promise<CommandResultMessage<T>>;
}

export interface ReceiptSite {
  siteId: string;
  admin: Ed25519KeyPair;
  gates: ReceiptGate[];
  /** The gates' clock (they start together and move together): the site's clock in these tests. */
  now(): number;
  /** Moves every gate's clock. */
  advance(ms: number): void;
  /** person.upsert and consent.record for `subjectRef` at every gate. */
  register(subjectRef: string): Promise<void>;
  /** subject.delete at one gate: its signed receipt, verified by OperatorClient against the gate's key. */
  deleteAt(gate: ReceiptGate, subjectRef: string): Promise<DeletionReceipt>;
  /** subject.delete at every gate, in parallel: [{ gateId, receipt }]. */
  deleteEverywhere(subjectRef: string): Promise<Array<{ gateId: string; receipt: DeletionReceipt }>>;
  close(): Promise<void>;
}

export async function startReceiptSite(options: { broker: TestBroker; gates: number; siteId?: string }): Promise<ReceiptSite> {
  const { broker } = options;
  const tag = randomBytes(4).toString("hex");
  const siteId = options.siteId ?? `estate-${tag}`;
  const prefix = `c${tag}`;
  const admin = await generateEd25519KeyPair();
  const op = new OperatorClient({ url: broker.url, prefix, protocolVersion: broker.protocolVersion });
  const gates: ReceiptGate[] = [];
  const close = async (): Promise<void> => {
    await op.stop().catch(() => undefined);
    for (const g of gates) {
      await g.sim.close().catch(() => undefined);
      const t = gateTopics({ prefix, site: siteId, gate: g.gateId });
      await clearRetained(broker, [t.state, t.notice]).catch(() => undefined);
    }
  };
  try {
    await op.start();
    for (let i = 0; i < options.gates; i++) {
      const gateId = `gate-${i + 1}-${tag}`;
      const sim = await buildSimulatedGate({
        gates: [{ gateId, mode: "card_or_pin" }],
        site: { id: siteId, processorId: PROCESSOR },
        pipeline: null,
        mqtt: { url: broker.url, prefix, protocolVersion: broker.protocolVersion },
        operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "estate office" }],
      });
      const signingPublicKey = sim.runtime.store.publicKeys.signingPublicKey;
      const send: ReceiptGate["send"] = async (type, body, timeoutMs = 10_000) => {
        const command = await buildCommand({ site: siteId, gate: gateId, type, body, key: admin, sealTo: sim.runtime.store.publicKeys.boxPublicKey, clock: sim.clock });
        return op.send(command, { devicePublicKey: signingPublicKey, timeoutMs });
      };
      const gate: ReceiptGate = { gateId, sim, signingPublicKey, send };
      gates.push(gate);
      await sim.runtime.link!.connection.waitConnected(10_000);
      // Until the gate has subscribed to its command topic (a command sent before finds no one).
      await untilAnswered(() => send("gate.status", {}, 1_000));
    }
  } catch (err) {
    await close();
    throw err;
  }

  const sendOk = async <T extends CommandType>(gate: ReceiptGate, type: T, body: CommandBodies[T]) => {
    const r = await gate.send(type, body);
    if (r.status !== "ok" || r.result === undefined) throw new Error(`${type} at ${gate.gateId} failed: ${r.error?.code}: ${r.error?.message}`);
    return r.result;
  };
  const deleteAt: ReceiptSite["deleteAt"] = async (gate, subjectRef) => {
    const result = await sendOk(gate, "subject.delete", { subjectRef, reason: "resident_request", reference: "ticket-4711" });
    return result.receipt as unknown as DeletionReceipt;
  };
  return {
    siteId,
    admin,
    gates,
    now: () => gates[0]!.sim.clock.now(),
    advance: (ms) => gates.forEach((g) => g.sim.clock.advance(ms)),
    async register(subjectRef) {
      for (const gate of gates) {
        await sendOk(gate, "person.upsert", { personRef: subjectRef, cards: [randomBytes(5).toString("hex").toUpperCase()] });
        const now = gate.sim.clock.now();
        await sendOk(gate, "consent.record", {
          subjectRef,
          personRef: subjectRef,
          noticeHash: gate.sim.runtime.store.consents.currentNotice()!.hash,
          scope: { purpose: "entry_verification", gates: [gate.gateId] },
          method: "written",
          collectedBy: "staff-7",
          givenAt: now,
          expiresAt: now + 90 * DAY,
          evidence: { kind: "paper_form", sha256: "ab".repeat(32), reference: `form-${subjectRef}` },
        });
      }
    },
    deleteAt,
    deleteEverywhere: (subjectRef) => Promise.all(gates.map(async (g) => ({ gateId: g.gateId, receipt: await deleteAt(g, subjectRef) }))),
    close,
  };
}
