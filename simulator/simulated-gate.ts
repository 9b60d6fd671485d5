/**
 * `buildSimulatedGate(options)`: a whole gate on simulated hardware, wired with what
 * exists today:
 *   - real: sdk/access AccessStore on a real SQLite database (better-sqlite3, WAL,
 *     migrations), real libsodium card hashing and PIN hashing, sdk/policy, sdk/gate,
 *     the simulated hal devices, a ManualClock, an in-memory event recorder and log.
 *   - plugged in by the caller (`face`, `privacy`, or `components` to build them on the
 *     same database, clock, recorder and logger): the face pipeline (FaceAnalyzer),
 *     the gallery index (FaceMatcher) and the vault/consent/deletion desk (PrivacyDesk).
 *     Until the composition root adapts sdk/vision, sdk/matcher and sdk/vault+consent+
 *     deletion to the ports in sdk/gate/ports.ts, a simulated gate without them is a
 *     card/PIN gate and scenarios that need a face report what is missing.
 *
 * The analyzer is wrapped so scenarios can break and repair it (`break_analyzer`).
 */
import { randomBytes } from "node:crypto";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type AccessStore, accessMigrations, createAccessStore } from "../sdk/access/index.js";
import { type PinHashing, interactivePinHashing, minimalPinHashing } from "../sdk/access/secrets.js";
import { loadSodium } from "../sdk/crypto/sodium.js";
import { type EventRecorder, MemoryEventRecorder, teeRecorder } from "../sdk/events/event.js";
import type { CameraFrame } from "../sdk/hal/camera.js";
import { type Logger, MemoryLogSink, createLogger } from "../sdk/log/logger.js";
import { type Db, type MigrationSet, openDatabase } from "../sdk/store/database.js";
import { ManualClock } from "../sdk/time/clock.js";
import { GateController } from "../sdk/gate/gate-controller.js";
import type { GateSettings } from "../sdk/gate/gate-settings.js";
import type { FaceAnalysis, FaceAnalyzer, FaceMatcher, PrivacyDesk } from "../sdk/gate/ports.js";
import { SimulatedHardware } from "./sim-hardware.js";

export interface FaceComponents {
  analyzer: FaceAnalyzer;
  matcher: FaceMatcher;
}

export interface ComponentContext {
  db: Db;
  clock: ManualClock;
  recorder: EventRecorder;
  logger: Logger;
  gateId: string;
}

export interface SimulatedGateOptions {
  /** Gate policies (as in a configuration: `[{gateId, mode, ...}]`), loaded before the gate starts. */
  gates: unknown;
  /** The gate to simulate; default: the first policy's gate. */
  gateId?: string;
  /** SQLite file; default ":memory:". */
  dbPath?: string;
  /** Start time of the ManualClock (ms or ISO); default 2026-01-05T09:00:00+08:00 (a Monday). */
  start?: number | string;
  /** Device card-hash key; default: random per run. */
  cardKey?: Uint8Array;
  /** "min" (default in the simulator: fast) or "interactive" (as on a device). */
  pinHashing?: "min" | "interactive" | PinHashing;
  face?: FaceComponents;
  privacy?: PrivacyDesk;
  /** Builds face/privacy components on the simulated gate's database, clock, recorder and logger. */
  components?: (ctx: ComponentContext) => Promise<{ face?: FaceComponents; privacy?: PrivacyDesk; close?: () => void | Promise<void> }>;
  /** Extra migration sets (vault, consent, audit...) for components built on the same database. */
  migrations?: readonly MigrationSet[];
  /** Where scenario image paths are resolved; default FACEGATE_FACES or ../shared/faces beside the checkout. */
  facesDir?: string;
  settings?: Partial<GateSettings>;
  /** Extra recorder (an outbox) beside the in-memory one. */
  recorder?: EventRecorder;
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
  hardware: SimulatedHardware;
  gate: GateController;
  access: AccessStore;
  db: Db;
  events: MemoryEventRecorder;
  logs: MemoryLogSink;
  logger: Logger;
  /** The wrapped analyzer, when a face path is wired. */
  analyzer: FaultInjectingAnalyzer | null;
  face: FaceComponents | null;
  privacy: PrivacyDesk | null;
  facesDir: string;
  /** Lets the gate handle everything sent so far, then runs its housekeeping tick. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

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
  const sodium = await loadSodium();
  const clock = new ManualClock(startTime(options.start));
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs.sink, level: "debug", now: () => clock.now() });
  const events = new MemoryEventRecorder();
  const recorder = options.recorder ? teeRecorder(events, options.recorder) : events;
  const db = openDatabase({ path: options.dbPath ?? ":memory:", migrations: [accessMigrations, ...(options.migrations ?? [])] });
  const pinHashing =
    options.pinHashing === "interactive" ? interactivePinHashing() : options.pinHashing === undefined || options.pinHashing === "min" ? minimalPinHashing() : options.pinHashing;
  const cardKey = options.cardKey ?? new Uint8Array(randomBytes(32));
  const access = await createAccessStore({ db, cardKey, clock, recorder, pinHashing });
  if (!options.cardKey) sodium.memzero(cardKey);
  const policies = access.loadPolicies(options.gates);
  const gateId = options.gateId ?? policies[0]!.gateId;
  const hardware = new SimulatedHardware(gateId, clock);

  const built = options.components ? await options.components({ db, clock, recorder, logger, gateId }) : {};
  const faceParts = options.face ?? built.face ?? null;
  const privacy = options.privacy ?? built.privacy ?? null;
  const analyzer = faceParts ? new FaultInjectingAnalyzer(faceParts.analyzer) : null;
  const gate = new GateController({
    gateId,
    hardware,
    access,
    face: analyzer && faceParts ? { analyzer, matcher: faceParts.matcher } : undefined,
    privacy: privacy ?? undefined,
    clock,
    recorder,
    logger,
    settings: { tickMs: 0, ...options.settings },
  });
  await gate.start();
  return {
    gateId,
    clock,
    hardware,
    gate,
    access,
    db,
    events,
    logs,
    logger,
    analyzer,
    face: faceParts,
    privacy,
    facesDir: options.facesDir ?? defaultFacesDir(),
    async settle() {
      await gate.idle();
      await gate.tick();
      await gate.idle();
    },
    async close() {
      await gate.stop();
      await built.close?.();
      access.close();
      db.close();
    },
  };
}
