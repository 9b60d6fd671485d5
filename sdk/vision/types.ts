/**
 * Shared shapes of the face pipeline. Images inside the pipeline are always 8-bit,
 * interleaved RGB (3 bytes a pixel, row-major, no padding), whatever they were decoded from.
 */

/** An already-decoded RGB image: a decoded file, or a camera frame handed in as is. */
export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved R, G, B bytes; length is exactly width * height * 3. */
  data: Uint8Array;
}

/** A camera frame: the same shape as RgbImage, named for what callers hand in. */
export type RawFrame = RgbImage;

/** An axis-aligned rectangle in source pixels (x, y is the top-left corner). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Order of the colour planes fed to a model. */
export type ChannelOrder = "rgb" | "bgr";
