/**
 * Time is a dependency: logic takes a Clock and never reads Date.now() itself, so tests
 * and scenarios can move time (consent expiry, PIN lockout, door-held alarms).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError("ManualClock.advance: ms must be a finite, non-negative number");
    this.current += ms;
  }

  set(at: number | Date): void {
    this.current = typeof at === "number" ? at : at.getTime();
  }
}
