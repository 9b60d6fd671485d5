/**
 * How the gallery stores a template: 12-bit codes with one scale per vector, split into
 * a 4-bit coarse plane (scanned for every query) and an 8-bit fine plane (read only for
 * the few candidates that are re-ranked).
 *
 * Why 12 bits: 100,000 x 512 float32 is 205 MB, over the 80 MB budget (SPEC section 5).
 * 12 bits per dimension is 76.8 MB. With a per-vector scale s = max|x| / 2047 the
 * rounding error is at most s/2 per dimension, so the error of a dot product with a unit
 * query has a standard deviation of about s/sqrt(12) ~ 2e-5 for face-like vectors
 * (max|x| ~ 0.15-0.25), about 16x smaller than plain int8 codes. That is what keeps the
 * top-1 equal to an exact float32 search when the two best candidates are close (an
 * unknown face whose best scores are all near each other: at N=100,000 the gap between
 * its two best is below 1e-4 in ~1% of such queries). Estimated: int8 alone would swap
 * ~2% of those queries; measured with 12 bits (device/bench/search-bench.ts): ~0.15%,
 * always two non-enrolled-looking candidates far below the match threshold, never a
 * genuine match. More bits would not fit the 80 MB budget.
 *
 * Why split 4 + 8: the scan over every template is bound by memory bandwidth; reading
 * 256 bytes per template instead of 512 halves it. The coarse score ranks candidates,
 * the fine codes give the returned score.
 *
 * Layout per template (DIMS = 512):
 *   code U_d = round(x_d / s) + 2048, in 1..4095; high nibble u_d = U_d >> 8, low byte l_d = U_d & 255
 *   coarse plane, 256 bytes, 16 chunks of 16 bytes; chunk j holds dims 32j..32j+31. Read as
 *     eight 16-bit lanes, lane i (bytes 2i, 2i+1) holds four nibbles, from the least
 *     significant: u(32j + i), u(32j + 8 + i), u(32j + 16 + i), u(32j + 24 + i). So
 *     (lane >> 4g) & 15 is dimension 32j + 8g + i: a mask and a shift give eight 16-bit
 *     codes of consecutive dimensions, ready for a 16-bit multiply-add with the query.
 *   fine plane, 512 bytes: l_d in dimension order.
 *   x_d ~ s * (256 u_d + l_d - 2048);  coarse estimate x_d ~ s * (256 u_d - 1920) (mid-bucket).
 */
import { MatcherError } from "./matcher-error.js";

export const DIMS = 512;
export const COARSE_BYTES = DIMS / 2;
export const FINE_BYTES = DIMS;
/** Largest code magnitude: codes span -2047..2047 around the 2048 offset. */
export const CODE_MAX = 2047;
export const CODE_OFFSET = 2048;
/** 2048 - 128: the coarse estimate of a code is 256 u + 128 (mid-bucket) - 2048 = 256 u - 1920. */
export const COARSE_BIAS_PER_UNIT = CODE_OFFSET - 128;
/** Per-group query weights that let the kernel unpack nibbles by masking only (scan-kernel.ts). */
export const QUERY_GROUP_WEIGHT = [256, 16, 1, 256] as const;

/**
 * Checks an embedding and writes its unit-length copy into `out` (float64, so the norm
 * and the later dot products do not lose precision). Throws without echoing any value.
 */
export function normalizeInto(embedding: Float32Array, out: Float64Array, what: "embedding" | "query"): void {
  if (!(embedding instanceof Float32Array) || embedding.length !== DIMS) {
    throw new MatcherError("embedding_invalid", `${what} must be a Float32Array of ${DIMS} values`, {
      length: embedding instanceof Float32Array ? embedding.length : null,
    });
  }
  let sum = 0;
  for (let d = 0; d < DIMS; d++) {
    const v = embedding[d]!;
    sum += v * v;
  }
  // A non-finite value makes the sum NaN or Infinity; a zero vector has no direction.
  if (!Number.isFinite(sum) || sum < 1e-12) {
    throw new MatcherError("embedding_invalid", `${what} must be finite and non-zero`);
  }
  const inv = 1 / Math.sqrt(sum);
  for (let d = 0; d < DIMS; d++) out[d] = embedding[d]! * inv;
}

/**
 * Encodes a unit vector into the two planes at the given byte offsets and returns its
 * scale (a float32 value: the dequantised vector is computed with exactly this scale).
 * Written for speed (start-up encodes 100,000 templates): no branch on the data, and
 * each coarse byte is written once, from the four dimensions that share its lane.
 */
