/**
 * The door relay on a GPIO output line, implementing sdk/hal/door-relay.ts.
 *
 * What holds the line. Only a guard process ever drives the unlock level: a POSIX shell
 * (RELAY_GUARD below) that runs `gpioset --mode=time` for exactly the unlock time and
 * then `gpioset LINE=<locked level>`. The re-lock timer therefore lives outside Node:
 * - if facegate crashes or is killed (kill -9, OOM), the guard carries on, and the door
 *   re-locks at the end of the unlock it was given (never later than `maxUnlockMs`);
 * - on SIGTERM/SIGINT/SIGHUP (systemd stop, Ctrl-C, which reach the guard too) the
 *   guard ends its gpioset and drives the locked level at once;
 * - only a SIGKILL of the guard itself while unlocked leaves the line to the kernel: a
 *   released line "reverts to default" or keeps its value, depending on the GPIO
 *   controller. So the wiring must make the undriven line locked (a pull resistor on the
 *   relay driver's input, which the boot state, before facegate runs, needs anyway).
 *
 * Node keeps its own deadline and timer (the injected timers) to know the state, to
 * extend and to lock early: `unlock` while unlocked extends the unlock to end
 * `durationMs` from now, never shortens it. Extending replaces the guard (the old one is
 * told with SIGUSR1 to leave without re-locking): the line is released for the few
 * milliseconds between two gpioset processes, too short to move a strike or a magnet.
 *
 * `unlock` resolves once gpioinfo shows the line held as an output by gpioset, i.e. the
 * unlock level is on the wire. At start the line is driven to the locked level; if that
 * fails (no chip, line held by someone else: a guard left by a crashed facegate keeps it
 * until its own unlock ends) the relay is "disconnected" and retries with a backoff.
 * While locked and idle, the relay reads the chip (gpioinfo) every `watchMs`: a chip
 * that went away (a USB expander pulled, a driver unloaded) makes it "disconnected"
 * without waiting for the next unlock to fail.
 *
 * Two sets of timers: `timers` for the door's time (the unlock's end), which the gate
 * owns, and `ioTimers` for the tools (time-outs, retries, the watch); default: `timers`.
 */
import type { ChildProcess } from "node:child_process";
import { HardwareError } from "../../../sdk/errors.js";
import { DeviceBase } from "../../../sdk/hal/device-base.js";
import { disconnectedError } from "../../../sdk/hal/device.js";
import type { DoorRelay } from "../../../sdk/hal/door-relay.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import { type DriverTimers, type SpawnFn, exited, firstLine, runTool } from "../process/child-process.js";
import { readChipInfo } from "./gpio-info.js";
import type { Backoff } from "./line-monitor.js";

/** sh -c RELAY_GUARD guard CHIP LINE ON OFF SEC USEC */
export const RELAY_GUARD = [
  'chip=$1 line=$2 on=$3 off=$4',
  // TERM/INT/HUP: end the unlock now and lock. USR1: hand over to a new guard (extend).
  'trap \'kill -TERM $! 2>/dev/null; wait; gpioset "$chip" "$line=$off"; exit 0\' TERM INT HUP',
  "trap 'kill -TERM $! 2>/dev/null; wait; exit 0' USR1",
  'gpioset --mode=time --sec="$5" --usec="$6" "$chip" "$line=$on" &',
  "wait $!",
  "rc=$?",
  'gpioset "$chip" "$line=$off" || exit 1',
  "exit $rc",
].join("\n");

export interface GpioRelayOptions {
  id: string;
  chip: string;
  line: number;
  /** The level that unlocks (energises the strike's relay). */
  active: "high" | "low";
  maxUnlockMs: number;
  spawn: SpawnFn;
  timers: DriverTimers;
  /** For tool time-outs, retries and the watch; default: `timers`. */
  ioTimers?: DriverTimers;
  clock: Clock;
  logger: Logger;
  backoff?: Backoff;
  /** How often an idle relay checks that its chip is still there; default 2000 ms, 0: never. */
  watchMs?: number;
  /** How long the unlock may take to show on the line (gpioinfo) before unlock fails. */
  confirmTimeoutMs?: number;
}

