/**
 * A camera through ffmpeg, implementing sdk/hal/camera.ts: ffmpeg runs as a child
 * process (ffmpeg-args.ts) and writes frames to its stdout, which is cut into frames as
 * it arrives (jpeg-splitter.ts, raw-splitter.ts) and handed to the listeners at once.
 *
 * - Frames are lent (L4): each is delivered once and the camera keeps no reference to
 *   it; nothing is written anywhere. The splitters bound what is buffered.
 * - Watchdog: no frame for `stallMs` (or no first frame `startTimeoutMs` after a start)
 *   and the camera is "disconnected" and ffmpeg is killed; when ffmpeg exits for any
 *   reason it is started again after a backoff that doubles up to `backoff.maxMs` and
 *   resets once frames flow. "connected" is reported with the first frame of a run.
 * - ffmpeg's stderr never reaches the log unbounded: lines are cut (LineSplitter), the
 *   source's credentials are removed from them (camera-source.ts), and they pass a rate
 *   limit (RateLimitedLog). The last such line is kept for `lastProblem`.
 */
import type { ChildProcess } from "node:child_process";
import type { Camera, CameraFrame, FrameInfo } from "../../../sdk/hal/camera.js";
import { DeviceBase } from "../../../sdk/hal/device-base.js";
import { Listeners } from "../../../sdk/hal/listeners.js";
import type { Unsubscribe } from "../../../sdk/hal/device.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import { type DriverTimers, type SpawnFn, exited } from "../process/child-process.js";
import { LineSplitter } from "../process/line-splitter.js";
import { RateLimitedLog } from "../process/rate-limited-log.js";
import { redactSource, sourceRedactor } from "./camera-source.js";
import type { CameraSettings } from "./camera-settings.js";
import { ffmpegArgs } from "./ffmpeg-args.js";
import { JpegSplitter } from "./jpeg-splitter.js";
import { RawRgbSplitter } from "./raw-splitter.js";

export interface FfmpegCameraOptions {
  id: string;
  settings: CameraSettings;
  clock: Clock;
  timers: DriverTimers;
  spawn: SpawnFn;
  logger: Logger;
}

export interface FfmpegCameraStats {
  frames: number;
  /** ffmpeg processes started. */
  starts: number;
  /** Times the watchdog found no frames. */
  stalls: number;
  droppedBytes: number;
  lastFrameAt: number | null;
}

const KILL_GRACE_MS = 2_000;

export class FfmpegCamera extends DeviceBase implements Camera {
  readonly kind = "camera" as const;
  readonly stats: FfmpegCameraStats = { frames: 0, starts: 0, stalls: 0, droppedBytes: 0, lastFrameAt: null };
  /** The last line ffmpeg complained with, credentials removed. */
  lastProblem: string | null = null;
  private readonly frames = new Listeners<{ frame: CameraFrame; info: FrameInfo }>();
  private readonly redact: (text: string) => string;
  private readonly stderrLog: RateLimitedLog;
  private readonly log: Logger;
  private child: ChildProcess | null = null;
  private running = false;
  private watchdog: unknown = null;
  private restart: unknown = null;
  private delay: number;
  private readonly dying = new WeakSet<ChildProcess>();

  constructor(private readonly o: FfmpegCameraOptions) {
    super(o.id, "disconnected");
    this.redact = sourceRedactor(o.settings.source);
    this.log = o.logger.child("camera");
    this.stderrLog = new RateLimitedLog(this.log, o.clock);
    this.delay = o.settings.backoff.initialMs;
  }

  onFrame(listener: (frame: CameraFrame, info: FrameInfo) => void): Unsubscribe {
    return this.frames.add(({ frame, info }) => listener(frame, info));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.launch();
  }

  async close(): Promise<void> {
    this.running = false;
    this.clearTimers();
    const child = this.child;
    if (child) await this.kill(child);
    this.setStatus("disconnected");
  }

  private clearTimers(): void {
    if (this.watchdog !== null) this.o.timers.clearTimer(this.watchdog);
    if (this.restart !== null) this.o.timers.clearTimer(this.restart);
    this.watchdog = this.restart = null;
  }

  private launch(): void {
    const s = this.o.settings;
    const child = this.o.spawn(s.ffmpeg, ffmpegArgs(s), { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.stats.starts++;
    let delivered = false;
    const splitter = s.output === "rgb" ? new RawRgbSplitter(s.width!, s.height!) : new JpegSplitter(s.maxFrameBytes);
    child.stdout?.on("data", (chunk: Buffer) => {
      // A process being killed delivers nothing more (its late frames would fake a recovery).
      if (this.child !== child || this.dying.has(child)) return;
      const before = splitter instanceof JpegSplitter ? splitter.stats.droppedBytes : 0;
      const frames: CameraFrame[] = splitter.push(chunk);
      if (splitter instanceof JpegSplitter) this.stats.droppedBytes += splitter.stats.droppedBytes - before;
      for (const frame of frames) {
        delivered = true;
        this.deliver(frame);
      }
    });
    const lines = new LineSplitter(300);
    child.stderr?.on("data", (chunk: Buffer) => {
      for (const raw of lines.push(chunk)) {
        const line = this.redact(raw).trim();
        if (!line) continue;
        this.lastProblem = line;
        this.stderrLog.log("warn", "ffmpeg", { source: redactSource(s.source), said: line });
      }
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      this.lastProblem = err.code === "ENOENT" ? `${s.ffmpeg} not found (Debian package ffmpeg)` : (err.code ?? "spawn failed");
    });
    child.on("close", (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.watchdog !== null) this.o.timers.clearTimer(this.watchdog);
      this.watchdog = null;
      this.setStatus("disconnected");
      if (!this.running) return;
      if (delivered) this.delay = s.backoff.initialMs;
      this.log.warn("ffmpeg exited; camera disconnected, restarting", { source: redactSource(s.source), code, signal, retryMs: this.delay });
      this.scheduleRestart();
    });
    this.arm(s.startTimeoutMs);
  }

  private deliver(frame: CameraFrame): void {
    const now = this.o.clock.now();
    this.stats.frames++;
    this.stats.lastFrameAt = now;
    this.arm(this.o.settings.stallMs);
    this.setStatus("connected");
    this.frames.emit({ frame, info: { at: now } });
  }

  /** (Re)arms the watchdog: no frame within `ms` and ffmpeg is killed. */
  private arm(ms: number): void {
    if (this.watchdog !== null) this.o.timers.clearTimer(this.watchdog);
    this.watchdog = this.o.timers.setTimer(() => {
      this.watchdog = null;
      const child = this.child;
      if (!child || !this.running) return;
      this.stats.stalls++;
      this.setStatus("disconnected");
      this.log.warn("no frames from the camera; restarting ffmpeg", { source: redactSource(this.o.settings.source), waitedMs: ms });
      // A stalled ffmpeg has nothing worth flushing, and may sit in a blocking read.
      this.dying.add(child);
      child.kill("SIGKILL");
    }, ms);
  }

  private scheduleRestart(): void {
    const delay = this.delay;
    this.delay = Math.min(this.o.settings.backoff.maxMs, delay * 2);
    this.restart = this.o.timers.setTimer(() => {
      this.restart = null;
      if (this.running) this.launch();
    }, delay);
  }

  private async kill(child: ChildProcess): Promise<void> {
    this.dying.add(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const hard = this.o.timers.setTimer(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    await exited(child);
    this.o.timers.clearTimer(hard);
  }
}