export function encodeTemplate(unit: Float64Array, coarse: Uint8Array, coarseAt: number, fine: Uint8Array, fineAt: number): number {
  let maxAbs = 0;
  for (let d = 0; d < DIMS; d++) {
    const a = Math.abs(unit[d]!);
    maxAbs = a > maxAbs ? a : maxAbs;
  }
  const scale = Math.fround(maxAbs / CODE_MAX);
  const inv = 1 / scale;
  for (let j = 0; j < DIMS / 32; j++) {
    for (let i = 0; i < 8; i++) {
      const d = 32 * j + i;
      const c0 = codeOf(unit[d]! * inv);
      const c1 = codeOf(unit[d + 8]! * inv);
      const c2 = codeOf(unit[d + 16]! * inv);
      const c3 = codeOf(unit[d + 24]! * inv);
      fine[fineAt + d] = c0 & 0xff;
      fine[fineAt + d + 8] = c1 & 0xff;
      fine[fineAt + d + 16] = c2 & 0xff;
      fine[fineAt + d + 24] = c3 & 0xff;
      // Layout above: lane i of chunk j holds the nibbles of d, d+8 (byte 2i) and d+16, d+24 (byte 2i+1).
      coarse[coarseAt + 16 * j + 2 * i] = (c0 >> 8) | ((c1 >> 8) << 4);
      coarse[coarseAt + 16 * j + 2 * i + 1] = (c2 >> 8) | ((c3 >> 8) << 4);
    }
  }
  return scale;
}

/** The offset code of x / scale, clamped to 1..4095 (|x / scale| <= 2047 for the largest component). */
function codeOf(scaled: number): number {
  const code = (roundHalfUp(scaled) + CODE_OFFSET) | 0;
  return code < 1 ? 1 : code > 4095 ? 4095 : code;
}

/**
 * Math.round, exactly (nearest integer, halves towards +infinity; x - floor(x) is exact for
 * |x| < 2^52), without a branch. Math.round, or the same with `?:`, costs ~10 ns a call
 * on noise-like data (a mispredicted branch about every other dimension), which made
 * encoding the largest part of start-up indexing (512 calls per template).
 * The sign of a zero result may differ from Math.round; callers add an offset or multiply.
 */
export function roundHalfUp(x: number): number {
  const f = Math.floor(x);
  return f + +(x - f >= 0.5);
}

/** Byte of a template's coarse plane that holds dimension d's nibble (layout above). */
export function coarseByte(d: number): number {
  const group = (d >> 3) & 3;
  return 16 * (d >> 5) + 2 * (d & 7) + (group >> 1);
}

/** 0 if dimension d's nibble is the low one of its byte, 4 if the high one. */
export function coarseShift(d: number): number {
  return ((d >> 3) & 1) << 2;
}

/** Reads the 12-bit code of dimension d (the inverse of the layout above). */
export function codeAt(coarse: Uint8Array, coarseAt: number, fine: Uint8Array, fineAt: number, d: number): number {
  const nibble = (coarse[coarseAt + coarseByte(d)]! >> coarseShift(d)) & 15;
  return (nibble << 8) | fine[fineAt + d]!;
}

/**
 * Dot product of a unit query with the dequantised template: the score returned by the
 * index. Its difference to the exact float cosine is the quantisation error (see top).
 */
export function fineDot(query: Float64Array, coarse: Uint8Array, coarseAt: number, fine: Uint8Array, fineAt: number, scale: number): number {
  let sum = 0;
  let qsum = 0;
  for (let j = 0; j < DIMS / 32; j++) {
    for (let i = 0; i < 8; i++) {
      const d = 32 * j + i;
      const even = coarse[coarseAt + 16 * j + 2 * i]!;
      const odd = coarse[coarseAt + 16 * j + 2 * i + 1]!;
      const q0 = query[d]!;
      const q1 = query[d + 8]!;
      const q2 = query[d + 16]!;
      const q3 = query[d + 24]!;
      sum +=
        q0 * (((even & 15) << 8) | fine[fineAt + d]!) +
        q1 * ((even >> 4 << 8) | fine[fineAt + d + 8]!) +
        q2 * (((odd & 15) << 8) | fine[fineAt + d + 16]!) +
        q3 * ((odd >> 4 << 8) | fine[fineAt + d + 24]!);
      qsum += q0 + q1 + q2 + q3;
    }
  }
  return scale * (sum - CODE_OFFSET * qsum);
}

/**
 * Quantises a unit query to integers q_d in -127..127 for the coarse scan, writes them
 * pre-scaled for the kernel (query[d] = q_d * QUERY_GROUP_WEIGHT[(d >> 3) & 3], at most
 * 32,512: int16), and returns bias = 1920 * sum(q). The kernel computes
 * scale * (256 D - bias) = scale * sum_d q_d (256 u_d - 1920), the dot product with the
 * coarse estimate of the template (see the layout above). The query's own scale is a
 * common positive factor and does not change the ranking, so it is left out.
 */
export function quantizeQuery(unit: Float64Array, out: Int16Array): number {
  let maxAbs = 0;
  for (let d = 0; d < DIMS; d++) maxAbs = Math.max(maxAbs, Math.abs(unit[d]!));
  const inv = 127 / maxAbs;
  let sum = 0;
  for (let d = 0; d < DIMS; d++) {
    const q = roundHalfUp(unit[d]! * inv);
    out[d] = q * QUERY_GROUP_WEIGHT[(d >> 3) & 3]!;
    sum += q;
  }
  return COARSE_BIAS_PER_UNIT * sum;
}
