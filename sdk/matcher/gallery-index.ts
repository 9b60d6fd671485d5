/**
 * The in-memory gallery: every enrolled, consenting subject's templates (the vault feeds
 * it through TemplateSink, L6), searched 1:N for the best-matching subjects.
 *
 * Search is two-stage (design and error figures in template-codes.ts):
 *   1. coarse scan of every template with 4-bit codes (WebAssembly SIMD, scan-kernel.ts);
 *   2. the `rerankDepth` best candidates re-scored with the full 12-bit codes; the
 *      returned score is that dot product: it differs from the exact float cosine by the
 *      quantisation error, |error| <= SCORE_TOLERANCE for face-like vectors.
 * Results are deduplicated per subject (a subject's best template), best first.
 *
 * Storage is slot-based with swap-remove: removing a template moves the last slot into
 * its place and zeroes the freed slot, so the arrays stay dense and a removed template is
 * gone from memory before `remove` returns (L6). Nothing here logs: vectors, scores and
 * identifiers stay inside the index and its return values.
 *
 * Large galleries (from `partition.minTemplates`, default 20,000) get a coarse partition
 * (coarse-partition.ts): stage 1 scans only the templates of the `nprobe` lists closest
 * to the query; stage 2 is unchanged. The slots are then kept sorted by list (removal
 * closes the gap list by list instead of swapping in the last slot; still dense, still
 * wiped). The partition is built in bounded steps by `partitionStep()` (the runtime runs
 * them between other work once the vault is loaded; searches stay exhaustive until the
 * partition is ready) or at once by `buildPartition()`. It is built at each start-up (it
 * is not stored), kept up to date by every add and remove, and dropped when the gallery
 * falls below half of `minTemplates`. A search never builds one (that would hold up a
 * door for seconds).
 */
import { CodeStore, type KernelChoice } from "./code-store.js";
import type { CoarsePartition } from "./coarse-partition.js";
import { PartitionBuilder } from "./partition-builder.js";
import { SlotPermutation } from "./slot-permutation.js";
import { MatcherError } from "./matcher-error.js";
import { partitionDefaults, type PartitionOptions, type PartitionSettings } from "./partition-options.js";
import { DIMS, normalizeInto } from "./template-codes.js";
import type { TemplateSink } from "./template-sink.js";
import { TopCandidates } from "./top-candidates.js";

export { DEFAULT_NPROBE, DEFAULT_PARTITION_MIN_TEMPLATES, type PartitionOptions } from "./partition-options.js";

export interface SearchHit {
  subjectId: string;
  templateId: string;
  /** Cosine similarity of the query and the template, within SCORE_TOLERANCE of the exact float value. */
  score: number;
}

/**
 * Largest difference between a returned score and the exact float32 cosine, for unit
 * vectors whose largest component is at most 0.4 (face embeddings: ~0.15-0.25). The
 * error's standard deviation is max|x| / (2047 sqrt 12) ~ 2e-5 for such vectors; the
 * bound is ~5 sigma at max|x| = 0.4. Measured by test/sdk/matcher and the bench.
 */
export const SCORE_TOLERANCE = 3e-4;

export const DEFAULT_RERANK_DEPTH = 64;

/** Vectors per `partitionStep()`: about 3 ms of work each. */
export const DEFAULT_PARTITION_STEP = 128;
/** Slot moves of the final reordering per vector of a step's budget (a move, ~1.5 us, costs ~1/16 of an assignment). */
const MOVES_PER_VECTOR = 16;

export interface GalleryIndexOptions {
  /** Candidates from the coarse scan that are re-scored with the fine codes (default 64). */
  rerankDepth?: number;
  /** Scan kernel: "auto" (default) prefers WebAssembly SIMD. */
  kernel?: KernelChoice;
  /** Templates to make room for up front (the vault knows how many it will load). */
  initialCapacity?: number;
  /**
   * Test hook: a CodeStore created by the caller, so a test can check that removed
   * templates are overwritten. The index otherwise never exposes its storage.
   */
  store?: CodeStore;
  /** The coarse partition for large galleries (see the top); `false` keeps every search exhaustive. */
  partition?: PartitionOptions | false;
}

interface Subject {
  readonly id: string;
  /** Slots holding this subject's templates. */
  readonly slots: number[];
}

