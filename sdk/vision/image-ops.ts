/**
 * Pixel sampling into model input tensors, in plain TypeScript on the interleaved RGB
 * buffer. One primitive does every crop, resize and warp of the pipeline: for each
 * output pixel, map its centre through an affine transform into the source and sample
 * bilinearly. When the transform shrinks by more than 2x, each output pixel averages an
 * n x n grid of bilinear samples over its footprint (no aliasing on large photos), n at
 * most MAX_GRID: the work per output pixel and the rows a resize keeps stay bounded by the
 * output, whatever the input's size or shape (a hostile strip cannot make it allocate
 * gigabytes).
 *
 * Coordinates are pixel-centre based (pixel i covers [i-0.5, i+0.5]), the convention of
 * OpenCV's warpAffine; `cropAffine` reproduces cv.resize's half-pixel mapping.
 */
import type { Box, RgbImage } from "./types.js";

/** Output (u, v) -> source (x, y): x = a*u + b*v + c, y = d*u + e*v + f. */
export type Affine = readonly [a: number, b: number, c: number, d: number, e: number, f: number];

export interface SampleSpec {
  width: number;
  height: number;
  /** Planes to write: RGB, BGR (three planes) or one luma plane. */
  channels: "rgb" | "bgr" | "grey";
  /** Each value is written as (pixel - offset) * scale. */
  offset: number;
  scale: number;
  /** Outside the source: repeat the edge pixel, or use a constant 0..255 value. */
  border: "replicate" | number;
}

/** The affine that maps an output of `outW` x `outH` onto `box` of the source (cv.resize semantics). */
export function cropAffine(box: Box, outW: number, outH: number): Affine {
  const sx = box.width / outW;
  const sy = box.height / outH;
  return [sx, 0, box.x + 0.5 * sx - 0.5, 0, sy, box.y + 0.5 * sy - 0.5];
}

/** Writes `spec.width * spec.height * planes` floats into `out` (planar, NCHW without N). */
export function sampleAffine(img: RgbImage, m: Affine, out: Float32Array, spec: SampleSpec): void {
  const planes = spec.channels === "grey" ? 1 : 3;
  if (out.length < spec.width * spec.height * planes) throw new RangeError("sampleAffine: output buffer too small");
  if (m[1] === 0 && m[3] === 0 && spec.border === "replicate") sampleAxisAligned(img, m, out, spec);
  else sampleGeneral(img, m, out, spec);
}

/** The most bilinear samples per axis one output pixel averages (a 16x shrink is fully covered). */
export const MAX_GRID = 8;

/** Supersampling grid per axis for a footprint of `scale` source pixels per output pixel. */
function gridFor(scale: number): number {
  return scale > 2 ? Math.min(MAX_GRID, Math.ceil(scale / 2)) : 1;
}

/**
 * Tap table along one axis: for output index u, `taps` source indices (clamped: replicate
 * border) with weights, averaging `n` bilinear samples over the output pixel's footprint.
 */
function axisTaps(count: number, scale: number, offset: number, size: number): { index: Int32Array; weight: Float32Array; taps: number } {
  const n = gridFor(Math.abs(scale));
  const taps = 2 * n;
  const index = new Int32Array(count * taps);
  const weight = new Float32Array(count * taps);
  for (let u = 0; u < count; u++) {
    for (let s = 0; s < n; s++) {
      let x = scale * (u + (s + 0.5) / n - 0.5) + offset;
      x = x < 0 ? 0 : x > size - 1 ? size - 1 : x;
      const x0 = Math.floor(x);
      const f = x - x0;
      const k = u * taps + 2 * s;
      index[k] = x0;
      index[k + 1] = x0 + 1 < size ? x0 + 1 : x0;
      weight[k] = (1 - f) / n;
      weight[k + 1] = f / n;
    }
  }
  return { index, weight, taps };
}

