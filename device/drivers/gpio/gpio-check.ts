/**
 * `facegate doctor` for the GPIO drivers: are libgpiod's tools installed, do the chips
 * exist and open, does every configured line exist, and is it free (or held by
 * facegate's own gpioset/gpiomon while the device runs)? Reads only: nothing is driven.
 */
import type { DriverCheck } from "../driver-check.js";
import { type DriverTimers, type SpawnFn, processSpawn, processTimers } from "../process/child-process.js";
import { readChipInfo } from "./gpio-info.js";
import type { GpioSettings } from "./gpio-settings.js";

/** The lines the settings use, by chip: `{ gpiochip0: [[17, "relay"], ...] }`. */
function linesByChip(s: GpioSettings): Map<string, Array<[number, string]>> {
  const out = new Map<string, Array<[number, string]>>();
  const add = (chip: string, line: number, what: string) => out.set(chip, [...(out.get(chip) ?? []), [line, what]]);
  if (s.relay) add(s.relay.chip, s.relay.line, "relay");
  if (s.doorSensor) add(s.doorSensor.chip, s.doorSensor.line, "door sensor");
  if (s.exitButton) add(s.exitButton.chip, s.exitButton.line, "exit button");
  if (s.tamper) add(s.tamper.chip, s.tamper.line, "tamper");
  if (s.wiegand) {
    add(s.wiegand.chip, s.wiegand.d0, "Wiegand D0");
    add(s.wiegand.chip, s.wiegand.d1, "Wiegand D1");
  }
  return out;
}

const OURS = new Set(["gpioset", "gpiomon"]);

export async function checkGpio(settings: GpioSettings, deps: { spawn?: SpawnFn; timers?: DriverTimers } = {}): Promise<DriverCheck> {
  const spawn = deps.spawn ?? processSpawn;
  const timers = deps.timers ?? processTimers;
  const chips = linesByChip(settings);
  if (chips.size === 0) return { ok: true, detail: "no GPIO devices configured" };
  const seen: string[] = [];
  for (const [chip, lines] of chips) {
    const r = await readChipInfo(spawn, timers, chip);
    if (!r.ok) {
      const missingTools = r.problem.includes("not found");
      return {
        ok: false,
        detail: `${chip}: ${r.problem}`,
        fix: missingTools ? "apt-get install gpiod" : `check the chip name (gpiodetect lists the chips) and that facegate's user may open /dev/${chip.replace(/^\/dev\//, "")} (group gpio, or a udev rule)`,
      };
    }
    for (const [line, what] of lines) {
      const info = r.info.lines.get(line);
      if (!info) return { ok: false, detail: `${chip}: has no line ${line} (${what}); it has ${r.info.lines.size} lines`, fix: "correct the line number in the configuration (gpioinfo lists the lines)" };
      if (info.consumer !== null && !OURS.has(info.consumer)) {
        return { ok: false, detail: `${chip} line ${line} (${what}) is held by "${info.consumer}"`, fix: "free the line (a kernel driver or another program holds it: device tree overlay, another service)" };
      }
      seen.push(`${what} ${chip}:${line}${info.consumer ? ` (held by ${info.consumer})` : ""}`);
    }
  }
  return { ok: true, detail: seen.join(", ") };
}
