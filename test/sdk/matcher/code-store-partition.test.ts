import { describe, expect, it } from "vitest";
import { CodeStore } from "../../../sdk/matcher/code-store.js";
import { mulberry32, SyntheticFaces } from "../../../sdk/matcher/synthetic-embeddings.js";
import { DIMS, QUERY_GROUP_WEIGHT, normalizeInto, quantizeQuery } from "../../../sdk/matcher/template-codes.js";

function storeOf(count: number, seed: number) {
  const faces = new SyntheticFaces(mulberry32(seed));
  const store = new CodeStore();
  store.reserve(count);
  const units: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    const unit = new Float64Array(DIMS);
    normalizeInto(faces.template(faces.identity()), unit, "embedding");
    store.write(i, unit);
    units.push(unit);
  }
  return { store, units };
}

describe("CodeStore, what the coarse partition reads", () => {
  it("decodes a slot to its vector within the 12-bit quantisation error", () => {
    const { store, units } = storeOf(50, 41);
    const out = new Float64Array(DIMS);
    for (let i = 0; i < units.length; i++) {
      store.decode(i, out);
      let worst = 0;
      for (let d = 0; d < DIMS; d++) worst = Math.max(worst, Math.abs(out[d]! - units[i]![d]!));
      const maxAbs = Math.max(...units[i]!.map(Math.abs));
      expect(worst).toBeLessThanOrEqual((maxAbs / 2047) * 0.5 + 1e-9); // half a code step
    }
  });

  it("quantises a slot as a query as quantizeQuery does its vector (codes within one step)", () => {
    const { store, units } = storeOf(50, 42);
    const fromSlot = new Int16Array(DIMS);
    const fromFloat = new Int16Array(DIMS);
    for (let i = 0; i < units.length; i++) {
      const bias = store.slotQuery(i, fromSlot);
      const floatBias = quantizeQuery(units[i]!, fromFloat);
      let differ = 0;
      for (let d = 0; d < DIMS; d++) {
        const step = QUERY_GROUP_WEIGHT[(d >> 3) & 3]!;
        const delta = Math.abs(fromSlot[d]! - fromFloat[d]!) / step;
        expect(delta).toBeLessThanOrEqual(1);
        if (delta > 0) differ++;
      }
      expect(differ).toBeLessThan(DIMS / 20); // only values at a rounding edge differ
      expect(Math.abs(bias - floatBias)).toBeLessThanOrEqual(1920 * differ);
    }
  });

  it("scans chosen runs of slots, cut at segment boundaries, with the same scores as a full scan", () => {
    const { store, units } = storeOf(2500, 43);
    const full = new Float32Array(2500);
    store.scan(units[7]!, 2500, (scores, first) => full.set(scores, first));
    const seen = new Map<number, number>();
    const ranges = Int32Array.from([5, 9, 1000, 1100, 2047, 2049, 2400, 2500]);
    store.scanRanges(units[7]!, ranges, 4, (scores, first) => scores.forEach((s, i) => seen.set(first + i, s)));
    const expected = [[5, 9], [1000, 1100], [2047, 2049], [2400, 2500]].flatMap(([a, b]) => Array.from({ length: b! - a! }, (_, i) => a! + i));
    expect([...seen.keys()]).toEqual(expected);
    for (const [slot, score] of seen) expect(score).toBe(full[slot]);
  });
});
