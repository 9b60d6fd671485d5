/**
 * Tunables of the gate orchestrator. The face thresholds come from sdk/vision
 * (DEFAULT_MATCH_THRESHOLD, LIVENESS_THRESHOLD) in the composition root; the defaults
 * here are conservative stand-ins chosen from the fixture measurements (genuine pairs
 * >= 0.48, impostors <= 0.38).
 */
import type { FaceThresholds } from "../policy/decision.js";

export interface GateSettings {
  thresholds: FaceThresholds;
  /** The privacy menu closes after this long without a key. */
  menuTimeoutMs: number;
  /** A partial keypad entry is discarded after this long without a key. */
  keypadTimeoutMs: number;
  /** How long the menu waits for a face to enroll. */
  enrollTimeoutMs: number;
  /** The same face outcome (a denial, a grant of the same person) is not repeated within this time. */
  faceRepeatMs: number;
  /** Period of the housekeeping tick (door-held alarm, timeouts) once started; 0: no timer, call tick() yourself. */
  tickMs: number;
}

export const DEFAULT_GATE_SETTINGS: GateSettings = {
  thresholds: { match: 0.43, liveness: 0.5 },
  menuTimeoutMs: 60_000,
  keypadTimeoutMs: 10_000,
  enrollTimeoutMs: 30_000,
  faceRepeatMs: 5_000,
  tickMs: 500,
};
