/**
 * 5-point face alignment: eye centres (mean of landmarks 36-41 and 42-47), nose tip (30)
 * and mouth corners (48, 54) mapped by a least-squares similarity onto the standard
 * ArcFace 112x112 reference points, then a bilinear warp of the RGB source (black border,
 * as cv.warpAffine) straight into the embedder's normalised input tensor.
 */
import { sampleAffine } from "./image-ops.js";
import { estimateSimilarity, inverseAffine } from "./similarity-transform.js";
import type { ChannelOrder, Point, RgbImage } from "./types.js";

export const ALIGNED_SIZE = 112;

/** Where the five points sit in an aligned 112x112 face (ArcFace / InsightFace template). */
export const REFERENCE_POINTS: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

function mean(points: readonly Point[], from: number, to: number): Point {
  let x = 0, y = 0;
  for (let i = from; i <= to; i++) {
    x += points[i]!.x;
    y += points[i]!.y;
  }
  const n = to - from + 1;
  return { x: x / n, y: y / n };
}

/** The five alignment points (image-left eye, image-right eye, nose, mouth left, mouth right). */
export function fivePoints(landmarks: readonly Point[]): Point[] {
  if (landmarks.length !== 68) throw new RangeError("fivePoints: 68 landmarks expected");
  return [mean(landmarks, 36, 41), mean(landmarks, 42, 47), landmarks[30]!, landmarks[48]!, landmarks[54]!];
}

/** Warps the face into `out` (3x112x112, (x-127)/128, in `order`). */
export function alignFace(img: RgbImage, landmarks: readonly Point[], out: Float32Array, order: ChannelOrder): void {
  const t = estimateSimilarity(fivePoints(landmarks), REFERENCE_POINTS);
  sampleAffine(img, inverseAffine(t), out, { width: ALIGNED_SIZE, height: ALIGNED_SIZE, channels: order, offset: 127, scale: 1 / 128, border: 0 });
}
