/** The face path's rules (sdk/gate/face-step.ts): which frames are looked at, and what an outcome does. */
import { describe, expect, it } from "vitest";
import { TEXT } from "../../../sdk/gate/display-texts.js";
import { type FaceObservation, type FaceState, INITIAL_FACE_STATE, faceStep, frameRoute } from "../../../sdk/gate/face-step.js";
import type { Decision } from "../../../sdk/policy/decision.js";
import type { GateMode } from "../../../sdk/policy/gate-policy.js";

const SETTINGS = { faceRepeatMs: 5_000 };
const T = 1_000_000;
const GRANT: Decision = { granted: true, reason: "ok", method: "face", personRef: "p-1", unlockMs: 8_000 };
const DENY: Decision = { granted: false, reason: "face_consent_invalid", method: "face", personRef: "p-1", unlockMs: 0 };

/** Feeds observations at their times; returns the final state and every effect, in order. */
function run(steps: Array<[number, FaceObservation]>, from: FaceState = INITIAL_FACE_STATE) {
  let state = from;
  const effects = [];
  for (const [at, o] of steps) {
    const r = faceStep(state, o, at, SETTINGS);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}
const acts = (steps: Array<[number, FaceObservation]>) => run(steps).effects.filter((e) => e.type === "act").length;
const decided = (decision: Decision, forPendingCard = false): FaceObservation => ({ type: "decided", decision, forPendingCard });

describe("face path: which frames are analysed (L4)", () => {
  it.each([
    ["card_or_pin", false, false, "ignore"],
    ["card_and_pin", false, true, "ignore"],
    ["card_then_face", false, false, "ignore"],
    ["card_then_face", false, true, "verify_card"],
    ["face_or_card", false, false, "identify"],
    ["face_or_card_or_pin", false, true, "identify"],
    ["card", true, false, "enroll"],
    ["card_then_face", true, true, "enroll"],
  ] as const)("%s, enrolling %s, card pending %s: %s", (mode, enrolling, pendingCard, route) => {
    expect(frameRoute({ mode: mode as GateMode, enrolling, pendingCard })).toBe(route);
  });
});

describe("face path: outcomes are not repeated while the person stands there", () => {
  it("a grant acts once, and stays quiet as long as the door is unlocked (longer than faceRepeatMs)", () => {
    expect(acts([[T, decided(GRANT)], [T + 7_999, decided(GRANT)]])).toBe(1);
    expect(acts([[T, decided(GRANT)], [T + 8_000, decided(GRANT)]])).toBe(2);
    expect(acts([[T, decided({ ...GRANT, unlockMs: 1_000 })], [T + 4_999, decided({ ...GRANT, unlockMs: 1_000 })]])).toBe(1);
  });

  it("a denial is quiet for faceRepeatMs, per reason and person", () => {
    expect(acts([[T, decided(DENY)], [T + 4_999, decided(DENY)], [T + 5_000, decided(DENY)]])).toBe(2);
    expect(acts([[T, decided(DENY)], [T + 1, decided({ ...DENY, reason: "liveness_failed" })], [T + 2, decided({ ...DENY, personRef: "p-2" })]])).toBe(3);
  });

  it("a grant after a denial of the same person is not held back", () => {
    expect(run([[T, decided(DENY)], [T + 1, decided(GRANT)]]).effects).toEqual([
      { type: "act", decision: DENY },
      { type: "act", decision: GRANT },
    ]);
  });

  it("an unknown face gets one hint per quiet period, no event and no log line", () => {
    const r = run([[T, { type: "unknown_face" }], [T + 4_999, { type: "unknown_face" }], [T + 5_000, { type: "unknown_face" }]]);
    expect(r.effects).toEqual([
      { type: "show", message: { kind: "prompt", text: TEXT.useCardOrPin } },
      { type: "show", message: { kind: "prompt", text: TEXT.useCardOrPin } },
    ]);
  });

  it("the menu's request for a better face has its own quiet period", () => {
    const r = run([[T, { type: "unknown_face" }], [T + 1, { type: "enroll_retry" }], [T + 2, { type: "enroll_retry" }]]);
    expect(r.effects.map((e) => e.type === "show" && e.message.kind === "prompt" && e.message.text)).toEqual([TEXT.useCardOrPin, TEXT.enrollRetry]);
  });

  it("forgetting a person ends their quiet periods only", () => {
    const { state } = run([[T, decided(GRANT)], [T, decided({ ...GRANT, personRef: "p-2" })], [T, { type: "unknown_face" }]]);
    const after = faceStep(state, { type: "forget", personRef: "p-1" }, T, SETTINGS).state;
    expect([...after.quiet.keys()]).toEqual(["grant:p-2", "unknown"]);
    expect(run([[T + 1, decided(GRANT)]], after).effects).toEqual([{ type: "act", decision: GRANT }]);
    expect(run([[T + 1, decided({ ...GRANT, personRef: "p-2" })]], after).effects).toEqual([]);
  });

  it("pruning drops the quiet periods that have ended", () => {
    const { state } = run([[T, decided(DENY)], [T, decided(GRANT)]]);
    expect([...faceStep(state, { type: "prune" }, T + 5_000, SETTINGS).state.quiet.keys()]).toEqual(["grant:p-1"]);
    expect(faceStep(state, { type: "prune" }, T + 8_000, SETTINGS).state.quiet.size).toBe(0);
  });
});

describe("face path: the card waiting for its face (card_then_face)", () => {
  it("a grant releases the pending card before acting", () => {
    const grant = { ...GRANT, method: "card_then_face" as const };
    expect(run([[T, decided(grant, true)]]).effects).toEqual([{ type: "release_pending_card" }, { type: "act", decision: grant }]);
  });

  it("releases it even when the grant itself is quiet", () => {
    const grant = { ...GRANT, method: "card_then_face" as const };
    expect(run([[T, decided(grant, true)], [T + 1, decided(grant, true)]]).effects.slice(2)).toEqual([{ type: "release_pending_card" }]);
  });

  it("a denial leaves the card waiting (the holder may still type the PIN)", () => {
    expect(run([[T, decided({ ...DENY, reason: "face_mismatch" }, true)]]).effects.map((e) => e.type)).toEqual(["act"]);
  });
});

describe("face path: analysis failures (L2: card and PIN keep working)", () => {
  const failed = (enrolling = false): FaceObservation => ({ type: "analysis_failed", code: "analysis_failed", enrolling });
  const unavailable = [
    { type: "warn", message: "face analysis failed; card and PIN keep working", data: { error: "analysis_failed" } },
    { type: "record", event: "system.face_unavailable", data: { code: "analysis_failed" } },
    { type: "show", message: { kind: "prompt", text: TEXT.faceUnavailable } },
  ];

  it("says once that face recognition is unavailable, and once that it is back", () => {
    const r = run([[T, failed()], [T + 1, failed()], [T + 2, { type: "analysed" }], [T + 3, { type: "analysed" }]]);
    expect(r.effects).toEqual([...unavailable, { type: "record", event: "system.face_available", data: {} }]);
    expect(r.state.degraded).toBe(false);
  });

  it("ends the enrollment waiting for a face on every failure", () => {
    expect(run([[T, failed(true)], [T + 1, failed(true)]]).effects).toEqual([...unavailable, { type: "end_enrollment" }, { type: "end_enrollment" }]);
  });
});
