/**
 * A coarse partition of the gallery (an inverted-file index, as faiss's IVF): k-means
 * centroids over the templates' codes and one contiguous list of slots per centroid. A
 * query scans the `nprobe` lists whose centroids are closest to it instead of every
 * template; the gallery then re-ranks the best coarse candidates with the 12-bit codes
 * exactly as without a partition.
 *
 * What it can change: a template in a list that was not probed is not seen. A genuine
 * probe is close to its subject's templates, and so (nearly always) to their centroids;
 * an impostor's best score can only drop, never rise, so a partition cannot open a door
 * an exact search would keep shut unless it hides the best subject and exposes a second
 * one above the threshold. The agreement with an exact search is measured by the tests
 * (test/sdk/matcher/partitioned-search.test.ts) and `facegate bench partition`.
 *
 * Build: train (spherical-kmeans.ts), assign every slot to its nearest centroid, and hand
 * the caller the permutation that sorts slots by list (`permute(dest)`: slot i moves to
 * dest[i]). Later adds and removes keep the lists in order (inverted-lists.ts).
 */
import type { CentroidTable } from "./centroid-table.js";
import type { KernelChoice } from "./code-store.js";
import { InvertedLists, type MoveSlot } from "./inverted-lists.js";
import { trainCentroids } from "./spherical-kmeans.js";
import type { Random } from "./synthetic-embeddings.js";
import { DIMS } from "./template-codes.js";

export interface PartitionBuild {
  count: number;
  decode: (slot: number, out: Float64Array) => void;
  lists: number;
  random: Random;
  iterations?: number;
  samplePerList?: number;
  kernel?: KernelChoice;
  /** Reorders the caller's slots: slot i goes to dest[i] (a permutation of 0..count-1). */
  permute: (dest: Int32Array) => void;
}

export class CoarsePartition {
  private constructor(
    private readonly centroids: CentroidTable,
    private readonly lists: InvertedLists,
    /** Templates the centroids were trained over (the gallery retrains when it has doubled). */
    readonly trainedSize: number,
  ) {}

  static build(o: PartitionBuild): CoarsePartition {
    const centroids = trainCentroids(o);
    const listOf = new Int32Array(o.count);
    const sizes = new Int32Array(centroids.count);
    const v = new Float64Array(DIMS);
    try {
      for (let slot = 0; slot < o.count; slot++) {
        o.decode(slot, v);
        const l = centroids.nearest(v);
        listOf[slot] = l;
        sizes[l]!++;
      }
    } finally {
      v.fill(0);
    }
    // Counting sort: slots keep their relative order inside a list.
    const next = new Int32Array(centroids.count);
    for (let l = 1; l < centroids.count; l++) next[l] = next[l - 1]! + sizes[l - 1]!;
    const dest = new Int32Array(o.count);
    for (let slot = 0; slot < o.count; slot++) dest[slot] = next[listOf[slot]!]!++;
    o.permute(dest);
    return new CoarsePartition(centroids, InvertedLists.fromSizes(sizes), o.count);
  }

  get listCount(): number {
    return this.lists.count;
  }

  get size(): number {
    return this.lists.size;
  }

  /** The list a new template (a unit vector) belongs to. */
  listFor(unit: Float64Array): number {
    return this.centroids.nearest(unit);
  }

  listOf(slot: number): number {
    return this.lists.listOf(slot);
  }

  /** Opens a slot at the end of `list` (moving one slot per later list) and returns it. */
  insert(list: number, move: MoveSlot): number {
    return this.lists.insert(list, move);
  }

  /** Closes the gap of a removed slot and returns the freed slot (the old last one), for wiping. */
  remove(slot: number, move: MoveSlot): number {
    return this.lists.remove(slot, move);
  }

  /**
   * The slot runs of the `nprobe` lists closest to a query, as [first, end) pairs in
   * `ranges` (room for 2 * nprobe); returns the number of non-empty runs.
   */
  probe(unit: Float64Array, nprobe: number, chosen: Int32Array, ranges: Int32Array): number {
    const n = this.centroids.closest(unit, nprobe, chosen);
    let runs = 0;
    for (let i = 0; i < n; i++) {
      const l = chosen[i]!;
      if (this.lists.length(l) === 0) continue;
      ranges[2 * runs] = this.lists.start(l);
      ranges[2 * runs + 1] = this.lists.end(l);
      runs++;
    }
    return runs;
  }

  /** Longest list, for reports. */
  longestList(): number {
    let longest = 0;
    for (let l = 0; l < this.lists.count; l++) longest = Math.max(longest, this.lists.length(l));
    return longest;
  }

  memoryBytes(): number {
    return this.centroids.memoryBytes();
  }

  /** Overwrites the centroids (derived from templates) with zeros. */
  wipe(): void {
    this.centroids.wipe();
  }
}
