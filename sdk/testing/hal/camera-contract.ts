/**
 * The camera contract (sdk/hal/camera.ts) as a suite. Run it on a driver with
 *
 *   cameraContract({ name: "my camera", create: async ({ clock, timers }) => ({ device, capture, disconnect, reconnect, settle, close }) });
 *
 * The factory provides, besides DeviceFixture (hal-kit.ts):
 * - `capture()`: the camera produces exactly one frame (a simulated camera emits one; a
 *   driver's test source sends one). `settle()` then resolves once that frame has been
 *   delivered, or, while disconnected, once it never will be. A driver for a streaming
 *   source (a network camera at a fixed rate) needs a test source that sends frames on
 *   demand: the suite counts them.
 *
 * Frames are lent (L4): listeners must not keep them, and the camera may reuse a buffer
 * for the next frame. That is the consumer's obligation; this suite copies what it
 * checks while it is called.
 */
import { expect } from "vitest";
import { type Camera, type CameraFrame, isRawRgbFrame } from "../../hal/camera.js";
import { type ContractOptions, type Obligation, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectStampedInputs } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface CameraFixture extends DeviceFixture<Camera> {
  capture(): void | Promise<void>;
}

/** What the suite keeps of a frame: its form, checked while the frame is lent, and its time. */
interface Seen {
  form: string;
  at: number;
}

const SIGNATURES: ReadonlyArray<{ name: string; bytes: readonly number[]; at?: number }> = [
  { name: "jpeg", bytes: [0xff, 0xd8, 0xff] },
  { name: "png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { name: "webp", bytes: [0x57, 0x45, 0x42, 0x50], at: 8 },
];

/** "jpeg", "png", "webp", "raw WxH", or what is wrong with the frame. */
export function frameForm(frame: CameraFrame): string {
  if (frame instanceof Uint8Array) {
    const sig = SIGNATURES.find((s) => s.bytes.every((b, i) => frame[(s.at ?? 0) + i] === b));
    return sig ? sig.name : "bytes that are neither JPEG, PNG nor WebP";
  }
  if (!isRawRgbFrame(frame)) return "neither bytes nor a raw RGB frame";
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) return `a raw frame of ${width}x${height}`;
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) return `a raw ${width}x${height} frame of ${data?.length} bytes (not ${width * height * 3})`;
  return `raw ${width}x${height}`;
}

function frames(f: CameraFixture): Seen[] {
  const got: Seen[] = [];
  f.device.onFrame((frame, info) => got.push({ form: frameForm(frame), at: info.at }));
  return got;
}

async function capture(f: CameraFixture): Promise<void> {
  await f.capture();
  await f.settle();
}

export const cameraObligations: ReadonlyArray<Obligation<CameraFixture>> = [
  ...deviceObligations<CameraFixture>("camera", {
    what: "frame",
    listen: (f, l) => f.device.onFrame(l),
    stimulate: (f) => f.capture(),
    noHeldInputCheck: "a streaming camera is back with its first new frame, which cannot be told from a held one",
  }),
  {
    name: "delivers every frame produced while connected to every onFrame listener, in order, once each",
    async check(f, env) {
      const a = frames(f);
      const b = frames(f);
      for (let i = 0; i < 3; i++) {
        await capture(f);
        env.clock.advance(100);
      }
      expect(a).toHaveLength(3);
      expect(b).toEqual(a);
      expect(a.map((s) => s.at), "in capture order").toEqual([...a.map((s) => s.at)].sort((x, y) => x - y));
    },
  },
  {
    name: "stamps each frame with the time it was captured, from the gate's Clock",
    async check(f, env) {
      const got = frames(f);
      await expectStampedInputs(env, f, [() => f.capture(), () => f.capture()], () => got.at(-1)?.at, "info.at");
    },
  },
  {
    name: "delivers each frame as encoded image bytes (JPEG, PNG, WebP) or a tightly packed RGB frame (data.length = width x height x 3)",
    async check(f) {
      const got = frames(f);
      await capture(f);
      await capture(f);
      expect(got).toHaveLength(2);
      for (const s of got) expect(s.form).toMatch(/^(jpeg|png|webp|raw \d+x\d+)$/);
    },
  },
];

export function cameraContract(options: ContractOptions<CameraFixture>): void {
  registerContract("camera contract (sdk/hal/camera.ts)", options, cameraObligations);
}
