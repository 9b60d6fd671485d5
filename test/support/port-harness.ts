/**
 * A gate orchestrator on simulated hardware with a real access store (SQLite, libsodium),
 * and face/privacy ports supplied by the test. For unit tests of the orchestrator against
 * its port contract (sdk/gate/ports.ts): analyzers that throw or hang, matchers that spy.
 * Whole-gate behaviour is tested through buildSimulatedGate with the real components.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { accessMigrations, type AccessStore, createAccessStore, minimalPinHashing } from "../../sdk/access/index.js";
import { MemoryEventRecorder } from "../../sdk/events/event.js";
import { GateController } from "../../sdk/gate/gate-controller.js";
import type { GateSettings } from "../../sdk/gate/gate-settings.js";
import type { FaceAnalyzer, FaceMatcher, PrivacyDesk } from "../../sdk/gate/ports.js";
import { createLogger, MemoryLogSink } from "../../sdk/log/logger.js";
import { type Db, openDatabase } from "../../sdk/store/database.js";
import { ManualClock } from "../../sdk/time/clock.js";
import { ManualTimers } from "../../simulator/manual-timers.js";
import { SimulatedHardware } from "../../simulator/sim-hardware.js";
import { DEFAULT_SIM_START } from "../../device/scenario/simulated-gate.js";
import { systemTimers } from "../../device/runtime/system-timers.js";

export interface PortHarness {
  gateId: string;
  clock: ManualClock;
  /** The gate's timers when built with `timers: "manual"`, else null (the process timers). */
  timers: ManualTimers | null;
  hardware: SimulatedHardware;
  gate: GateController;
  access: AccessStore;
  db: Db;
  events: MemoryEventRecorder;
  logs: MemoryLogSink;
  close(): Promise<void>;
}

/** The clock a harness runs on; create it first when a port needs it too (InMemoryPrivacyDesk). */
export function harnessClock(): ManualClock {
  return new ManualClock(DEFAULT_SIM_START);
}

export async function buildPortHarness(options: {
  /** Default: a new harnessClock(); pass one when a port needs the clock before the harness exists. */
  clock?: ManualClock;
  gates: unknown;
  face?: { analyzer: FaceAnalyzer; matcher: FaceMatcher };
  privacy?: PrivacyDesk;
  /** Default: the process timers; "manual": ManualTimers on the harness's clock (`timers.runDue()`). */
  timers?: "process" | "manual";
  /** Default: no housekeeping timer (tickMs 0); tests call gate.tick(). */
  settings?: Partial<GateSettings>;
  /** Ids of the gate's events; default randomUUID. */
  newId?: () => string;
}): Promise<PortHarness> {
  const clock = options.clock ?? harnessClock();
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs.sink, level: "debug", now: () => clock.now() });
  const events = new MemoryEventRecorder();
  const db = openDatabase({ path: ":memory:", migrations: [accessMigrations] });
  const access = await createAccessStore({ db, cardKey: new Uint8Array(randomBytes(32)), clock, recorder: events, pinHashing: minimalPinHashing() });
  const policies = access.loadPolicies(options.gates);
  const gateId = policies[0]!.gateId;
  const hardware = new SimulatedHardware(gateId, clock);
  const manual = options.timers === "manual" ? new ManualTimers(clock) : null;
  const gate = new GateController({
    gateId,
    hardware,
    access,
    face: options.face,
    privacy: options.privacy,
    clock,
    timers: manual ?? systemTimers,
    recorder: events,
    logger,
    settings: { tickMs: 0, ...options.settings },
    newId: options.newId ?? randomUUID,
  });
  await gate.start();
  return {
    gateId,
    clock,
    timers: manual,
    hardware,
    gate,
    access,
    db,
    events,
    logs,
    async close() {
      await gate.stop();
      access.close();
      db.close();
    },
  };
}
