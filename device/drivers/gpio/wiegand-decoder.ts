/**
 * Wiegand from kernel-timestamped edges. Pure: edges in (as gpiomon printed them), frames
 * out; no clock, no timers, no I/O.
 *
 * Every bit is a pulse to the active level (low, on a standard interface) on D0 (a 0)
 * or D1 (a 1). All timing comes from the kernel's timestamps of the edges:
 * - a pulse shorter than `minPulseUs` or longer than `maxPulseUs` is noise and dropped;
 * - pulses on D0 and D1 at the same time make no bit: the frame is rejected (`overlap`);
 * - a line still active at the end of the edges (a pulse that never ended) rejects the
 *   frame it is in (`stuck_line`);
 * - a gap longer than `frameGapUs` between the starts of two pulses ends a frame.
 *
 * The driver feeds every edge with `push` and calls `flush` once the lines have been
 * quiet for a while (its one timer: it only says "nothing more has arrived", never how
 * long a bit or a gap was). Edges are sorted by kernel time before decoding: gpiomon
 * reads each line's queue in turn, so edges of D0 and D1 can arrive out of order.
 * The buffer is bounded (`maxEdges`): beyond it, edges are dropped and the flush
 * reports one `overflow` rejection.
 */
import { type KernelTime, type LineEdge, compareKernelTime, elapsedUs } from "./gpiomon-events.js";
import { type CardNumberFormat, type WiegandFrame, decodeWiegandBits } from "./wiegand-formats.js";

export interface WiegandTiming {
  minPulseUs: number;
  maxPulseUs: number;
  frameGapUs: number;
}

export const DEFAULT_WIEGAND_TIMING: WiegandTiming = { minPulseUs: 10, maxPulseUs: 1_000, frameGapUs: 25_000 };

export interface WiegandDecoderOptions {
  d0: number;
  d1: number;
  /** The level of a pulse: "low" on a standard Wiegand interface (idle high). */
  active: "low" | "high";
  timing: WiegandTiming;
  cardFormat: CardNumberFormat;
  maxEdges?: number;
}

interface Pulse {
  bit: 0 | 1;
  start: KernelTime;
  end: KernelTime;
}

/** A run of pulses between gaps, with what went wrong in it. */
interface Segment {
  pulses: Pulse[];
  /** Set when the segment cannot be a frame, whatever its length. */
  fault?: "overlap" | "stuck_line" | "noise";
}

export class WiegandDecoder {
  private edges: LineEdge[] = [];
  private overflowed = false;
  private readonly maxEdges: number;

  constructor(private readonly o: WiegandDecoderOptions) {
    this.maxEdges = o.maxEdges ?? 512;
  }

  /** Buffers one edge of D0 or D1 (edges of other lines are ignored). */
  push(edge: LineEdge): void {
    if (edge.offset !== this.o.d0 && edge.offset !== this.o.d1) return;
    if (this.edges.length >= this.maxEdges) {
      this.overflowed = true;
      return;
    }
    this.edges.push(edge);
  }

  get pending(): number {
    return this.edges.length;
  }

  /** Decodes everything buffered into frames (card, key or rejected) and empties the buffer. */
  flush(): WiegandFrame[] {
    const edges = this.edges.sort(compareKernelTime);
    const overflowed = this.overflowed;
    this.edges = [];
    this.overflowed = false;
    if (overflowed) return [{ kind: "rejected", bits: 0, reason: "overflow" }];
    return this.segments(edges).map((s) => this.frame(s));
  }

  private frame(segment: Segment): WiegandFrame {
    const bits = segment.pulses.map((p) => p.bit);
    if (segment.fault) return { kind: "rejected", bits: bits.length, reason: segment.fault };
    return decodeWiegandBits(bits, this.o.cardFormat);
  }

  /** Pairs edges into pulses per line, drops noise, and cuts the pulses into segments at gaps. */
  private segments(edges: readonly LineEdge[]): Segment[] {
    const { timing } = this.o;
    const risingIsStart = this.o.active === "high";
    const open: Array<KernelTime | null> = [null, null];
    const pulses: Pulse[] = [];
    let noise = 0;
    for (const e of edges) {
      const bit = e.offset === this.o.d1 ? 1 : 0;
      if (e.rising === risingIsStart) {
        // A second start without an end: the end edge was lost; the pulse restarts.
        open[bit] = e;
        continue;
      }
      const start = open[bit];
      open[bit] = null;
      if (!start) continue; // an end without a start (the monitor started mid-pulse)
      const width = elapsedUs(e, start);
      if (width < timing.minPulseUs || width > timing.maxPulseUs) noise++;
      else pulses.push({ bit, start, end: e });
    }
    pulses.sort((a, b) => compareKernelTime(a.start, b.start));

    const segments: Segment[] = [];
    let current: Segment | undefined;
    for (const p of pulses) {
      const prev = current?.pulses[current.pulses.length - 1];
      if (!current || !prev || elapsedUs(p.start, prev.start) > timing.frameGapUs) {
        current = { pulses: [] };
        segments.push(current);
      } else if (prev.bit !== p.bit && compareKernelTime(p.start, prev.end) < 0) {
        current.fault = "overlap"; // both lines active at once: no bit can be read
      }
      current.pulses.push(p);
    }
    // A line left active belongs to the frame it interrupted, or stands alone.
    for (const start of open) {
      if (!start) continue;
      const last = segments[segments.length - 1];
      const lastStart = last?.pulses[last.pulses.length - 1]?.start;
      if (last && lastStart && elapsedUs(start, lastStart) <= timing.frameGapUs) last.fault = "stuck_line";
      else segments.push({ pulses: [], fault: "stuck_line" });
    }
    if (segments.length === 0 && noise > 0) segments.push({ pulses: [], fault: "noise" });
    return segments;
  }
}
