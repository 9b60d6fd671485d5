/**
 * ManualTimers moved to sdk/time/manual-timers.ts, beside ManualClock, so the hardware
 * contract suites (sdk/testing/hal) can drive time without importing the simulator.
 * This re-export keeps the driver branches written against the old path compiling.
 */
export { ManualTimers } from "../sdk/time/manual-timers.js";
