/** Tracking the face at the door: consecutive frames of one track must agree; a moved face or a gap starts a new track. */
import { describe, expect, it } from "vitest";
import { endTrack, fusedEmbedding, INITIAL_TRACKER_STATE, iou, trackFrame, type TrackerState } from "../../../sdk/vision/face-track.js";

const box = (x: number) => ({ x, y: 100, width: 120, height: 120 });
const unit = (i: number, n = 8) => Float32Array.from({ length: n }, (_, k) => (k === i ? 1 : 0));
const settings = { framesRequired: 3, maxGapMs: 500, minIou: 0.3 };

function run(frames: Array<{ x: number; at: number; who: string | null; e?: Float32Array }>): { state: TrackerState; agreed: boolean[]; ids: number[] } {
  let state = INITIAL_TRACKER_STATE;
  const agreed: boolean[] = [], ids: number[] = [];
  for (const f of frames) {
    const r = trackFrame(state, { box: box(f.x), at: f.at, personRef: f.who, embedding: f.e ?? unit(0) }, settings);
    state = r.state;
    agreed.push(r.agreed);
    ids.push(r.track.id);
  }
  return { state, agreed, ids };
}

describe("face track", () => {
  it("agrees only after framesRequired consecutive frames name the same person", () => {
    expect(run([{ x: 100, at: 0, who: "a" }, { x: 105, at: 100, who: "a" }, { x: 110, at: 200, who: "a" }]).agreed).toEqual([false, false, true]);
  });

  it("a frame naming someone else or nobody starts the count again", () => {
    const r = run([
      { x: 100, at: 0, who: "a" },
      { x: 100, at: 100, who: "b" },
      { x: 100, at: 200, who: "a" },
      { x: 100, at: 300, who: null },
      { x: 100, at: 400, who: "a" },
      { x: 100, at: 500, who: "a" },
    ]);
    expect(r.agreed).toEqual([false, false, false, false, false, false]);
    expect(new Set(r.ids).size).toBe(1);
  });

  it("a face elsewhere in the frame, or after a gap, is a new track", () => {
    const moved = run([{ x: 100, at: 0, who: "a" }, { x: 100, at: 100, who: "a" }, { x: 400, at: 200, who: "a" }]);
    expect(moved.agreed).toEqual([false, false, false]);
    expect(moved.ids).toEqual([1, 1, 2]);
    const gap = run([{ x: 100, at: 0, who: "a" }, { x: 100, at: 100, who: "a" }, { x: 100, at: 900, who: "a" }]);
    expect(gap.ids).toEqual([1, 1, 2]);
    expect(iou(box(100), box(400))).toBe(0);
  });

  it("fuses the track's embeddings (normalised mean) and wipes the sum when the track ends", () => {
    const r = run([{ x: 100, at: 0, who: "a", e: unit(0) }, { x: 100, at: 100, who: "a", e: unit(1) }]);
    const fused = fusedEmbedding(r.state.track!);
    expect(fused[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(fused[1]).toBeCloseTo(Math.SQRT1_2, 6);
    const sum = r.state.track!.sum;
    endTrack(r.state);
    expect(sum.every((x) => x === 0)).toBe(true);
    // A new track wipes the previous one's sum too.
    const first = run([{ x: 100, at: 0, who: "a" }]);
    const old = first.state.track!.sum;
    trackFrame(first.state, { box: box(400), at: 50, personRef: "a", embedding: unit(2) }, settings);
    expect(old.every((x) => x === 0)).toBe(true);
  });
});
