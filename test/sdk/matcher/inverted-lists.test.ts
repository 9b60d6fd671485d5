import { describe, expect, it } from "vitest";
import { InvertedLists } from "../../../sdk/matcher/inverted-lists.js";
import { mulberry32 } from "../../../sdk/matcher/synthetic-embeddings.js";

/** Slots as an array of (list, item) and the moves applied to it, as the gallery does with codes. */
function harness(lists: number) {
  const index = new InvertedLists(lists);
  const slots: Array<{ list: number; item: number } | undefined> = [];
  let moves = 0;
  const move = (from: number, to: number) => {
    slots[to] = slots[from];
    slots[from] = undefined; // a slot read from must be written again or freed
    moves++;
  };
  return {
    index,
    slots,
    insert(list: number, item: number) {
      const slot = index.insert(list, move);
      expect(slots[slot]).toBeUndefined();
      slots[slot] = { list, item };
      return slot;
    },
    remove(slot: number) {
      slots[slot] = undefined;
      const freed = index.remove(slot, move);
      expect(freed).toBe(index.size); // the old last slot
      expect(slots[freed]).toBeUndefined();
      slots.length = index.size;
    },
    get moves() {
      return moves;
    },
  };
}

function expectConsistent(h: ReturnType<typeof harness>, model: Map<number, number>) {
  expect(h.index.size).toBe(model.size);
  expect(h.slots.length).toBe(model.size);
  for (let slot = 0; slot < h.index.size; slot++) {
    const held = h.slots[slot]!;
    expect(held).toBeDefined();
    expect(model.get(held.item)).toBe(held.list);
    expect(h.index.listOf(slot)).toBe(held.list);
    expect(slot).toBeGreaterThanOrEqual(h.index.start(held.list));
    expect(slot).toBeLessThan(h.index.end(held.list));
  }
}

describe("InvertedLists", () => {
  it("keeps every list contiguous and in order through random inserts and removes", () => {
    const random = mulberry32(21);
    const h = harness(7);
    const model = new Map<number, number>();
    let next = 0;
    for (let step = 0; step < 3000; step++) {
      if (model.size > 0 && random() < 0.45) {
        const slot = Math.floor(random() * h.index.size);
        model.delete(h.slots[slot]!.item);
        h.remove(slot);
      } else {
        // Lists 0 and 6 (the ends) and an often-empty list 3 included.
        const list = random() < 0.1 ? 3 : Math.floor(random() * 7);
        if (list === 3 && random() < 0.7) continue;
        model.set(next, list);
        h.insert(list, next++);
      }
      if (step % 100 === 0) expectConsistent(h, model);
    }
    expectConsistent(h, model);
  });

  it("moves at most one slot per later list", () => {
    const h = harness(10);
    for (let i = 0; i < 100; i++) h.insert(i % 10, i);
    const before = h.moves;
    h.insert(0, 100); // nine later lists
    expect(h.moves - before).toBe(9);
    const beforeRemove = h.moves;
    h.remove(h.index.start(9)); // the last list: only its own last slot moves
    expect(h.moves - beforeRemove).toBe(1);
  });

  it("lays out lists from sizes, empty ones included, and refuses slots and lists outside it", () => {
    const lists = InvertedLists.fromSizes(Int32Array.from([2, 0, 3]));
    expect([lists.start(0), lists.end(0), lists.start(1), lists.end(1), lists.start(2), lists.end(2)]).toEqual([0, 2, 2, 2, 2, 5]);
    expect([0, 1, 2, 3, 4].map((s) => lists.listOf(s))).toEqual([0, 0, 2, 2, 2]);
    expect(() => lists.listOf(5)).toThrow(RangeError);
    expect(() => lists.insert(3, () => {})).toThrow(RangeError);
  });
});
