/**
 * Builds a coarse partition in bounded steps while the gallery stays in use (searched
 * exhaustively meanwhile): k-means on a sample, then the assignment of every slot to its
 * nearest centroid, then one final reordering of the slots by list. Each `step(n)`
 * handles at most n vectors (about 20 us each), so the caller can interleave the build
 * with door events. `finish` hands over the reordering of the slots by list, which the
 * gallery runs in bounded steps as well (slot-permutation.ts).
 *
 * The gallery may change during the build; it reports every change so the assignment
 * stays exact:
 *   - an added template takes the next slot, which the assignment reaches in turn;
 *   - `moved(from, to)` after a swap-remove: an assigned slot keeps the list of what it
 *     now holds (assigned at once if that was not assigned yet);
 *   - `rewritten(slot)` after a template was replaced in place: assigned again.
 */
import type { CentroidTable } from "./centroid-table.js";
import type { KernelChoice } from "./code-store.js";
import { CoarsePartition } from "./coarse-partition.js";
import { KMeansTrainer } from "./spherical-kmeans.js";
import type { Random } from "./synthetic-embeddings.js";
import { DIMS } from "./template-codes.js";

export interface PartitionBuilderOptions {
  /** Templates in the gallery now (slots 0..size-1). */
  size: () => number;
  decode: (slot: number, out: Float64Array) => void;
  /** The slot as a quantised coarse query (CodeStore.slotQuery): what assigns it to a list. */
  query: (slot: number, out: Int16Array) => number;
  lists: number;
  random: Random;
  iterations?: number;
  samplePerList?: number;
  kernel?: KernelChoice;
}

export class PartitionBuilder {
  private trainer: KMeansTrainer | null;
  private centroids: CentroidTable | null = null;
  private listOf = new Int32Array(0);
  /** Slots below this are assigned. */
  private cursor = 0;
  private readonly q = new Int16Array(DIMS);
  private readonly trainedOn: number;

  constructor(private readonly o: PartitionBuilderOptions) {
    this.trainedOn = o.size();
    this.trainer = new KMeansTrainer({ ...o, count: this.trainedOn, available: o.size });
  }

  /** True once training is over and every slot is assigned: `finish` may be called. */
  get ready(): boolean {
    return this.centroids !== null && this.cursor >= this.o.size();
  }

  /** Trains or assigns up to `budget` vectors; true while work remains before `finish`. */
  step(budget: number): boolean {
    if (this.trainer) {
      if (!this.trainer.step(budget)) {
        this.centroids = this.trainer.result();
        this.trainer = null;
      }
      return true;
    }
    const end = Math.min(this.o.size(), this.cursor + budget);
    this.reserve(end);
    for (; this.cursor < end; this.cursor++) this.listOf[this.cursor] = this.assign(this.cursor);
    return !this.ready;
  }

  /** A template moved from slot `from` to slot `to` (swap-remove). */
  moved(from: number, to: number): void {
    if (to >= this.cursor) return;
    this.listOf[to] = from < this.cursor ? this.listOf[from]! : this.assign(to);
  }

  /** Slot `slot` holds a new vector. */
  rewritten(slot: number): void {
    if (slot < this.cursor) this.listOf[slot] = this.assign(slot);
  }

  /**
   * Assigns what is left and returns the reordering that sorts the slots by list (slot i
   * goes to dest[i]; slot-permutation.ts) and the partition that holds once it is done.
   */
  finish(): { dest: Int32Array; partition: CoarsePartition } {
    while (this.step(1 << 30));
    const count = this.o.size();
    const centroids = this.centroids!;
    const sizes = new Int32Array(centroids.count);
    for (let slot = 0; slot < count; slot++) sizes[this.listOf[slot]!]!++;
    // Counting sort: slots keep their relative order inside a list.
    const next = new Int32Array(centroids.count);
    for (let l = 1; l < centroids.count; l++) next[l] = next[l - 1]! + sizes[l - 1]!;
    const dest = new Int32Array(count);
    for (let slot = 0; slot < count; slot++) dest[slot] = next[this.listOf[slot]!]!++;
    this.centroids = null;
    return { dest, partition: new CoarsePartition(centroids, sizes, this.trainedOn) };
  }

  /** Abandons the build; the centroids trained so far are wiped. */
  cancel(): void {
    this.trainer?.cancel();
    this.centroids?.wipe();
    this.trainer = null;
    this.centroids = null;
  }

  private assign(slot: number): number {
    try {
      return this.centroids!.nearestQuantized(this.q, this.o.query(slot, this.q));
    } finally {
      this.q.fill(0);
    }
  }

  private reserve(slots: number): void {
    if (slots <= this.listOf.length) return;
    const grown = new Int32Array(Math.max(slots, Math.ceil(this.listOf.length * 1.5)));
    grown.set(this.listOf);
    this.listOf = grown;
  }
}
