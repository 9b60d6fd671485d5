/**
 * "Call me once nothing has happened for `ms`": re-armed by every `poke()`. When it
 * fires it waits one more turn of the event loop (a zero timer set from a timer runs
 * after the loop has polled for I/O) so that edges already in gpiomon's pipe are read
 * before the callback decides anything. It never measures a bit or a bounce: that is
 * done from kernel timestamps.
 */
import type { DriverTimers } from "../process/child-process.js";

export class QuietTimer {
  private handle: unknown = null;

  constructor(
    private readonly timers: DriverTimers,
    private readonly ms: number,
    private readonly fn: () => void,
  ) {}

  poke(): void {
    this.cancel();
    this.handle = this.timers.setTimer(() => {
      this.handle = this.timers.setTimer(() => {
        this.handle = null;
        this.fn();
      }, 0);
    }, this.ms);
  }

  cancel(): void {
    if (this.handle !== null) this.timers.clearTimer(this.handle);
    this.handle = null;
  }

  get armed(): boolean {
    return this.handle !== null;
  }
}
