/**
 * L2 on the real runtime: face is never the only way in, so a gate whose face models are
 * missing or altered still starts, says why face is off (naming the file and the fix), and
 * lets residents in with card and PIN.
 *
 * The runtime is started with models enabled and pointed at a models directory that is
 * empty, or that holds the real model files with one of them altered (readVerifiedModel
 * checks every file's SHA-256 against models/manifest.json before ONNX Runtime sees it).
 *
 * The other face failures are covered elsewhere, not repeated here: a face pipeline that
 * fails at run time and a disconnected camera, by
 * simulator/scenarios/l2-card-and-pin-work-when-face-fails.json (run by
 * test/simulator/scenarios.test.ts).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultModelsDir, loadManifest, MODEL_NAMES } from "../../../models/manifest.js";
import { TEXT } from "../../../sdk/gate/display-texts.js";
import { findLeaks } from "../../../device/scenario/scenario-runner.js";
import { buildSimulatedGate } from "../../../device/scenario/simulated-gate.js";
import { facePath, facesAvailable } from "../../support/faces.js";

const RESIDENT = { personRef: "p-res-0202", card: "C0FFEE0202", code: "202", pin: "615284" };
const manifest = loadManifest();
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An empty models directory, as on a terminal where `facegate models fetch` never ran. */
function emptyModels(): string {
  return tempDir("fg-models-empty-");
}

/** The real model files, with the embedding model altered by one byte. */
function alteredModels(): string {
  const dir = tempDir("fg-models-altered-");
  for (const name of MODEL_NAMES) copyFileSync(join(defaultModelsDir(), manifest.models[name].file), join(dir, manifest.models[name].file));
  const victim = join(dir, manifest.models.feature.file);
  const bytes = readFileSync(victim);
  const middle = bytes.length >> 1;
  bytes[middle] = bytes[middle]! ^ 0xff;
  writeFileSync(victim, bytes);
  return dir;
}

const cases = [
  { what: "the models directory is empty", modelsDir: emptyModels, file: manifest.models.detect.file, problem: /is missing from/ },
  { what: "a model file was altered", modelsDir: alteredModels, file: manifest.models.feature.file, problem: /does not match its SHA-256/ },
];

describe("face models absent or altered: the gate runs on card and PIN (L2)", () => {
  for (const c of cases) {
    it(`${c.what}: starts, names the problem, ignores faces, and opens for card and PIN`, async () => {
      const sim = await buildSimulatedGate({ gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }], modelsDir: c.modelsDir() });
      try {
        // It started, on card and PIN, and says which file is wrong and how to fix it.
        expect(sim.pipeline).toBeNull();
        expect(sim.runtime.faceUnavailable).toContain(c.file);
        expect(sim.runtime.faceUnavailable).toMatch(c.problem);
        expect(sim.runtime.faceUnavailable).toContain("facegate models fetch");
        expect(sim.logs.records.some((r) => r.level === "error" && r.message.includes("face path disabled"))).toBe(true);
        expect(sim.hardware.display.current?.text).toBe(TEXT.idleNoFace);

        const { personRef, card, code, pin } = RESIDENT;
        await sim.access.putPerson({ personRef, rights: { gates: ["lobby"] }, cards: [{ cardNumber: card }], pins: [{ code, pin }] });

        // A face at the door: no decision, no door; the screen keeps pointing to card or PIN.
        if (facesAvailable) {
          const from = sim.events.events.length;
          expect(await sim.hardware.presentFace(facePath("identities", "penny", "penny1.png"))).toBe(true);
          await sim.settle();
          expect(sim.events.events.slice(from).filter((e) => e.type.startsWith("access."))).toEqual([]);
          expect(sim.hardware.pulses).toEqual([]);
          expect(sim.hardware.display.current?.text).toMatch(/Use your card or PIN/);
        }

        // Card: the door opens.
        let from = sim.events.events.length;
        sim.hardware.swipe(card);
        await sim.settle();
        expect(sim.events.events.slice(from).map((e) => [e.type, e.data["method"], e.data["personRef"]])).toEqual([["access.granted", "card", personRef]]);
        expect(sim.hardware.pulses).toHaveLength(1);

        // PIN (user code * PIN #): the door opens again.
        sim.clock.advance(10_000);
        await sim.settle();
        from = sim.events.events.length;
        sim.hardware.typePin(pin, code);
        await sim.settle();
        expect(sim.events.events.slice(from).map((e) => [e.type, e.data["method"], e.data["personRef"]])).toEqual([["access.granted", "pin", personRef]]);
        expect(sim.hardware.pulses).toHaveLength(2);

        // A wrong PIN still does not (the path is real, not an open door).
        sim.clock.advance(10_000);
        await sim.settle();
        from = sim.events.events.length;
        sim.hardware.typePin("999999", code);
        await sim.settle();
        expect(sim.events.events.slice(from).map((e) => [e.type, e.data["reason"]])).toEqual([["access.denied", "wrong_pin"]]);
        expect(sim.hardware.pulses).toHaveLength(2);

        expect(findLeaks(sim.events.events, sim.logs.records, [card, pin, "999999"])).toEqual([]);
      } finally {
        await sim.close();
      }
    });
  }
});
