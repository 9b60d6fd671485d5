/**
 * Builds the ffmpeg camera for one gate from its settings (camera-settings.ts), with the
 * simulated hardware's device id (`<gate>.camera`). Call `start()` once the gate listens;
 * `close()` stops ffmpeg.
 */
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import { type DriverTimers, type SpawnFn, processSpawn, processTimers } from "../process/child-process.js";
import type { CameraSettings } from "./camera-settings.js";
import { FfmpegCamera } from "./ffmpeg-camera.js";

export function createCameraDriver(o: { settings: CameraSettings; gateId: string; clock: Clock; logger: Logger; timers?: DriverTimers; spawn?: SpawnFn }): FfmpegCamera {
  return new FfmpegCamera({ id: `${o.gateId}.camera`, settings: o.settings, clock: o.clock, logger: o.logger, timers: o.timers ?? processTimers, spawn: o.spawn ?? processSpawn });
}
