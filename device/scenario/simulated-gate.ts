/**
 * `buildSimulatedGate(options)`: a whole gate on simulated hardware, built by the same
 * composition root as a real terminal (device/runtime/gate-runtime.ts): real SQLite in a
 * temporary data folder, a real device key file, real libsodium, the real vault, consent
 * registry, deletion receipts, audit log, outbox, access store, gallery index and ONNX
 * face pipeline. Only the hardware (SimulatedHardware), the clock (ManualClock) and the
 * timers (ManualTimers) are simulated.
 *
 * The analyzer is wrapped so scenarios can break and repair it (`break_analyzer`).
 */
import type { GateHardware } from "../../sdk/hal/gate-hardware.js";
import type { ScenarioReaders } from "./osdp-readers.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type AccessStore, type PinHashing, interactivePinHashing, minimalPinHashing } from "../../sdk/access/index.js";
import type { ProcessingNoticeContent } from "../../sdk/consent/notice.js";
import { type EventRecorder, MemoryEventRecorder, teeRecorder } from "../../sdk/events/event.js";
import type { CameraFrame } from "../../sdk/hal/camera.js";
import { type Logger, MemoryLogSink, createLogger } from "../../sdk/log/logger.js";
import type { Db } from "../../sdk/store/database.js";
import { type Clock, ManualClock } from "../../sdk/time/clock.js";
import type { GateController } from "../../sdk/gate/gate-controller.js";
import type { GateSettings } from "../../sdk/gate/gate-settings.js";
import { DEFAULT_TRACK_SETTINGS } from "../../sdk/vision/face-track.js";
import type { FaceAnalysis, FaceAnalyzer, PrivacyDesk } from "../../sdk/gate/ports.js";
import { parseGatePolicies } from "../../sdk/policy/gate-policy.js";
import type { FacePipeline } from "../../sdk/vision/index.js";
import type { DeviceConfig } from "../config/device-config.js";
import { type GateRuntime, startGateRuntime } from "../runtime/gate-runtime.js";
import type { FaceModel } from "../../sdk/protocol/index.js";
import { SimulatedHardware } from "../../simulator/sim-hardware.js";
import { packageRoot } from "../../models/package-root.js";
import { ManualTimers } from "../../sdk/time/manual-timers.js";

/** The processing notice a simulated site publishes unless told otherwise (L3). */
export const SIM_NOTICE: ProcessingNoticeContent = {
  version: 1,
  language: "en",
  purpose: "Face recognition is used only to verify residents at the entrance gates, and only for residents who consent separately.",
  method: "A 512-number face template is made from the camera image at the gate and compared on the gate itself. No images are stored.",
  scope: "The entrance gates of this site. Templates never leave the gate unencrypted and are never given to anyone.",
  retention: "Until consent is withdrawn, consent expires (at most one year), or access rights end; then deleted at once.",
  contact: "Property office, building A, room 101.",
  rights: "Card or PIN always works instead. You may read this notice, consent, withdraw and delete your template at the gate with card and PIN, at any time.",
};

export interface SimulatedGateOptions {
  /** Gate policies (as in a configuration: `[{gateId, mode, ...}]`). */
  gates: unknown;
  /** The gate to simulate; default: the first policy's gate. */
  gateId?: string;
  /** Data folder (database and key file); default: a new temporary folder, removed on close. */
  dataDir?: string;
  /** Start time of the ManualClock (ms or ISO); default 2026-01-05T09:00:00+08:00 (a Monday). */
  start?: number | string;
  /** "min" (default in the simulator: fast) or "interactive" (as on a device). */
  pinHashing?: "min" | "interactive" | PinHashing;
  /**
   * The face pipeline. A pipeline passed in is shared and not closed (tests load it once).
   * Undefined: created from the installed models. null: a gate without a face path.
   */
  pipeline?: FacePipeline | null;
  /** Where the ONNX models are; default: the installed models. */
  modelsDir?: string;
  /** Where scenario image paths are resolved; default FACEGATE_FACES or ../shared/faces beside the checkout. */
  facesDir?: string;
  settings?: Partial<GateSettings>;
  /** Extra recorder beside the in-memory one. */
  recorder?: EventRecorder;
  notice?: ProcessingNoticeContent;
  site?: { id: string; processorId: string };
  mqtt?: DeviceConfig["mqtt"];
  operators?: DeviceConfig["operators"];
  /** The face model the gate binds templates to (template sync); default: the installed manifest's. */
  faceModel?: FaceModel;
  /** The gate's card reader and keypad on a driver instead of the simulator (a scenario's `"readers": "osdp"`), made on the gate's clock. */
  readers?: (clock: Clock, logger: Logger) => Promise<ScenarioReaders>;
}

