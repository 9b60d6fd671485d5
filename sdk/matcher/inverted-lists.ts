/**
 * Inverted lists as contiguous runs of slots: list l holds slots [start(l), start(l + 1)),
 * lists in order, together exactly the slots [0, size). The gallery keeps its codes in
 * this order once partitioned, so scanning a list is one run of the coarse kernel (as in
 * faiss's IVF, codes of a list are stored together) and nothing is wasted between lists.
 *
 * Keeping the order on a change costs at most one slot move per later list (O(nlist),
 * about 0.1 ms at nlist 316), done through the `move(from, to)` callback the caller
 * gives, which must carry everything a slot holds (codes, identifiers):
 *   insert into l: each later non-empty list moves its first slot to just past its end,
 *                  from the last list backwards; the hole ends at the end of list l.
 *   remove slot s: the last slot of its list moves into s, then each later non-empty
 *                  list moves its last slot to just before its start; the hole ends at
 *                  the old last slot (size - 1), which the caller wipes (L6).
 * Every slot a move reads from is then written by the next move or is that final hole,
 * so no code of a moved or removed template is left behind between the lists.
 */
export type MoveSlot = (from: number, to: number) => void;

export class InvertedLists {
  /** starts[l]: first slot of list l; starts[count] = size. */
  private readonly starts: Int32Array;

  constructor(readonly count: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError("an inverted index needs at least one list");
    this.starts = new Int32Array(count + 1);
  }

  /** Lists laid out from per-list sizes (after a rebuild sorted the slots by list). */
  static fromSizes(sizes: Int32Array): InvertedLists {
    const lists = new InvertedLists(sizes.length);
    for (let l = 0; l < sizes.length; l++) lists.starts[l + 1] = lists.starts[l]! + sizes[l]!;
    return lists;
  }

  get size(): number {
    return this.starts[this.count]!;
  }

  start(list: number): number {
    return this.starts[list]!;
  }

  end(list: number): number {
    return this.starts[list + 1]!;
  }

  length(list: number): number {
    return this.starts[list + 1]! - this.starts[list]!;
  }

  /** The list holding `slot` (binary search; empty lists hold nothing). */
  listOf(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.size) throw new RangeError(`slot ${slot} outside the lists (size ${this.size})`);
    let lo = 0;
    let hi = this.count - 1;
    // Largest l with starts[l] <= slot: that list is non-empty and holds the slot.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= slot) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Opens a slot at the end of `list` (see the top for the moves) and returns it; size grows by one. */
  insert(list: number, move: MoveSlot): number {
    this.checkList(list);
    let hole = this.starts[this.count]!;
    for (let m = this.count - 1; m > list; m--) {
      const first = this.starts[m]!;
      if (first !== hole) {
        move(first, hole);
        hole = first;
      }
      this.starts[m + 1]!++;
    }
    this.starts[list + 1]!++;
    return hole;
  }

  /** Closes the gap `slot` leaves (see the top) and returns the freed last slot; size shrinks by one. */
  remove(slot: number, move: MoveSlot): number {
    const list = this.listOf(slot);
    let hole = slot;
    const last = this.starts[list + 1]! - 1;
    if (last !== hole) {
      move(last, hole);
      hole = last;
    }
    for (let m = list + 1; m < this.count; m++) {
      // The hole is just before list m; an empty list m is already past it.
      const lastOfM = this.starts[m + 1]! - 1;
      if (lastOfM >= this.starts[m]!) {
        move(lastOfM, hole);
        hole = lastOfM;
      }
      this.starts[m]!--;
    }
    this.starts[this.count]!--;
    return hole;
  }

  private checkList(list: number): void {
    if (!Number.isInteger(list) || list < 0 || list >= this.count) throw new RangeError(`list ${list} outside 0..${this.count - 1}`);
  }
}
