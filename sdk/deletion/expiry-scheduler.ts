/**
 * Runs the expiry sweep on the device by itself (L7, L9): no network, an injected Clock
 * and injected timers, so tests move time by hand.
 *
 * A sweep that costs nothing on the door's thread (issue 18: a whole-gallery sweep took
 * 2.5 s at 100,000 templates, once a minute):
 *  - The timer is set for the earliest upcoming expiry (`nextDue`, one indexed MIN), moved
 *    earlier when a consent is given that expires sooner (`wakeBy`), and never later than
 *    `maxIntervalMs` (a clock jump is picked up at the latest then; such a wake-up finds
 *    nothing and costs two indexed look-ups).
 *  - Only the first sweep after start looks at everyone (catching up on what expired
 *    while the device was off); each later one is told when the previous one ran
 *    (`since`) and looks only at what ended in between.
 *  - A sweep is a sequence of steps, one per subject looked at; at most `stepsPerTurn`
 *    run per turn of the event loop, a step that deleted something counting for half of
 *    them. The rest continues on a zero-delay timer, so card, PIN, MQTT and the door are
 *    served in between.
 */
import type { Logger } from "../log/logger.js";
import type { Clock } from "../time/clock.js";
import type { ClearTimer, SetTimer, TimerHandle } from "../time/timers.js";

/**
 * What one step of a sweep did ("failed": logged; "held": deletions withheld until the
 * time is confirmed; either way the sweep is not counted as done, so the next one looks again).
 */
export type SweepStep = "checked" | "deleted" | "failed" | "held";

export interface ExpirySchedulerOptions {
  clock: Clock;
  setTimer: SetTimer;
  clearTimer?: ClearTimer;
  /**
   * The steps of one sweep at `now` (deleting what is due), lazily: `since` is when the
   * previous sweep finished its look (undefined for the first, which must look at everyone).
   */
  sweep: (now: number, since: number | undefined) => Iterable<SweepStep>;
  /** Earliest expiry after `now`, if any (ConsentRegistry.nextExpiryAfter). */
  nextDue?: (now: number) => number | undefined;
  /** Subscribes `wake` to expiries that appear (consents given); returns the unsubscribe. */
  watchNewExpiries?: (wake: (at: number) => void) => () => void;
  maxIntervalMs?: number;
  /** Subjects looked at per turn of the event loop; default 64 (~1 ms). */
  stepsPerTurn?: number;
  /**
   * A turn also ends once the clock has moved this far since it began (default 3 ms), so
   * a slow disk or a busy core makes turns shorter instead of longer.
   */
  maxTurnMs?: number;
  logger?: Logger;
}

export class ExpiryScheduler {
  private readonly o: ExpirySchedulerOptions;
  private handle: TimerHandle | undefined;
  /** When the pending timer fires (clock time), if one is set. */
  private dueAt: number | undefined;
  private running = false;
  /** The sweep in progress: its steps and the time it sweeps at. */
  private pass: { at: number; steps: Iterator<SweepStep>; failed: boolean } | undefined;
  /** When the last complete sweep looked (undefined: none yet). */
  private sweptAt: number | undefined;
  private unwatch: (() => void) | undefined;

  constructor(options: ExpirySchedulerOptions) {
    this.o = options;
  }

  /** Sweeps at once (catching up on anything that expired while the device was off), then keeps sweeping. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unwatch = this.o.watchNewExpiries?.((at) => this.wakeBy(at));
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.pass = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    this.clear();
  }

  /**
   * Something now expires at `at` (a consent just given): if that is before the timer,
   * the timer is moved to it, so a short consent is not left waiting for the safety interval.
   */
  wakeBy(at: number): void {
    if (!this.running || this.pass || (this.dueAt !== undefined && this.dueAt <= at)) return;
    this.clear();
    this.schedule(Math.max(0, at - this.o.clock.now()));
  }

  /** Whether a sweep is part-way through (continuing on the next turns). */
  get sweeping(): boolean {
    return this.pass !== undefined;
  }

  /** Runs one turn of the sweep (starting one if none is in progress), then sets the next timer. */
  tick(): void {
    this.clear();
    if (!this.pass) {
      const at = this.o.clock.now();
      this.pass = { at, steps: this.o.sweep(at, this.sweptAt)[Symbol.iterator](), failed: false };
    }
    const pass = this.pass;
    const budget = this.o.stepsPerTurn ?? 64;
    const endBy = this.o.clock.now() + (this.o.maxTurnMs ?? 3);
    let done = false;
    try {
      for (let spent = 0; spent < budget && (spent === 0 || this.o.clock.now() < endBy); ) {
        const step = pass.steps.next();
        if (step.done) {
          done = true;
          break;
        }
        if (step.value === "failed" || step.value === "held") pass.failed = true;
        // A deletion (a transaction, a WAL checkpoint) costs about half a turn.
        spent += step.value === "checked" ? 1 : Math.ceil(budget / 2);
      }
    } catch (err) {
      this.o.logger?.error("expiry sweep failed", { error: err as Error });
      done = true;
      pass.failed = true;
    }
    if (done) {
      this.pass = undefined;
      // After a failure the next sweep looks again over the same span (from the last good one).
      if (!pass.failed) this.sweptAt = pass.at;
    }
    if (!this.running) return;
    if (!done) return this.schedule(0);
    const now = this.o.clock.now();
    const max = this.o.maxIntervalMs ?? 60_000;
    const next = this.o.nextDue?.(now);
    this.schedule(next === undefined ? max : Math.max(0, Math.min(max, next - now)));
  }

  private schedule(delay: number): void {
    this.dueAt = this.o.clock.now() + delay;
    this.handle = this.o.setTimer(() => {
      this.handle = undefined;
      this.dueAt = undefined;
      if (this.running) this.tick();
    }, delay);
  }

  private clear(): void {
    if (this.handle !== undefined) this.o.clearTimer?.(this.handle);
    this.handle = undefined;
    this.dueAt = undefined;
  }
}