/** Wraps an analyzer so a scenario can make it fail like a broken model. */
export class FaultInjectingAnalyzer implements FaceAnalyzer {
  failing = false;
  constructor(private readonly inner: FaceAnalyzer) {}
  analyze(frame: CameraFrame): FaceAnalysis | Promise<FaceAnalysis> {
    if (this.failing) throw new Error("face analysis failed (fault injected by the simulator)");
    return this.inner.analyze(frame);
  }
}

export interface SimulatedGate {
  gateId: string;
  clock: ManualClock;
  timers: ManualTimers;
  hardware: SimulatedHardware;
  runtime: GateRuntime;
  gate: GateController;
  access: AccessStore;
  db: Db;
  events: MemoryEventRecorder;
  logs: MemoryLogSink;
  logger: Logger;
  /** The wrapped analyzer, when the face path is up. */
  analyzer: FaultInjectingAnalyzer | null;
  pipeline: FacePipeline | null;
  privacy: PrivacyDesk;
  facesDir: string;
  /** The card reader and keypad the gate uses when they are not the simulated ones. */
  readers: ScenarioReaders | undefined;
  /** Lets the gate handle everything sent so far, fires due timers, then runs its housekeeping tick. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const repoRoot = packageRoot();

export function defaultFacesDir(env: Record<string, string | undefined> = process.env): string {
  return env["FACEGATE_FACES"] ? resolve(env["FACEGATE_FACES"]) : resolve(repoRoot, "..", "shared", "faces");
}

export const DEFAULT_SIM_START = Date.parse("2026-01-05T09:00:00+08:00");

function startTime(start: number | string | undefined): number {
  if (start === undefined) return DEFAULT_SIM_START;
  const t = typeof start === "number" ? start : Date.parse(start);
  if (!Number.isFinite(t)) throw new RangeError("start: must be milliseconds or an ISO 8601 date");
  return t;
}

export async function buildSimulatedGate(options: SimulatedGateOptions): Promise<SimulatedGate> {
  const clock = new ManualClock(startTime(options.start));
  const timers = new ManualTimers(clock);
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs.sink, level: "debug", now: () => clock.now() });
  const events = new MemoryEventRecorder();
  const recorder = options.recorder ? teeRecorder(events, options.recorder) : events;
  const gates = parseGatePolicies(options.gates, "gates");
  const gateId = options.gateId ?? gates[0]!.gateId;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "facegate-sim-"));
  const config: DeviceConfig = {
    version: 1,
    site: options.site ?? { id: "sim-site", processorId: "sim-property" },
    gateId,
    gates,
    dataDir,
    keyFile: join(dataDir, "keys", "device.key"),
    models: { enabled: options.pipeline !== null, ...(options.modelsDir ? { dir: options.modelsDir } : {}) },
    drivers: "simulated",
    consent: { maxDays: 365, maxMinorDays: 180 },
    mqtt: options.mqtt,
    operators: options.operators ?? [],
    notice: options.notice ?? SIM_NOTICE,
    log: { level: "debug" },
  };
  const pinHashing =
    options.pinHashing === "interactive" ? interactivePinHashing() : options.pinHashing === undefined || options.pinHashing === "min" ? minimalPinHashing() : options.pinHashing;
  const hardware = new SimulatedHardware(gateId, clock);
  const readers = options.readers ? await options.readers(clock, logger) : undefined;
  let analyzer: FaultInjectingAnalyzer | null = null;
  let runtime: GateRuntime;
  try {
    runtime = await startGateRuntime({
      config,
      hardware: readers ? { ...devicesOf(hardware), cardReader: readers.cardReader, keypad: readers.keypad } : hardware,
      clock,
      logger,
      timers,
      pinHashing,
      recorder,
      ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
      wrapAnalyzer: (a) => (analyzer = new FaultInjectingAnalyzer(a)),
      gateSettings: { tickMs: 0, ...options.settings },
      ...(options.faceModel ? { faceModel: options.faceModel } : {}),
    });
  } catch (err) {
    await readers?.close();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const gate = runtime.gate;
  // A person at the door stands there for the frames a face decision needs (the camera streams).
  hardware.standFor(options.settings?.track?.framesRequired ?? DEFAULT_TRACK_SETTINGS.framesRequired, () => gate.idle());
  return {
    gateId,
    clock,
    timers,
    hardware,
    runtime,
    gate,
    access: runtime.access,
    db: runtime.store.db,
    events,
    logs,
    logger,
    analyzer,
    pipeline: runtime.pipeline,
    privacy: runtime.privacy,
    facesDir: options.facesDir ?? defaultFacesDir(),
    readers,
    async settle() {
      await gate.idle();
      timers.runDue();
      await gate.tick();
      await gate.idle();
    },
    async close() {
      await runtime.stop();
      await readers?.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The simulated devices as a plain GateHardware (so that some can be swapped for drivers). */
function devicesOf(h: SimulatedHardware): GateHardware {
  return { camera: h.camera, cardReader: h.cardReader, keypad: h.keypad, relay: h.relay, display: h.display, doorSensor: h.doorSensor, exitButton: h.exitButton, indicator: h.indicator };
}
