/**
 * End to end: a real gate runtime (startGateRuntime, real SQLite, keys, vault, consent
 * registry and ONNX face pipeline) whose camera is the ffmpeg driver, reading an HTTP
 * MJPEG camera made of ffmpeg streaming a resident's face. Card reader, keypad, relay and
 * display are the simulated ones (the relay records its pulses). Real clock and timers.
 *
 * Control first: while the person has no consent and no template, the same stream flows
 * through the gate and the door stays shut. Then the resident consents and is enrolled
 * from another photo; the face on the stream opens the door (L1: only under consent).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FfmpegCamera } from "../../../../device/drivers/camera/ffmpeg-camera.js";
import { parseCameraSettings } from "../../../../device/drivers/camera/camera-settings.js";
import { processSpawn, processTimers } from "../../../../device/drivers/process/child-process.js";
import type { DeviceConfig } from "../../../../device/config/device-config.js";
import { type GateRuntime, startGateRuntime } from "../../../../device/runtime/gate-runtime.js";
import { defaultModelsDir } from "../../../../models/manifest.js";
import { verifiedModels } from "../../../../models/verify.js";
import { minimalPinHashing } from "../../../../sdk/access/index.js";
import { MemoryEventRecorder } from "../../../../sdk/events/event.js";
import { MemoryLogSink, createLogger } from "../../../../sdk/log/logger.js";
import { parseGatePolicies } from "../../../../sdk/policy/gate-policy.js";
import { systemClock } from "../../../../sdk/time/clock.js";
import { type FacePipeline, createFacePipeline } from "../../../../sdk/vision/index.js";
import { decodeToRgbFrame } from "../../../../simulator/devices/sim-camera.js";
import { SimulatedHardware } from "../../../../simulator/sim-hardware.js";
import { SIM_NOTICE } from "../../../../device/scenario/simulated-gate.js";
import { facePath, facesAvailable } from "../../../support/faces.js";
import { MjpegServer, waitUntil } from "../../../support/mjpeg-server.js";

const RESIDENT = { personRef: "p-res-1616", card: "C0FFEE1616" };

let dir: string;
let pipeline: FacePipeline;
let server: MjpegServer;
let camera: FfmpegCamera;
let runtime: GateRuntime;
let sim: SimulatedHardware;
const events = new MemoryEventRecorder();
const logs = new MemoryLogSink();

beforeAll(async () => {
  if (!facesAvailable) return;
  dir = mkdtempSync(join(tmpdir(), "fg-ffmpeg-gate-"));
  pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir()) });
  // What the door camera sees: the resident's photo framed as the simulator frames it.
  const frame = await decodeToRgbFrame(facePath("identities", "amy", "amy1.png"));
  const doorImage = join(dir, "door.png");
  await sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } }).png().toFile(doorImage);
  server = new MjpegServer({ image: doorImage, fps: 10, user: "door", password: "cam-pass-1616" });
  await server.start();

  const logger = createLogger({ sink: logs.sink, level: "debug", now: () => Date.now() });
  camera = new FfmpegCamera({ id: "lobby.camera", settings: parseCameraSettings({ source: server.url, fps: 5 }), clock: systemClock, timers: processTimers, spawn: processSpawn, logger });
  sim = new SimulatedHardware("lobby", systemClock);
  const config: DeviceConfig = {
    version: 1,
    site: { id: "estate-16", processorId: "acme-property" },
    gateId: "lobby",
    gates: parseGatePolicies([{ gateId: "lobby", mode: "face_or_card_or_pin" }], "gates"),
    dataDir: dir,
    keyFile: join(dir, "keys", "device.key"),
    models: { enabled: true },
    drivers: "simulated",
    consent: { maxDays: 365, maxMinorDays: 180 },
    operators: [],
    notice: SIM_NOTICE,
    log: { level: "debug" },
  };
  runtime = await startGateRuntime({
    config,
    hardware: { camera, cardReader: sim.cardReader, keypad: sim.keypad, relay: sim.relay, display: sim.display, doorSensor: sim.doorSensor, indicator: sim.indicator },
    clock: systemClock,
    logger,
    timers: processTimers,
    pipeline,
    pinHashing: minimalPinHashing(),
    recorder: events,
    gateSettings: { tickMs: 0 },
  });
  await runtime.access.putPerson({ personRef: RESIDENT.personRef, rights: { gates: ["lobby"] }, cards: [{ cardNumber: RESIDENT.card }] });
});

afterAll(async () => {
  await runtime?.stop();
  await camera?.close();
  await server?.stop();
  await pipeline?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!facesAvailable)("a gate whose camera is ffmpeg", () => {
  it("opens the door for an enrolled, consenting resident shown on the stream, and not before", async () => {
    camera.start();
    await waitUntil(() => camera.status === "connected", 30_000, "the camera");
    // Control: frames of the resident flow through the gate while nobody is enrolled; the door stays shut.
    const before = camera.stats.frames;
    await waitUntil(() => camera.stats.frames - before >= 8, 30_000, "eight frames through the gate");
    await runtime.gate.idle();
    expect(sim.relay.pulses).toHaveLength(0);

    const notice = await runtime.privacy.currentNotice();
    await runtime.privacy.giveConsent(RESIDENT.personRef, { noticeVersion: notice.version, noticeHash: notice.hash, method: "electronic", collectedBy: "office", gateId: "lobby", at: Date.now() });
    const reg = await pipeline.analyze(readFileSync(facePath("identities", "amy", "amy2.png")), { liveness: false, quality: { edgeMargin: -1 } });
    await runtime.privacy.enrollFromEmbedding(RESIDENT.personRef, Float32Array.from(reg.faces[reg.primaryIndex!]!.embedding!), "lobby");
    const enrolledAt = Date.now();

    await waitUntil(() => sim.relay.pulses.length > 0, 30_000, "the door to open");
    const granted = events.events.find((e) => e.type === "access.granted");
    expect(granted?.data).toMatchObject({ personRef: RESIDENT.personRef });
    expect(JSON.stringify(granted?.data)).toMatch(/face/);
    expect(sim.relay.pulses[0]!.at).toBeGreaterThanOrEqual(enrolledAt);
    // The stream's password is nowhere in the runtime's logs.
    expect(logs.text()).not.toContain("cam-pass-1616");
  });
});
