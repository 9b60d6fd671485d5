/**
 * The GPIO drivers on the kernel's own simulated chip (gpio-sim, configured through
 * configfs), with Debian's libgpiod tools: where the machine has it, this runs the relay,
 * a door sensor and a Wiegand keypad against the real character device and real
 * kernel timestamps. Edges are made by switching a simulated line's pull in sysfs.
 *
 * Checked on the development machine (2026-12, kernel 6.18, no /sys/kernel/config: the
 * kernel has no configfs mounted and gpio-sim is not loaded), so it is skipped there;
 * elsewhere: `modprobe gpio-sim` and `mount -t configfs none /sys/kernel/config`, as root.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GpioDoorSensor, InputGroup } from "../../../../device/drivers/gpio/gpio-inputs.js";
import { GpioRelay } from "../../../../device/drivers/gpio/gpio-relay.js";
import { DEFAULT_WIEGAND_TIMING } from "../../../../device/drivers/gpio/wiegand-decoder.js";
import { WiegandReader } from "../../../../device/drivers/gpio/wiegand-reader.js";
import { processSpawn, processTimers } from "../../../../device/drivers/process/child-process.js";
import type { DoorState } from "../../../../sdk/hal/door-sensor.js";
import type { KeypadKey } from "../../../../sdk/hal/keypad.js";
import { silentLogger } from "../../../../sdk/log/logger.js";
import { systemClock } from "../../../../sdk/time/clock.js";
import { waitUntil } from "../../../support/mjpeg-server.js";
import { keyBits } from "../../../support/wiegand-signal.js";

const CONFIGFS = "/sys/kernel/config/gpio-sim";
const available = existsSync(CONFIGFS);
if (!available) console.warn(`\n*** gpio-sim not available (${CONFIGFS} missing: no configfs or no gpio-sim module): kernel GPIO tests SKIPPED ***\n`);

const SIM = join(CONFIGFS, `facegate-${process.pid}`);
let chip = "";
let lineDir = (n: number) => `${n}`;
const RELAY = 3;
const D0 = 4;
const D1 = 5;
const DOOR = 6;

function pull(n: number, level: 0 | 1): void {
  writeFileSync(join(lineDir(n), "pull"), level ? "pull-up" : "pull-down");
}

function busyWaitUs(us: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end);
}

beforeAll(() => {
  if (!available) return;
  mkdirSync(SIM);
  mkdirSync(join(SIM, "gpio-bank0"));
  writeFileSync(join(SIM, "gpio-bank0", "num_lines"), "16");
  writeFileSync(join(SIM, "live"), "1");
  chip = readFileSync(join(SIM, "gpio-bank0", "chip_name"), "utf8").trim();
  const dev = readFileSync(join(SIM, "dev_name"), "utf8").trim();
  lineDir = (n) => join("/sys/devices/platform", dev, chip, `sim_gpio${n}`);
  for (const n of [D0, D1, DOOR]) pull(n, 1);
});

afterAll(() => {
  if (!available || !existsSync(SIM)) return;
  writeFileSync(join(SIM, "live"), "0");
  for (const d of readdirSync(SIM, { withFileTypes: true })) if (d.isDirectory()) rmdirSync(join(SIM, d.name));
  rmdirSync(SIM);
});

describe.skipIf(!available)("GPIO drivers on gpio-sim", () => {
  it("drives the relay line: locked at start, unlocked on unlock, locked again by itself", async () => {
    const relay = new GpioRelay({ id: "lobby.relay", chip, line: RELAY, active: "high", maxUnlockMs: 10_000, spawn: processSpawn, timers: processTimers, clock: systemClock, logger: silentLogger });
    await relay.start();
    const value = () => readFileSync(join(lineDir(RELAY), "value"), "utf8").trim();
    expect(value()).toBe("0");
    await relay.unlock(800);
    expect(value()).toBe("1");
    await waitUntil(() => value() === "0", 5_000, "re-lock");
    await relay.close();
  });

  it("reads a door sensor and Wiegand keys from real kernel edges", async () => {
    const door = new GpioDoorSensor("lobby.door-sensor", { offset: DOOR, active: "high", debounceMs: 30 }, { clock: systemClock, timers: processTimers });
    const group = new InputGroup({ chip, bias: "as-is", inputs: [door], spawn: processSpawn, timers: processTimers, clock: systemClock, logger: silentLogger });
    const reader = new WiegandReader({ cardReaderId: "lobby.card-reader", keypadId: "lobby.keypad", chip, d0: D0, d1: D1, active: "low", bias: "as-is", timing: { ...DEFAULT_WIEGAND_TIMING, maxPulseUs: 20_000 }, flushMs: 60, cardFormat: "hex", spawn: processSpawn, timers: processTimers, clock: systemClock, logger: silentLogger });
    const changes: DoorState[] = [];
    const keys: KeypadKey[] = [];
    door.onChange((c) => changes.push(c.state));
    reader.keypad.onKey((k) => keys.push(k.key));
    group.start();
    reader.start();
    try {
      await waitUntil(() => door.status === "connected" && reader.keypad.status === "connected", 10_000, "monitors up");
      pull(DOOR, 0);
      await waitUntil(() => changes.length === 1, 5_000, "door closed");
      for (const bit of keyBits("7", 4)) {
        const n = bit ? D1 : D0;
        pull(n, 0);
        busyWaitUs(200);
        pull(n, 1);
        busyWaitUs(2_000);
      }
      await waitUntil(() => keys.length === 1, 5_000, "the key");
      expect(changes).toEqual(["closed"]);
      expect(keys).toEqual(["7"]);
    } finally {
      await reader.stop();
      await group.stop();
    }
  });
});
