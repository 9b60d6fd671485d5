/**
 * Timers that follow a ManualClock: a timer fires when `runDue()` is called after the
 * clock has passed its due time. Scenarios move time explicitly, so the on-device expiry
 * sweep runs exactly when simulated time says so.
 */
import type { ManualClock } from "./clock.js";
import type { Timers } from "./timers.js";

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

export class ManualTimers implements Timers {
  private pending: Pending[] = [];
  private nextId = 1;

  constructor(private readonly clock: ManualClock) {}

  readonly setTimer = (fn: () => void, ms: number): number => {
    const id = this.nextId++;
    this.pending.push({ id, due: this.clock.now() + Math.max(0, ms), fn });
    return id;
  };

  readonly clearTimer = (handle: unknown): void => {
    this.pending = this.pending.filter((p) => p.id !== handle);
  };

  /** Fires every timer due by now, in due order (timers they set are considered too). */
  runDue(): number {
    let fired = 0;
    for (;;) {
      const now = this.clock.now();
      const due = this.pending.filter((p) => p.due <= now).sort((a, b) => a.due - b.due)[0];
      if (!due) return fired;
      this.pending = this.pending.filter((p) => p !== due);
      due.fn();
      fired++;
    }
  }
}
