import { describe, expect, it } from "vitest";
import { SlotPermutation } from "../../../sdk/matcher/slot-permutation.js";
import { mulberry32 } from "../../../sdk/matcher/synthetic-embeddings.js";

describe("SlotPermutation", () => {
  it("puts slot i's item at dest[i] in bounded steps, every item present between steps", () => {
    const random = mulberry32(12);
    const count = 500;
    const dest = Int32Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [dest[i], dest[j]] = [dest[j]!, dest[i]!];
    }
    const slots: number[] = Array.from({ length: count + 1 }, (_, i) => (i < count ? i : -1));
    let moves = 0;
    const perm = new SlotPermutation(dest, count, (from, to) => {
      slots[to] = slots[from]!;
      moves++;
    });
    let steps = 0;
    while (perm.step(7)) {
      steps++;
      const present = new Set(slots.slice(0, perm.parked ? count + 1 : count));
      for (let item = 0; item < count; item++) expect(present.has(item)).toBe(true);
    }
    for (let i = 0; i < count; i++) expect(slots[dest[i]!]).toBe(i);
    expect(steps).toBeGreaterThan(count / 7 - 1);
    expect(moves).toBeLessThanOrEqual(count + count / 2); // n moves plus one per cycle
  });

  it("refuses a dest that is not a permutation", () => {
    expect(() => new SlotPermutation(Int32Array.from([0, 0]), 2, () => {})).toThrow(RangeError);
    expect(() => new SlotPermutation(Int32Array.from([0, 2]), 2, () => {})).toThrow(RangeError);
  });
});
