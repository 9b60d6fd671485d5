/** The impostor tail model: the fit recovers a known generalized Pareto tail, and the threshold inverts the rate. */
import { describe, expect, it } from "vitest";
import { mulberry32 as prng } from "../../../sdk/matcher/synthetic-embeddings.js";
import { DEFAULT_IMPOSTOR_TAIL, expectedFpir, faceAloneOperatingPoint, fitImpostorTail, impostorRate, minModelledRate, perComparisonRate, thresholdForRate } from "../../../sdk/vision/impostor-model.js";


describe("impostor tail model", () => {
  it("recovers the scale and shape of a generalized Pareto tail from its samples", () => {
    const rnd = prng(17);
    const sigma = 0.04, xi = -0.1, u = 0.2;
    // 98% of the scores below u, 2% above it from the GPD (inverse CDF).
    const scores = Array.from({ length: 50_000 }, () => (rnd() < 0.98 ? u * rnd() : u + (sigma / xi) * (Math.pow(1 - rnd(), -xi) - 1)));
    const tail = fitImpostorTail(scores, 0.02);
    expect(tail.u).toBeCloseTo(u, 2);
    expect(tail.sigma).toBeGreaterThan(sigma * 0.85);
    expect(tail.sigma).toBeLessThan(sigma * 1.15);
    expect(tail.xi).toBeGreaterThan(xi - 0.08);
    expect(tail.xi).toBeLessThan(xi + 0.08);
  });

  it("thresholdForRate inverts impostorRate, and the FPIR grows with the gallery", () => {
    for (const rate of [1e-3, 1e-5, 1e-7]) expect(impostorRate(DEFAULT_IMPOSTOR_TAIL, thresholdForRate(DEFAULT_IMPOSTOR_TAIL, rate))).toBeCloseTo(rate, 12);
    expect(expectedFpir(DEFAULT_IMPOSTOR_TAIL, 0.43, 1000)).toBeGreaterThan(expectedFpir(DEFAULT_IMPOSTOR_TAIL, 0.43, 100));
    expect(perComparisonRate(1e-4, 100)).toBeCloseTo(1e-6, 9);
  });

  it("answers only down to 1/(100 n) per comparison: larger galleries are infeasible", () => {
    const op = faceAloneOperatingPoint(DEFAULT_IMPOSTOR_TAIL, 10, 1e-4);
    expect(op.feasible).toBe(true);
    expect(perComparisonRate(1e-4, op.maxTemplates)).toBeGreaterThanOrEqual(minModelledRate(DEFAULT_IMPOSTOR_TAIL));
    expect(faceAloneOperatingPoint(DEFAULT_IMPOSTOR_TAIL, op.maxTemplates + 1, 1e-4)).toMatchObject({ feasible: false, threshold: undefined });
  });
});

describe("impostor tail model, outside its range", () => {
  it("does not answer at or below the start of the tail", () => {
    expect(impostorRate(DEFAULT_IMPOSTOR_TAIL, DEFAULT_IMPOSTOR_TAIL.u)).toBeNaN();
    expect(expectedFpir(DEFAULT_IMPOSTOR_TAIL, 0.1, 100)).toBeNaN();
    expect(() => thresholdForRate(DEFAULT_IMPOSTOR_TAIL, 0.5)).toThrow(RangeError);
  });
});
