/**
 * Turns untrusted bytes (JPEG, PNG, WebP) or a camera frame into an RgbImage.
 *
 * Security (SPEC section 6): the header is read first and anything over MAX_INPUT_PIXELS
 * is refused before a pixel buffer is allocated, so a crafted 20000x20000 header costs
 * microseconds, not gigabytes. sharp's own `limitInputPixels` is set as a second guard.
 * The shape is bounded too (MAX_ASPECT): a 1 x 1,000,000 strip is under the
 * pixel limit but no camera or photo has it, and resampling it for the detector would
 * cost memory out of all proportion to the image.
 * Truncated or corrupt data fails with `image_corrupt` (sharp's `failOn: "warning"`),
 * unknown formats with `image_unsupported`. Error messages never carry image bytes.
 */
import sharp from "sharp";

// libvips' operation cache would keep the last images decoded (the photo of an enrollment,
// camera frames) alive in memory after they were analysed and wiped here (L4, L5); each
// frame is new, so the cache saves nothing either.
sharp.cache(false);
import { ImageError } from "../errors.js";
import type { RawFrame, RgbImage } from "./types.js";

/** 40 megapixels: above any door camera or phone photo, far below a decompression bomb. */
export const MAX_INPUT_PIXELS = 40_000_000;

/** The most elongated image accepted, long side over short side (at 40 megapixels, 12,649 x 3,162). */
export const MAX_ASPECT = 4;

/** Encoded formats a gate accepts. Others (SVG, PDF, TIFF, GIF, HEIF...) are refused. */
export const SUPPORTED_FORMATS: readonly string[] = ["jpeg", "png", "webp"];

export interface DecodeOptions {
  /** Refuse images with more pixels than this (default MAX_INPUT_PIXELS). */
  maxPixels?: number;
}

export function isRawFrame(input: unknown): input is RawFrame {
  if (typeof input !== "object" || input === null || input instanceof Uint8Array) return false;
  const f = input as Partial<RawFrame>;
  return typeof f.width === "number" && typeof f.height === "number" && f.data instanceof Uint8Array;
}

/** Decodes an encoded image or validates a raw RGB frame. Throws ImageError. */
export async function decodeImage(input: Uint8Array | RawFrame, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
  if (isRawFrame(input)) return checkRawFrame(input, maxPixels);
  if (!(input instanceof Uint8Array)) {
    throw new ImageError("image_unsupported", "image input must be a Buffer/Uint8Array or a raw RGB frame { width, height, data }");
  }
  if (input.length === 0) throw new ImageError("image_corrupt", "image is empty");

  let format: string | undefined;
  let width = 0;
  let height = 0;
  let plainRgb = false;
  try {
    // Header only: no pixel data is decoded here.
    const meta = await sharp(input, { limitInputPixels: false, failOn: "warning" }).metadata();
    format = meta.format;
    width = meta.width ?? 0;
    height = meta.height ?? 0;
    plainRgb = meta.channels === 3 && !meta.hasAlpha && meta.space === "srgb" && (meta.orientation ?? 1) === 1;
  } catch (err) {
    throw classifySharpError(err, "header");
  }
  if (!format || !SUPPORTED_FORMATS.includes(format)) {
    throw new ImageError("image_unsupported", `image format ${format ?? "unknown"} is not accepted (JPEG, PNG or WebP)`, { format: format ?? null });
  }
  if (!(width > 0 && height > 0)) throw new ImageError("image_corrupt", "image header has no valid size", { format });
  checkSize("image", width, height, maxPixels);

  try {
    let pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: "warning", autoOrient: true, sequentialRead: true });
    if (!plainRgb) {
      // Camera JPEGs skip this: they are already upright 3-channel sRGB.
      pipeline = pipeline.flatten({ background: { r: 255, g: 255, b: 255 } }).toColourspace("srgb"); // alpha -> white; grey, palette, CMYK -> RGB
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new ImageError("image_unsupported", `decoded image has ${info.channels} channels, expected 3`, { channels: info.channels });
    }
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw classifySharpError(err, "pixels");
  }
}

function checkRawFrame(frame: RawFrame, maxPixels: number): RgbImage {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageError("image_corrupt", "raw frame must have positive integer width and height", { width, height });
  }
  checkSize("frame", width, height, maxPixels);
  if (data.length !== width * height * 3) {
    throw new ImageError("image_corrupt", `raw frame of ${width}x${height} must hold ${width * height * 3} RGB bytes, got ${data.length}`, {
      width,
      height,
      bytes: data.length,
    });
  }
  return { width, height, data };
}

/** Refuses a size no camera or photo has, before a pixel is decoded or resampled. */
function checkSize(what: "image" | "frame", width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ImageError("image_too_large", `${what} of ${width}x${height} exceeds the limit of ${maxPixels} pixels`, { width, height, maxPixels });
  }
  if (Math.max(width, height) > MAX_ASPECT * Math.min(width, height)) {
    throw new ImageError("image_bad_shape", `${what} of ${width}x${height} is more elongated than ${MAX_ASPECT}:1`, { width, height, maxAspect: MAX_ASPECT });
  }
}

function classifySharpError(err: unknown, stage: "header" | "pixels"): ImageError {
  const text = err instanceof Error ? err.message : String(err);
  if (/unsupported image format|bad seek|not a known file format/i.test(text)) {
    return new ImageError("image_unsupported", "data is not an image in a supported format (JPEG, PNG or WebP)", {}, { cause: err });
  }
  if (/pixel limit|exceeds pixel/i.test(text)) {
    return new ImageError("image_too_large", "image exceeds the pixel limit", {}, { cause: err });
  }
  return new ImageError("image_corrupt", `image could not be decoded (${stage}): truncated or corrupt`, {}, { cause: err });
}
