/**
 * `facegate doctor`'s checks for a configured OSDP bus, over a socat pty against the
 * simulated reader: the port, each reader in the Secure Channel, and the warnings and
 * failures an installer must act on. Doctor only reads: it never gives a reader a key.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { type DeviceConfig, parseDeviceConfig } from "../../../device/config/device-config.js";
import { createDeviceDrivers } from "../../../device/drivers/create-drivers.js";
import { runChecks } from "../../../device/doctor/check.js";
import { driverChecks } from "../../../device/doctor/driver-checks.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { openPtyPair } from "../../../simulator/osdp/pty-pair.js";
import { SimOsdpBus } from "../../../simulator/osdp/sim-osdp-bus.js";
import { SimOsdpReader } from "../../../simulator/osdp/sim-osdp-reader.js";
import { describeWithSocat, waitFor } from "../../support/osdp-fixture.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(reader: SimOsdpReader) {
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const sim = await SimOsdpBus.open({ path: pty.readers, readers: [reader] });
  cleanups.push(() => sim.close());
  const dir = mkdtempSync(join(tmpdir(), "facegate-doctor-osdp-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = (osdp: Record<string, unknown> = {}): DeviceConfig =>
    parseDeviceConfig(
      {
        version: 1,
        site: { id: "estate-01", processorId: "acme-property" },
        gateId: "lobby",
        gates: [{ gateId: "lobby", mode: "card_or_pin" }],
        dataDir: "data",
        drivers: { osdp: { port: pty.panel, keyFile: "osdp-keys.json", readers: [{ address: 0 }], ...osdp }, cardReader: { kind: "osdp", address: 0 }, keypad: { kind: "osdp", address: 0 } },
      },
      dir,
    );
  return { pty, config };
}

const byName = (results: Awaited<ReturnType<typeof runChecks>>) => Object.fromEntries(results.map((r) => [r.name, r]));

describeWithSocat("doctor on an OSDP bus", () => {
  it("passes a commissioned reader in the Secure Channel, and warns about install mode without giving a key", async () => {
    const reader = new SimOsdpReader({ address: 0 });
    const { config } = await setup(reader);
    // Out of the box: doctor in install mode probes as "required" and so fails, and gives no key.
    const before = byName(await runChecks(driverChecks(config({ secureChannel: "install" }))));
    expect(before["osdp port"]?.status).toBe("ok");
    expect(before["osdp readers"]?.status).toBe("fail");
    expect(before["osdp install mode"]?.status).toBe("warn");
    expect(reader.scbk).toBeNull();

    const install = await createDeviceDrivers(config({ secureChannel: "install" }), systemClock);
    await waitFor(() => install.hardware.cardReader.status === "connected", 10_000, "commissioned");
    await install.close();
    const after = byName(await runChecks(driverChecks(config())));
    expect(after["osdp readers"]).toMatchObject({ status: "ok" });
    expect(after["osdp readers"]!.detail).toMatch(/reader 0 on \/dev\/pts\/\d+: vendor 5A0F01, model 3, firmware 2\.4\.7; Secure Channel established with its own key/);
    expect(after["drivers"]!.detail).toMatch(/^simulated: the simulator stands in for indicator, display, relay, door sensor, exit button, camera$/);
    // No key in any detail.
    expect(JSON.stringify(after)).not.toContain(Buffer.from(reader.scbk!).toString("hex"));
  });

  it("fails a silent reader with what to check, and warns about a bus in the clear", async () => {
    const reader = new SimOsdpReader({ address: 0, secureChannel: false });
    const { config } = await setup(reader);
    reader.silent = true;
    const silent = byName(await runChecks(driverChecks(config({ retries: 0 }))));
    expect(silent["osdp readers"]).toMatchObject({ status: "fail" });
    expect(silent["osdp readers"]!.fix).toMatch(/RS-485 wiring/);
    reader.silent = false;
    const clear = byName(await runChecks(driverChecks(config({ secureChannel: false }))));
    expect(clear["osdp readers"]).toMatchObject({ status: "warn" });
    expect(clear["osdp readers"]!.detail).toMatch(/IN THE CLEAR/);
  });
});
