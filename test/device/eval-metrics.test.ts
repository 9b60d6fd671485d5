/** Evaluation figures from sorted scores agree with counting every pair. */
import { describe, expect, it } from "vitest";
import { bestAccuracy, normalImpostorModel, operatingPointAt, operatingPointForFmr, type ScoredPair, sortScores, verificationAt } from "../../device/eval/metrics.js";

const pairs: ScoredPair[] = [];
let seed = 7;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
for (let i = 0; i < 200; i++) pairs.push({ score: 0.3 + 0.5 * rnd(), same: true });
for (let i = 0; i < 5000; i++) pairs.push({ score: -0.2 + 0.6 * rnd() * rnd(), same: false });

describe("eval metrics", () => {
  it("operatingPointAt agrees with verificationAt at any threshold", () => {
    const s = sortScores(pairs);
    for (const t of [0, 0.2, 0.3, 0.35, 0.5]) {
      const a = operatingPointAt(s, t), b = verificationAt(pairs, t);
      expect(a.fmr).toBe(b.fmr);
      expect(a.fnmr).toBe(b.fnmr);
    }
  });

  it("operatingPointForFmr is the lowest threshold whose FMR is within the target", () => {
    const s = sortScores(pairs);
    for (const target of [1e-2, 1e-3, 0]) {
      const p = operatingPointForFmr(s, target);
      expect(p.fmr).toBeLessThanOrEqual(target);
      expect(verificationAt(pairs, p.threshold - 1e-6).fmr).toBeGreaterThan(target); // any lower threshold exceeds it
    }
    expect(operatingPointForFmr(s, 0).falseMatches).toBe(0);
    expect(operatingPointForFmr(s, 1e-4).resolved).toBe(false); // 5,000 impostor pairs cannot resolve 1e-4
  });

  it("bestAccuracy (sorted) finds the accuracy of counting every pair at its threshold", () => {
    const best = bestAccuracy(pairs);
    expect(verificationAt(pairs, best.threshold).accuracy).toBe(best.accuracy);
    for (const t of [0.25, 0.3, 0.35, 0.4]) expect(verificationAt(pairs, t).accuracy).toBeLessThanOrEqual(best.accuracy);
  });
});

describe("the normal model of the impostor scores", () => {
  it("predicts the normal tail from the mean and standard deviation", () => {
    const s = sortScores([-1, 0, 1, -1, 0, 1].map((score) => ({ score, same: false })));
    const m = normalImpostorModel(s, 0)!;
    expect(m.mean).toBe(0);
    expect(m.fmrAtThreshold).toBeCloseTo(0.5, 6);
    const two = normalImpostorModel(s, 2 * m.sd)!;
    expect(two.fmrAtThreshold).toBeCloseTo(0.0227501, 6);
    expect(normalImpostorModel(s, 6 * m.sd)!.fmrAtThreshold / 9.8659e-10).toBeCloseTo(1, 4); // far tail, relative accuracy
  });
});