interface Guard {
  child: ChildProcess;
  /** Set when we asked it to end, so its exit is expected. */
  ending: boolean;
  failure: string;
}

export class GpioRelay extends DeviceBase implements DoorRelay {
  readonly kind = "door_relay" as const;
  readonly maxUnlockMs: number;
  private guard: Guard | null = null;
  private until = 0;
  private relockTimer: unknown = null;
  private retryTimer: unknown = null;
  private watchTimer: unknown = null;
  private retryDelay: number;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;
  private readonly on: string;
  private readonly off: string;
  private readonly io: DriverTimers;

  constructor(private readonly o: GpioRelayOptions) {
    super(o.id, "disconnected");
    this.maxUnlockMs = o.maxUnlockMs;
    this.retryDelay = o.backoff?.initialMs ?? 500;
    this.log = o.logger.child("relay");
    this.on = o.active === "high" ? "1" : "0";
    this.off = o.active === "high" ? "0" : "1";
    this.io = o.ioTimers ?? o.timers;
  }

  /** Resolves once every operation queued so far (unlock, lock, re-lock, retry, watch) has finished. */
  async idle(): Promise<void> {
    let queue: Promise<unknown>;
    do {
      queue = this.queue;
      await queue;
    } while (queue !== this.queue);
  }

  /** Drives the locked level; connected once that worked. */
  start(): Promise<void> {
    return this.serial(() => this.claim());
  }

  /** Whether the driver holds the line at the unlock level now. */
  get unlocked(): boolean {
    return this.guard !== null;
  }

