/**
 * Quality gates and the rule for "the face at the door". Pure functions of the detected
 * boxes and the frame size, so the access logic can be tested without a model.
 */
import type { Box } from "./types.js";

export type QualityReason = "no_face" | "face_too_small" | "cut_off";

export interface Quality {
  ok: boolean;
  reasons: QualityReason[];
}

export interface QualityPolicy {
  /**
   * Shorter side of the face box, in source pixels. 48 px: below that the 112x112 aligned
   * face is an upscaled blur (eyes a few pixels apart), embeddings drift and liveness is
   * unreliable. A door camera at 640x480 sees a face at arm's length at 120-200 px.
   */
  minFaceSize: number;
  /**
   * A face whose box comes closer than this fraction of the frame's shorter side to any
   * edge (or crosses it) is cut off: part of it is missing, so it is not judged. Set to
   * a negative value to disable (tightly cropped enrollment photos touch every edge).
   */
  edgeMargin: number;
}

export const MIN_FACE_SIZE = 48;
export const EDGE_MARGIN = 0.01;
export const DEFAULT_QUALITY_POLICY: Readonly<QualityPolicy> = { minFaceSize: MIN_FACE_SIZE, edgeMargin: EDGE_MARGIN };

/** `raw` is the detector box before clamping to the frame (it may lie partly outside). */
export function assessFace(raw: Box, frameW: number, frameH: number, policy: QualityPolicy = DEFAULT_QUALITY_POLICY): Quality {
  const reasons: QualityReason[] = [];
  if (Math.min(raw.width, raw.height) < policy.minFaceSize) reasons.push("face_too_small");
  if (policy.edgeMargin >= 0) {
    const m = policy.edgeMargin * Math.min(frameW, frameH);
    if (raw.x < m || raw.y < m || raw.x + raw.width > frameW - m || raw.y + raw.height > frameH - m) reasons.push("cut_off");
  }
  return { ok: reasons.length === 0, reasons };
}

/**
 * The face at the door: the largest box by area among faces that pass quality (the
 * person nearest the camera); equal areas go to the higher detector score. Undefined
 * when no face passes: the gate then does not decide on a face at all.
 */
export function selectPrimary(faces: readonly { box: Box; score: number; quality: Quality }[]): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < faces.length; i++) {
    const f = faces[i]!;
    if (!f.quality.ok) continue;
    if (best === undefined) {
      best = i;
      continue;
    }
    const b = faces[best]!;
    const area = f.box.width * f.box.height;
    const bestArea = b.box.width * b.box.height;
    if (area > bestArea || (area === bestArea && f.score > b.score)) best = i;
  }
  return best;
}

/** Frame-level quality: ok iff there is a face at the door; otherwise why not. */
export function frameQuality(faces: readonly { quality: Quality }[], primary: number | undefined): Quality {
  if (faces.length === 0) return { ok: false, reasons: ["no_face"] };
  if (primary !== undefined) return { ok: true, reasons: [] };
  const reasons = new Set<QualityReason>();
  for (const f of faces) for (const r of f.quality.reasons) reasons.add(r);
  return { ok: false, reasons: [...reasons] };
}
