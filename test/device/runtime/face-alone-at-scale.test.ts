/**
 * Issue 17 on the real runtime: a face-alone gate whose threshold knows its gallery.
 * - A face-alone policy that cannot meet its target FPIR at the gallery's size is refused
 *   when loaded, naming card_then_face; card_then_face loads for the same gallery.
 * - gate.status (over a real broker) reports the threshold and the expected rate.
 * - A gallery that grows past the limit raises alarm.face_gallery_over_capacity and the
 *   resident's face no longer opens the door (card still does); back within the limit,
 *   the face opens again.
 * The extra templates stand for other residents: random unit vectors in the gallery index,
 * under subjects with no consent (they are compared with, never matched).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../models/manifest.js";
import { verifiedModels } from "../../../models/verify.js";
import { FaceAloneCapacityError } from "../../../sdk/errors.js";
import { faceAloneStatus } from "../../../sdk/gate/face-alone-capacity.js";
import { createFacePipeline, DEFAULT_MATCH_THRESHOLD, type FacePipeline } from "../../../sdk/vision/index.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { facePath, facesAvailable } from "../../support/faces.js";
import { type MqttGate, startMqttGate } from "../../support/mqtt-gate.js";

const GATES = [{ gateId: "lobby", mode: "face_or_card_or_pin" }];
const RESIDENT = { personRef: "p-res-1717", card: "C0FFEE1717" };
const LIMIT = faceAloneStatus({ targetFpir: 1e-4 }, 1, 0).maxTemplates;

let broker: TestBroker;
let pipeline: FacePipeline;
let g: MqttGate;
let filler = 0;

/** Adds `n` templates of other (non-consenting) subjects to the gallery. */
function addOthers(n: number): void {
  let seed = 1717 + filler;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (let i = 0; i < n; i++, filler++) {
    const v = Float32Array.from({ length: 512 }, rnd);
    const norm = Math.hypot(...v);
    for (let k = 0; k < v.length; k++) v[k] = v[k]! / norm;
    g.sim.runtime.index.add(`other-${filler}`, `t-${filler}`, v);
  }
}

function removeOthers(): void {
  for (let i = 0; i < filler; i++) g.sim.runtime.index.remove(`other-${i}`);
  filler = 0;
}

/** The resident walks up (after the quiet period) and stands for the frames the gate needs. */
async function residentAtTheDoor(): Promise<number> {
  const sim = g.sim;
  sim.hardware.leave();
  await sim.gate.idle();
  sim.clock.advance(10_000);
  await sim.settle();
  const pulses = sim.hardware.pulses.length;
  await sim.hardware.presentFace(facePath("identities", "amy", "amy1.png"));
  await sim.settle();
  return sim.hardware.pulses.length - pulses;
}

beforeAll(async () => {
  broker = await startTestBroker();
  pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir()) });
  g = await startMqttGate({ broker, gates: GATES, pipeline });
  if (!facesAvailable) return;
  const sim = g.sim;
  await sim.access.putPerson({ personRef: RESIDENT.personRef, rights: { gates: ["lobby"] }, cards: [{ cardNumber: RESIDENT.card }], pins: [{ code: "1717", pin: "482913" }] });
  const notice = await sim.privacy.currentNotice();
  await sim.privacy.giveConsent(RESIDENT.personRef, { noticeVersion: notice.version, noticeHash: notice.hash, method: "electronic", collectedBy: "office", gateId: "lobby", at: sim.clock.now() });
  for (const file of ["amy2.png", "amy3.png"]) {
    const reg = await pipeline.analyze(readFileSync(facePath("identities", "amy", file)), { liveness: false, quality: { edgeMargin: -1 } });
    await sim.privacy.enrollFromEmbedding(RESIDENT.personRef, reg.faces[reg.primaryIndex!]!.embedding!, "lobby");
  }
  await sim.settle();
}, 60_000);
afterAll(async () => {
  await g?.close();
  await pipeline?.close();
  await broker?.stop();
});

describe.skipIf(!facesAvailable)("a face-alone gate at the scale of its gallery", () => {
  it("gate.status reports the face-alone threshold and the expected rate for the gallery", async () => {
    const status = await g.sendOk("gate.status", {});
    const faceAlone = status.gateState!["faceAlone"] as Record<string, unknown>;
    expect(faceAlone).toMatchObject({ templates: 2, targetFpir: 1e-4, feasible: true, maxTemplates: LIMIT });
    expect(faceAlone["threshold"] as number).toBeGreaterThanOrEqual(DEFAULT_MATCH_THRESHOLD);
    expect(faceAlone["expectedFpir"] as number).toBeLessThanOrEqual(1e-4);
    expect(await residentAtTheDoor()).toBe(1);
  });

  it("refuses a face-alone policy the gallery is too large for, naming card_then_face; card_then_face loads", async () => {
    addOthers(LIMIT); // 2 + LIMIT templates: one face-alone gallery too many
    try {
      // From the operator, over the broker: refused with the reason, and nothing changes.
      const refused = await g.send("policy.set", { version: "2026-12-01.1", policy: { mode: "face_or_card" } });
      expect(refused.status).toBe("error");
      expect(refused.error?.message).toMatch(/cannot keep false identifications at 0\.0001 per attempt.*card_then_face/);
      expect(refused.error?.code).toBe("config_invalid");
      expect(g.sim.access.policyFor("lobby")!.mode).toBe("face_or_card_or_pin");
      expect(() => g.sim.access.loadPolicies(GATES)).toThrow(FaceAloneCapacityError);
      expect(() => g.sim.access.loadPolicies(GATES)).toThrow(/^gates\[0\]\.mode: "face_or_card_or_pin" cannot keep false identifications at 0\.0001 per attempt with \d+ enrolled templates.*card_then_face/);
      expect(g.sim.access.policyFor("lobby")!.mode).toBe("face_or_card_or_pin"); // nothing changed
      expect(() => g.sim.access.loadPolicies([{ gateId: "lobby", mode: "card_then_face" }])).not.toThrow();
      expect(g.sim.access.policyFor("lobby")!.mode).toBe("card_then_face");
    } finally {
      removeOthers();
      g.sim.access.loadPolicies(GATES);
    }
  });

  it("a gallery grown past the limit raises the alarm once and the face no longer opens; the card does; back within the limit the face opens again", async () => {
    const sim = g.sim;
    addOthers(LIMIT);
    try {
      const before = sim.events.events.length;
      expect(await residentAtTheDoor()).toBe(0);
      expect(await residentAtTheDoor()).toBe(0);
      const alarms = sim.events.events.slice(before).filter((e) => e.type === "alarm.face_gallery_over_capacity");
      expect(alarms).toHaveLength(1);
      expect(alarms[0]!.data).toMatchObject({ templates: LIMIT + 2, maxTemplates: LIMIT, targetFpir: 1e-4, saferMode: "card_then_face" });
      expect(((await g.sendOk("gate.status", {})).gateState!["faceAlone"] as Record<string, unknown>)).toMatchObject({ feasible: false, threshold: null });
      const pulses = sim.hardware.pulses.length;
      sim.hardware.swipe(RESIDENT.card);
      await sim.settle();
      expect(sim.hardware.pulses.length).toBe(pulses + 1);
    } finally {
      removeOthers();
    }
    expect(await residentAtTheDoor()).toBe(1);
    expect(sim.events.events.some((e) => e.type === "system.face_alone_restored")).toBe(true);
  });
});
