/**
 * Biometric evaluation figures, pure functions of scores.
 *
 * Verification: FMR = impostor pairs scoring >= threshold / impostor pairs; FNMR = genuine
 * pairs scoring < threshold / genuine pairs. Pairs where an image failed to enroll (no
 * face) are reported as failures and left out of the rates (ISO/IEC 19795-1 reports FTE
 * separately).
 *
 * Identification (open set, ISO/IEC 19795-1 / NIST FRVT terms): FNIR = mated searches
 * whose rank-1 candidate is not the right identity or scores below the threshold;
 * FPIR = non-mated searches whose best candidate scores at or above the threshold.
 */

export interface ScoredPair {
  score: number;
  same: boolean;
}

export interface VerificationFigures {
  genuinePairs: number;
  impostorPairs: number;
  accuracy: number;
  fmr: number;
  fnmr: number;
}

export function verificationAt(pairs: readonly ScoredPair[], threshold: number): VerificationFigures {
  let g = 0, i = 0, falseNonMatch = 0, falseMatch = 0;
  for (const p of pairs) {
    if (p.same) {
      g++;
      if (p.score < threshold) falseNonMatch++;
    } else {
      i++;
      if (p.score >= threshold) falseMatch++;
    }
  }
  const n = g + i;
  return {
    genuinePairs: g,
    impostorPairs: i,
    accuracy: n ? (n - falseMatch - falseNonMatch) / n : NaN,
    fmr: i ? falseMatch / i : NaN,
    fnmr: g ? falseNonMatch / g : NaN,
  };
}

/** The threshold with the best accuracy (midpoint between adjacent scores; ties: the lowest FMR). */
export function bestAccuracy(pairs: readonly ScoredPair[]): { accuracy: number; threshold: number } {
  if (pairs.length === 0) return { accuracy: NaN, threshold: NaN };
  const scores = [...new Set(pairs.map((p) => p.score))].sort((a, b) => a - b);
  const candidates = [scores[0]! - 1e-6, ...scores.slice(1).map((s, k) => (s + scores[k]!) / 2), scores[scores.length - 1]! + 1e-6];
  let best = { accuracy: -1, threshold: NaN, fmr: Infinity };
  for (const t of candidates) {
    const v = verificationAt(pairs, t);
    const fmr = Number.isNaN(v.fmr) ? 0 : v.fmr;
    if (v.accuracy > best.accuracy || (v.accuracy === best.accuracy && fmr < best.fmr)) best = { accuracy: v.accuracy, threshold: t, fmr };
  }
  return { accuracy: best.accuracy, threshold: best.threshold };
}

export interface Search {
  /** The identity the probe belongs to, or undefined for a non-mated search. */
  truth: string | undefined;
  /** Best score per enrolled identity. */
  candidates: ReadonlyMap<string, number>;
}

export interface IdentificationFigures {
  matedSearches: number;
  nonMatedSearches: number;
  rank1: number;
  fnir: number;
  fpir: number;
}

export function identificationAt(searches: readonly Search[], threshold: number): IdentificationFigures {
  let mated = 0, nonMated = 0, rank1 = 0, falseNeg = 0, falsePos = 0;
  for (const s of searches) {
    let top: string | undefined;
    let topScore = -Infinity;
    for (const [id, score] of s.candidates) {
      if (score > topScore) {
        top = id;
        topScore = score;
      }
    }
    if (s.truth !== undefined) {
      mated++;
      if (top === s.truth) rank1++;
      if (top !== s.truth || topScore < threshold) falseNeg++;
    } else {
      nonMated++;
      if (topScore >= threshold) falsePos++;
    }
  }
  return {
    matedSearches: mated,
    nonMatedSearches: nonMated,
    rank1: mated ? rank1 / mated : NaN,
    fnir: mated ? falseNeg / mated : NaN,
    fpir: nonMated ? falsePos / nonMated : NaN,
  };
}
