/**
 * Reorders slots in place, in bounded steps: slot i's template goes to dest[i]. Follows
 * the permutation's cycles with one spare slot past the live ones: a cycle parks its
 * first template in the spare, moves each template into the place it is due, and ends by
 * moving the parked one into the last hole.
 *
 * Between steps every template is in some slot of [0, spare] (the parked one only in the
 * spare), and a slot that was moved from still holds a copy until the next move
 * overwrites it: a search over [0, spare] while `parked` (else [0, spare)) sees every
 * template, some twice, none lost. The caller wipes the spare when done (L6).
 */
import type { MoveSlot } from "./inverted-lists.js";

export class SlotPermutation {
  private readonly src: Int32Array;
  private readonly done: Uint8Array;
  /** Next slot to look at for a cycle to start. */
  private next = 0;
  /** Inside a cycle: where it started and the hole to fill next; -1 when not in one. */
  private start = -1;
  private hole = -1;

  constructor(
    private readonly dest: Int32Array,
    /** The spare slot: one past the live slots, reserved by the caller. */
    readonly spare: number,
    private readonly move: MoveSlot,
  ) {
    const count = dest.length;
    this.src = new Int32Array(count);
    const seen = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const d = dest[i]!;
      if (!(d >= 0 && d < count) || seen[d]) throw new RangeError("dest is not a permutation");
      seen[d] = 1;
      this.src[d] = i;
    }
    this.done = new Uint8Array(count);
  }

  /** A template sits only in the spare slot (searches must include it). */
  get parked(): boolean {
    return this.start >= 0;
  }

  get finished(): boolean {
    return this.start < 0 && this.next >= this.dest.length;
  }

  /** Up to `budget` moves; true while moves remain. */
  step(budget: number): boolean {
    for (let n = 0; n < budget; n++) {
      if (this.start < 0) {
        while (this.next < this.dest.length && (this.done[this.next] || this.dest[this.next] === this.next)) this.next++;
        if (this.next >= this.dest.length) return false;
        this.start = this.next;
        this.hole = this.next;
        this.move(this.start, this.spare);
        continue;
      }
      const from = this.src[this.hole]!;
      if (from === this.start) {
        this.move(this.spare, this.hole);
        this.done[this.hole] = 1;
        this.start = -1;
        continue;
      }
      this.move(from, this.hole);
      this.done[this.hole] = 1;
      this.hole = from;
    }
    return !this.finished;
  }
}
