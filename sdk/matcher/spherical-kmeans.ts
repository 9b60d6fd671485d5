/**
 * Spherical k-means (cosine: centroids are re-normalised mean directions) over a sample
 * of the gallery, for the coarse partition. Deterministic for a given random source
 * (which picks the sample, the starting centroids and replacements for empty clusters).
 *
 * Cost: sample x iterations assignments of ~18 us each (decode, quantise from the codes,
 * scan every centroid with the SIMD kernel). Like faiss, training uses a sample (default 16 vectors
 * per list; faiss warns below 39, which matters for exact centroids, less for a
 * partition whose only job is to put near templates together): 5,056 x 8 at nlist 316.
 *
 * Vectors come from `decode(slot, out)`, the dequantised codes the index holds: the index
 * keeps no float copy of any template. The scratch vector is zeroed after each step, the
 * sums when training ends.
 */
import { CentroidTable } from "./centroid-table.js";
import type { KernelChoice } from "./code-store.js";
import type { Random } from "./synthetic-embeddings.js";
import { DIMS } from "./template-codes.js";

export interface KMeansOptions {
  /** Vectors available when training starts: slots 0..count-1. */
  count: number;
  /** Vectors available now (a gallery may shrink while training runs in steps); default `count`. */
  available?: () => number;
  /** Writes slot's vector (any length, it is normalised where it matters) into `out`. */
  decode: (slot: number, out: Float64Array) => void;
  /** Writes slot's vector as a quantised coarse query into `out` and returns its bias (CodeStore.slotQuery). */
  query: (slot: number, out: Int16Array) => number;
  /** Number of centroids (at most `count`). */
  lists: number;
  random: Random;
  iterations?: number;
  samplePerList?: number;
  kernel?: KernelChoice;
}

export const DEFAULT_KMEANS_ITERATIONS = 8;
export const DEFAULT_SAMPLE_PER_LIST = 16;

/**
 * k-means in bounded steps: each `step(n)` assigns at most n sample vectors (about
 * 20 us each), so a caller can train between other work. A sample slot past the end of a
 * gallery that shrank meanwhile is skipped (slots hold other templates after a removal:
 * the sample stays a random sample of the gallery).
 */
export class KMeansTrainer {
  readonly lists: number;
  private readonly table: CentroidTable;
  private readonly sample: Int32Array;
  private readonly iterations: number;
  private readonly v = new Float64Array(DIMS);
  private readonly q = new Int16Array(DIMS);
  private readonly sums: Float64Array;
  private readonly sizes: Int32Array;
  private iteration = 0;
  private next = 0;

  constructor(private readonly o: KMeansOptions) {
    this.lists = Math.min(o.lists, o.count);
    if (!Number.isInteger(this.lists) || this.lists < 1) throw new RangeError("k-means needs at least one list and one vector");
    this.iterations = o.iterations ?? DEFAULT_KMEANS_ITERATIONS;
    this.sample = sampleSlots(o.count, Math.min(o.count, this.lists * (o.samplePerList ?? DEFAULT_SAMPLE_PER_LIST)), o.random);
    this.table = new CentroidTable(this.lists, o.kernel ?? "auto");
    this.sums = new Float64Array(this.lists * DIMS);
    this.sizes = new Int32Array(this.lists);
    // Start from `lists` distinct sample members (the sample is in random order already).
    for (let c = 0; c < this.lists; c++) {
      this.o.decode(this.sample[c]!, this.v);
      this.table.set(c, normalized(this.v));
    }
    this.v.fill(0);
  }

  get done(): boolean {
    return this.iteration >= this.iterations;
  }

  /** Assigns up to `budget` sample vectors (ending an iteration when the sample is through); true while work remains. */
  step(budget: number): boolean {
    if (this.done) return false;
    const available = this.o.available?.() ?? this.o.count;
    const { v, sums, sizes } = this;
    try {
      for (let n = 0; n < budget && this.next < this.sample.length; n++, this.next++) {
        const slot = this.sample[this.next]!;
        if (slot >= available) continue;
        this.o.decode(slot, v);
        const c = this.table.nearestQuantized(this.q, this.o.query(slot, this.q));
        sizes[c]!++;
        const at = c * DIMS;
        for (let d = 0; d < DIMS; d++) sums[at + d] = sums[at + d]! + v[d]!;
      }
      if (this.next === this.sample.length) this.update(available);
    } finally {
      v.fill(0);
      this.q.fill(0);
    }
    return !this.done;
  }

  /** The trained centroids (after `done`); the trainer's scratch is wiped. */
  result(): CentroidTable {
    if (!this.done) throw new Error("k-means: result() before training is done");
    this.sums.fill(0);
    return this.table;
  }

  /** Drops the training: centroids and sums wiped. */
  cancel(): void {
    this.sums.fill(0);
    this.table.wipe();
  }

  private update(available: number): void {
    const { v, sums, sizes } = this;
    for (let c = 0; c < this.lists; c++) {
      if (sizes[c] === 0) {
        // An empty cluster restarts at a random sample member (faiss splits a big one instead; either keeps every list useful).
        const slot = this.sample[Math.floor(this.o.random() * this.sample.length)]!;
        if (slot >= available) continue; // keeps its old centroid this time
        this.o.decode(slot, v);
      } else {
        v.set(sums.subarray(c * DIMS, (c + 1) * DIMS));
      }
      this.table.set(c, normalized(v));
    }
    sums.fill(0);
    sizes.fill(0);
    this.next = 0;
    this.iteration++;
  }
}

/** `m` distinct slots of 0..count-1 in random order (a partial Fisher-Yates shuffle). */
export function sampleSlots(count: number, m: number, random: Random): Int32Array {
  const all = new Int32Array(count);
  for (let i = 0; i < count; i++) all[i] = i;
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (count - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, m);
}

function normalized(v: Float64Array): Float64Array {
  let sum = 0;
  for (let d = 0; d < DIMS; d++) sum += v[d]! * v[d]!;
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let d = 0; d < DIMS; d++) v[d] = v[d]! * inv;
  return v;
}
