/**
 * Drops repeated event ids. Delivery is at least once, so the same event may arrive twice
 * (after a reconnect, a broker restart or a device restart); consumers keep the ids they
 * have seen. Bounded: the oldest ids are forgotten first.
 */
export class DuplicateFilter {
  private readonly seen = new Set<string>();
  duplicates = 0;

  constructor(private readonly capacity = 100_000) {}

  /** True the first time an id is offered, false for every repeat. */
  accept(id: string): boolean {
    if (this.seen.has(id)) {
      this.duplicates++;
      return false;
    }
    this.seen.add(id);
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
