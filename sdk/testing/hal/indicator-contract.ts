/**
 * The indicator contract (sdk/hal/indicator.ts) as a suite. Run it on a driver with
 *
 *   indicatorContract({ name: "my LEDs", create: async ({ clock, timers }) => ({ device, pattern, returnsToIdleWithinMs, disconnect, reconnect, settle, close }) });
 *
 * The indicator must time its return to idle with the `timers` it is given (or derive it
 * from the clock), so the suite can move time. The factory provides, besides
 * DeviceFixture (hal-kit.ts):
 * - `pattern()`: the pattern the LEDs and buzzer show now, read from the hardware where
 *   that can be helped;
 * - `returnsToIdleWithinMs`: the "short time" after which this implementation is back to
 *   idle after granted, denied or attention (at most 30 s).
 */
import { expect } from "vitest";
import type { Indicator, IndicatorSignal } from "../../hal/indicator.js";
import { type ContractOptions, type Obligation, advance, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectHardwareError } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface IndicatorFixture extends DeviceFixture<Indicator> {
  pattern(): IndicatorSignal | Promise<IndicatorSignal>;
  returnsToIdleWithinMs: number;
}

const SIGNALS: readonly IndicatorSignal[] = ["idle", "granted", "denied", "attention", "alarm"];
const TEMPORARY: readonly IndicatorSignal[] = ["granted", "denied", "attention"];
const LONGEST_SHORT_TIME_MS = 30_000;

export const indicatorObligations: ReadonlyArray<Obligation<IndicatorFixture>> = [
  ...deviceObligations<IndicatorFixture>("indicator"),
  {
    name: "signal(kind) switches to that pattern and resolves once it is applied",
    async check(f) {
      for (const kind of SIGNALS) {
        await f.device.signal(kind);
        expect(await f.pattern(), `as soon as signal("${kind}") resolved`).toBe(kind);
      }
    },
  },
  {
    name: "granted, denied and attention return to idle by themselves after a short time",
    async check(f, env) {
      expect(f.returnsToIdleWithinMs > 0 && f.returnsToIdleWithinMs <= LONGEST_SHORT_TIME_MS, "returnsToIdleWithinMs: a short time").toBe(true);
      for (const kind of TEMPORARY) {
        await f.device.signal(kind);
        await advance(env, f, f.returnsToIdleWithinMs);
        expect(await f.pattern(), `${kind}, ${f.returnsToIdleWithinMs} ms later`).toBe("idle");
      }
    },
  },
  {
    name: "idle and alarm stay until another signal",
    async check(f, env) {
      for (const kind of ["alarm", "idle"] as const) {
        await f.device.signal(kind);
        await advance(env, f, 10 * LONGEST_SHORT_TIME_MS);
        expect(await f.pattern(), `${kind}, five minutes later`).toBe(kind);
      }
    },
  },
  {
    name: "a new signal replaces a temporary one, and its own time counts from then",
    async check(f, env) {
      await f.device.signal("granted");
      await f.device.signal("alarm");
      await advance(env, f, f.returnsToIdleWithinMs);
      expect(await f.pattern(), "alarm after granted").toBe("alarm");
    },
  },
  {
    name: "while disconnected, signal rejects with hardware_disconnected; once back it signals again",
    async check(f) {
      await f.disconnect();
      await f.settle();
      await expectHardwareError(() => f.device.signal("denied"), "hardware_disconnected", "signal while disconnected");
      await f.reconnect();
      await f.settle();
      await f.device.signal("attention");
      expect(await f.pattern()).toBe("attention");
    },
  },
];

export function indicatorContract(options: ContractOptions<IndicatorFixture>): void {
  registerContract("indicator contract (sdk/hal/indicator.ts)", options, indicatorObligations);
}
