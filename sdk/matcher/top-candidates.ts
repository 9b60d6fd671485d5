/**
 * Keeps the `limit` highest-scoring slots seen so far. Built for the coarse scan: most
 * offers lose against the current minimum and cost one comparison; a winning offer
 * replaces the minimum and finds the new one in O(limit) (rare after the first few
 * thousand offers: about limit * ln(N / limit) replacements over N offers).
 */
export class TopCandidates {
  readonly slots: Int32Array;
  readonly scores: Float64Array;
  private count = 0;
  private minAt = 0;
  /** Offers scoring at or below this cannot enter. */
  threshold = -Infinity;

  constructor(readonly limit: number) {
    this.slots = new Int32Array(limit);
    this.scores = new Float64Array(limit);
  }

  get size(): number {
    return this.count;
  }

  offer(score: number, slot: number): void {
    if (this.count < this.limit) {
      this.slots[this.count] = slot;
      this.scores[this.count] = score;
      this.count++;
      if (this.count === this.limit) this.updateMin();
      return;
    }
    if (score <= this.threshold) return;
    this.slots[this.minAt] = slot;
    this.scores[this.minAt] = score;
    this.updateMin();
  }

  /** Offers every score of a scanned run, slot numbers starting at `firstSlot`. */
  offerAll(scores: Float32Array, firstSlot: number): void {
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (s > this.threshold) this.offer(s, firstSlot + i);
    }
  }

  private updateMin(): void {
    let minAt = 0;
    for (let i = 1; i < this.limit; i++) if (this.scores[i]! < this.scores[minAt]!) minAt = i;
    this.minAt = minAt;
    this.threshold = this.scores[minAt]!;
  }
}
