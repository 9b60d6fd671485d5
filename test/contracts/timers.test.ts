/**
 * The Timers port (sdk/time/timers.ts) as a suite, over the process timers the device
 * passes (device/runtime/system-timers.ts) and the ManualTimers the simulator and the
 * contract suites pass (sdk/time/manual-timers.ts). The fixture says what "now" is for
 * its timers (the ManualClock, or the process's monotonic clock) and lets time pass: the
 * ManualClock moves and due timers run, or the process waits.
 */
import { expect } from "vitest";
import { systemTimers } from "../../device/runtime/system-timers.js";
import { type Closable, type Obligation, registerContract } from "../../sdk/testing/contract-kit.js";
import type { Timers } from "../../sdk/time/timers.js";

interface TimersFixture extends Closable {
  timers: Timers;
  now(): number;
  pass(ms: number): Promise<void>;
}

/** Lets time pass in small steps until `done()` (at most `limitMs`, for the process timers on a loaded machine). */
async function passUntil(f: TimersFixture, done: () => boolean, limitMs = 5_000): Promise<void> {
  for (let waited = 0; !done() && waited < limitMs; waited += 5) await f.pass(5);
}

const obligations: ReadonlyArray<Obligation<TimersFixture>> = [
  {
    name: "setTimer calls back once, no sooner than delayMs after it was set",
    async check(f) {
      const firedAt: number[] = [];
      const setAt = f.now();
      f.timers.setTimer(() => firedAt.push(f.now()), 40);
      await passUntil(f, () => firedAt.length > 0);
      expect(firedAt).toHaveLength(1);
      // The process timers count whole milliseconds; allow the one they may round away.
      expect(firedAt[0]! - setAt).toBeGreaterThanOrEqual(39);
      await f.pass(60);
      expect(firedAt, "once only").toHaveLength(1);
    },
  },
  {
    name: "clearTimer cancels a timer that has not fired, and no other",
    async check(f) {
      const fired: string[] = [];
      const cancelled = f.timers.setTimer(() => fired.push("cancelled"), 10);
      f.timers.setTimer(() => fired.push("kept"), 20);
      f.timers.clearTimer(cancelled);
      await passUntil(f, () => fired.includes("kept"));
      await f.pass(20);
      expect(fired).toEqual(["kept"]);
    },
  },
  {
    name: "clearTimer ignores a handle that has fired or was cleared already",
    async check(f) {
      let first = 0;
      let later = 0;
      const done = f.timers.setTimer(() => first++, 5);
      await passUntil(f, () => first > 0);
      f.timers.setTimer(() => later++, 10);
      f.timers.clearTimer(done);
      const cleared = f.timers.setTimer(() => {}, 5);
      f.timers.clearTimer(cleared);
      f.timers.clearTimer(cleared);
      await passUntil(f, () => later > 0);
      expect([first, later]).toEqual([1, 1]);
    },
  },
];

registerContract("Timers contract (sdk/time/timers.ts)", {
  name: "ManualTimers",
  create: async ({ clock, timers }) => ({
    timers,
    now: () => clock.now(),
    pass: async (ms) => {
      clock.advance(ms);
      timers.runDue();
    },
    close() {},
  }),
}, obligations);

registerContract("Timers contract (sdk/time/timers.ts)", {
  name: "systemTimers (the process timers)",
  create: async () => ({ timers: systemTimers, now: () => performance.now(), pass: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)), close() {} }),
}, obligations);
