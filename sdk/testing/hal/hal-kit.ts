/**
 * What the hardware suites (sdk/testing/hal/*-contract.ts) share on top of the contract
 * kit (../contract-kit.ts).
 *
 * What every hardware factory returns (DeviceFixture), besides the kind's own stimulus
 * hooks:
 * - `device`: the implementation, started, with status "connected".
 * - `disconnect()` / `reconnect()`: the device goes away (cable pulled, bus silent) and
 *   comes back, the way it really would for this implementation. Calling either twice in
 *   a row must be harmless (the second does nothing).
 * - `settle()`: resolves once everything due by now has happened: every stimulus given
 *   so far delivered (or certainly dropped, e.g. while disconnected), every status change
 *   reported, the effects of timers that have fired applied to the hardware. A simulated
 *   device resolves at once; a driver waits for its I/O: for the queue of work it runs
 *   on child processes or a bus (give it an `idle()` for its tests), then for the
 *   hardware to show the result, or, where nothing can be observed, for its debounce or
 *   poll interval to pass on a loaded machine.
 * - `close()`: stops the device and frees what the factory made.
 */
import { expect } from "vitest";
import { HardwareError, type HardwareErrorCode } from "../../errors.js";
import type { HardwareDevice } from "../../hal/device.js";
import { type ContractEnv, rejectionOf } from "../contract-kit.js";

export interface DeviceFixture<D extends HardwareDevice> {
  device: D;
  disconnect(): void | Promise<void>;
  reconnect(): void | Promise<void>;
  settle(): Promise<void>;
  close(): void | Promise<void>;
}

/** Expects `operation` to reject with a HardwareError of `code`. */
export async function expectHardwareError(operation: () => Promise<unknown>, code: HardwareErrorCode, what: string): Promise<void> {
  const err = await rejectionOf(operation, what);
  expect(err, `${what}: a HardwareError`).toBeInstanceOf(HardwareError);
  expect((err as HardwareError).code, `${what}: its code`).toBe(code);
}

/** An input's time came from the gate's clock: no earlier than the stimulus, no later than its delivery. */
export function expectStamped(at: unknown, before: number, after: number, what: string): void {
  expect(typeof at === "number" && Number.isFinite(at), `${what}: a finite time`).toBe(true);
  expect(at as number, `${what}: not before the stimulus (the gate's clock, not Date.now())`).toBeGreaterThanOrEqual(before);
  expect(at as number, `${what}: not after its delivery (the gate's clock, not Date.now())`).toBeLessThanOrEqual(after);
}

/**
 * Gives each stimulus in turn, a second of the gate's time apart, and expects the input
 * each causes (`lastAt()`, the time of the latest input delivered) to carry the gate's
 * time: no earlier than the stimulus, no later than its delivery.
 */
export async function expectStampedInputs(
  env: ContractEnv,
  fixture: { settle(): Promise<void> },
  stimuli: ReadonlyArray<() => void | Promise<void>>,
  lastAt: () => number | undefined,
  what: string,
): Promise<void> {
  for (const stimulate of stimuli) {
    const before = env.clock.now();
    await stimulate();
    await fixture.settle();
    expectStamped(lastAt(), before, env.clock.now(), what);
    env.clock.advance(1_000);
  }
}

/**
 * Whether a secret appears in log text: as is, or with its characters apart, separated by
 * at most `gap` characters that are not themselves characters of a secret (a number
 * written with separators, a PIN logged one key per line). The suites run it on text
 * that holds the secret first (a positive control), so its "not found" can be trusted.
 */
export function logMentions(text: string, secret: string, gap: { between: string; max: number } = { between: `\\s,"':\\[\\]-`, max: 4 }): boolean {
  if (text.includes(secret)) return true;
  const escaped = secret.split("").map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(escaped.join(`[${gap.between}]{0,${gap.max}}`), "i").test(text);
}

/** Expects none of `secrets` in `logText`, after showing the search finds each in `planted(secret)`. */
export function expectNotLogged(logText: string, secrets: readonly string[], what: string, options: { planted: (secret: string) => string; gap?: { between: string; max: number } }): void {
  for (const secret of secrets) {
    expect(logMentions(options.planted(secret), secret, options.gap), "positive control: the log search finds a planted secret").toBe(true);
    expect(logMentions(logText, secret, options.gap), `${what} must never reach the log`).toBe(false);
  }
}
