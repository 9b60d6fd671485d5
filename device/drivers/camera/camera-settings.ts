/**
 * Settings of an ffmpeg camera, as the device configuration carries them under
 * `drivers.camera` with `"kind": "ffmpeg"` (device/config/drivers-config.ts), e.g.
 *
 *     { "source": "rtsp://user:pass@10.0.0.5/stream1", "fps": 5 }
 *     { "source": "/dev/video0", "fps": 5, "width": 640, "height": 480, "inputFormat": "mjpeg" }
 *
 * Every mistake is a ConfigError reading `path: problem`; the source is never repeated
 * in one (it may hold a password).
 */
import { ConfigError } from "../../../sdk/errors.js";
import { type CameraSourceKind, sourceKind } from "./camera-source.js";

export interface CameraSettings {
  /** `/dev/videoN` (or /dev/v4l/by-id/...), `rtsp://...`, or an HTTP MJPEG URL. Secret (may hold a password). */
  source: string;
  kind: CameraSourceKind;
  /** Frames per second delivered to the gate (ffmpeg's fps filter). */
  fps: number;
  /** Scale frames to this size; required with `output: "rgb"`. */
  width?: number;
  height?: number;
  /** "mjpeg": JPEG frames (the gate decodes them); "rgb": raw RGB at width x height (no decode in Node). */
  output: "mjpeg" | "rgb";
  /** JPEG quality for ffmpeg's encoder (2 best .. 31 worst). */
  jpegQuality: number;
  /** V4L2 only: the pixel format to ask the camera for (`mjpeg`, `yuyv422`). */
  inputFormat?: string;
  /** RTSP only: interleaved over TCP (default, survives NAT and loss) or UDP. */
  rtspTransport: "tcp" | "udp";
  /** No frame for this long: the camera is disconnected and ffmpeg is restarted. */
  stallMs: number;
  /** No first frame this long after a start: restart. */
  startTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
  /** A JPEG larger than this is dropped. */
  maxFrameBytes: number;
  /** The ffmpeg program. */
  ffmpeg: string;
}

export const CAMERA_DEFAULTS = {
  fps: 5,
  output: "mjpeg",
  jpegQuality: 3,
  rtspTransport: "tcp",
  stallMs: 3_000,
  startTimeoutMs: 15_000,
  backoff: { initialMs: 500, maxMs: 10_000 },
  maxFrameBytes: 8 * 1024 * 1024,
  ffmpeg: "ffmpeg",
} as const;

const KEYS = new Set(["source", "fps", "width", "height", "output", "jpegQuality", "inputFormat", "rtspTransport", "stallMs", "startTimeoutMs", "backoff", "maxFrameBytes", "ffmpeg"]);

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${path}: must be an integer from ${min} to ${max}`);
  return v;
}

export function parseCameraSettings(input: unknown, path = "drivers.camera"): CameraSettings {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new ConfigError(`${path}: must be an object`);
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new ConfigError(`${path}.${k}: unknown setting`);
  if (typeof o["source"] !== "string" || o["source"] === "") throw new ConfigError(`${path}.source: must be /dev/videoN, an rtsp:// or an http(s):// URL`);
  const source = o["source"];
  const kind = sourceKind(source);
  if (!kind) throw new ConfigError(`${path}.source: must be /dev/videoN, an rtsp:// or an http(s):// URL`);
  const fps = o["fps"] === undefined ? CAMERA_DEFAULTS.fps : o["fps"];
  if (typeof fps !== "number" || !(fps > 0 && fps <= 30)) throw new ConfigError(`${path}.fps: must be a number above 0 and at most 30`);
  const width = o["width"] === undefined ? undefined : int(o["width"], `${path}.width`, 16, 7680);
  const height = o["height"] === undefined ? undefined : int(o["height"], `${path}.height`, 16, 4320);
  if ((width === undefined) !== (height === undefined)) throw new ConfigError(`${path}.${width === undefined ? "width" : "height"}: width and height go together`);
  const output = o["output"] ?? CAMERA_DEFAULTS.output;
  if (output !== "mjpeg" && output !== "rgb") throw new ConfigError(`${path}.output: must be "mjpeg" or "rgb"`);
  if (output === "rgb" && width === undefined) throw new ConfigError(`${path}.width: required with output "rgb" (frames of a fixed size)`);
  const inputFormat = o["inputFormat"];
  if (inputFormat !== undefined && (typeof inputFormat !== "string" || !/^[a-z0-9_]{2,20}$/.test(inputFormat))) throw new ConfigError(`${path}.inputFormat: must be a V4L2 pixel format name such as "mjpeg" or "yuyv422"`);
  if (inputFormat !== undefined && kind !== "v4l2") throw new ConfigError(`${path}.inputFormat: only for V4L2 devices`);
  const rtspTransport = o["rtspTransport"] ?? CAMERA_DEFAULTS.rtspTransport;
  if (rtspTransport !== "tcp" && rtspTransport !== "udp") throw new ConfigError(`${path}.rtspTransport: must be "tcp" or "udp"`);
  const stallMs = o["stallMs"] === undefined ? CAMERA_DEFAULTS.stallMs : int(o["stallMs"], `${path}.stallMs`, 200, 600_000);
  if (stallMs < 2_000 / fps) throw new ConfigError(`${path}.stallMs: must be at least two frame intervals (${Math.ceil(2_000 / fps)} ms at ${fps} fps)`);
  const startTimeoutMs = o["startTimeoutMs"] === undefined ? CAMERA_DEFAULTS.startTimeoutMs : int(o["startTimeoutMs"], `${path}.startTimeoutMs`, 500, 600_000);
  let backoff: CameraSettings["backoff"] = { ...CAMERA_DEFAULTS.backoff };
  if (o["backoff"] !== undefined) {
    const b = o["backoff"] as Record<string, unknown>;
    if (typeof b !== "object" || b === null) throw new ConfigError(`${path}.backoff: must be an object { initialMs, maxMs }`);
    for (const k of Object.keys(b)) if (k !== "initialMs" && k !== "maxMs") throw new ConfigError(`${path}.backoff.${k}: unknown setting`);
    const initialMs = b["initialMs"] === undefined ? backoff.initialMs : int(b["initialMs"], `${path}.backoff.initialMs`, 10, 600_000);
    const maxMs = b["maxMs"] === undefined ? Math.max(initialMs, backoff.maxMs) : int(b["maxMs"], `${path}.backoff.maxMs`, initialMs, 3_600_000);
    backoff = { initialMs, maxMs };
  }
  const jpegQuality = o["jpegQuality"] === undefined ? CAMERA_DEFAULTS.jpegQuality : int(o["jpegQuality"], `${path}.jpegQuality`, 2, 31);
  const maxFrameBytes = o["maxFrameBytes"] === undefined ? CAMERA_DEFAULTS.maxFrameBytes : int(o["maxFrameBytes"], `${path}.maxFrameBytes`, 4_096, 64 * 1024 * 1024);
  const ffmpeg = o["ffmpeg"] ?? CAMERA_DEFAULTS.ffmpeg;
  if (typeof ffmpeg !== "string" || ffmpeg === "" || ffmpeg.startsWith("-")) throw new ConfigError(`${path}.ffmpeg: must be the ffmpeg program (a name on PATH or a path)`);
  return {
    source,
    kind,
    fps,
    ...(width !== undefined && height !== undefined ? { width, height } : {}),
    output,
    jpegQuality,
    ...(inputFormat !== undefined ? { inputFormat } : {}),
    rtspTransport,
    stallMs,
    startTimeoutMs,
    backoff,
    maxFrameBytes,
    ffmpeg,
  };
}