/** Crops and resizes (no rotation): separable, a horizontal pass over the rows used, then vertical. */
function sampleAxisAligned(img: RgbImage, m: Affine, out: Float32Array, spec: SampleSpec): void {
  const { width: W, height: H, data } = img;
  const { width: ow, height: oh, offset, scale } = spec;
  const xt = axisTaps(ow, m[0], m[2], W);
  const yt = axisTaps(oh, m[4], m[5], H);
  if (xt.taps === 2 && yt.taps === 2) {
    bilinearAxisAligned(img, xt, yt, out, spec);
    return;
  }
  // Source rows the vertical taps touch (at most 2 * MAX_GRID per output row), each
  // filtered horizontally once into its slot of tmp.
  const slotOf = new Map<number, number>();
  const usedRows: number[] = [];
  const ySlot = new Int32Array(yt.index.length);
  for (let k = 0; k < yt.index.length; k++) {
    const row = yt.index[k]!;
    let slot = slotOf.get(row);
    if (slot === undefined) {
      slot = usedRows.length;
      slotOf.set(row, slot);
      usedRows.push(row);
    }
    ySlot[k] = slot;
  }
  const rows = usedRows.length;
  const tmp = new Float32Array(rows * ow * 3);
  const xTaps = xt.taps;
  const xIndex = xt.index;
  const xWeight = xt.weight;
  const yWeight = yt.weight;
  for (let r = 0; r < rows; r++) {
    const srcRow = usedRows[r]! * W * 3;
    let t = r * ow * 3;
    for (let u = 0; u < ow; u++, t += 3) {
      let cr = 0, cg = 0, cb = 0;
      for (let k = u * xTaps, end = k + xTaps; k < end; k++) {
        const i = srcRow + xIndex[k]! * 3;
        const w = xWeight[k]!;
        cr += data[i]! * w;
        cg += data[i + 1]! * w;
        cb += data[i + 2]! * w;
      }
      tmp[t] = cr;
      tmp[t + 1] = cg;
      tmp[t + 2] = cb;
    }
  }
  const plane = ow * oh;
  const yTaps = yt.taps;
  const grey = spec.channels === "grey";
  const [pr, pg, pb] = planeOffsets(spec.channels, plane);
  for (let v = 0; v < oh; v++) {
    const kStart = v * yTaps;
    for (let u = 0; u < ow; u++) {
      let cr = 0, cg = 0, cb = 0;
      for (let k = kStart, end = kStart + yTaps; k < end; k++) {
        const t = (ySlot[k]! * ow + u) * 3;
        const w = yWeight[k]!;
        cr += tmp[t]! * w;
        cg += tmp[t + 1]! * w;
        cb += tmp[t + 2]! * w;
      }
      const o = v * ow + u;
      if (grey) writeGrey(out, o, cr, cg, cb, offset, scale);
      else {
        out[o + pr] = (cr - offset) * scale;
        out[o + pg] = (cg - offset) * scale;
        out[o + pb] = (cb - offset) * scale;
      }
    }
  }
}

/** The common case (shrinking by 2x or less): plain bilinear, four taps from the tables. */
function bilinearAxisAligned(img: RgbImage, xt: ReturnType<typeof axisTaps>, yt: ReturnType<typeof axisTaps>, out: Float32Array, spec: SampleSpec): void {
  const { width: W, data } = img;
  const { width: ow, height: oh, offset, scale } = spec;
  const plane = ow * oh;
  const grey = spec.channels === "grey";
  const [pr, pg, pb] = planeOffsets(spec.channels, plane);
  const xi = xt.index;
  const xw = xt.weight;
  for (let v = 0; v < oh; v++) {
    const r0 = yt.index[2 * v]! * W * 3;
    const r1 = yt.index[2 * v + 1]! * W * 3;
    const wy0 = yt.weight[2 * v]!;
    const wy1 = yt.weight[2 * v + 1]!;
    for (let u = 0; u < ow; u++) {
      const c0 = xi[2 * u]! * 3;
      const c1 = xi[2 * u + 1]! * 3;
      const wx0 = xw[2 * u]!;
      const wx1 = xw[2 * u + 1]!;
      const w00 = wx0 * wy0, w01 = wx1 * wy0, w10 = wx0 * wy1, w11 = wx1 * wy1;
      const a = r0 + c0, b = r0 + c1, c = r1 + c0, d = r1 + c1;
      const r = data[a]! * w00 + data[b]! * w01 + data[c]! * w10 + data[d]! * w11;
      const g = data[a + 1]! * w00 + data[b + 1]! * w01 + data[c + 1]! * w10 + data[d + 1]! * w11;
      const bl = data[a + 2]! * w00 + data[b + 2]! * w01 + data[c + 2]! * w10 + data[d + 2]! * w11;
      const o = v * ow + u;
      if (grey) writeGrey(out, o, r, g, bl, offset, scale);
      else {
        out[o + pr] = (r - offset) * scale;
        out[o + pg] = (g - offset) * scale;
        out[o + pb] = (bl - offset) * scale;
      }
    }
  }
}

/** Where R, G and B go in the planar output (grey: all three weighted into plane 0). */
function planeOffsets(ch: SampleSpec["channels"], plane: number): [r: number, g: number, b: number] {
  return ch === "bgr" ? [2 * plane, plane, 0] : [0, plane, 2 * plane];
}