export class GalleryIndex implements TemplateSink {
  private readonly store: CodeStore;
  private readonly rerankDepth: number;
  private slotSubject: Subject[] = [];
  private slotTemplate: string[] = [];
  private subjects = new Map<string, Subject>();
  /** Scratch for the unit-length copy of an embedding or query; zeroed after use. */
  private readonly unit = new Float64Array(DIMS);
  private readonly kernelChoice: KernelChoice;
  private readonly partitionOptions: PartitionSettings | null;
  private partition: CoarsePartition | null = null;
  private builder: PartitionBuilder | null = null;
  /** The last phase of a build: slots being reordered by list, the spare slot (index size) in use. */
  private reorder: { perm: SlotPermutation; partition: CoarsePartition } | null = null;
  private chosenLists = new Int32Array(0);
  private ranges = new Int32Array(0);
  private readonly moveSlot = (from: number, to: number): void => this.moveSlotTo(from, to);

  constructor(options: GalleryIndexOptions = {}) {
    this.rerankDepth = options.rerankDepth ?? DEFAULT_RERANK_DEPTH;
    if (!Number.isInteger(this.rerankDepth) || this.rerankDepth < 1) {
      throw new MatcherError("matcher_argument_invalid", "rerankDepth must be a positive integer");
    }
    this.kernelChoice = options.kernel ?? "auto";
    this.store = options.store ?? new CodeStore({ kernel: this.kernelChoice });
    this.partitionOptions = options.partition === false ? null : partitionDefaults(options.partition ?? {});
    if (options.initialCapacity !== undefined) this.reserve(options.initialCapacity);
  }

  /** Lists of the coarse partition in use; 0 while every search is exhaustive. */
  get partitionLists(): number {
    return this.partition?.listCount ?? 0;
  }

  /**
   * "exhaustive" (no partition, none being built), "building" (k-means or assignment in
   * progress), "reordering" (slots being sorted by list) or "partitioned". Searches are
   * exhaustive in every state but the last.
   */
  get partitionState(): "exhaustive" | "building" | "reordering" | "partitioned" {
    return this.partition ? "partitioned" : this.reorder ? "reordering" : this.builder ? "building" : "exhaustive";
  }

  /** True when `partitionStep()` has work: a build in progress, or a gallery that reached `minTemplates` without a partition. */
  get partitionDue(): boolean {
    if (this.partition || !this.partitionOptions) return false;
    return this.builder !== null || this.reorder !== null || this.size >= this.partitionOptions.minTemplates;
  }

  /** Templates in the longest list of the partition (0 while exhaustive): for reports. */
  partitionLongestList(): number {
    return this.partition?.longestList() ?? 0;
  }

  /**
   * Builds (or rebuilds) the coarse partition now, in one call, if the gallery has at
   * least `minTemplates` templates, else drops it; returns the number of lists (0:
   * exhaustive). About 20 us per template: seconds at 100,000 (`partitionStep` spreads it).
   */
  buildPartition(): number {
    this.dropPartition();
    if (!this.startBuilder()) return 0;
    while (this.partitionStep(1 << 30));
    return this.partitionLists;
  }

  /**
   * One bounded step of building the partition: at most `budget` vectors trained on or
   * assigned (~20 us each), or, in the last phase, 16 x `budget` slot moves (~1.5 us
   * each). Starts a build when the gallery has reached `minTemplates` and has no
   * partition. Returns true while more steps are needed, false once the partition is in
   * use or when there is nothing to build. An add or remove during the last phase first
   * finishes the reordering (~0.1 s at 100,000 templates).
   */
  partitionStep(budget = DEFAULT_PARTITION_STEP): boolean {
    if (!Number.isInteger(budget) || budget < 1) throw new MatcherError("matcher_argument_invalid", "budget must be a positive integer");
    if (this.reorder) {
      if (this.reorder.perm.step(Math.min(budget, 1 << 24) * MOVES_PER_VECTOR)) return true;
      this.installPartition();
      return false;
    }
    // Starting a build (the sample, the first centroids) is a step of its own.
    if (!this.builder) return !this.partition && this.startBuilder();
    const builder = this.builder;
    if (!builder.ready) {
      builder.step(budget);
      return true;
    }
    this.builder = null;
    const { dest, partition } = builder.finish();
    const spare = this.size;
    this.store.reserve(spare + 1);
    // The spare slot's identifiers: placeholders until the first template is parked there.
    this.slotSubject.push(this.slotSubject[0]!);
    this.slotTemplate.push("");
    this.reorder = { perm: new SlotPermutation(dest, spare, this.moveSlot), partition };
    return true;
  }

