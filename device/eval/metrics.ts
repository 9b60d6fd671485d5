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

/** Scores split and sorted once: genuine ascending, impostor descending. */
export interface SortedScores {
  genuine: Float64Array;
  impostor: Float64Array;
}

export function sortScores(pairs: readonly ScoredPair[]): SortedScores {
  const genuine = Float64Array.from(pairs.filter((p) => p.same), (p) => p.score).sort();
  const impostor = Float64Array.from(pairs.filter((p) => !p.same), (p) => p.score)
    .sort()
    .reverse();
  return { genuine, impostor };
}

/** Genuine scores below `t` (binary search on the ascending genuine scores). */
function genuineBelow(genuine: Float64Array, t: number): number {
  let lo = 0, hi = genuine.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (genuine[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Impostor scores at or above `t` (binary search on the descending impostor scores). */
function impostorAtOrAbove(impostor: Float64Array, t: number): number {
  let lo = 0, hi = impostor.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (impostor[mid]! >= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface OperatingPointFigures {
  threshold: number;
  fmr: number;
  fnmr: number;
  falseMatches: number;
  falseNonMatches: number;
}

/** FMR and FNMR at threshold `t`, O(log n). */
export function operatingPointAt(s: SortedScores, t: number): OperatingPointFigures {
  const falseMatches = impostorAtOrAbove(s.impostor, t);
  const falseNonMatches = genuineBelow(s.genuine, t);
  return { threshold: t, fmr: s.impostor.length ? falseMatches / s.impostor.length : NaN, fnmr: s.genuine.length ? falseNonMatches / s.genuine.length : NaN, falseMatches, falseNonMatches };
}

/**
 * The lowest threshold whose FMR is at most `targetFmr` (just above the impostor score
 * that would exceed it; a target of 0 gives the threshold just above the top impostor).
 * With fewer than 1 / target impostor pairs the target cannot be resolved and the point
 * is that of zero false matches.
 */
export function operatingPointForFmr(s: SortedScores, targetFmr: number): OperatingPointFigures & { resolved: boolean } {
  const allowed = Math.floor(targetFmr * s.impostor.length);
  const t = allowed < s.impostor.length ? nextUp(s.impostor[allowed]!) : -1;
  return { ...operatingPointAt(s, t), resolved: targetFmr * s.impostor.length >= 1 };
}

function nextUp(x: number): number {
  return x + Math.max(1e-9, Math.abs(x) * 1e-12);
}

/** The threshold with the best accuracy (midpoint between adjacent scores; ties: the lowest FMR). O(n log n). */
export function bestAccuracy(pairs: readonly ScoredPair[]): { accuracy: number; threshold: number } {
  if (pairs.length === 0) return { accuracy: NaN, threshold: NaN };
  const s = sortScores(pairs);
  const scores = [...new Set(pairs.map((p) => p.score))].sort((a, b) => a - b);
  const candidates = [scores[0]! - 1e-6, ...scores.slice(1).map((x, k) => (x + scores[k]!) / 2), scores[scores.length - 1]! + 1e-6];
  let best = { accuracy: -1, threshold: NaN, fmr: Infinity };
  for (const t of candidates) {
    const v = operatingPointAt(s, t);
    const accuracy = (pairs.length - v.falseMatches - v.falseNonMatches) / pairs.length;
    const fmr = Number.isNaN(v.fmr) ? 0 : v.fmr;
    if (accuracy > best.accuracy || (accuracy === best.accuracy && fmr < best.fmr)) best = { accuracy, threshold: t, fmr };
  }
  return { accuracy: best.accuracy, threshold: best.threshold };
}

/** The impostor tail: the `top` highest impostor scores and high quantiles. */
export function impostorTailFigures(s: SortedScores, top = 12): { top: number[]; p999: number | null; p9999: number | null } {
  const q = (p: number) => (s.impostor.length ? s.impostor[Math.min(s.impostor.length - 1, Math.floor((1 - p) * s.impostor.length))]! : null);
  return { top: Array.from(s.impostor.subarray(0, top)), p999: q(0.999), p9999: q(0.9999) };
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

/** erfc with fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc), so tails far out stay accurate. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/**
 * The normal model of the impostor scores (their mean and standard deviation) and the
 * false-match rate it predicts at `t`: what the tail would be without lookalikes. Compare
 * with the measured rate and the fitted tail (sdk/vision/impostor-model.ts).
 */
export function normalImpostorModel(s: SortedScores, t: number): { mean: number; sd: number; fmrAtThreshold: number } | null {
  const n = s.impostor.length;
  if (n < 2) return null;
  let mean = 0;
  for (const x of s.impostor) mean += x;
  mean /= n;
  let v = 0;
  for (const x of s.impostor) v += (x - mean) ** 2;
  const sd = Math.sqrt(v / (n - 1));
  return { mean, sd, fmrAtThreshold: sd > 0 ? 0.5 * erfc((t - mean) / (sd * Math.SQRT2)) : t <= mean ? 1 : 0 };
}