function writeGrey(out: Float32Array, o: number, r: number, g: number, b: number, offset: number, scale: number): void {
  out[o] = (0.299 * r + 0.587 * g + 0.114 * b - offset) * scale;
}

/** Any affine (the alignment warp): per output pixel, n x n bilinear samples. */
function sampleGeneral(img: RgbImage, m: Affine, out: Float32Array, spec: SampleSpec): void {
  const { width: W, height: H, data } = img;
  const { width: ow, height: oh, offset, scale } = spec;
  const [a, b, c, d, e, f] = m;
  const plane = ow * oh;
  const replicate = spec.border === "replicate";
  const border = replicate ? 0 : (spec.border as number);
  const n = gridFor(Math.max(Math.hypot(a, d), Math.hypot(b, e)));
  const weight = 1 / (n * n);
  const grey = spec.channels === "grey";
  const [pr, pg, pb] = planeOffsets(spec.channels, plane);

  for (let v = 0; v < oh; v++) {
    for (let u = 0; u < ow; u++) {
      let cr = 0, cg = 0, cb = 0;
      for (let sj = 0; sj < n; sj++) {
        const vv = v + (sj + 0.5) / n - 0.5;
        for (let si = 0; si < n; si++) {
          const uu = u + (si + 0.5) / n - 0.5;
          let x = a * uu + b * vv + c;
          let y = d * uu + e * vv + f;
          if (replicate) {
            x = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
            y = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
          }
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
            const i00 = (y0 * W + x0) * 3;
            const i01 = i00 + W * 3;
            const w00 = (1 - fx) * (1 - fy) * weight;
            const w10 = fx * (1 - fy) * weight;
            const w01 = (1 - fx) * fy * weight;
            const w11 = fx * fy * weight;
            cr += data[i00]! * w00 + data[i00 + 3]! * w10 + data[i01]! * w01 + data[i01 + 3]! * w11;
            cg += data[i00 + 1]! * w00 + data[i00 + 4]! * w10 + data[i01 + 1]! * w01 + data[i01 + 4]! * w11;
            cb += data[i00 + 2]! * w00 + data[i00 + 5]! * w10 + data[i01 + 2]! * w01 + data[i01 + 5]! * w11;
            continue;
          }
          // Edge or outside: each of the four taps on its own.
          for (let k = 0; k < 4; k++) {
            const xi = x0 + (k & 1);
            const yi = y0 + (k >> 1);
            const w = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy) * weight;
            if (w === 0) continue;
            if (xi >= 0 && yi >= 0 && xi < W && yi < H) {
              const i = (yi * W + xi) * 3;
              cr += data[i]! * w;
              cg += data[i + 1]! * w;
              cb += data[i + 2]! * w;
            } else if (replicate) {
              const i = ((yi < 0 ? 0 : yi >= H ? H - 1 : yi) * W + (xi < 0 ? 0 : xi >= W ? W - 1 : xi)) * 3;
              cr += data[i]! * w;
              cg += data[i + 1]! * w;
              cb += data[i + 2]! * w;
            } else {
              cr += border * w;
              cg += border * w;
              cb += border * w;
            }
          }
        }
      }
      const o = v * ow + u;
      if (grey) writeGrey(out, o, cr, cg, cb, offset, scale);
      else {
        out[o + pr] = (cr - offset) * scale;
        out[o + pg] = (cg - offset) * scale;
        out[o + pb] = (cb - offset) * scale;
      }
    }
  }
}

/**
 * A crop rectangle around `box` grown by `factor`, kept inside the image by shifting it
 * (not by cutting it), as the models' reference code does; the factor is reduced when
 * the grown box would not fit at all. Used for the landmark (1.0) and liveness (2.7) crops.
 */
export function expandedCrop(box: Box, factor: number, imgW: number, imgH: number): Box {
  const scale = Math.min((imgH - 1) / box.height, (imgW - 1) / box.width, factor);
  const w = box.width * scale;
  const h = box.height * scale;
  let x = box.x + box.width / 2 - w / 2;
  let y = box.y + box.height / 2 - h / 2;
  if (x < 0) x = 0;
  if (y < 0) y = 0;
  if (x + w > imgW - 1) x = Math.max(0, imgW - 1 - w);
  if (y + h > imgH - 1) y = Math.max(0, imgH - 1 - h);
  return { x, y, width: w, height: h };
}

/** The square of side = box height centred on the box: the detector's face crop convention. */
export function squareAround(box: Box): Box {
  const side = box.height;
  return { x: box.x + box.width / 2 - side / 2, y: box.y, width: side, height: side };
}
