/** Greedy non-maximum suppression by intersection-over-union. */

export interface ScoredBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

export function iou(a: ScoredBox, b: ScoredBox): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Keeps the highest-scoring box of every cluster whose IoU with an already kept box is
 * above `threshold`. Returns kept boxes by descending score; at most `limit`.
 */
export function nonMaxSuppression<T extends ScoredBox>(boxes: readonly T[], threshold: number, limit = Infinity): T[] {
  const sorted = [...boxes].filter((b) => b.x2 > b.x1 && b.y2 > b.y1).sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.length >= limit) break;
    if (kept.every((k) => iou(k, box) <= threshold)) kept.push(box);
  }
  return kept;
}
