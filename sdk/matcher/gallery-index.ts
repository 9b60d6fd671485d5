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
 */
import { CodeStore, type KernelChoice } from "./code-store.js";
import { MatcherError } from "./matcher-error.js";
import { DIMS, normalizeInto } from "./template-codes.js";
import type { TemplateSink } from "./template-sink.js";
import { TopCandidates } from "./top-candidates.js";

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

  constructor(options: GalleryIndexOptions = {}) {
    this.rerankDepth = options.rerankDepth ?? DEFAULT_RERANK_DEPTH;
    if (!Number.isInteger(this.rerankDepth) || this.rerankDepth < 1) {
      throw new MatcherError("matcher_argument_invalid", "rerankDepth must be a positive integer");
    }
    this.store = options.store ?? new CodeStore({ kernel: options.kernel ?? "auto" });
    if (options.initialCapacity !== undefined) this.reserve(options.initialCapacity);
  }

  /** Number of templates. */
  get size(): number {
    return this.slotSubject.length;
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
    try {
      normalizeInto(embedding, this.unit, "embedding");
      let subject = this.subjects.get(subjectId);
      const existing = subject?.slots.find((slot) => this.slotTemplate[slot] === templateId);
      if (existing !== undefined) {
        this.store.write(existing, this.unit);
        return;
      }
      const slot = this.slotSubject.length;
      this.store.reserve(slot + 1);
      this.store.write(slot, this.unit);
      if (!subject) {
        subject = { id: subjectId, slots: [] };
        this.subjects.set(subjectId, subject);
      }
      subject.slots.push(slot);
      this.slotSubject.push(subject);
      this.slotTemplate.push(templateId);
    } finally {
      this.unit.fill(0);
    }
  }

  /** Removes every template of a subject and overwrites them; unknown subjects are a no-op. */
  remove(subjectId: string): void {
    const subject = this.subjects.get(subjectId);
    if (!subject) return;
    this.subjects.delete(subjectId);
    while (subject.slots.length > 0) this.removeSlot(subject.slots.pop()!);
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
      const candidates = new TopCandidates(Math.min(count, Math.max(this.rerankDepth, 8 * k)));
      this.store.scan(this.unit, count, (scores, first) => candidates.offerAll(scores, first));
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
    } finally {
      this.unit.fill(0);
    }
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

  /** Bytes of the index's typed arrays (codes, scales, scores, query area). */
  memoryBytes(): number {
    return this.store.memoryBytes();
  }

  /** Removes everything and overwrites all stored codes with zeros; capacity is kept. */
  clear(): void {
    this.store.wipeAll();
    this.slotSubject = [];
    this.slotTemplate = [];
    this.subjects = new Map();
  }

  /** Swap-remove: zero the slot, move the last template into it, zero the last slot. */
  private removeSlot(slot: number): void {
    const last = this.slotSubject.length - 1;
    this.store.wipe(slot);
    if (slot !== last) {
      this.store.move(last, slot);
      this.store.wipe(last);
      const moved = this.slotSubject[last]!;
      moved.slots[moved.slots.indexOf(last)] = slot;
      this.slotSubject[slot] = moved;
      this.slotTemplate[slot] = this.slotTemplate[last]!;
    }
    this.slotSubject.pop();
    this.slotTemplate.pop();
  }
}

function checkId(name: string, value: string): void {
  if (typeof value !== "string" || value.length === 0) {
    throw new MatcherError("matcher_argument_invalid", `${name} must be a non-empty string`);
  }
}
