/**
 * Tunables of the gate orchestrator. The face thresholds default to the ones measured for
 * sdk/vision's pipeline (DEFAULT_MATCH_THRESHOLD, LIVENESS_THRESHOLD in
 * sdk/vision/similarity.ts, where the measurements are documented): a gate built without
 * settings is exactly as strict as the device (L5: liveness before a face may open).
 */
import type { FaceThresholds } from "../policy/decision.js";
import { DEFAULT_TRACK_SETTINGS, type TrackSettings } from "../vision/face-track.js";
import { DEFAULT_MATCH_THRESHOLD, LIVENESS_THRESHOLD } from "../vision/similarity.js";

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
  /** Face alone: frames of one tracked face that must agree before a decision (sdk/vision/face-track.ts). */
  track: TrackSettings;
  /** Period of the housekeeping tick (door-held alarm, timeouts) once started; 0: no timer, call tick() yourself. */
  tickMs: number;
}

export const DEFAULT_GATE_SETTINGS: GateSettings = {
  thresholds: { match: DEFAULT_MATCH_THRESHOLD, liveness: LIVENESS_THRESHOLD },
  menuTimeoutMs: 60_000,
  keypadTimeoutMs: 10_000,
  enrollTimeoutMs: 30_000,
  faceRepeatMs: 5_000,
  track: DEFAULT_TRACK_SETTINGS,
  tickMs: 500,
};
