/**
 * A real gate runtime whose card reader, keypad and indicator are the OSDP driver over a
 * socat pty, talking to the simulated OSDP reader; relay and display are the simulator's.
 * The reader is commissioned first (install mode: SCBK-D, then KEYSET), then the gate
 * runs with the Secure Channel required, as on a terminal after installation. Used by
 * the end-to-end test and by `facegate bench osdp`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { minimalPinHashing } from "../../sdk/access/index.js";
import { MemoryEventRecorder } from "../../sdk/events/event.js";
import { type Logger, silentLogger } from "../../sdk/log/logger.js";
import { parseGatePolicies } from "../../sdk/policy/gate-policy.js";
import { type Clock, systemClock } from "../../sdk/time/clock.js";
import { SimDisplay } from "../../simulator/devices/sim-display.js";
import { SimDoorRelay } from "../../simulator/devices/sim-door-relay.js";
import { type PtyPair, openPtyPair } from "../../simulator/osdp/pty-pair.js";
import { SimOsdpBus } from "../../simulator/osdp/sim-osdp-bus.js";
import { SimOsdpReader } from "../../simulator/osdp/sim-osdp-reader.js";
import { SIM_NOTICE } from "../scenario/simulated-gate.js";
import type { DeviceConfig } from "../config/device-config.js";
import { type OsdpDrivers, createOsdpDrivers } from "../drivers/osdp/create-osdp-drivers.js";
import type { OsdpSettings } from "../drivers/osdp/osdp-settings.js";
import { type GateRuntime, startGateRuntime } from "../runtime/gate-runtime.js";

export interface OsdpGate {
  runtime: GateRuntime;
  drivers: OsdpDrivers;
  reader: SimOsdpReader;
  sim: SimOsdpBus;
  relay: SimDoorRelay;
  display: SimDisplay;
  events: MemoryEventRecorder;
  settings: OsdpSettings;
  close(): Promise<void>;
}

/** Resolves when `ready()` holds, polling every millisecond; rejects after `timeoutMs`. */
export async function until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

export async function startOsdpGate(options: { mode: string; baudRate?: number; pollIntervalMs?: number; retries?: number; logger?: Logger; clock?: Clock }): Promise<OsdpGate> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const dataDir = mkdtempSync(join(tmpdir(), "facegate-osdp-gate-"));
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(dataDir, { recursive: true, force: true })];
  const unwind = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const pty: PtyPair = await openPtyPair();
    cleanups.push(() => pty.close());
    const reader = new SimOsdpReader({ address: 0 });
    const sim = await SimOsdpBus.open({ path: pty.readers, baudRate: options.baudRate ?? 115_200, readers: [reader] });
    cleanups.push(() => sim.close());
    const settings: OsdpSettings = {
      port: pty.panel,
      baudRate: options.baudRate ?? 115_200,
      secureChannel: "install",
      keyFile: join(dataDir, "osdp", "keys.json"),
      readers: [{ address: 0, display: false }],
      replyTimeoutMs: 200,
      retries: options.retries ?? 2,
      pollIntervalMs: options.pollIntervalMs ?? 20,
      offlineRetryMs: 200,
    };
    const installer = createOsdpDrivers(settings, { clock, logger });
    await until(() => installer.primary.cardReader.status === "connected", 10_000, "the reader commissioned");
    await installer.close();

    const running = { ...settings, secureChannel: "required" as const };
    const drivers = createOsdpDrivers(running, { clock, logger, idPrefix: "lobby" });
    cleanups.push(() => drivers.close());
    await until(() => drivers.primary.cardReader.status === "connected", 10_000, "the reader in the Secure Channel");
    const relay = new SimDoorRelay("lobby.relay", clock);
    const display = new SimDisplay("lobby.display", clock);
    const events = new MemoryEventRecorder();
    const config: DeviceConfig = {
      version: 1,
      site: { id: "osdp-site", processorId: "osdp-property" },
      gateId: "lobby",
      gates: parseGatePolicies([{ gateId: "lobby", mode: options.mode }], "gates"),
      dataDir,
      keyFile: join(dataDir, "keys", "device.key"),
      models: { enabled: false },
      drivers: "simulated",
      consent: { maxDays: 365, maxMinorDays: 180 },
      operators: [],
      notice: SIM_NOTICE,
      log: { level: "info" },
    };
    const runtime = await startGateRuntime({
      config,
      hardware: { cardReader: drivers.primary.cardReader, keypad: drivers.primary.keypad, indicator: drivers.primary.indicator, relay, display },
      clock,
      logger,
      pipeline: null,
      pinHashing: minimalPinHashing(),
      recorder: events,
      gateSettings: { tickMs: 0 },
    });
    cleanups.push(() => runtime.stop());
    return { runtime, drivers, reader, sim, relay, display, events, settings: running, close: unwind };
  } catch (err) {
    await unwind();
    throw err;
  }
}