  unlock(durationMs: number): Promise<void> {
    if (!this.connected) return Promise.reject(disconnectedError(this));
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > this.maxUnlockMs) {
      return Promise.reject(new HardwareError("hardware_invalid_request", `unlock duration must be 1..${this.maxUnlockMs} ms`, { device: this.id }));
    }
    return this.serial(async () => {
      this.assertConnected();
      const until = this.o.clock.now() + durationMs;
      if (this.guard && until <= this.until) return; // extends, never shortens
      if (this.guard) await this.endGuard("SIGUSR1");
      await this.startGuard(durationMs);
      this.until = until;
      this.armRelock(durationMs);
    });
  }

  lock(): Promise<void> {
    return this.serial(async () => {
      this.assertConnected();
      await this.relock();
    });
  }

  /** Locks (if it can) and stops retrying. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) this.io.clearTimer(this.retryTimer);
    this.stopWatch();
    await this.serial(async () => {
      if (this.connected) await this.relock().catch((err: unknown) => this.log.error("could not lock on close", { error: err as Error }));
      this.setStatus("disconnected");
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async claim(): Promise<void> {
    const r = await runTool(this.o.spawn, this.io, "gpioset", [this.o.chip, `${this.o.line}=${this.off}`]);
    if (r.code === 0) {
      this.retryDelay = this.o.backoff?.initialMs ?? 500;
      this.setStatus("connected");
      this.watch();
      return;
    }
    this.log.warn("cannot drive the relay line; retrying", { chip: this.o.chip, line: this.o.line, problem: r.failure ?? firstLine(r.stderr) });
    this.lost();
  }

  /** The relay is unusable: disconnected, and `claim` is retried with a backoff. */
  private lost(): void {
    this.setStatus("disconnected");
    this.stopWatch();
    if (this.closed || this.retryTimer !== null) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.o.backoff?.maxMs ?? 30_000, delay * 2);
    this.retryTimer = this.io.setTimer(() => {
      this.retryTimer = null;
      void this.serial(() => this.claim());
    }, delay);
  }

  /** Checks the chip every `watchMs` while connected. */
  private watch(): void {
    const ms = this.o.watchMs ?? 2_000;
    if (ms <= 0 || this.closed || this.watchTimer !== null) return;
    this.watchTimer = this.io.setTimer(() => {
      this.watchTimer = null;
      void this.serial(async () => {
        if (this.closed || !this.connected) return;
        // While unlocked the guard holds the line; its failure is seen when it exits.
        if (!this.guard) {
          const r = await readChipInfo(this.o.spawn, this.io, this.o.chip);
          const line = r.ok ? r.info.lines.get(this.o.line) : undefined;
          if (!line) {
            this.log.warn("the relay's chip or line is gone; retrying", { chip: this.o.chip, line: this.o.line, problem: r.ok ? "no such line" : r.problem });
            this.lost();
            return;
          }
        }
        this.watch();
      });
    }, ms);
  }

  private stopWatch(): void {
    if (this.watchTimer !== null) this.io.clearTimer(this.watchTimer);
    this.watchTimer = null;
  }

  private armRelock(ms: number): void {
    if (this.relockTimer !== null) this.o.timers.clearTimer(this.relockTimer);
    this.relockTimer = this.o.timers.setTimer(() => {
      this.relockTimer = null;
      void this.serial(() => this.relock()).catch((err: unknown) => this.log.error("re-lock failed", { error: err as Error }));
    }, ms);
  }

  private async relock(): Promise<void> {
    if (this.relockTimer !== null) this.o.timers.clearTimer(this.relockTimer);
    this.relockTimer = null;
    this.until = 0;
    if (this.guard) {
      await this.endGuard("SIGTERM"); // the guard drives the locked level as it leaves
      return;
    }
    const r = await runTool(this.o.spawn, this.io, "gpioset", [this.o.chip, `${this.o.line}=${this.off}`]);
    if (r.code !== 0) {
      this.lost();
      throw new HardwareError("hardware_failed", `relay ${this.id}: cannot drive the locked level`, { device: this.id });
    }
  }

  private async endGuard(signal: "SIGTERM" | "SIGUSR1"): Promise<void> {
    const guard = this.guard;
    if (!guard) return;
    guard.ending = true;
    guard.child.kill(signal);
    await exited(guard.child);
    this.guard = null;
    if (signal === "SIGTERM" && guard.child.exitCode !== 0) {
      this.lost();
      throw new HardwareError("hardware_failed", `relay ${this.id}: the guard could not lock`, { device: this.id });
    }
  }

  private async startGuard(durationMs: number): Promise<void> {
    const sec = Math.floor(durationMs / 1000);
    const usec = Math.round((durationMs - sec * 1000) * 1000);
    const child = this.o.spawn("sh", ["-c", RELAY_GUARD, "facegate-relay-guard", this.o.chip, String(this.o.line), this.on, this.off, String(sec), String(usec)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const guard: Guard = { child, ending: false, failure: "" };
    this.guard = guard;
    child.stderr?.on("data", (d: Buffer) => {
      if (guard.failure.length < 400) guard.failure += d.toString("utf8");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      guard.failure ||= e.code ?? e.message;
    });
    child.on("close", (code) => {
      if (guard.ending) return;
      // It ended by itself: its own timer ran out (and it locked), or gpioset failed.
      if (this.guard === guard) this.guard = null;
      if (code !== 0) {
        this.log.error("relay guard failed", { chip: this.o.chip, line: this.o.line, code, problem: firstLine(guard.failure) });
        this.lost();
      }
    });
    if (!(await this.confirmHeld(guard))) {
      if (this.guard === guard) await this.endGuard("SIGTERM").catch(() => undefined);
      this.lost();
      throw new HardwareError("hardware_failed", `relay ${this.id}: the unlock did not reach the line`, { device: this.id });
    }
  }

  /**
   * Reads gpioinfo (a few ms a read) until the line is an output held by gpioset, the
   * guard is gone, or `confirmTimeoutMs` has passed on the driver's timers.
   */
  private async confirmHeld(guard: Guard): Promise<boolean> {
    let late = false;
    const timer = this.io.setTimer(() => (late = true), this.o.confirmTimeoutMs ?? 5_000);
    try {
      while (!late && this.guard === guard) {
        const r = await readChipInfo(this.o.spawn, this.io, this.o.chip);
        const line = r.ok ? r.info.lines.get(this.o.line) : undefined;
        if (this.guard === guard && line?.consumer === "gpioset" && line.direction === "output") return true;
      }
      return false;
    } finally {
      this.io.clearTimer(timer);
    }
  }
}
