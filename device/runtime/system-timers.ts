/** The process timers behind the SDK's Timers port. */
import type { Timers } from "../../sdk/time/timers.js";

export const systemTimers: Timers = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};
