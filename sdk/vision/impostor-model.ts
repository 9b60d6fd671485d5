/**
 * The impostor-score model: how often a stranger's face scores at or above a threshold
 * against one enrolled template, and from it the threshold a face-alone gate needs for
 * its gallery size and target false-positive identification rate (FPIR) per attempt.
 *
 * Form: the empirical impostor distribution up to a high quantile `u`, and above `u` a
 * generalized Pareto distribution (GPD) fitted to the exceedances (peaks over threshold):
 *
 *   P(S >= t) = zeta * (1 + xi * (t - u) / sigma) ^ (-1 / xi)     for t > u
 *
 * where zeta is the share of impostor scores above u. The normal model that
 * similarity.ts once used underestimates this tail by more than an order of magnitude:
 * lookalikes make it heavy.
 *
 * A 1:N search compares the probe with every template of the gallery and takes the best,
 * so with T templates a stranger is falsely identified with probability
 * FPIR = 1 - (1 - p)^T, p the per-comparison rate. The threshold for a target FPIR is
 * the one where p = 1 - (1 - FPIR)^(1/T) (about FPIR / T).
 *
 * The model is trusted only down to MIN_MODELLED_RATE per comparison (100 times below
 * the resolution of the set it was fitted on); a gallery that would need a rarer rate
 * cannot be served by face alone at that target. See `faceAloneOperatingPoint`.
 */

export interface ImpostorTail {
  /** Where the GPD tail starts (a cosine score). */
  u: number;
  /** Share of impostor comparisons scoring above u. */
  zeta: number;
  /** GPD scale (> 0) and shape. */
  sigma: number;
  xi: number;
  /** Impostor comparisons the tail was fitted on. */
  n: number;
  /** What it was fitted on, for status and reports. */
  source: string;
}

/**
 * Fitted by `facegate eval --pairs pairs.csv --images images` on ../shared/faces-wild
 * (all 14,869 impostor pairs, mirror embedding, door-face rule of quality.ts): the 2%
 * highest impostor scores, GPD by probability-weighted moments. The figures and the
 * refit are in README "Accuracy"; refit and replace these when the pipeline changes.
 */
export const DEFAULT_IMPOSTOR_TAIL: ImpostorTail = {
  u: 0.20732,
  zeta: 0.019974,
  sigma: 0.043577,
  xi: -0.078644,
  n: 14_869,
  source: "faces-wild: 14,869 impostor pairs, top 2%, GPD by PWM",
};

/** Rarest per-comparison false-match rate the model answers for (1 / (100 n) of the fit). */
export function minModelledRate(tail: ImpostorTail): number {
  return 1 / (100 * tail.n);
}

/** P(impostor score >= t) for one comparison, per the tail; NaN at or below u (the model does not answer there). */
export function impostorRate(tail: ImpostorTail, t: number): number {
  if (!(t > tail.u)) return Number.NaN;
  const z = (t - tail.u) / tail.sigma;
  if (Math.abs(tail.xi) < 1e-9) return tail.zeta * Math.exp(-z);
  const base = 1 + tail.xi * z;
  if (base <= 0) return 0; // beyond the upper end point of a short (xi < 0) tail
  return tail.zeta * Math.pow(base, -1 / tail.xi);
}

/** The score at or above which one comparison is a false match with probability `rate`. */
export function thresholdForRate(tail: ImpostorTail, rate: number): number {
  if (!(rate > 0 && rate < tail.zeta)) throw new RangeError(`thresholdForRate: rate must be in (0, ${tail.zeta})`);
  const r = rate / tail.zeta;
  if (Math.abs(tail.xi) < 1e-9) return tail.u - tail.sigma * Math.log(r);
  return tail.u + (tail.sigma / tail.xi) * (Math.pow(r, -tail.xi) - 1);
}

/** Per-comparison rate for a target FPIR over `templates` comparisons. */
export function perComparisonRate(targetFpir: number, templates: number): number {
  return -Math.expm1(Math.log1p(-targetFpir) / Math.max(1, templates));
}

/** FPIR of one search over `templates` comparisons at threshold `t`. */
export function expectedFpir(tail: ImpostorTail, t: number, templates: number): number {
  return -Math.expm1(Math.max(1, templates) * Math.log1p(-Math.min(1 - 1e-15, impostorRate(tail, t))));
}

/** Lowest threshold a face-alone gate uses whatever its gallery: the measured default. */
export const FLOOR_THRESHOLD = 0.43;

export interface OperatingPoint {
  /** The threshold to use; undefined when `feasible` is false. */
  threshold: number | undefined;
  /** FPIR expected per attempt at that threshold (the model's, at least FLOOR_THRESHOLD). */
  expectedFpir: number | undefined;
  /** Whether the model answers for the rate this gallery needs. */
  feasible: boolean;
  /** The largest gallery (templates) the target can be met for. */
  maxTemplates: number;
}

/**
 * The face-alone operating point for a gallery of `templates` templates and a target FPIR
 * per attempt: the model's threshold (never below FLOOR_THRESHOLD), or infeasible when
 * the needed per-comparison rate is below what the model answers for.
 */
export function faceAloneOperatingPoint(tail: ImpostorTail, templates: number, targetFpir: number): OperatingPoint {
  const floor = minModelledRate(tail);
  const maxTemplates = Math.floor(Math.log1p(-targetFpir) / Math.log1p(-floor));
  const rate = perComparisonRate(targetFpir, templates);
  if (rate < floor) return { threshold: undefined, expectedFpir: undefined, feasible: false, maxTemplates };
  const threshold = Math.max(FLOOR_THRESHOLD, thresholdForRate(tail, Math.min(rate, tail.zeta * 0.999)));
  return { threshold, expectedFpir: expectedFpir(tail, threshold, templates), feasible: true, maxTemplates };
}

/**
 * Fits the tail to impostor scores: u = the (1 - share) quantile, GPD on the exceedances
 * by probability-weighted moments (Hosking & Wallis 1987), which behaves on a few hundred
 * exceedances where maximum likelihood may not converge.
 */
export function fitImpostorTail(scores: readonly number[], share = 0.02, source = `${scores.length} impostor comparisons`): ImpostorTail {
  if (scores.length < 100) throw new RangeError("fitImpostorTail: at least 100 impostor scores are needed");
  const sorted = Float64Array.from(scores).sort();
  const k = Math.max(20, Math.round(share * sorted.length));
  const u = sorted[sorted.length - k - 1]!;
  const ex = Array.from(sorted.subarray(sorted.length - k), (s) => s - u).sort((a, b) => a - b);
  // b0 = mean, a1 = E[X (1 - F(X))] estimated with plotting positions.
  let b0 = 0, a1 = 0;
  for (let i = 0; i < k; i++) {
    b0 += ex[i]!;
    a1 += ex[i]! * ((k - 1 - i) / (k - 1));
  }
  b0 /= k;
  a1 /= k;
  const kappa = b0 / (b0 - 2 * a1) - 2; // Hosking's k = -xi
  const sigma = (2 * b0 * a1) / (b0 - 2 * a1);
  return { u, zeta: k / sorted.length, sigma, xi: -kappa, n: sorted.length, source };
}
