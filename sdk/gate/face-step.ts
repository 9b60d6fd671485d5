/**
 * The face path's rules, pure: which frames are looked at, and what a frame's outcome
 * does. The shell (face-path.ts) does the I/O (analysis, 1:N search, 1:1 verification,
 * consent checks) and hands each frame's result to `faceStep` as an observation; the
 * effects come back for it to perform: act on a decision, show a prompt, record, log,
 * release the pending card, end the enrollment waiting for a face.
 *
 * Rules:
 * - A frame is analysed only for the enrollment waiting for a face, for a swiped card
 *   waiting for its face (card_then_face), or where the mode accepts a face alone (L4).
 * - The same outcome is not repeated while the person stands there: a decision or an
 *   "unknown face" prompt starts a quiet period of `faceRepeatMs` for its key
 *   (`grant:<ref>`, `deny:<reason>:<ref>`, `unknown`, the menu's `enroll_retry`); a grant's
 *   lasts at least as long as the door stays unlocked.
 * - A grant for the pending card releases it, even when the grant itself is quiet.
 * - The first analysis failure says once that face recognition is unavailable; the first
 *   success after failures says it is back.
 *
 * Decisions over several frames (the frames of one tracked face agreeing before the door
 * opens) are made before a `decided` observation is handed in: face-path.ts keeps the
 * track (sdk/vision/face-track.ts, pure) and decides only when its frames agree.
 */
import type { Decision } from "../policy/decision.js";
import { type GateMode, modeAcceptsFaceAlone } from "../policy/gate-policy.js";
import { TEXT } from "./display-texts.js";
import type { OutputEffect } from "./output-effects.js";

export interface FaceState {
  /** Outcome keys not to repeat before a time. */
  readonly quiet: ReadonlyMap<string, number>;
  /** The last analysis failed: face recognition was reported unavailable. */
  readonly degraded: boolean;
}

export const INITIAL_FACE_STATE: FaceState = { quiet: new Map(), degraded: false };

export interface FaceSettings {
  /** The same face outcome is not repeated within this time. */
  readonly faceRepeatMs: number;
}

export type FaceObservation =
  /** The analyzer failed (models, input); `enrolling`: the menu was waiting for this frame's face. */
  | { type: "analysis_failed"; code: string; enrolling: boolean }
  | { type: "analysed" }
  /** A live face matched nobody: no event, no log line, only a hint on the display (L4). */
  | { type: "unknown_face" }
  /** The decision on a face; `forPendingCard`: the 1:1 check of a swiped card's holder. */
  | { type: "decided"; decision: Decision; forPendingCard: boolean }
  /** The menu wants a clearer, live face to enroll. */
  | { type: "enroll_retry" }
  /** This person's face data changed: their outcomes may be reported again at once. */
  | { type: "forget"; personRef: string }
  /** Drops the quiet periods that have ended. */
  | { type: "prune" };

export type FaceEffect =
  | OutputEffect
  | { type: "act"; decision: Decision }
  | { type: "release_pending_card" }
  /** The enrollment waiting for a face gets none now (the menu says so). */
  | { type: "end_enrollment" };

export interface FaceStep {
  state: FaceState;
  effects: FaceEffect[];
}

/** What a frame is for. */
export type FrameRoute = "enroll" | "verify_card" | "identify" | "ignore";

/** Which job a frame does; `ignore`: face is not used now, the frame is not even analysed (L4). */
export function frameRoute(f: { mode: GateMode; enrolling: boolean; pendingCard: boolean }): FrameRoute {
  if (f.enrolling) return "enroll";
  if (f.pendingCard && f.mode === "card_then_face") return "verify_card";
  return modeAcceptsFaceAlone(f.mode) ? "identify" : "ignore";
}

/** Whether `key` is outside its quiet period at `at`; if so the quiet period starts now. */
function quieted(quiet: ReadonlyMap<string, number>, key: string, at: number, settings: FaceSettings): Map<string, number> | null {
  const until = quiet.get(key);
  if (until !== undefined && until > at) return null;
  return new Map(quiet).set(key, at + settings.faceRepeatMs);
}

/** The key under which a decision is not repeated. */
function outcomeKey(decision: Decision): string {
  return decision.granted ? `grant:${decision.personRef}` : `deny:${decision.reason}:${decision.personRef ?? ""}`;
}

const prompt = (text: string): FaceEffect => ({ type: "show", message: { kind: "prompt", text } });

export function faceStep(state: FaceState, input: FaceObservation, at: number, settings: FaceSettings): FaceStep {
  switch (input.type) {
    case "analysis_failed": {
      const effects: FaceEffect[] = [];
      let next = state;
      if (!state.degraded) {
        next = { ...state, degraded: true };
        effects.push({ type: "warn", message: "face analysis failed; card and PIN keep working", data: { error: input.code } }, { type: "record", event: "system.face_unavailable", data: { code: input.code } }, prompt(TEXT.faceUnavailable));
      }
      if (input.enrolling) effects.push({ type: "end_enrollment" });
      return { state: next, effects };
    }
    case "analysed":
      return state.degraded ? { state: { ...state, degraded: false }, effects: [{ type: "record", event: "system.face_available", data: {} }] } : { state, effects: [] };
    case "unknown_face":
    case "enroll_retry": {
      const key = input.type === "unknown_face" ? "unknown" : "enroll_retry";
      const quiet = quieted(state.quiet, key, at, settings);
      if (!quiet) return { state, effects: [] };
      return { state: { ...state, quiet }, effects: [prompt(input.type === "unknown_face" ? TEXT.useCardOrPin : TEXT.enrollRetry)] };
    }
    case "decided": {
      const { decision } = input;
      const effects: FaceEffect[] = input.forPendingCard && decision.granted ? [{ type: "release_pending_card" }] : [];
      const key = outcomeKey(decision);
      const quiet = quieted(state.quiet, key, at, settings);
      if (!quiet) return { state, effects };
      if (decision.granted) quiet.set(key, at + Math.max(decision.unlockMs, settings.faceRepeatMs));
      return { state: { ...state, quiet }, effects: [...effects, { type: "act", decision }] };
    }
    case "forget": {
      const quiet = new Map([...state.quiet].filter(([key]) => !key.endsWith(`:${input.personRef}`)));
      return { state: { ...state, quiet }, effects: [] };
    }
    case "prune": {
      const quiet = new Map([...state.quiet].filter(([, until]) => until > at));
      return { state: { ...state, quiet }, effects: [] };
    }
  }
}
