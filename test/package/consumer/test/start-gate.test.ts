/**
 * A gate on this board's camera: it starts with the face path on (models from MODELS_DIR),
 * looks at what the FolderCamera delivers, and tells a stranger (STRANGER_DIR: a folder
 * with a photo of someone enrolled nowhere) to use card or PIN, without opening the door.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { MemoryLogSink, createLogger, systemClock, systemTimers } from "facegate";
import { type ExampleGate, startExampleGate } from "../src/start-gate.js";

const modelsDir = process.env["MODELS_DIR"];
const strangerDir = process.env["STRANGER_DIR"];
if (!modelsDir || !strangerDir) throw new Error("MODELS_DIR and STRANGER_DIR must be set");

const dataDir = mkdtempSync(join(tmpdir(), "example-gate-"));
let gate: ExampleGate | undefined;

afterAll(async () => {
  await gate?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("starts a gate on the folder camera, which analyses its frames: a stranger is told to use card or PIN", async () => {
  const sink = new MemoryLogSink();
  const logger = createLogger({ sink: sink.sink, level: "info", now: () => systemClock.now() });
  gate = await startExampleGate({ dataDir, modelsDir, photosDir: strangerDir, clock: systemClock, timers: systemTimers, logger });
  expect(gate.runtime.faceUnavailable, "face path on, models from MODELS_DIR").toBeNull();
  expect(gate.camera.status).toBe("connected");
  const shown = gate.display.history.length;
  expect(gate.camera.capture(), "a frame delivered").toBe(true);
  await until(() => gate!.display.shownSince(shown, "Not recognised"), 30_000);
  expect(gate.relay.pulses, "the door stays shut").toEqual([]);
});