  /** Ends a reordering: the spare slot wiped and given back, the partition in use. */
  private installPartition(): void {
    const { partition } = this.reorder!;
    this.reorder = null;
    this.slotSubject.pop();
    this.slotTemplate.pop();
    this.store.wipe(this.slotSubject.length);
    this.partition = partition;
    const nprobe = Math.min(this.partitionOptions!.nprobe, partition.listCount);
    this.chosenLists = new Int32Array(nprobe);
    this.ranges = new Int32Array(2 * nprobe);
  }

  /** Runs a reordering in progress to its end (before anything changes the slots). */
  private settle(): void {
    if (!this.reorder) return;
    while (this.reorder.perm.step(1 << 30));
    this.installPartition();
  }

  private startBuilder(): boolean {
    const o = this.partitionOptions;
    if (!o || this.size < o.minTemplates) return false;
    const count = this.size;
    this.builder = new PartitionBuilder({
      size: () => this.size,
      decode: (slot, out) => this.store.decode(slot, out),
      query: (slot, out) => this.store.slotQuery(slot, out),
      lists: Math.max(1, Math.min(count, o.lists ?? Math.round(Math.sqrt(count)))),
      random: o.random,
      iterations: o.iterations,
      samplePerList: o.samplePerList,
      kernel: this.kernelChoice,
    });
    return true;
  }

  /** Number of templates. */
  get size(): number {
    return this.slotSubject.length - (this.reorder ? 1 : 0);
  }

  get subjectCount(): number {
    return this.subjects.size;
  }

  /** "wasm-simd" or "js": which scan kernel this index runs. */
  get kernelName(): string {
    return this.store.kernel.name;
  }

  has(subjectId: string): boolean {
    return this.subjects.has(subjectId);
  }

  /** Makes room for `templates` templates without further growth. */
  reserve(templates: number): void {
    if (!Number.isInteger(templates) || templates < 0) {
      throw new MatcherError("matcher_argument_invalid", "capacity must be a non-negative integer");
    }
    this.store.reserve(templates);
  }

  /**
   * Adds (or, for a known subjectId + templateId, replaces) one template. The vector is
   * copied, normalised to unit length and quantised; the caller's array is not kept.
   */
  add(subjectId: string, templateId: string, embedding: Float32Array): void {
    checkId("subjectId", subjectId);
    checkId("templateId", templateId);
    this.settle();
    try {
      normalizeInto(embedding, this.unit, "embedding");
      let subject = this.subjects.get(subjectId);
      const existing = subject?.slots.find((slot) => this.slotTemplate[slot] === templateId);
      const list = this.partition?.listFor(this.unit);
      if (existing !== undefined) {
        if (!this.partition || this.partition.listOf(existing) === list) {
          this.store.write(existing, this.unit);
          this.builder?.rewritten(existing);
          return;
        }
        // Its list changes: out of the old one (wiped), then in as a new template.
        subject!.slots.splice(subject!.slots.indexOf(existing), 1);
        this.removeSlot(existing);
      }
      this.store.reserve(this.slotSubject.length + 1);
      if (!subject) {
        subject = { id: subjectId, slots: [] };
        this.subjects.set(subjectId, subject);
      }
      this.slotSubject.push(subject);
      this.slotTemplate.push(templateId);
      // Partitioned: a slot at the end of its list (later lists shift by one slot each).
      const slot = this.partition ? this.partition.insert(list!, this.moveSlot) : this.slotSubject.length - 1;
      this.store.write(slot, this.unit);
      subject.slots.push(slot);
      this.slotSubject[slot] = subject;
      this.slotTemplate[slot] = templateId;
    } finally {
      this.unit.fill(0);
    }
  }

  /** Removes every template of a subject and overwrites them; unknown subjects are a no-op. */
  remove(subjectId: string): void {
    const subject = this.subjects.get(subjectId);
    if (!subject) return;
    this.settle();
    this.subjects.delete(subjectId);
    while (subject.slots.length > 0) this.removeSlot(subject.slots.pop()!);
    if (this.partition && this.size < this.partitionOptions!.minTemplates / 2) this.dropPartition();
  }

  /**
   * The best `k` subjects for a query (an embedding of the same model), best first, with
   * each subject's best template. An empty gallery gives an empty list.
   */
  search(query: Float32Array, k = 5): SearchHit[] {
    if (!Number.isInteger(k) || k < 1) throw new MatcherError("matcher_argument_invalid", "k must be a positive integer");
    const count = this.size;
    if (count === 0) {
      normalizeInto(query, this.unit, "query");
      this.unit.fill(0);
      return [];
    }
    try {
      normalizeInto(query, this.unit, "query");
      const hits = this.topHits(k, true);
      // A best score below `confirmBelow` (the door would stay shut) is checked against every template.
      const confirm = this.partitionOptions?.confirmBelow;
      if (this.partition && confirm !== undefined && !((hits[0]?.score ?? -Infinity) >= confirm)) return this.topHits(k, false);
      return hits;
    } finally {
      this.unit.fill(0);
    }
  }

