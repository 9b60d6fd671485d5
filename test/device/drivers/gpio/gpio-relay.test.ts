/**
 * The GPIO door relay against a fake GPIO chip (test/support/fake-gpiochip: programs
 * standing in for the chip and libgpiod's tools; released lines keep their value, the
 * worst case for a door). The driver is the real one, spawning its guard shell and the
 * tools as it does on a terminal.
 *
 * Timer semantics run on a ManualClock and ManualTimers: unlock extends, never shortens,
 * and the relay re-locks by itself. The crash tests kill a real facegate process while
 * the door is unlocked and watch the line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GpioRelay } from "../../../../device/drivers/gpio/gpio-relay.js";
import { processTimers } from "../../../../device/drivers/process/child-process.js";
import { HardwareError } from "../../../../sdk/errors.js";
import { silentLogger } from "../../../../sdk/log/logger.js";
import { ManualClock } from "../../../../sdk/time/clock.js";
import { ManualTimers } from "../../../../simulator/manual-timers.js";
import { FakeGpioChip } from "../../../support/fake-gpiochip.js";
import { repoRoot } from "../../../support/faces.js";
import { waitUntil } from "../../../support/mjpeg-server.js";

const LINE = 3;
const chips: FakeGpioChip[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  for (const c of chips.splice(0)) c.remove();
});

function setup(active: "high" | "low" = "high") {
  const chip = new FakeGpioChip();
  chips.push(chip);
  const clock = new ManualClock();
  const timers = new ManualTimers(clock);
  const relay = new GpioRelay({ id: "lobby.relay", chip: "gpiochip0", line: LINE, active, maxUnlockMs: 30_000, spawn: chip.spawn, timers, clock, logger: silentLogger, backoff: { initialMs: 100, maxMs: 400 } });
  return { chip, clock, timers, relay };
}

/** Unlock guards started so far: each drives the line with gpioset --mode=time. */
const guards = (chip: FakeGpioChip) => chip.history(LINE).filter((h) => h.mode === "time").length;

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HardwareError);
    return (err as HardwareError).code;
  }
  throw new Error("resolved");
}

describe("GPIO door relay", () => {
  it("drives the locked level at start, the unlock level until the unlock ends, and re-locks by itself", async () => {
    const { chip, clock, timers, relay } = setup();
    chip.setLevel(LINE, 1); // whatever the line held before facegate started
    expect(relay.status).toBe("disconnected");
    await relay.start();
    expect(relay.status).toBe("connected");
    expect(chip.value(LINE)).toBe(0);
    await relay.unlock(5_000);
    expect(chip.value(LINE)).toBe(1);
    expect(relay.unlocked).toBe(true);
    clock.advance(4_999);
    timers.runDue();
    expect(chip.value(LINE)).toBe(1);
    clock.advance(1);
    timers.runDue();
    await waitUntil(() => chip.value(LINE) === 0, 5_000, "re-lock");
    await waitUntil(() => !relay.unlocked, 5_000, "relay state");
    await relay.close();
  });

  it("extends an unlock to end durationMs from now, and never shortens it", async () => {
    const { chip, clock, timers, relay } = setup();
    await relay.start();
    await relay.unlock(5_000);
    expect(guards(chip)).toBe(1);
    clock.advance(3_000);
    await relay.unlock(1_000); // would end at 4 s, before 5 s: no change
    expect(guards(chip)).toBe(1);
    await relay.unlock(2_000); // ends at 5 s exactly: no change
    expect(guards(chip)).toBe(1);
    await relay.unlock(5_000); // ends at 8 s: extended, by a new guard
    expect(guards(chip)).toBe(2);
    expect(chip.value(LINE)).toBe(1);
    clock.advance(2_000);
    timers.runDue(); // 5 s: the first unlock's end is no longer the end
    expect(chip.value(LINE)).toBe(1);
    expect(relay.unlocked).toBe(true);
    clock.advance(3_000);
    timers.runDue();
    await waitUntil(() => chip.value(LINE) === 0, 5_000, "re-lock at 8 s");
    await relay.close();
  });

  it("locks at once on lock(), and honours an active-low relay", async () => {
    const { chip, relay } = setup("low");
    await relay.start();
    expect(chip.value(LINE)).toBe(1);
    await relay.unlock(10_000);
    expect(chip.value(LINE)).toBe(0);
    await relay.lock();
    expect(chip.value(LINE)).toBe(1);
    expect(relay.unlocked).toBe(false);
    await relay.close();
  });

  it("refuses durations that are not positive, finite and at most maxUnlockMs", async () => {
    const { relay } = setup();
    await relay.start();
    for (const d of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 30_001]) expect(await rejection(relay.unlock(d)), String(d)).toBe("hardware_invalid_request");
    await relay.close();
  });

  it("is disconnected while the chip is gone: unlock and lock reject, and it comes back by itself", async () => {
    const { chip, clock, timers, relay } = setup();
    chip.unplug();
    await relay.start();
    expect(relay.status).toBe("disconnected");
    expect(await rejection(relay.unlock(1_000))).toBe("hardware_disconnected");
    expect(await rejection(relay.lock())).toBe("hardware_disconnected");
    chip.plugIn();
    clock.advance(100);
    timers.runDue();
    await waitUntil(() => relay.status === "connected", 5_000, "reconnect");
    await relay.unlock(1_000);
    expect(chip.value(LINE)).toBe(1);
    await relay.close();
    expect(chip.value(LINE)).toBe(0);
  });
});

