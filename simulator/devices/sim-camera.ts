/**
 * Simulated camera. `presentFace(path)` decodes an image file with sharp into a raw RGB
 * frame (greyscale and alpha normalised to 3 channels) and emits it as the camera's next
 * frame; `presentFrame` emits a frame as is. While disconnected nothing is emitted.
 */
import { readFile } from "node:fs/promises";
import sharp from "sharp";
import type { Camera, CameraFrame, FrameInfo, RawRgbFrame } from "../../sdk/hal/camera.js";
import type { Unsubscribe } from "../../sdk/hal/device.js";
import type { Clock } from "../../sdk/time/clock.js";
import { Listeners, SimDevice } from "./sim-device.js";

/** `[left, top, width, height]` in source pixels: the part of a photo the door camera sees. */
export type FrameRegion = readonly [number, number, number, number];

/** The door camera's resolution: a framed region is scaled to fit it (SPEC section 5: 640x480 frames). */
export const CAMERA_FRAME = { width: 640, height: 480 } as const;

/**
 * Decodes an image file to a raw RGB frame. Images smaller than `minFrame` (tightly
 * cropped face fixtures) are extended by replicating their edge pixels to at least that
 * size, so the detector sees the whole face with some surroundings, as a door camera
 * would; larger images are left as they are. (Measured with sdk/vision: a grey border
 * makes the liveness model call most crops spoofs; edge replication keeps most live;
 * mirroring creates extra half-faces.)
 */
export async function decodeToRgbFrame(
  path: string,
  minFrame: { width: number; height: number } = { width: 320, height: 240 },
  region?: FrameRegion,
): Promise<RawRgbFrame> {
  if (region) {
    // One person framed by the door camera, e.g. a resident cut out of a group photo.
    const [left, top, width, height] = region;
    const { data, info } = await sharp(path)
      .rotate()
      .extract({ left, top, width, height })
      .resize(CAMERA_FRAME.width, CAMERA_FRAME.height, { fit: "contain", background: "#808080" })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }
  // Lossless intermediate: `toBuffer()` alone re-encodes a JPEG (quality 80), and that
  // second-generation JPEG is not the photo: the frame must hold the photo's own pixels
  // (measured with sdk/vision: liveness of strangers/happy.jpg was 0.81 through the
  // re-encoded copy, 1.00 from the photo).
  const meta = await sharp(path).rotate().png({ compressionLevel: 0 }).toBuffer({ resolveWithObject: true });
  const w = meta.info.width;
  const h = meta.info.height;
  let img = sharp(meta.data).removeAlpha().toColourspace("srgb");
  if (w < minFrame.width || h < minFrame.height) {
    const padX = Math.max(0, Math.ceil((Math.max(minFrame.width, w * 2) - w) / 2));
    const padY = Math.max(0, Math.ceil((Math.max(minFrame.height, h * 1.6) - h) / 2));
    img = sharp(await img.png().toBuffer()).extend({ top: padY, bottom: padY, left: padX, right: padX, extendWith: "copy" }).removeAlpha().toColourspace("srgb");
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export class SimCamera extends SimDevice implements Camera {
  readonly kind = "camera" as const;
  private readonly frames = new Listeners<{ frame: CameraFrame; info: FrameInfo }>();
  /** How many frames were emitted (the frames themselves are not kept). */
  framesEmitted = 0;
  /** Whether someone stands in front of the camera (between presentFace and leave). */
  present = false;

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id);
  }

  onFrame(listener: (frame: CameraFrame, info: FrameInfo) => void): Unsubscribe {
    return this.frames.add(({ frame, info }) => listener(frame, info));
  }

  /**
   * Test hook: decodes the image and emits it as a raw RGB frame; `encoded: true` emits the
   * file bytes instead. Returns false when disconnected. With `frames` > 1 the person stands
   * still for that many frames: the same frame is emitted again after each `between()` (the
   * gate's idle: a real camera streams, and the gate drops frames while it is busy).
   */
  async presentFace(path: string, options: { encoded?: boolean; region?: FrameRegion; frames?: number; between?: () => Promise<void> } = {}): Promise<boolean> {
    const frame: CameraFrame = options.encoded ? new Uint8Array(await readFile(path)) : await decodeToRgbFrame(path, undefined, options.region);
    this.present = true;
    const frames = Math.max(1, options.frames ?? 1);
    for (let i = 0; i < frames; i++) {
      if (i > 0) await options.between?.();
      if (!this.presentFrame(typeof frame === "object" && "data" in frame ? { ...frame, data: Uint8Array.from(frame.data) } : Uint8Array.from(frame))) return false;
    }
    return true;
  }

  /** Test hook: emits one frame. Returns false (nothing emitted) when disconnected. */
  presentFrame(frame: CameraFrame): boolean {
    if (!this.connected) return false;
    this.framesEmitted++;
    this.frames.emit({ frame, info: { at: this.clock.now() } });
    return true;
  }

  /** Test hook: the person walks away (no more frames of them). */
  leave(): void {
    this.present = false;
  }
}
