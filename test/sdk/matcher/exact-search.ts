/** The reference the index is held to: a plain float scan over the original vectors. */
export interface Enrolled {
  subjectId: string;
  templateId: string;
  vector: Float32Array;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += a[d]! * b[d]!;
  return sum;
}

/** Best template of the best subject (ties: first enrolled). */
export function exactTop1(gallery: readonly Enrolled[], query: Float32Array): { subjectId: string; templateId: string; score: number } {
  let best = gallery[0]!;
  let bestScore = dot(query, best.vector);
  for (const e of gallery) {
    const s = dot(query, e.vector);
    if (s > bestScore) {
      best = e;
      bestScore = s;
    }
  }
  return { subjectId: best.subjectId, templateId: best.templateId, score: bestScore };
}
