/**
 * A fake GPIO chip for tests on machines without GPIO hardware or gpio-sim: the
 * programs in fake-gpiochip/ stand in for the chip, the kernel and libgpiod's tools
 * (same names, command lines and output formats), so the drivers run unchanged, as
 * child processes, against "hardware" the test controls: it drives input levels and
 * appends edges with kernel timestamps, and reads back what was driven on outputs.
 */
import { type SpawnOptions, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SpawnFn } from "../../device/drivers/process/child-process.js";
import { type LineEdge, formatGpiomonLine } from "../../device/drivers/gpio/gpiomon-events.js";

export const FAKE_TOOLS_DIR = join(dirname(fileURLToPath(import.meta.url)), "fake-gpiochip");

export interface HistoryEntry {
  at: number;
  value: 0 | 1;
  mode: string;
}

export class FakeGpioChip {
  readonly dir = mkdtempSync(join(tmpdir(), "fake-gpiochip-"));
  readonly env: Record<string, string>;

  constructor(
    readonly chips: Record<string, number> = { gpiochip0: 16 },
  ) {
    writeFileSync(join(this.dir, "chips.json"), JSON.stringify(chips));
    this.env = { ...(process.env as Record<string, string>), PATH: `${FAKE_TOOLS_DIR}:${process.env["PATH"]}`, FAKE_GPIOCHIP_DIR: this.dir };
  }

  /** A spawn function whose tools are this chip's (the driver code is the real one). */
  readonly spawn: SpawnFn = (command, args, options: SpawnOptions) => spawn(command, args, { ...options, env: this.env });

  private lineFile(chip: string, n: number): string {
    return join(this.dir, `line-${chip}-${n}.json`);
  }

  /** The level on a line (driven by an output, or set by `setLevel` on an input). */
  value(n: number, chip = "gpiochip0"): 0 | 1 {
    const f = this.lineFile(chip, n);
    return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as { value: 0 | 1 }).value : 0;
  }

  /** Who holds a line now ("gpioset", "gpiomon"), or null; a gpiomon holds its lines once it watches for edges. */
  heldBy(n: number, chip = "gpiochip0"): string | null {
    const f = this.lineFile(chip, n);
    if (!existsSync(f)) return null;
    const s = JSON.parse(readFileSync(f, "utf8")) as { holder: number | null; consumer: string | null };
    if (s.holder === null) return null;
    try {
      process.kill(s.holder, 0);
    } catch {
      return null;
    }
    return s.consumer;
  }

  /** Sets the level an input line reads (what gpioget prints), without an edge. */
  setLevel(n: number, value: 0 | 1, chip = "gpiochip0"): void {
    const f = this.lineFile(chip, n);
    const s = existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : { holder: null, direction: "input", consumer: null };
    writeFileSync(f, JSON.stringify({ ...s, value }));
  }

  /** The hardware moves: edges (with their kernel timestamps) that gpiomon will print. */
  emit(edges: readonly LineEdge[], chip = "gpiochip0"): void {
    appendFileSync(join(this.dir, `edges-${chip}.log`), edges.map((e) => `${formatGpiomonLine(e)}\n`).join(""));
    const last = new Map<number, 0 | 1>();
    for (const e of edges) last.set(e.offset, e.rising ? 1 : 0);
    for (const [n, v] of last) this.setLevel(n, v, chip);
  }

  history(n: number, chip = "gpiochip0"): HistoryEntry[] {
    const f = join(this.dir, `history-${chip}-${n}.log`);
    if (!existsSync(f)) return [];
    return readFileSync(f, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [at, value, mode] = l.split(" ");
        return { at: Number(at), value: Number(value) as 0 | 1, mode: mode! };
      });
  }

  /** The chip goes away (a USB expander pulled): gpiomon dies, the other tools fail. */
  unplug(chip = "gpiochip0"): void {
    writeFileSync(join(this.dir, `unplugged-${chip}`), "");
  }

  plugIn(chip = "gpiochip0"): void {
    rmSync(join(this.dir, `unplugged-${chip}`), { force: true });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
