/**
 * The camera contract suite (sdk/testing/hal) over the ffmpeg camera driver
 * (device/drivers/camera), in JPEG and raw RGB output, reading an HTTP MJPEG camera
 * made of ffmpeg looping a face photo (test/support/mjpeg-server.ts), in its on-demand
 * mode: `capture()` sends exactly one of the frames ffmpeg produced. Real ffmpeg on both
 * sides, real timers for the driver's watchdog and restarts; frames are stamped with the
 * suite's ManualClock. `disconnect()` takes the camera off the network, `reconnect()`
 * brings it back on the same port (the driver restarts ffmpeg by itself).
 */
import { describe } from "vitest";
import { FfmpegCamera } from "../../device/drivers/camera/ffmpeg-camera.js";
import { parseCameraSettings } from "../../device/drivers/camera/camera-settings.js";
import { processSpawn, processTimers } from "../../device/drivers/process/child-process.js";
import type { DeviceStatus } from "../../sdk/hal/device.js";
import { silentLogger } from "../../sdk/log/logger.js";
import { cameraContract } from "../../sdk/testing/hal/index.js";
import { facePath, facesAvailable } from "../support/faces.js";
import { MjpegServer, waitUntil } from "../support/mjpeg-server.js";

const FPS = 25;
/** Two frames closer than a tick of the output rate would be one (ffmpeg's -r drops the other). */
const SPACING_MS = Math.ceil(2_000 / FPS) + 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ffmpegCameraContract(name: string, extra: Record<string, unknown>): void {
  cameraContract({
    name,
    create: async ({ clock }) => {
      const server = new MjpegServer({ image: facePath("identities", "amy", "amy1.png"), fps: 10, onDemand: true });
      await server.start();
      const camera = new FfmpegCamera({
        id: "lobby.camera",
        // No stall restarts between the suite's frames; a camera that goes away ends ffmpeg's input at once.
        settings: parseCameraSettings({ source: server.url, fps: FPS, stallMs: 30_000, startTimeoutMs: 8_000, backoff: { initialMs: 200, maxMs: 800 }, ...extra }),
        clock,
        timers: processTimers,
        spawn: processSpawn,
        logger: silentLogger,
      });
      let delivered = 0;
      camera.onFrame(() => delivered++);
      let expected: DeviceStatus = "connected";
      let lastSent = 0;
      // Frames counted since the camera (re)connected: sent by capture(), and delivered.
      let sent = 0;
      let baseline = 0;
      /** Sends frames until the camera's ffmpeg has probed the stream and delivers (it connects on its first frame). */
      const prime = async () => {
        await waitUntil(() => server.clientCount > 0, 20_000, "ffmpeg reading the camera");
        const until = Date.now() + 20_000;
        while (camera.status !== "connected" && Date.now() < until) {
          server.sendFrame();
          await sleep(100);
        }
        await sleep(200);
        baseline = delivered;
        sent = 0;
      };
      camera.start();
      await prime();
      let primed = true;
      return {
        device: camera,
        capture: async () => {
          const wait = lastSent + SPACING_MS - Date.now();
          if (wait > 0) await sleep(wait);
          if (server.sendFrame()) {
            lastSent = Date.now();
            if (expected === "connected") sent++;
          }
        },
        disconnect: async () => {
          if (expected === "disconnected") return;
          expected = "disconnected";
          await server.stop();
        },
        reconnect: async () => {
          if (expected === "connected") return;
          expected = "connected";
          primed = false;
          await server.start();
        },
        settle: async () => {
          if (expected === "connected" && !primed) {
            await prime();
            primed = true;
          }
          await waitUntil(() => camera.status === expected, 20_000, `camera ${expected}`);
          if (expected === "disconnected") {
            await sleep(300);
            return;
          }
          await waitUntil(() => delivered >= baseline + sent, 5_000, "the frames sent").catch(() => {});
        },
        close: async () => {
          await camera.close();
          await server.stop();
        },
      };
    },
  });
}

if (!facesAvailable) console.warn("SKIPPED: the ffmpeg camera contract needs a face photo (test/support/faces.ts)");
describe.skipIf(!facesAvailable)("hardware contracts over the ffmpeg camera (HTTP MJPEG made by ffmpeg)", () => {
  ffmpegCameraContract("ffmpeg camera, JPEG frames", {});
  ffmpegCameraContract("ffmpeg camera, raw RGB frames 160x120", { output: "rgb", width: 160, height: 120 });
});
