/**
 * Quality gates and the rule for "the face at the door". Pure functions of the detected
 * boxes, their scores and measures, and the frame size, so the access logic can be
 * tested without a model.
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

/** What the door-face rule looks at for one detected face. */
export interface DoorCandidate {
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
  quality: Quality;
  /** Focus of the face box, 0..1 (`faceSharpness`); undefined: not measured (counts as sharp). */
  sharpness?: number;
}

/**
 * Sharpness (see `faceSharpness`) at or above which a face counts as in focus. Measured on
 * ../shared/faces: identity crops, group-photo faces and strangers score 0.32..0.73 (an
 * identity crop upscaled to 300 px with a slight blur, sigma 2.5 px: 0.30); a 300 px face
 * blurred with sigma 5 px scores 0.13 and one of 240 px 0.20. Below it the focus term
 * scales the door score down in proportion.
 */
export const SHARP_FACE = 0.25;
/** The size term saturates at a face this fraction of the frame's shorter side. */
export const DOOR_FACE_FRACTION = 0.35;

/**
 * How much a face looks like the face at the door, 0..1: the product of
 * - the detector score (a false detection in the background scores lower),
 * - size: the square root of the face's side relative to DOOR_FACE_FRACTION of the
 *   frame's shorter side, capped at 1 (the person at the door is near the camera, but a
 *   face twice as large is not twice as likely: a large blurred poster or a bystander
 *   leaning in must not win on size alone),
 * - position: 1 at the centre of the frame, falling linearly to 0.5 at a corner (the
 *   camera is aimed at the spot in front of the door; a bystander of the same size
 *   stands off-centre),
 * - focus: sharpness / SHARP_FACE, capped at 1 (a blurred face is in the background,
 *   or moving, or not a face at all).
 * Landmark quality is checked after this ranking (`landmarkQuality`): the pipeline takes
 * the best-ranked face whose landmarks are plausible.
 */
export function doorScore(face: DoorCandidate, frameW: number, frameH: number, shortSide = Math.min(frameW, frameH)): number {
  const side = Math.sqrt(Math.max(0, face.box.width) * Math.max(0, face.box.height));
  const size = Math.min(1, Math.sqrt(side / (DOOR_FACE_FRACTION * Math.max(1, shortSide))));
  const cx = face.box.x + face.box.width / 2 - frameW / 2;
  const cy = face.box.y + face.box.height / 2 - frameH / 2;
  const half = Math.hypot(frameW / 2, frameH / 2);
  const d = half > 0 ? Math.min(1, Math.hypot(cx, cy) / half) : 0;
  const centre = 1 - 0.5 * d;
  const focus = face.sharpness === undefined ? 1 : Math.min(1, face.sharpness / SHARP_FACE);
  return face.score * size * centre * focus;
}

/** Indices of the faces that pass quality, best door face first (ties: the earlier index). */
export function rankDoorFaces(faces: readonly DoorCandidate[], frameW: number, frameH: number): number[] {
  const ranked: { i: number; s: number }[] = [];
  faces.forEach((f, i) => {
    if (f.quality.ok) ranked.push({ i, s: doorScore(f, frameW, frameH) });
  });
  return ranked.sort((a, b) => b.s - a.s || a.i - b.i).map((r) => r.i);
}

/**
 * The face at the door (see `doorScore`); undefined when no face passes quality: the gate
 * then does not decide on a face at all. Without a frame size, position is not judged
 * and size is taken relative to the largest face that passes quality.
 */
export function selectPrimary(faces: readonly DoorCandidate[], frame?: { width: number; height: number }): number | undefined {
  if (frame) return rankDoorFaces(faces, frame.width, frame.height)[0];
  const ok = faces.filter((f) => f.quality.ok);
  const side = Math.max(1, ...ok.map((f) => Math.sqrt(f.box.width * f.box.height)));
  // A square frame centred on every box, sized so that the largest face saturates the size term.
  let best: number | undefined, bestScore = -Infinity;
  faces.forEach((f, i) => {
    if (!f.quality.ok) return;
    const s = doorScore({ ...f, box: { ...f.box, x: -f.box.width / 2, y: -f.box.height / 2 } }, 0, 0, side / DOOR_FACE_FRACTION);
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  });
  return best;
}

/** Landmark quality at or above which a face's 68 points are taken as a face's. */
export const MIN_LANDMARK_QUALITY = 0.75;

/**
 * How plausible 68 landmarks are for the face in `box`, 0..1: the share of four checks
 * passed (a face needs three of the four): the eyes lie above the nose tip, the nose tip above the mouth; the eye distance
 * is 20-65% of the box width; the landmarks' extent covers 40-160% of the box's side; the
 * landmarks' centre lies within 35% of the box side from the box centre. The landmark
 * model answers with a face-shaped set of points even on a non-face, but on a false
 * detection they rarely sit where a face's would.
 */
export function landmarkQuality(box: Box, landmarks: readonly { x: number; y: number }[]): number {
  if (landmarks.length !== 68) return 0;
  const mean = (from: number, to: number) => {
    let x = 0, y = 0;
    for (let i = from; i <= to; i++) {
      x += landmarks[i]!.x;
      y += landmarks[i]!.y;
    }
    return { x: x / (to - from + 1), y: y / (to - from + 1) };
  };
  const le = mean(36, 41), re = mean(42, 47), nose = landmarks[30]!, mouth = mean(48, 67);
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const p of landmarks) {
    x1 = Math.min(x1, p.x); y1 = Math.min(y1, p.y); x2 = Math.max(x2, p.x); y2 = Math.max(y2, p.y);
  }
  const side = Math.max(1, Math.sqrt(box.width * box.height));
  const eyes = Math.hypot(re.x - le.x, re.y - le.y) / Math.max(1, box.width);
  const extent = Math.max(x2 - x1, y2 - y1) / side;
  const off = Math.hypot((x1 + x2) / 2 - (box.x + box.width / 2), (y1 + y2) / 2 - (box.y + box.height / 2)) / side;
  const checks = [Math.max(le.y, re.y) < nose.y && nose.y < mouth.y, eyes >= 0.2 && eyes <= 0.65, extent >= 0.4 && extent <= 1.6, off <= 0.35];
  return checks.filter(Boolean).length / checks.length;
}

/** Frame-level quality: ok iff there is a face at the door; otherwise why not. */
export function frameQuality(faces: readonly { quality: Quality }[], primary: number | undefined): Quality {
  if (faces.length === 0) return { ok: false, reasons: ["no_face"] };
  if (primary !== undefined) return { ok: true, reasons: [] };
  const reasons = new Set<QualityReason>();
  for (const f of faces) for (const r of f.quality.reasons) reasons.add(r);
  return { ok: false, reasons: [...reasons] };
}
