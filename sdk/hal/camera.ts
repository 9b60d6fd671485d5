/**
 * Camera contract. A camera delivers frames; it knows nothing about faces.
 *
 * Obligations:
 * - `onFrame` listeners receive every frame the camera produces while connected, in
 *   order, each with the time it was captured (from the gate's Clock).
 * - A frame is either an encoded image (JPEG/PNG bytes) or a raw, tightly packed RGB
 *   frame (`data.length === width * height * 3`).
 * - Frames are lent, not given: a listener must not keep a frame after it returns or
 *   after the promise it started settles, and must not store or forward it (L4: no
 *   images stored). The camera may reuse the buffer for the next frame.
 * - While disconnected no frames are delivered; `status` is "disconnected".
 */
import type { HardwareDevice, Unsubscribe } from "./device.js";

export interface RawRgbFrame {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major, no padding. */
  data: Uint8Array;
}

/** Encoded image bytes (JPEG, PNG, WebP) or a raw RGB frame. */
export type CameraFrame = Uint8Array | RawRgbFrame;

export interface FrameInfo {
  /** Capture time, milliseconds since the epoch. */
  at: number;
}

export interface Camera extends HardwareDevice {
  readonly kind: "camera";
  onFrame(listener: (frame: CameraFrame, info: FrameInfo) => void): Unsubscribe;
}
