/**
 * Refusals of unauthenticated requests, counted instead of audited one by one (issue 12,
 * finding 3): anyone on the broker can publish junk on a gate's command topic, and an
 * audit entry (and a signed answer) for each message let a flood grow the audit log
 * without bound and keep the device busy. Within a window, each source gets at most
 * `answerPerWindow` signed answers; every refusal is counted, and when the window closes
 * each source's counts become one audit entry (`command.rejected_summary`). Sources are
 * what a request claims (its key id), so at most `maxSources` are kept apart per window;
 * the rest are counted together as "other".
 *
 * Pure: the caller passes the time of each refusal.
 */

export interface RefusalSummary {
  /** The key id the requests claimed, "anonymous" when none, "other" past maxSources. */
  source: string;
  from: number;
  to: number;
  count: number;
  /** Refusals by code. */
  codes: Record<string, number>;
  /** How many got no signed answer (beyond answerPerWindow). */
  unanswered: number;
}

export interface RefusalTallyOptions {
  /** Default 60 s. */
  windowMs?: number;
  /** Signed answers per source and window. Default 20. */
  answerPerWindow?: number;
  /** Sources kept apart per window. Default 32. */
  maxSources?: number;
}

export const ANONYMOUS_SOURCE = "anonymous";
export const OTHER_SOURCES = "other";

export class RefusalTally {
  private readonly windowMs: number;
  private readonly answerPerWindow: number;
  private readonly maxSources: number;
  private windowStart: number | undefined;
  private readonly sources = new Map<string, RefusalSummary>();

  constructor(options: RefusalTallyOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.answerPerWindow = options.answerPerWindow ?? 20;
    this.maxSources = options.maxSources ?? 32;
  }

  /** Counts one refusal at `at`: whether it gets a signed answer, and the summaries of a window that closed. */
  count(claimedSource: string | undefined, code: string, at: number): { answer: boolean; closed: RefusalSummary[] } {
    const closed = this.windowStart !== undefined && at >= this.windowStart + this.windowMs ? this.flush() : [];
    if (this.windowStart === undefined) this.windowStart = at;
    let source = claimedSource ?? ANONYMOUS_SOURCE;
    if (!this.sources.has(source) && this.sources.size >= this.maxSources) source = OTHER_SOURCES;
    let s = this.sources.get(source);
    if (!s) {
      s = { source, from: at, to: at, count: 0, codes: {}, unanswered: 0 };
      this.sources.set(source, s);
    }
    s.count++;
    s.to = at;
    s.codes[code] = (s.codes[code] ?? 0) + 1;
    const answer = s.count <= this.answerPerWindow;
    if (!answer) s.unanswered++;
    return { answer, closed };
  }

  /** Closes the current window: its summaries, one per source (none when nothing was refused). */
  flush(): RefusalSummary[] {
    const out = [...this.sources.values()];
    this.sources.clear();
    this.windowStart = undefined;
    return out;
  }
}
