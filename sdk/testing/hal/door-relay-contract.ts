/**
 * The door relay contract (sdk/hal/door-relay.ts) as a suite. Run it on a driver with
 *
 *   doorRelayContract({ name: "my relay", create: async ({ clock, timers }) => ({ device, unlocked, disconnect, reconnect, settle, close }) });
 *
 * The relay must keep its own unlock timer with the `timers` it is given (so the suite
 * can move time), and start locked. The factory provides, besides DeviceFixture
 * (hal-kit.ts):
 * - `unlocked()`: whether the lock is released now, read from the hardware (the output
 *   line, the relay's own report), not from the driver's bookkeeping where that can be
 *   helped. The suite calls it right after `unlock`/`lock` resolve (they resolve once the
 *   lock has moved) and after `settle()` when time has moved.
 */
import { expect } from "vitest";
import type { DoorRelay } from "../../hal/door-relay.js";
import { type ContractEnv, type ContractOptions, type Obligation, advance, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectHardwareError } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface DoorRelayFixture extends DeviceFixture<DoorRelay> {
  unlocked(): boolean | Promise<boolean>;
}

async function expectUnlocked(f: DoorRelayFixture, expected: boolean, when: string): Promise<void> {
  expect(await f.unlocked(), `${expected ? "unlocked" : "locked"} ${when}`).toBe(expected);
}

/** Moves to `at` ms after `start`. */
async function at(env: ContractEnv, f: DoorRelayFixture, start: number, ms: number): Promise<void> {
  await advance(env, f, start + ms - env.clock.now());
}

export const doorRelayObligations: ReadonlyArray<Obligation<DoorRelayFixture>> = [
  ...deviceObligations<DoorRelayFixture>("door_relay"),
  {
    name: "starts locked, with a positive, finite maxUnlockMs",
    async check(f) {
      await expectUnlocked(f, false, "after start");
      expect(Number.isFinite(f.device.maxUnlockMs) && f.device.maxUnlockMs > 0, "maxUnlockMs").toBe(true);
    },
  },
  {
    name: "unlock(durationMs) resolves once the lock is released",
    async check(f) {
      await f.device.unlock(5_000);
      await expectUnlocked(f, true, "as soon as unlock resolved");
    },
  },
  {
    name: "re-locks by itself durationMs after the unlock",
    async check(f, env) {
      const start = env.clock.now();
      await f.device.unlock(5_000);
      await at(env, f, start, 4_999);
      await expectUnlocked(f, true, "1 ms before the end");
      await at(env, f, start, 5_000);
      await expectUnlocked(f, false, "at the end, without a lock() call");
    },
  },
  {
    name: "unlock while unlocked extends the unlock to end durationMs from now",
    async check(f, env) {
      const start = env.clock.now();
      await f.device.unlock(5_000);
      await at(env, f, start, 3_000);
      await f.device.unlock(5_000);
      await at(env, f, start, 5_000);
      await expectUnlocked(f, true, "past the first unlock's end");
      await at(env, f, start, 7_999);
      await expectUnlocked(f, true, "1 ms before the extended end");
      await at(env, f, start, 8_000);
      await expectUnlocked(f, false, "at the extended end");
    },
  },
  {
    name: "unlock while unlocked never shortens the unlock",
    async check(f, env) {
      const start = env.clock.now();
      await f.device.unlock(5_000);
      await at(env, f, start, 1_000);
      await f.device.unlock(1_000);
      await at(env, f, start, 2_000);
      await expectUnlocked(f, true, "after the shorter unlock would have ended");
      await at(env, f, start, 4_999);
      await expectUnlocked(f, true, "1 ms before the first unlock's end");
      await at(env, f, start, 5_000);
      await expectUnlocked(f, false, "at the first unlock's end");
    },
  },
  {
    name: "lock() re-locks at once, and the ended unlock does not come back",
    async check(f, env) {
      const start = env.clock.now();
      await f.device.unlock(10_000);
      await at(env, f, start, 1_000);
      await f.device.lock();
      await expectUnlocked(f, false, "as soon as lock resolved");
      await at(env, f, start, 5_000);
      await expectUnlocked(f, false, "later, before the old unlock's end");
      await at(env, f, start, 10_000);
      await f.device.lock();
      await expectUnlocked(f, false, "after lock() on a locked relay");
    },
  },
  {
    name: "refuses a duration that is not positive, finite and at most maxUnlockMs (hardware_invalid_request), and the lock stays as it was",
    async check(f, env) {
      const max = f.device.maxUnlockMs;
      for (const d of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, max + 1]) {
        await expectHardwareError(() => f.device.unlock(d), "hardware_invalid_request", `unlock(${d})`);
        await expectUnlocked(f, false, `after unlock(${d}) was refused`);
      }
      const start = env.clock.now();
      await f.device.unlock(2_000);
      await expectHardwareError(() => f.device.unlock(0), "hardware_invalid_request", "unlock(0) while unlocked");
      await expectUnlocked(f, true, "after a refused unlock while unlocked");
      await at(env, f, start, 2_000);
      await expectUnlocked(f, false, "at the end of the accepted unlock");
      await f.device.unlock(max);
      await expectUnlocked(f, true, "unlock(maxUnlockMs) is accepted");
      await f.device.lock();
    },
  },
  {
    name: "while disconnected, unlock and lock reject with hardware_disconnected; once back they work",
    async check(f) {
      await f.disconnect();
      await f.settle();
      await expectHardwareError(() => f.device.unlock(1_000), "hardware_disconnected", "unlock while disconnected");
      await expectHardwareError(() => f.device.lock(), "hardware_disconnected", "lock while disconnected");
      await f.reconnect();
      await f.settle();
      await f.device.unlock(1_000);
      await expectUnlocked(f, true, "after reconnecting");
      await f.device.lock();
      await expectUnlocked(f, false, "after lock");
    },
  },
];

export function doorRelayContract(options: ContractOptions<DoorRelayFixture>): void {
  registerContract("door relay contract (sdk/hal/door-relay.ts)", options, doorRelayObligations);
}
