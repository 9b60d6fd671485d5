/**
 * Timers are a dependency, like the Clock: logic that waits takes `Timers` and never calls
 * setTimeout itself, so tests and scenarios fire timers by moving time
 * (sdk/time/manual-timers.ts). The device passes the process timers
 * (device/runtime/system-timers.ts).
 */
/** Whatever `setTimer` returned; only `clearTimer` reads it. */
export type TimerHandle = unknown;

export type SetTimer = (callback: () => void, delayMs: number) => TimerHandle;
export type ClearTimer = (handle: TimerHandle) => void;

export interface Timers {
  /** Calls `callback` once, `delayMs` from now (by the timers' own notion of now). */
  setTimer: SetTimer;
  /** Cancels a timer that has not fired; a handle already fired or cleared is ignored. */
  clearTimer: ClearTimer;
}

/** Waits for `task`, or `ms` on `timers`, whichever comes first; the timer is cleared either way. */
export async function waitAtMost(timers: Timers, task: Promise<unknown>, ms: number): Promise<void> {
  let handle: TimerHandle | undefined;
  const timeout = new Promise<void>((resolve) => {
    handle = timers.setTimer(resolve, ms);
  });
  try {
    await Promise.race([task, timeout]);
  } finally {
    timers.clearTimer(handle);
  }
}
