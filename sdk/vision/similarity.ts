/** Comparing embeddings, and the decision thresholds measured for this pipeline. */

/**
 * Cosine similarity in -1..1. Pipeline embeddings are unit length, so this equals their
 * dot product; the norms are still divided out so any two vectors compare correctly.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosineSimilarity: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Cosine score at or above which two faces are taken to be the same person.
 *
 * Chosen from the impostor distribution, not from the genuine pairs of one data set.
 * Measured with this pipeline (BGR, 5-point alignment, refined landmarks) on
 * ../shared/faces: 1,099 impostor comparisons (identity vs identity, strangers vs
 * identities, group faces vs the other identities) have mean 0.023, sd 0.090, max 0.341.
 * 0.43 is 4.5 sd above the impostor mean and 0.09 above the worst impostor seen. A normal
 * tail would put the false-match rate at about 3e-6 per comparison; on a larger set of
 * web photos (../shared/faces-wild) it is 6.7e-5: lookalikes make the tail heavy. A
 * face-alone gate therefore does not use this threshold as is: it derives its own from
 * the gallery size and a fitted tail model (impostor-model.ts, sdk/gate/face-alone-capacity.ts),
 * never below this one. Genuine scores: identity crop pairs 0.464..0.893 (mean
 * 0.686), group-photo faces against their identity 0.58..0.83, and 0.435..0.65 for the
 * disguised (fake beard and wig) faces of bbt1.jpg. Raising it trades missed residents
 * (who still have their card or PIN, L2) for fewer false matches; lowering it below
 * ~0.40 is not advised.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.43;

/**
 * Liveness score (P(live) from fr_liveness.onnx) at or above which a face counts as a
 * live person in front of the camera (L5: checked before a face may open the door).
 *
 * Measured: all 30 faces in the colour photographs of ../shared/faces (strangers and
 * groups) score 0.967..1.000 with BGR input (with RGB input 6 of them fall below 0.5,
 * down to 0.145). The tight, greyscale 150x150 identity crops are out of distribution
 * (the 2.7x context crop cannot be taken) and score 0.07..1.00 (median 0.93; 4 of 39
 * below 0.7): liveness is meant for camera frames, not enrollment crops. 0.7 asks for a
 * clear majority for "live" while leaving a wide margin for real faces. No spoof
 * samples (prints, screens, masks) are in the fixtures, so the attack-side error rate is
 * NOT measured here; verify on the target camera with attack samples before relying on it.
 */
export const LIVENESS_THRESHOLD = 0.7;
