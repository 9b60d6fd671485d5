/** GPIO settings (`path: problem`), the factory and the doctor check, on the fake chip. */
import { afterEach, describe, expect, it } from "vitest";
import { createGpioDrivers } from "../../../../device/drivers/gpio/create-gpio-drivers.js";
import { checkGpio } from "../../../../device/drivers/gpio/gpio-check.js";
import { parseGpioSettings } from "../../../../device/drivers/gpio/gpio-settings.js";
import { processTimers } from "../../../../device/drivers/process/child-process.js";
import { ConfigError } from "../../../../sdk/errors.js";
import { silentLogger } from "../../../../sdk/log/logger.js";
import { systemClock } from "../../../../sdk/time/clock.js";
import { FakeGpioChip } from "../../../support/fake-gpiochip.js";
import { waitUntil } from "../../../support/mjpeg-server.js";

const FULL = {
  relay: { chip: "gpiochip0", line: 3, active: "high" },
  doorSensor: { chip: "gpiochip0", line: 6, active: "high", bias: "pull-up" },
  exitButton: { chip: "gpiochip0", line: 7, active: "low", bias: "pull-up" },
  tamper: { chip: "gpiochip0", line: 8, active: "high", bias: "pull-up" },
  wiegand: { chip: "gpiochip0", d0: 4, d1: 5 },
};

function problem(input: unknown): string {
  try {
    parseGpioSettings(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("accepted");
}

const chips: FakeGpioChip[] = [];
afterEach(() => {
  for (const c of chips.splice(0)) c.remove();
});

describe("GPIO settings", () => {
  it("fills in defaults", () => {
    const s = parseGpioSettings(FULL);
    expect(s.relay).toEqual({ chip: "gpiochip0", line: 3, active: "high", maxUnlockMs: 60_000 });
    expect(s.wiegand).toMatchObject({ active: "low", bias: "as-is", cardFormat: "hex", frameGapMs: 25, flushMs: 50, minPulseUs: 10, maxPulseUs: 1_000 });
    expect(s.doorSensor).toMatchObject({ debounceMs: 30 });
  });

  it("reads every mistake as path: problem", () => {
    expect(problem([])).toBe("drivers.gpio: must be an object");
    expect(problem({ relay: { chip: "gpiochip0", line: 3 } })).toBe('drivers.gpio.relay.active: required ("high" or "low")');
    expect(problem({ relay: { chip: "--help", line: 3, active: "high" } })).toBe('drivers.gpio.relay.chip: must be a GPIO chip such as "gpiochip0" (see gpiodetect)');
    expect(problem({ relay: { chip: "gpiochip0", line: -1, active: "high" } })).toBe("drivers.gpio.relay.line: must be an integer from 0 to 1023");
    expect(problem({ doorSensor: { chip: "gpiochip0", line: 1, active: "open" } })).toBe('drivers.gpio.doorSensor.active: must be "high" or "low"');
    expect(problem({ exitButton: { chip: "gpiochip0", line: 1, active: "low", bias: "up" } })).toBe('drivers.gpio.exitButton.bias: must be "as-is" or "disable" or "pull-up" or "pull-down"');
    expect(problem({ wiegand: { chip: "gpiochip0", d0: 4, d1: 4 } })).toBe("drivers.gpio.wiegand.d1: must be another line than d0");
    expect(problem({ wiegand: { chip: "gpiochip0", d0: 4, d1: 5, frameGapMs: 60 } })).toBe("drivers.gpio.wiegand.flushMs: must be longer than frameGapMs (a frame is decoded only once it is over)");
    expect(problem({ ...FULL, tamper: { chip: "gpiochip0", line: 3, active: "high" } })).toBe("drivers.gpio.tamper.line: line 3 of gpiochip0 is already used by drivers.gpio.relay.line");
    expect(problem({ relay: { ...FULL.relay, pulse: 1 } })).toBe("drivers.gpio.relay.pulse: unknown setting");
  });
});

describe("GPIO drivers from settings", () => {
  it("builds every device with the gate's ids, starts them, and closes with the door locked", async () => {
    const chip = new FakeGpioChip();
    chips.push(chip);
    chip.setLevel(7, 1);
    const d = createGpioDrivers({ settings: parseGpioSettings(FULL), gateId: "lobby", clock: systemClock, logger: silentLogger, spawn: chip.spawn, timers: processTimers });
    expect([d.relay, d.doorSensor, d.exitButton, d.tamper, d.cardReader, d.keypad].map((x) => x?.id)).toEqual(["lobby.relay", "lobby.door-sensor", "lobby.exit-button", "lobby.tamper", "lobby.card-reader", "lobby.keypad"]);
    await d.start();
    await waitUntil(() => [d.relay, d.doorSensor, d.exitButton, d.tamper, d.cardReader, d.keypad].every((x) => x!.status === "connected"), 20_000, "all connected");
    await d.relay!.unlock(10_000);
    expect(chip.value(3)).toBe(1);
    await d.close();
    expect(chip.value(3)).toBe(0);
    expect(d.doorSensor!.status).toBe("disconnected");
  });
});

describe("GPIO doctor check", () => {
  it("passes with the chip and free lines, and names a missing chip, a missing line or a line someone else holds", async () => {
    const chip = new FakeGpioChip({ gpiochip0: 10 });
    chips.push(chip);
    const deps = { spawn: chip.spawn };
    const ok = await checkGpio(parseGpioSettings(FULL), deps);
    expect(ok).toMatchObject({ ok: true });
    expect(ok.detail).toContain("relay gpiochip0:3");

    expect(await checkGpio(parseGpioSettings({ relay: { chip: "gpiochip4", line: 1, active: "high" } }), deps)).toMatchObject({ ok: false, detail: expect.stringMatching(/^gpiochip4: /), fix: expect.stringMatching(/gpiodetect/) });
    expect(await checkGpio(parseGpioSettings({ relay: { chip: "gpiochip0", line: 12, active: "high" } }), deps)).toMatchObject({ ok: false, detail: "gpiochip0: has no line 12 (relay); it has 10 lines" });
    // Another program holds the door sensor's line.
    const hog = chip.spawn("gpioset", ["--mode=signal", "gpiochip0", "6=1"], { stdio: "ignore" });
    await waitUntil(() => chip.value(6) === 1, 5_000, "the other program");
    const held = await checkGpio(parseGpioSettings(FULL), deps);
    hog.kill("SIGTERM");
    expect(held.ok).toBe(true); // gpioset may be facegate's own
    const kernel = new FakeGpioChip({ gpiochip0: 10 });
    chips.push(kernel);
    expect(await checkGpio(parseGpioSettings(FULL), { spawn: (c, a, o) => kernel.spawn(c === "gpioinfo" ? "sh" : c, c === "gpioinfo" ? ["-c", `gpioinfo "$@" | sed 's/ unused / "spi0" /'`, "sh", ...a] : a, o) })).toMatchObject({ ok: false, detail: 'gpiochip0 line 3 (relay) is held by "spi0"' });
  });
});
