/**
 * `facegate bench camera [--frames N] [--fps F] [--size WxH] [--output mjpeg|rgb] [--json]`
 *
 * Camera frame latency through ffmpeg: from the moment a network camera sends a frame
 * to the moment the ffmpeg camera driver hands it to the gate (its onFrame listener).
 *
 * The camera is an HTTP MJPEG server in this process, sending pre-encoded JPEGs (W x H,
 * default 640x480, random texture so encoding costs what a real scene costs) at F frames
 * a second (default 10). Each frame carries its sequence number (mod 16) as the grey
 * level of a 96x96 block; "sent" is when the frame's last byte was handed to the
 * socket. The driver runs as on a terminal (ffmpeg child process, `-fps_mode vfr -r F`,
 * JPEG or raw RGB on stdout, the stream splitter); "delivered" is when the listener is
 * called. Latency = delivered - sent for the frame whose number the listener reads.
 * Not included: the camera's own capture-to-network delay, and the gate's analysis.
 * Both clocks are this process's monotonic clock.
 */
import { randomBytes } from "node:crypto";
import { type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { isRawRgbFrame } from "../../sdk/hal/camera.js";
import { silentLogger } from "../../sdk/log/logger.js";
import { systemClock } from "../../sdk/time/clock.js";
import { parseArgs, intValue } from "../cli/args.js";
import { type CliIo, EXIT, UsageError } from "../cli/cli-io.js";
import { parseCameraSettings } from "../drivers/camera/camera-settings.js";
import { FfmpegCamera } from "../drivers/camera/ffmpeg-camera.js";
import { processSpawn, processTimers } from "../drivers/process/child-process.js";
import { summarize } from "./stats.js";

const LEVELS = 16;
const BLOCK = 96;

async function codedFrames(width: number, height: number): Promise<Buffer[]> {
  const texture = randomBytes(width * height * 3);
  const frames: Buffer[] = [];
  for (let k = 0; k < LEVELS; k++) {
    const grey = 8 + 16 * k;
    const block = await sharp({ create: { width: BLOCK, height: BLOCK, channels: 3, background: { r: grey, g: grey, b: grey } } }).png().toBuffer();
    frames.push(await sharp(texture, { raw: { width, height, channels: 3 } }).composite([{ input: block, left: 0, top: 0 }]).jpeg({ quality: 85 }).toBuffer());
  }
  return frames;
}

function codeOf(grey: number): number {
  return Math.max(0, Math.min(LEVELS - 1, Math.round((grey - 8) / 16)));
}

export const usage = [
  "usage: facegate bench camera [--frames N] [--fps F] [--size WxH] [--output mjpeg|rgb] [--json]",
  "  Frame latency through ffmpeg: an HTTP MJPEG camera in this process to the driver's frame.",
].join("\n");

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["frames", "fps", "size", "output"], usage });
  const count = intValue(args, "frames", 100);
  const fps = intValue(args, "fps", 10);
  const size = /^(\d+)x(\d+)$/.exec(args.values["size"] ?? "640x480");
  if (!size) throw new UsageError("--size must be WxH, e.g. 640x480");
  const [width, height] = [Number(size[1]), Number(size[2])];
  const output = args.values["output"] ?? "mjpeg";
  if (output !== "mjpeg" && output !== "rgb") throw new UsageError("--output must be mjpeg or rgb");

  const jpegs = await codedFrames(width, height);
  const sentAt = new Map<number, number>();
  let client: ServerResponse | null = null;
  const server = createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "multipart/x-mixed-replace;boundary=frame" });
    client = res;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const camera = new FfmpegCamera({
    id: "bench.camera",
    settings: parseCameraSettings({ source: `http://127.0.0.1:${port}/stream`, fps, output, ...(output === "rgb" ? { width, height } : {}) }, "bench"),
    clock: systemClock,
    timers: processTimers,
    spawn: processSpawn,
    logger: silentLogger,
  });
  const latencies: number[] = [];
  let decoding: Promise<unknown> = Promise.resolve();
  let warmup = 5;
  camera.onFrame((frame) => {
    const at = performance.now();
    const read = (grey: number) => {
      const t = sentAt.get(codeOf(grey));
      if (t !== undefined && warmup-- <= 0) latencies.push(at - t);
    };
    if (isRawRgbFrame(frame)) read(frame.data[(BLOCK / 2) * frame.width * 3 + (BLOCK / 2) * 3]!);
    else {
      const bytes = Buffer.from(frame);
      decoding = decoding.then(async () => {
        const { data } = await sharp(bytes).extract({ left: BLOCK / 2, top: BLOCK / 2, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
        read(data[0]!);
      });
    }
  });
  camera.start();

  let seq = 0;
  const total = count + 5 + 10;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!client) return;
      if (seq >= total) {
        clearInterval(timer);
        resolve();
        return;
      }
      const k = seq++ % LEVELS;
      const jpeg = jpegs[k]!;
      client.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
      client.write(jpeg, () => sentAt.set(k, performance.now()));
      client.write("\r\n");
    }, 1000 / fps);
  });
  await new Promise((r) => setTimeout(r, 1_000));
  await decoding;
  await camera.close();
  (client as ServerResponse | null)?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const report = { bench: "camera", source: "http-mjpeg", output, width, height, fps, sent: seq, delivered: camera.stats.frames, latencyMs: summarize(latencies) };
  if (args.flags.has("json")) io.out(JSON.stringify(report));
  else {
    const l = report.latencyMs;
    io.out(`camera frame latency through ffmpeg (${width}x${height} ${output}, ${fps} fps, HTTP MJPEG on loopback): n=${l.n} p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms; ${report.delivered}/${report.sent} frames delivered`);
  }
  return latencies.length > 0 ? EXIT.ok : EXIT.failure;
}
