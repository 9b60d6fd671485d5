/**
 * The ffmpeg camera against a camera made of ffmpeg: an HTTP MJPEG server in the test
 * (test/support/mjpeg-server.ts) fed by an ffmpeg that loops a face photo. Real ffmpeg
 * on both sides, real timers; only the camera is simulated (by the server).
 */
import { spawnSync } from "node:child_process";
import sharp from "sharp";
import { afterEach, describe, expect, it } from "vitest";
import { FfmpegCamera } from "../../../../device/drivers/camera/ffmpeg-camera.js";
import { parseCameraSettings } from "../../../../device/drivers/camera/camera-settings.js";
import { isRawRgbFrame } from "../../../../sdk/hal/camera.js";
import type { DeviceStatus } from "../../../../sdk/hal/device.js";
import { processSpawn, processTimers } from "../../../../device/drivers/process/child-process.js";
import { MemoryLogSink, createLogger } from "../../../../sdk/log/logger.js";
import { systemClock } from "../../../../sdk/time/clock.js";
import { facePath, facesAvailable } from "../../../support/faces.js";
import { MjpegServer, waitUntil } from "../../../support/mjpeg-server.js";

const PASSWORD = "Hunter2-cam-Secret";
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(fps = 10): Promise<MjpegServer> {
  const s = new MjpegServer({ image: facePath("identities", "amy", "amy1.png"), fps, user: "door", password: PASSWORD });
  await s.start();
  cleanup.push(() => s.stop());
  return s;
}

function camera(source: string, extra: Record<string, unknown> = {}) {
  const logs = new MemoryLogSink();
  const cam = new FfmpegCamera({
    id: "lobby.camera",
    settings: parseCameraSettings({ source, fps: 5, stallMs: 1_500, startTimeoutMs: 4_000, backoff: { initialMs: 200, maxMs: 1_000 }, ...extra }),
    clock: systemClock,
    timers: processTimers,
    spawn: processSpawn,
    logger: createLogger({ sink: logs.sink, level: "debug", now: () => Date.now() }),
  });
  cleanup.push(() => cam.close());
  const statuses: DeviceStatus[] = [];
  cam.onStatus((s) => statuses.push(s));
  return { cam, logs, statuses };
}

describe.skipIf(!facesAvailable)("ffmpeg camera over HTTP MJPEG", () => {
  it("delivers JPEG frames of the stream at the configured rate, each with its capture time, and reports connected", async () => {
    const s = await server(15);
    const { cam, statuses } = camera(s.url);
    const seen: Array<{ at: number; width: number; height: number }> = [];
    let pending: Promise<unknown> = Promise.resolve();
    cam.onFrame((frame, info) => {
      expect(frame).toBeInstanceOf(Uint8Array);
      // The listener decodes within its turn and keeps nothing (frames are lent, L4).
      const bytes = Buffer.from(frame as Uint8Array);
      pending = pending.then(async () => {
        const meta = await sharp(bytes).metadata();
        seen.push({ at: info.at, width: meta.width!, height: meta.height! });
      });
    });
    expect(cam.status).toBe("disconnected");
    cam.start();
    await waitUntil(() => cam.stats.frames >= 11, 15_000, "eleven frames");
    await pending;
    expect(statuses).toEqual(["connected"]);
    expect(seen[0]).toMatchObject({ width: 150, height: 150 });
    // 5 fps out of a 15 fps stream: ten intervals of about 200 ms.
    const span = seen[10]!.at - seen[0]!.at;
    expect(span).toBeGreaterThan(1_400);
    expect(span).toBeLessThan(3_500);
  });

  it("scales to raw RGB frames of a fixed size when asked", async () => {
    const s = await server();
    const { cam } = camera(s.url, { output: "rgb", width: 320, height: 240 });
    const sizes: string[] = [];
    cam.onFrame((frame) => {
      if (isRawRgbFrame(frame)) sizes.push(`${frame.width}x${frame.height}:${frame.data.length}`);
    });
    cam.start();
    await waitUntil(() => sizes.length >= 3, 15_000, "three raw frames");
    expect(new Set(sizes)).toEqual(new Set([`320x240:${320 * 240 * 3}`]));
  });

  it("reports a stream that stops within the stall bound, restarts ffmpeg, and is connected again when frames flow", async () => {
    const s = await server();
    const { cam, statuses, logs } = camera(s.url);
    cam.start();
    await waitUntil(() => cam.status === "connected", 15_000, "first frames");
    s.pause(); // the camera hangs: the connection stays open, nothing comes
    const stoppedAt = Date.now();
    const frames = cam.stats.frames;
    const detected = await waitUntil(() => cam.status === "disconnected", 5_000, "disconnected");
    // stallMs 1.5 s after the last frame (which came at most 200 ms before the pause), plus
    // scheduling slack on a shared two-core machine.
    expect(detected).toBeLessThan(1_500 + 1_500);
    expect(cam.stats.stalls).toBeGreaterThanOrEqual(1);
    expect(logs.records.some((r) => r.message === "no frames from the camera; restarting ffmpeg")).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cam.stats.frames - frames).toBeLessThanOrEqual(1); // nothing delivered while it is down
    s.resume();
    const recovered = await waitUntil(() => cam.status === "connected", 15_000, "connected again");
    expect(Date.now() - stoppedAt).toBeGreaterThan(recovered);
    expect(statuses).toEqual(["connected", "disconnected", "connected"]);
  });

  it("survives the camera going off the network and coming back on the same address", async () => {
    const s = await server();
    const { cam, statuses } = camera(s.url);
    cam.start();
    await waitUntil(() => cam.status === "connected", 15_000, "first frames");
    await s.stop();
    await waitUntil(() => cam.status === "disconnected", 3_000, "disconnected");
    const starts = cam.stats.starts;
    await waitUntil(() => cam.stats.starts >= starts + 2, 5_000, "retries with backoff");
    await s.start();
    await waitUntil(() => cam.status === "connected", 15_000, "connected again");
    expect(statuses).toEqual(["connected", "disconnected", "connected"]);
  });

  it("delivers nothing from a garbage stream, stays disconnected, and logs a bounded amount", async () => {
    const s = await server();
    s.garbage();
    const { cam, logs } = camera(s.url, { startTimeoutMs: 1_000 });
    let frames = 0;
    cam.onFrame(() => frames++);
    cam.start();
    await waitUntil(() => cam.stats.starts >= 3, 15_000, "three attempts");
    expect(frames).toBe(0);
    expect(cam.status).toBe("disconnected");
    const ffmpegLines = logs.records.filter((r) => r.message === "ffmpeg");
    expect(ffmpegLines.length).toBeLessThanOrEqual(10 + cam.stats.starts);
    for (const r of logs.records) expect(JSON.stringify(r).length).toBeLessThan(1_000);
  });

  it("never lets the URL's password reach the log, though ffmpeg repeats the URL in its errors", async () => {
    const s = await server();
    const url = s.url;
    await s.stop(); // connection refused: ffmpeg names the URL in its error
    // Positive control: ffmpeg itself prints the password.
    const raw = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "mpjpeg", "-i", url, "-f", "null", "-"], { encoding: "utf8" });
    expect(raw.stderr).toContain(PASSWORD);
    const { cam, logs } = camera(url);
    cam.start();
    await waitUntil(() => logs.records.some((r) => r.message === "ffmpeg"), 10_000, "ffmpeg's complaint in the log");
    const text = logs.text();
    expect(text).toContain("Connection refused");
    expect(text).toContain("127.0.0.1");
    expect(text).not.toContain(PASSWORD);
    expect(cam.lastProblem).not.toContain(PASSWORD);
  });
});