describe("GPIO door relay when facegate dies", () => {
  function unlockThenWait(chip: FakeGpioChip, unlockMs: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", join(repoRoot, "test", "support", "relay-crash-worker.ts"), String(unlockMs)], { env: chip.env, stdio: ["ignore", "pipe", "inherit"], detached: true });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("unlocked") && resolve(child));
      child.on("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    });
  }

  it("re-locks at the end of the unlock after facegate is killed with SIGKILL", async () => {
    const chip = new FakeGpioChip();
    chips.push(chip);
    const child = await unlockThenWait(chip, 1_500);
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await new Promise((r) => child.once("close", r));
    expect(chip.value(LINE)).toBe(1); // the guard still holds the unlock it was given
    await waitUntil(() => chip.value(LINE) === 0, 6_000, "the guard's re-lock");
    const relock = chip.history(LINE).at(-1)!;
    expect(relock.value).toBe(0);
    // The unlock ends 1.5 s after it began (before the kill); the fake tools start slowly on a loaded machine.
    expect(relock.at - killedAt).toBeLessThan(1_500 + 3_000);
  });

  it("re-locks at once when the whole service is stopped (SIGTERM to its process group)", async () => {
    const chip = new FakeGpioChip();
    chips.push(chip);
    const child = await unlockThenWait(chip, 20_000);
    const stoppedAt = Date.now();
    process.kill(-child.pid!, "SIGTERM");
    await waitUntil(() => chip.value(LINE) === 0, 5_000, "re-lock on SIGTERM");
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  });

  it("notices a chip that goes away while the relay is idle, and drives the locked level once it is back", async () => {
    const chip = new FakeGpioChip();
    chips.push(chip);
    const clock = new ManualClock();
    const relay = new GpioRelay({ id: "lobby.relay", chip: "gpiochip0", line: LINE, active: "high", maxUnlockMs: 30_000, spawn: chip.spawn, timers: new ManualTimers(clock), ioTimers: processTimers, clock, logger: silentLogger, backoff: { initialMs: 100, maxMs: 200 }, watchMs: 100 });
    const seen: string[] = [];
    relay.onStatus((s) => seen.push(s));
    await relay.start();
    chip.unplug();
    // No unlock asked for: the watch alone sees it.
    await waitUntil(() => relay.status === "disconnected", 10_000, "disconnected while idle");
    chip.setLevel(LINE, 1); // the expander came back with the line high
    chip.plugIn();
    await waitUntil(() => relay.status === "connected", 10_000, "back");
    await waitUntil(() => chip.value(LINE) === 0, 10_000, "locked level driven again");
    expect(seen).toEqual(["connected", "disconnected", "connected"]);
    await relay.close();
  });
});
