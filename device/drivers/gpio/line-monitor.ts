/**
 * Watches GPIO input lines of one chip through libgpiod's `gpiomon`, kept running as a
 * child process: every edge comes back with the kernel's timestamp (gpiomon-events.ts).
 * When gpiomon exits (chip gone, line taken, killed) the lines are "disconnected" and
 * gpiomon is started again with a doubling backoff; "connected" is reported once a
 * gpiomon has stayed up for `confirmMs` (a failing request exits within milliseconds,
 * so a broken line does not flap).
 *
 * gpiomon reports edges only, not levels: with `readLevels`, the lines are read with
 * `gpioget` just before each start. An edge in the few milliseconds between the two is
 * missed (libgpiod v1 tools cannot do both in one request); the next edge corrects it.
 */
import type { ChildProcess } from "node:child_process";
import type { DeviceStatus } from "../../../sdk/hal/device.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import { type DriverTimers, type SpawnFn, exited, firstLine, runTool } from "../process/child-process.js";
import { LineSplitter } from "../process/line-splitter.js";
import { RateLimitedLog } from "../process/rate-limited-log.js";
import { GPIOMON_FORMAT, type LineEdge, parseGpiomonLine } from "./gpiomon-events.js";

export type GpioBias = "as-is" | "disable" | "pull-up" | "pull-down";

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface LineMonitorOptions {
  chip: string;
  offsets: readonly number[];
  bias: GpioBias;
  readLevels: boolean;
  spawn: SpawnFn;
  timers: DriverTimers;
  clock: Clock;
  logger: Logger;
  backoff?: Backoff;
  confirmMs?: number;
  onEdge(edge: LineEdge): void;
  /** The lines' levels read before a start, by offset (only with `readLevels`). */
  onLevels?(levels: ReadonlyMap<number, 0 | 1>): void;
  onStatus(status: DeviceStatus): void;
}

export function biasArgs(bias: GpioBias): string[] {
  return bias === "as-is" ? [] : [`--bias=${bias}`];
}

export class LineMonitor {
  private child: ChildProcess | null = null;
  private stopped = true;
  private connected = false;
  private delay: number;
  private retry: unknown = null;
  private confirm: unknown = null;
  private startedAt = 0;
  private readonly log: RateLimitedLog;
  private readonly backoff: Backoff;

  constructor(private readonly o: LineMonitorOptions) {
    this.backoff = o.backoff ?? { initialMs: 500, maxMs: 30_000 };
    this.delay = this.backoff.initialMs;
    this.log = new RateLimitedLog(o.logger, o.clock);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clear();
    const child = this.child;
    if (child) {
      child.kill("SIGTERM");
      await exited(child);
    }
    this.setConnected(false);
  }

  private clear(): void {
    if (this.retry !== null) this.o.timers.clearTimer(this.retry);
    if (this.confirm !== null) this.o.timers.clearTimer(this.confirm);
    this.retry = this.confirm = null;
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.o.onStatus(connected ? "connected" : "disconnected");
  }

  private async run(): Promise<void> {
    const { chip, offsets } = this.o;
    const where = { chip, lines: offsets.join(",") };
    let levels: Map<number, 0 | 1> | undefined;
    if (this.o.readLevels) {
      const r = await runTool(this.o.spawn, this.o.timers, "gpioget", [...biasArgs(this.o.bias), chip, ...offsets.map(String)]);
      const values = r.stdout.trim().split(/\s+/);
      if (r.code !== 0 || values.length !== offsets.length || values.some((v) => v !== "0" && v !== "1")) {
        this.log.log("warn", "gpioget failed; retrying", { ...where, problem: r.failure ?? firstLine(r.stderr) });
        this.scheduleRetry();
        return;
      }
      levels = new Map(offsets.map((o, i) => [o, values[i] === "1" ? 1 : 0] as const));
    }
    if (this.stopped) return;
    const child = this.o.spawn("gpiomon", ["--line-buffered", `--format=${GPIOMON_FORMAT}`, ...biasArgs(this.o.bias), chip, ...offsets.map(String)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.startedAt = this.o.clock.now();
    const out = new LineSplitter(256);
    const err = new LineSplitter(256);
    let lastError = "";
    child.stdout?.on("data", (d: Buffer) => {
      for (const line of out.push(d)) {
        const edge = parseGpiomonLine(line);
        if (edge) this.o.onEdge(edge);
        else if (line.trim() !== "") this.log.log("warn", "gpiomon printed a line that is not an edge", where);
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      for (const line of err.push(d)) if (line.trim() !== "") lastError = line.slice(0, 200);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      lastError = e.code ?? e.message;
    });
    this.confirm = this.o.timers.setTimer(() => {
      this.confirm = null;
      if (this.child !== child || this.stopped) return;
      if (levels) this.o.onLevels?.(levels);
      this.setConnected(true);
    }, this.o.confirmMs ?? 200);
    child.on("close", (code, signal) => {
      if (this.child === child) this.child = null;
      if (this.stopped) return;
      if (this.confirm !== null) this.o.timers.clearTimer(this.confirm);
      this.confirm = null;
      this.setConnected(false);
      this.log.log("warn", "gpiomon exited; lines disconnected", { ...where, code, signal, problem: lastError });
      if (this.o.clock.now() - this.startedAt > 10_000) this.delay = this.backoff.initialMs;
      this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.delay;
    this.delay = Math.min(this.backoff.maxMs, this.delay * 2);
    this.retry = this.o.timers.setTimer(() => {
      this.retry = null;
      void this.run();
    }, delay);
  }
}
