/**
 * Focus of a face box: the box resampled to 64x64 grey (anti-aliased, so the measure does
 * not depend on the face's size in pixels), then the mean absolute 4-neighbour Laplacian
 * divided by the mean absolute deviation of the grey values (so it does not depend on
 * contrast or exposure). A blurred face (background, motion) keeps its contrast but
 * loses its fine detail, and scores low. See SHARP_FACE in quality.ts for the figures.
 */
import { cropAffine, sampleAffine } from "./image-ops.js";
import type { Box, RgbImage } from "./types.js";

const SIZE = 64;

export function faceSharpness(img: RgbImage, box: Box, scratch: Float32Array = new Float32Array(SIZE * SIZE)): number {
  if (!(box.width >= 2 && box.height >= 2)) return 0;
  sampleAffine(img, cropAffine(box, SIZE, SIZE), scratch, { width: SIZE, height: SIZE, channels: "grey", offset: 0, scale: 1, border: "replicate" });
  let mean = 0;
  for (let i = 0; i < SIZE * SIZE; i++) mean += scratch[i]!;
  mean /= SIZE * SIZE;
  let dev = 0;
  for (let i = 0; i < SIZE * SIZE; i++) dev += Math.abs(scratch[i]! - mean);
  dev /= SIZE * SIZE;
  let lap = 0;
  for (let y = 1; y < SIZE - 1; y++) {
    for (let x = 1; x < SIZE - 1; x++) {
      const i = y * SIZE + x;
      lap += Math.abs(4 * scratch[i]! - scratch[i - 1]! - scratch[i + 1]! - scratch[i - SIZE]! - scratch[i + SIZE]!);
    }
  }
  lap /= (SIZE - 2) * (SIZE - 2);
  return dev > 1 ? lap / dev : 0;
}
