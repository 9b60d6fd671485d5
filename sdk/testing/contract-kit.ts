/**
 * The frame of every contract suite: a suite is a list of obligations, one per sentence
 * of the contract it checks, each a check run on a fresh implementation made by the
 * suite's factory. `registerContract` registers them with vitest (one `it` per
 * obligation, inside one `describe`); `checkObligation` runs one on its own, e.g. to show
 * that it fails on an implementation that breaks it (a positive control).
 *
 * The factory gets the gate's clock and timers (a ManualClock and the ManualTimers that
 * follow it): pass them to the implementation, which must read time only from that
 * clock and wait only with those timers (sdk/time). The suite moves time itself; it
 * never sleeps.
 */
import { describe, it } from "vitest";
import { ManualClock } from "../time/clock.js";
import { ManualTimers } from "../time/manual-timers.js";

/** What a suite hands to the factory: the gate's clock and the timers that follow it. */
export interface ContractEnv {
  clock: ManualClock;
  timers: ManualTimers;
}

/** Where every suite starts its clock: years away from the machine's own clock, so a time taken from Date.now() shows. */
export const CONTRACT_START = Date.UTC(2031, 5, 15, 12, 0, 0);

export interface ContractOptions<F> {
  /** Names the implementation in the test report, e.g. "OSDP reader over a pty". */
  name: string;
  create(env: ContractEnv): Promise<F>;
}

export interface Obligation<F> {
  /** The obligation, as the contract states it. */
  name: string;
  check(fixture: F, env: ContractEnv): Promise<void>;
}

/** What every fixture can do: free what its factory made. */
export interface Closable {
  close(): void | Promise<void>;
}

export function contractEnv(): ContractEnv {
  const clock = new ManualClock(CONTRACT_START);
  return { clock, timers: new ManualTimers(clock) };
}

/** Runs one obligation on a fresh fixture from `create`, and closes it whatever happens. */
export async function checkObligation<F extends Closable>(obligation: Obligation<F>, create: (env: ContractEnv) => Promise<F>): Promise<void> {
  const env = contractEnv();
  const fixture = await create(env);
  try {
    await obligation.check(fixture, env);
  } finally {
    await fixture.close();
  }
}

/** Registers every obligation as a vitest test, inside `describe("<title>: <name>")`. */
export function registerContract<F extends Closable>(title: string, options: ContractOptions<F>, obligations: ReadonlyArray<Obligation<F>>): void {
  describe(`${title}: ${options.name}`, () => {
    for (const obligation of obligations) it(obligation.name, () => checkObligation(obligation, (env) => options.create(env)));
  });
}

/** Moves the gate's time by `ms`, fires the timers due, and waits for their effects. */
export async function advance(env: ContractEnv, fixture: { settle(): Promise<void> }, ms: number): Promise<void> {
  env.clock.advance(ms);
  env.timers.runDue();
  await fixture.settle();
}

/**
 * The error an operation rejected with. Fails when it resolved, or threw at once instead
 * of returning a rejected promise (where a contract says "rejects").
 */
export async function rejectionOf(operation: () => Promise<unknown>, what: string): Promise<unknown> {
  let pending: Promise<unknown>;
  try {
    pending = operation();
  } catch (err) {
    throw new Error(`${what} threw at once instead of returning a rejected promise: ${String(err)}`);
  }
  try {
    await pending;
  } catch (err) {
    return err;
  }
  throw new Error(`${what} resolved; it must reject`);
}
