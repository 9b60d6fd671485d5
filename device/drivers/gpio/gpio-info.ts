/**
 * `gpioinfo CHIP` (libgpiod v1.6) read back into line descriptions: whether a line
 * exists, who holds it (the consumer: "gpioset", "gpiomon", a kernel driver) and its
 * direction. Its lines look like
 *
 *     gpiochip0 - 8 lines:
 *     	line   0:      unnamed       unused   input  active-high
 *     	line   5:     "DOOR"    "gpioset"  output  active-high [used]
 */
import { type DriverTimers, type SpawnFn, firstLine, runTool } from "../process/child-process.js";

export interface LineInfo {
  offset: number;
  name: string | null;
  /** null: unused; "kernel" for a line a kernel driver holds without a name. */
  consumer: string | null;
  direction: "input" | "output";
}

export interface ChipInfo {
  chip: string;
  lines: Map<number, LineInfo>;
}

const HEADER = /^(\S+) - (\d+) lines:$/;
const LINE = /^\s*line\s+(\d+):\s+(unnamed|"[^"]*")\s+(unused|kernel|"[^"]*")\s+(input|output)\b/;

export function parseGpioinfo(text: string): ChipInfo[] {
  const chips: ChipInfo[] = [];
  for (const raw of text.split("\n")) {
    const header = HEADER.exec(raw.trim());
    if (header) {
      chips.push({ chip: header[1]!, lines: new Map() });
      continue;
    }
    const m = LINE.exec(raw);
    const chip = chips[chips.length - 1];
    if (!m || !chip) continue;
    const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1) : s);
    chip.lines.set(Number(m[1]), {
      offset: Number(m[1]),
      name: m[2] === "unnamed" ? null : unquote(m[2]!),
      consumer: m[3] === "unused" ? null : unquote(m[3]!),
      direction: m[4] as "input" | "output",
    });
  }
  return chips;
}

export type ChipLookup = { ok: true; info: ChipInfo } | { ok: false; problem: string };

/** Runs gpioinfo for one chip. */
export async function readChipInfo(spawn: SpawnFn, timers: DriverTimers, chip: string): Promise<ChipLookup> {
  const r = await runTool(spawn, timers, "gpioinfo", [chip], 3_000);
  if (r.failure === "ENOENT") return { ok: false, problem: "gpioinfo not found (Debian package gpiod)" };
  if (r.code !== 0) return { ok: false, problem: r.failure ?? (firstLine(r.stderr) || `gpioinfo exited with ${r.code}`) };
  const info = parseGpioinfo(r.stdout)[0];
  return info ? { ok: true, info } : { ok: false, problem: "gpioinfo printed no chip" };
}
