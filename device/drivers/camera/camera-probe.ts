/**
 * Watches a camera source for a while and says what it delivers: resolution, frame
 * rate, time to the first frame. For `facegate camera snapshot` and `facegate doctor`.
 * The frames are looked at for their size and dropped at once: nothing is kept or
 * written (L4).
 */
import { isRawRgbFrame } from "../../../sdk/hal/camera.js";
import { silentLogger, type Logger } from "../../../sdk/log/logger.js";
import { type Clock, systemClock } from "../../../sdk/time/clock.js";
import type { DriverCheck } from "../driver-check.js";
import { type DriverTimers, type SpawnFn, processSpawn, processTimers } from "../process/child-process.js";
import { redactSource } from "./camera-source.js";
import type { CameraSettings } from "./camera-settings.js";
import { FfmpegCamera } from "./ffmpeg-camera.js";
import { jpegSize } from "./jpeg-splitter.js";

export interface CameraProbe {
  /** The source without credentials. */
  source: string;
  frames: number;
  width: number | null;
  height: number | null;
  /** Frames per second measured over the frames seen (null under two frames). */
  fps: number | null;
  firstFrameMs: number | null;
  /** ffmpeg's last complaint, credentials removed. */
  problem: string | null;
}

export interface ProbeDeps {
  spawn?: SpawnFn;
  timers?: DriverTimers;
  clock?: Clock;
  logger?: Logger;
}

export async function probeCamera(settings: CameraSettings, seconds: number, deps: ProbeDeps = {}): Promise<CameraProbe> {
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? processTimers;
  // One try: a probe reports what it saw, it does not wait out a backoff.
  const camera = new FfmpegCamera({
    id: "probe.camera",
    settings: { ...settings, startTimeoutMs: seconds * 1000, backoff: { initialMs: seconds * 1000, maxMs: seconds * 1000 } },
    clock,
    timers,
    spawn: deps.spawn ?? processSpawn,
    logger: deps.logger ?? silentLogger,
  });
  const start = clock.now();
  let width: number | null = null;
  let height: number | null = null;
  const times: number[] = [];
  camera.onFrame((frame, info) => {
    times.push(info.at);
    if (width !== null) return;
    const size = isRawRgbFrame(frame) ? frame : jpegSize(frame);
    if (size) ({ width, height } = size);
  });
  camera.start();
  await new Promise<void>((resolve) => timers.setTimer(resolve, seconds * 1000));
  await camera.close();
  const span = times.length >= 2 ? times[times.length - 1]! - times[0]! : 0;
  return {
    source: redactSource(settings.source),
    frames: times.length,
    width,
    height,
    fps: span > 0 ? Math.round(((times.length - 1) / span) * 1000 * 10) / 10 : null,
    firstFrameMs: times.length > 0 ? times[0]! - start : null,
    problem: camera.lastProblem,
  };
}

/** `facegate doctor`: does the camera source deliver frames within a few seconds? */
export async function checkCamera(settings: CameraSettings, deps: ProbeDeps & { seconds?: number } = {}): Promise<DriverCheck> {
  const p = await probeCamera(settings, deps.seconds ?? 5, deps);
  if (p.frames > 0) return { ok: true, detail: `${p.source}: ${p.width ?? "?"}x${p.height ?? "?"} ${settings.output === "rgb" ? "RGB" : "JPEG"} frames${p.fps ? ` at ${p.fps} fps` : ""}, first after ${p.firstFrameMs} ms` };
  const missing = p.problem?.includes("not found");
  return {
    ok: false,
    detail: `${p.source}: no frame in ${deps.seconds ?? 5} s${p.problem ? ` (${p.problem})` : ""}`,
    fix: missing ? "apt-get install ffmpeg" : settings.kind === "v4l2" ? "check the device exists (v4l2-ctl --list-devices) and facegate's user is in group video" : "check the URL, user and password, and that the camera is reachable from the terminal",
  };
}
