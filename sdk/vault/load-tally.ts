/**
 * Book-keeping of one start-up load, shared by the main-thread and the worker paths of
 * vault-loader.ts: what went into the sink per subject, which subjects failed, and
 * progress reports at a steady pace (every PROGRESS_EVERY templates or PROGRESS_MS,
 * whichever comes first, and once at the end).
 *
 * A subject that fails (wrapped key or any template) gets no further templates, and
 * whatever it already had in the sink is removed again by `finish` (L5: a tampered
 * subject is not matched at all, not even on its intact templates).
 */
import { IntegrityError } from "../errors.js";
import type { TemplateSink } from "../matcher/template-sink.js";

export const PROGRESS_EVERY = 5_000;
export const PROGRESS_MS = 250;

export interface LoadProgress {
  done: number;
  total: number;
}

export interface LoadSummary {
  subjects: number;
  templates: number;
  /** Subjects quarantined now or earlier; none of them is in the sink. */
  quarantined: string[];
  /** Subjects that failed during this load, with the failure code. */
  failures: Map<string, string>;
  /** Where templates were decrypted: a worker thread (second core) or the calling thread. */
  decryptedIn: "worker" | "main-thread";
  /** Why the worker was not used although it was wanted (it failed to start or stopped). */
  workerProblem?: string;
}

export class LoadTally {
  private readonly sink: TemplateSink;
  private readonly total: number;
  private readonly onProgress: ((p: LoadProgress) => void) | undefined;
  private added = new Map<string, number>();
  private failed = new Map<string, string>();
  private done = 0;
  private reportedDone = 0;
  private reportedAt = performance.now();

  constructor(options: { sink: TemplateSink; total: number; onProgress?: ((p: LoadProgress) => void) | undefined }) {
    this.sink = options.sink;
    this.total = options.total;
    this.onProgress = options.onProgress;
  }

  hasFailed(subjectId: string): boolean {
    return this.failed.has(subjectId);
  }

  /**
   * Hands one opened template to the sink (which copies it), unless its subject failed.
   * A sink that refuses it (not a valid vector) fails the subject like a bad ciphertext.
   */
  add(subjectId: string, templateId: string, embedding: Float32Array): void {
    if (!this.failed.has(subjectId)) {
      try {
        this.sink.add(subjectId, templateId, embedding);
        this.added.set(subjectId, (this.added.get(subjectId) ?? 0) + 1);
      } catch (err) {
        // Counted so that `finish` removes whatever part of the subject the sink holds.
        this.added.set(subjectId, this.added.get(subjectId) ?? 0);
        this.fail(subjectId, err);
      }
    }
    this.tick();
  }

  /** Records a subject's failure (the first code wins); `finish` takes its templates out of the sink. */
  fail(subjectId: string, err: unknown): void {
    if (!this.failed.has(subjectId)) this.failed.set(subjectId, err instanceof IntegrityError ? err.code : "integrity_unknown");
  }

  /** Counts a template that was read but not added (its subject failed). */
  countUnloaded(): void {
    this.tick();
  }

  /**
   * Takes everything this load put into the sink out again and starts over (the worker
   * path gave up half-way; the main-thread path then loads from the beginning).
   */
  reset(): void {
    for (const subjectId of this.added.keys()) this.sink.remove(subjectId);
    this.added = new Map();
    this.failed = new Map();
    this.done = 0;
    this.reportedDone = 0;
  }

  /** Removes failed subjects from the sink, reports final progress and sums up. */
  finish(previouslyQuarantined: ReadonlySet<string>, decryptedIn: LoadSummary["decryptedIn"], workerProblem?: string): LoadSummary {
    this.onProgress?.({ done: this.done, total: this.total });
    let templates = 0;
    let subjects = 0;
    for (const [subjectId, n] of this.added) {
      if (this.failed.has(subjectId)) this.sink.remove(subjectId);
      else {
        templates += n;
        subjects++;
      }
    }
    const quarantined = new Set([...previouslyQuarantined, ...this.failed.keys()]);
    const summary: LoadSummary = { subjects, templates, quarantined: [...quarantined].sort(), failures: new Map(this.failed), decryptedIn };
    if (workerProblem !== undefined) summary.workerProblem = workerProblem;
    return summary;
  }

  private tick(): void {
    this.done++;
    if (!this.onProgress) return;
    // performance.now() only paces the progress display; no decision depends on it.
    if (this.done - this.reportedDone >= PROGRESS_EVERY || ((this.done & 63) === 0 && performance.now() - this.reportedAt >= PROGRESS_MS)) {
      this.reportedDone = this.done;
      this.reportedAt = performance.now();
      this.onProgress({ done: this.done, total: this.total });
    }
  }
}
