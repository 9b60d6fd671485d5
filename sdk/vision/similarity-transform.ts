/**
 * Least-squares 2-D similarity transform (rotation, uniform scale, translation; no
 * reflection) between point sets: the closed form of Umeyama (1991) in two dimensions.
 * Used to align a face's five points onto the 112x112 reference before embedding.
 */
import type { Affine } from "./image-ops.js";
import type { Point } from "./types.js";

/** Forward transform: q = [a -b; b a] p + [tx ty]. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** The similarity that maps `src` onto `dst` with the least squared error. */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Similarity {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new RangeError("estimateSimilarity: need two or more matching points");
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i]!.x; msy += src[i]!.y; mdx += dst[i]!.x; mdy += dst[i]!.y;
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i]!.x - msx, py = src[i]!.y - msy;
    const qx = dst[i]!.x - mdx, qy = dst[i]!.y - mdy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError("estimateSimilarity: source points coincide");
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: mdx - (a * msx - b * msy), ty: mdy - (b * msx + a * msy) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

/** The inverse as an output->source Affine for `sampleAffine` (warping pulls from the source). */
export function inverseAffine(t: Similarity): Affine {
  const det = t.a * t.a + t.b * t.b;
  const ia = t.a / det;
  const ib = t.b / det;
  // p = [ia ib; -ib ia] (q - t)
  return [ia, ib, -(ia * t.tx + ib * t.ty), -ib, ia, -(-ib * t.tx + ia * t.ty)];
}
