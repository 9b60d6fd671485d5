/**
 * End to end through the configuration: a device configuration whose `drivers` name an
 * OSDP reader (over a socat pty, against the simulated reader) for the card reader,
 * keypad and indicator, the rest simulated; createDeviceDrivers builds the hardware and
 * a real gate runtime (SQLite, libsodium, access store, audit) runs on it. The reader is
 * commissioned once (install mode), then the gate runs with the Secure Channel required:
 * a card and a PIN open the door. A reader that cannot do the Secure Channel is refused
 * unless the configuration says `secureChannel: false`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { type DeviceConfig, parseDeviceConfig } from "../../../device/config/device-config.js";
import { type DeviceDrivers, createDeviceDrivers } from "../../../device/drivers/create-drivers.js";
import type { OsdpReaderEvent } from "../../../device/drivers/osdp/reader-events.js";
import { type GateRuntime, startGateRuntime } from "../../../device/runtime/gate-runtime.js";
import { SIM_NOTICE } from "../../../device/scenario/simulated-gate.js";
import { minimalPinHashing } from "../../../sdk/access/index.js";
import { MemoryEventRecorder } from "../../../sdk/events/event.js";
import { silentLogger } from "../../../sdk/log/logger.js";
import { wiegand26Bits } from "../../../sdk/osdp/card-data.js";
import { systemClock } from "../../../sdk/time/clock.js";
import type { SimDoorRelay } from "../../../simulator/devices/sim-door-relay.js";
import { openPtyPair } from "../../../simulator/osdp/pty-pair.js";
import { SimOsdpBus } from "../../../simulator/osdp/sim-osdp-bus.js";
import { SimOsdpReader } from "../../../simulator/osdp/sim-osdp-reader.js";
import { describeWithSocat, waitFor } from "../../support/osdp-fixture.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bus(reader: SimOsdpReader): Promise<{ port: string; dir: string }> {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const sim = await SimOsdpBus.open({ path: pty.readers, readers: [reader] });
  cleanups.push(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), "facegate-configured-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { port: pty.panel, dir };
}

function config(dir: string, osdp: Record<string, unknown>): DeviceConfig {
  const parsed = parseDeviceConfig(
    {
      version: 1,
      site: { id: "estate-01", processorId: "acme-property" },
      gateId: "lobby",
      gates: [{ gateId: "lobby", mode: "card_or_pin" }],
      dataDir: "data",
      models: { enabled: false },
      drivers: {
        osdp: { keyFile: "osdp-keys.json", readers: [{ address: 0 }], retries: 4, pollIntervalMs: 10, offlineRetryMs: 100, ...osdp },
        cardReader: { kind: "osdp", address: 0 },
        keypad: { kind: "osdp", address: 0 },
        indicator: { kind: "osdp", address: 0 },
      },
    },
    dir,
  );
  return { ...parsed, notice: SIM_NOTICE };
}

async function drivers(c: DeviceConfig, events: OsdpReaderEvent[] = []): Promise<DeviceDrivers> {
  const d = await createDeviceDrivers(c, systemClock, { logger: silentLogger, onOsdpEvent: (e) => events.push(e) });
  cleanups.push(() => d.close());
  return d;
}

async function gate(c: DeviceConfig, d: DeviceDrivers, enroll = true): Promise<{ runtime: GateRuntime; relay: SimDoorRelay; events: MemoryEventRecorder }> {
  const events = new MemoryEventRecorder();
  const runtime = await startGateRuntime({ config: c, hardware: d.hardware, clock: systemClock, logger: silentLogger, pipeline: null, pinHashing: minimalPinHashing(), recorder: events, gateSettings: { tickMs: 0 } });
  cleanups.push(() => runtime.stop());
  if (enroll) await runtime.access.putPerson({ personRef: "p-res-1", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "2242469" }], pins: [{ code: "101", pin: "582046" }] });
  return { runtime, relay: d.hardware.relay as SimDoorRelay, events };
}

describeWithSocat("a gate whose drivers come from the configuration (OSDP over a pty)", () => {
  it("commissions the reader, then grants a card and a PIN through the Secure Channel; the other devices are simulated", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { port, dir } = await bus(reader);
    const install = await drivers(config(dir, { port, secureChannel: "install" }));
    await waitFor(() => install.hardware.cardReader.status === "connected", 10_000, "commissioned");
    await install.close();
    expect(reader.scbk).not.toBeNull();

    const c = config(dir, { port });
    const d = await drivers(c);
    expect(d.hardware.cardReader.id).toBe("lobby.reader-0.card-reader");
    expect(d.hardware.relay.id).toBe("lobby.relay");
    await waitFor(() => d.hardware.cardReader.status === "connected", 10_000, "in the Secure Channel");
    expect(d.osdp!.primary.state()).toMatchObject({ connected: true, secure: true, mode: "required" });
    const g = await gate(c, d);

    reader.presentCard(wiegand26Bits(18, 4660));
    await waitFor(() => g.relay.pulses.length === 1, 10_000, "the door opened by card");
    reader.pressKeys("101*582046#");
    await waitFor(() => g.relay.pulses.length === 2, 10_000, "the door opened by PIN");
    const decisions = g.events.events.filter((e) => e.type === "access.granted").map((e) => e.data["method"]);
    expect(decisions).toEqual(["card", "pin"]);
    await waitFor(() => reader.leds.some((l) => l.temporary?.onColor === 2), 5_000, "the reader's LED green");
  });

  it("refuses a reader that cannot do the Secure Channel, and uses it in the clear only when the configuration says secureChannel false", async () => {
    const reader = new SimOsdpReader({ address: 0, secureChannel: false });
    const { port, dir } = await bus(reader);
    const events: OsdpReaderEvent[] = [];
    const refused = await drivers(config(dir, { port }), events);
    const g = await gate(config(dir, { port }), refused);
    await waitFor(() => events.some((e) => e.type === "secure_channel_failed"), 10_000, "the Secure Channel refused");
    reader.presentCard(wiegand26Bits(18, 4660));
    await new Promise((r) => setTimeout(r, 500));
    expect(refused.hardware.cardReader.status).toBe("disconnected");
    expect(g.relay.pulses).toHaveLength(0);
    expect(g.events.events.filter((e) => e.type === "access.granted")).toEqual([]);
    await g.runtime.stop();
    await refused.close();

    const c = config(dir, { port, secureChannel: false });
    const clear = await drivers(c);
    await waitFor(() => clear.hardware.cardReader.status === "connected", 10_000, "connected in the clear");
    expect(clear.osdp!.primary.state()).toMatchObject({ connected: true, secure: false, mode: "clear" });
    const g2 = await gate(c, clear, false); // the same database: the resident is enrolled already
    reader.presentCard(wiegand26Bits(18, 4660));
    await waitFor(() => g2.relay.pulses.length === 1, 10_000, "the door opened by card, in the clear as configured");
  });
});
