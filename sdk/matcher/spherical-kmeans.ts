/**
 * Spherical k-means (cosine: centroids are re-normalised mean directions) over a sample
 * of the gallery, for the coarse partition. Deterministic for a given random source
 * (which picks the sample, the starting centroids and replacements for empty clusters).
 *
 * Cost: sample x iterations assignments of ~12 us each (decode, quantise, scan every
 * centroid with the SIMD kernel). Like faiss, training uses a sample (default 16 vectors
 * per list; faiss warns below 39, which matters for exact centroids, less for a
 * partition whose only job is to put near templates together): 5,056 x 8 at nlist 316.
 *
 * Vectors come from `decode(slot, out)`, the dequantised codes the index holds: the index
 * keeps no float copy of any template. The scratch vector and the sums are zeroed before
 * returning.
 */
import { CentroidTable } from "./centroid-table.js";
import type { KernelChoice } from "./code-store.js";
import type { Random } from "./synthetic-embeddings.js";
import { DIMS } from "./template-codes.js";

export interface KMeansOptions {
  /** Vectors available: slots 0..count-1. */
  count: number;
  /** Writes slot's vector (any length, it is normalised where it matters) into `out`. */
  decode: (slot: number, out: Float64Array) => void;
  /** Number of centroids (at most `count`). */
  lists: number;
  random: Random;
  iterations?: number;
  samplePerList?: number;
  kernel?: KernelChoice;
}

export const DEFAULT_KMEANS_ITERATIONS = 8;
export const DEFAULT_SAMPLE_PER_LIST = 16;

export function trainCentroids(o: KMeansOptions): CentroidTable {
  const lists = Math.min(o.lists, o.count);
  if (!Number.isInteger(lists) || lists < 1) throw new RangeError("k-means needs at least one list and one vector");
  const iterations = o.iterations ?? DEFAULT_KMEANS_ITERATIONS;
  const sample = sampleSlots(o.count, Math.min(o.count, lists * (o.samplePerList ?? DEFAULT_SAMPLE_PER_LIST)), o.random);
  const table = new CentroidTable(lists, o.kernel ?? "auto");
  const v = new Float64Array(DIMS);
  const sums = new Float64Array(lists * DIMS);
  const sizes = new Int32Array(lists);
  try {
    // Start from `lists` distinct sample members (the sample is in random order already).
    for (let c = 0; c < lists; c++) {
      o.decode(sample[c]!, v);
      table.set(c, normalized(v));
    }
    for (let it = 0; it < iterations; it++) {
      sums.fill(0);
      sizes.fill(0);
      for (let i = 0; i < sample.length; i++) {
        o.decode(sample[i]!, v);
        const c = table.nearest(v);
        sizes[c]!++;
        const at = c * DIMS;
        for (let d = 0; d < DIMS; d++) sums[at + d] = sums[at + d]! + v[d]!;
      }
      for (let c = 0; c < lists; c++) {
        if (sizes[c] === 0) {
          // An empty cluster restarts at a random sample member (faiss splits a big one instead; either keeps every list useful).
          o.decode(sample[Math.floor(o.random() * sample.length)]!, v);
        } else {
          v.set(sums.subarray(c * DIMS, (c + 1) * DIMS));
        }
        table.set(c, normalized(v));
      }
    }
    return table;
  } finally {
    v.fill(0);
    sums.fill(0);
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
