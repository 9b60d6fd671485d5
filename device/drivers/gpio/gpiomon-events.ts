/**
 * Edges as libgpiod's `gpiomon` prints them, with the kernel's timestamp of each edge.
 *
 * We run gpiomon (libgpiod v1.6, Debian bookworm's `gpiod`) with
 * `--format="%o %e %s %n"`: line offset, event type (1 rising, 0 falling), and the
 * event's timestamp as seconds and nanoseconds, exactly as the kernel stamped it in
 * its interrupt handler (CLOCK_MONOTONIC on kernels since 5.7, CLOCK_REALTIME before).
 * `%n` is printed unpadded (`%ld`), so the two numbers are parsed separately; the pair
 * is kept as is (a nanosecond count since boot passes 2^53 after 104 days) and only
 * differences between edges are ever computed. Node's own clock never times a bit.
 */
export const GPIOMON_FORMAT = "%o %e %s %n";

export interface KernelTime {
  sec: number;
  nsec: number;
}

export interface LineEdge extends KernelTime {
  offset: number;
  rising: boolean;
}

const LINE = /^(\d+) ([01]) (\d+) (\d+)$/;

/** One line of `gpiomon --format="%o %e %s %n"` output, or null if it is not one. */
export function parseGpiomonLine(line: string): LineEdge | null {
  const m = LINE.exec(line.trim());
  if (!m) return null;
  const nsec = Number(m[4]);
  if (nsec >= 1e9) return null;
  return { offset: Number(m[1]), rising: m[2] === "1", sec: Number(m[3]), nsec };
}

/** `later - earlier` in microseconds (fractional), exact for any two edges of one clock. */
export function elapsedUs(later: KernelTime, earlier: KernelTime): number {
  return (later.sec - earlier.sec) * 1e6 + (later.nsec - earlier.nsec) / 1e3;
}

export function compareKernelTime(a: KernelTime, b: KernelTime): number {
  return a.sec - b.sec || a.nsec - b.nsec;
}

/** Renders an edge as gpiomon prints it (for recorded sequences and the fake chip in tests). */
export function formatGpiomonLine(edge: LineEdge): string {
  return `${edge.offset} ${edge.rising ? 1 : 0} ${edge.sec} ${edge.nsec}`;
}
