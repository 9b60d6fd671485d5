/**
 * Runs the expiry sweep on the device by itself (L7, L9): no network, an injected Clock
 * and an injected timer function, so tests move time by hand. After each sweep the next
 * run is set for the earliest upcoming consent expiry, and never later than
 * `maxIntervalMs` (a clock jump or a new consent is picked up at the latest then).
 */
import type { Logger } from "../log/logger.js";
import type { Clock } from "../time/clock.js";
import type { ClearTimer, SetTimer } from "../time/timers.js";

export interface ExpirySchedulerOptions {
  clock: Clock;
  setTimer: SetTimer;
  clearTimer?: ClearTimer;
  /** Deletes what is due at `now` (DeletionService.sweepExpired). */
  sweep: (now: number) => unknown;
  /** Earliest expiry after `now`, if any (ConsentRegistry.nextExpiryAfter). */
  nextDue?: (now: number) => number | undefined;
  maxIntervalMs?: number;
  logger?: Logger;
}

export class ExpiryScheduler {
  private readonly o: ExpirySchedulerOptions;
  private handle: unknown;
  private running = false;

  constructor(options: ExpirySchedulerOptions) {
    this.o = options;
  }

  /** Sweeps at once (catching up on anything that expired while the device was off), then keeps sweeping. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.o.clearTimer?.(this.handle);
    this.handle = undefined;
  }

  /** One sweep and reschedule; exposed so a runtime can also sweep on demand. */
  tick(): void {
    const now = this.o.clock.now();
    try {
      this.o.sweep(now);
    } catch (err) {
      this.o.logger?.error("expiry sweep failed", { error: err as Error });
    }
    if (!this.running) return;
    const max = this.o.maxIntervalMs ?? 60_000;
    const next = this.o.nextDue?.(now);
    const delay = next === undefined ? max : Math.max(0, Math.min(max, next - now));
    this.handle = this.o.setTimer(() => {
      this.handle = undefined;
      if (this.running) this.tick();
    }, delay);
  }
}