  /** Stage 1 (the probed lists if `partitioned` and there is a partition, else every template) and stage 2 for `this.unit`. */
  private topHits(k: number, partitioned: boolean): SearchHit[] {
    const count = this.size;
    const candidates = new TopCandidates(Math.min(count, Math.max(this.rerankDepth, 8 * k)));
    const offer = (scores: Float32Array, first: number) => candidates.offerAll(scores, first);
    if (this.partition && partitioned) {
      const runs = this.partition.probe(this.unit, this.chosenLists.length, this.chosenLists, this.ranges);
      this.store.scanRanges(this.unit, this.ranges, runs, offer);
    }
    // Exhaustive without a partition (or if the probed lists were all empty); while the
    // slots are reordered, the spare slot too if a template is parked there.
    if (candidates.size === 0) this.store.scan(this.unit, count + (this.reorder?.perm.parked ? 1 : 0), offer);
    const reranked: Array<{ slot: number; score: number }> = [];
    for (let i = 0; i < candidates.size; i++) {
      const slot = candidates.slots[i]!;
      reranked.push({ slot, score: this.store.fineScore(slot, this.unit) });
    }
    reranked.sort((a, b) => b.score - a.score || a.slot - b.slot);
    const hits: SearchHit[] = [];
    const seen = new Set<Subject>();
    for (const { slot, score } of reranked) {
      const subject = this.slotSubject[slot]!;
      if (seen.has(subject)) continue;
      seen.add(subject);
      hits.push({ subjectId: subject.id, templateId: this.slotTemplate[slot]!, score });
      if (hits.length === k) break;
    }
    return hits;
  }

  /**
   * 1:1 verification: the best score of a query against one subject's templates (same
   * scoring and tolerance as `search`), or null if the subject has no template here.
   */
  scoreSubject(subjectId: string, query: Float32Array): number | null {
    try {
      normalizeInto(query, this.unit, "query");
      const subject = this.subjects.get(subjectId);
      if (!subject) return null;
      let best = -Infinity;
      for (const slot of subject.slots) best = Math.max(best, this.store.fineScore(slot, this.unit));
      return best;
    } finally {
      this.unit.fill(0);
    }
  }

  /** Bytes of the index's typed arrays (codes, scales, scores, query area, centroids). */
  memoryBytes(): number {
    return this.store.memoryBytes() + (this.partition?.memoryBytes() ?? 0);
  }

  /** Removes everything and overwrites all stored codes (and centroids) with zeros; capacity is kept. */
  clear(): void {
    this.dropPartition();
    this.store.wipeAll();
    this.slotSubject = [];
    this.slotTemplate = [];
    this.subjects = new Map();
  }

  /**
   * Zero the slot, then close the gap: swap-remove (the last template moves into it), or,
   * partitioned, one move per later list (inverted-lists.ts). The freed last slot is
   * zeroed. The caller has taken the slot out of its subject's list.
   */
  private removeSlot(slot: number): void {
    const last = this.slotSubject.length - 1;
    this.store.wipe(slot);
    const freed = this.partition ? this.partition.remove(slot, this.moveSlot) : slot;
    if (!this.partition && slot !== last) {
      this.moveSlotTo(last, slot);
      this.builder?.moved(last, slot);
    }
    this.store.wipe(this.partition ? freed : last);
    this.slotSubject.pop();
    this.slotTemplate.pop();
  }

  /** Moves a template's codes and identifiers from one slot to another (the source is left for the caller to overwrite). */
  private moveSlotTo(from: number, to: number): void {
    this.store.move(from, to);
    const moved = this.slotSubject[from]!;
    moved.slots[moved.slots.indexOf(from)] = to;
    this.slotSubject[to] = moved;
    this.slotTemplate[to] = this.slotTemplate[from]!;
  }

  private dropPartition(): void {
    this.settle();
    this.builder?.cancel();
    this.builder = null;
    this.partition?.wipe();
    this.partition = null;
  }
}

function checkId(name: string, value: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new MatcherError("matcher_argument_invalid", `${name} must be a non-empty string`);
  }
}
