/**
 * The centroids of the coarse partition: unit vectors in a CodeStore of their own, ranked
 * for a query by the same coarse SIMD scan as the templates (about 8 us for 316
 * centroids). The 4-bit ranking only chooses which lists to scan; the scores callers see
 * still come from the templates' 12-bit codes.
 *
 * A centroid is the mean direction of a few hundred templates: derived from biometric
 * data, so it is held only here, never logged or exported, and wiped with the index.
 */
import { CodeStore, type KernelChoice } from "./code-store.js";
import { TopCandidates } from "./top-candidates.js";

export class CentroidTable {
  private readonly store: CodeStore;
  private bestAt = 0;
  private bestScore = -Infinity;
  private readonly pickBest = (scores: Float32Array, first: number): void => {
    for (let i = 0; i < scores.length; i++) {
      if (scores[i]! > this.bestScore) {
        this.bestScore = scores[i]!;
        this.bestAt = first + i;
      }
    }
  };

  constructor(readonly count: number, kernel: KernelChoice = "auto") {
    if (!Number.isInteger(count) || count < 1) throw new RangeError("a centroid table needs at least one centroid");
    this.store = new CodeStore({ kernel });
    this.store.reserve(count);
  }

  /** Sets centroid `list` to a unit vector. */
  set(list: number, unit: Float64Array): void {
    this.store.write(list, unit);
  }

  /** The centroid closest (by cosine, coarse codes) to a vector; its length does not matter. */
  nearest(vector: Float64Array): number {
    this.bestAt = 0;
    this.bestScore = -Infinity;
    this.store.scan(vector, this.count, this.pickBest);
    return this.bestAt;
  }

  /** `nearest` for a query quantised by CodeStore.slotQuery (a template in the gallery's store). */
  nearestQuantized(query: Int16Array, bias: number): number {
    this.bestAt = 0;
    this.bestScore = -Infinity;
    this.store.scanQuantized(query, bias, this.count, this.pickBest);
    return this.bestAt;
  }

  /** Writes the `n` closest centroids to `out`, in ascending order (the order lists lie in memory); returns how many. */
  closest(vector: Float64Array, n: number, out: Int32Array): number {
    const limit = Math.min(n, this.count);
    const top = new TopCandidates(limit);
    this.store.scan(vector, this.count, (scores, first) => top.offerAll(scores, first));
    const lists = top.slots.subarray(0, top.size).sort();
    out.set(lists);
    return lists.length;
  }

  /** Bytes held by the centroids' codes. */
  memoryBytes(): number {
    return this.store.memoryBytes();
  }

  /** Overwrites every centroid with zeros. */
  wipe(): void {
    this.store.wipeAll();
  }
}
