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
 * one above the threshold. The other way round, a resident whose templates lie in lists
 * that were not probed is missed (the door stays shut); `confirmBelow` (partition-
 * options.ts) repeats such a search over every template. The agreement with an exact
 * search is measured by the tests (test/sdk/matcher/partitioned-search.test.ts) and
 * `facegate bench partition`: on the clustered face-like model every decision agreed at
 * 100,000 templates; on isotropic random vectors only confirmBelow keeps them all.
 *
 * Built by partition-builder.ts (k-means on a sample, every slot assigned to its nearest
 * centroid, slots sorted by list); later adds and removes keep the lists in order
 * (inverted-lists.ts).
 */
import type { CentroidTable } from "./centroid-table.js";
import { InvertedLists, type MoveSlot } from "./inverted-lists.js";

export class CoarsePartition {
  private readonly lists: InvertedLists;

  /** A partition over slots already sorted by list, `sizes[l]` slots in list l (partition-builder.ts makes them). */
  constructor(
    private readonly centroids: CentroidTable,
    sizes: Int32Array,
    /** Templates the centroids were trained over. */
    readonly trainedSize: number,
  ) {
    this.lists = InvertedLists.fromSizes(sizes);
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
