/**
 * A threshold that knows the gallery (issue 17). A face-alone gate (face_or_card_or_pin,
 * face_or_card, face_or_pin) compares a stranger with every template of the gallery, so
 * its chance of taking a stranger for someone grows with the gallery. The operator sets
 * the false-positive identification rate per attempt it accepts (policy `targetFpir`,
 * default 1e-4); the gate derives its match threshold from that and the number of
 * templates through the impostor-score model (sdk/vision/impostor-model.ts, fitted on a
 * large impostor set; documented there and in README "Accuracy").
 *
 * - Policy load: a face-alone policy that cannot meet its target at the gallery's size is
 *   refused (FaceAloneCapacityError), naming card_then_face (card, then a 1:1 face check
 *   against the holder's templates), whose false-match rate does not grow with the gallery.
 * - Growth: a gallery that grows past the limit while the policy runs raises
 *   alarm.face_gallery_over_capacity and the gate stops identifying faces alone: card and
 *   PIN keep working, no stranger is let in on a face (face-path.ts).
 */
import { FaceAloneCapacityError } from "../errors.js";
import { type GatePolicy, modeAcceptsFaceAlone } from "../policy/gate-policy.js";
import { DEFAULT_IMPOSTOR_TAIL, expectedFpir, faceAloneOperatingPoint, type ImpostorTail } from "../vision/impostor-model.js";

export interface FaceAloneStatus {
  /** Templates in the gallery the threshold was derived for. */
  templates: number;
  targetFpir: number;
  /** Whether face alone meets the target at this size. */
  feasible: boolean;
  /** The match threshold for face-alone identification; null when not feasible. */
  threshold: number | null;
  /** FPIR per attempt the model expects at that threshold; null when not feasible. */
  expectedFpir: number | null;
  /** The largest gallery (templates) face alone serves at this target. */
  maxTemplates: number;
}

/**
 * The face-alone operating point of `policy` for `templates` templates; the threshold is
 * never below `floor` (the gate's configured match threshold).
 */
export function faceAloneStatus(policy: Pick<GatePolicy, "targetFpir">, templates: number, floor: number, tail: ImpostorTail = DEFAULT_IMPOSTOR_TAIL): FaceAloneStatus {
  const op = faceAloneOperatingPoint(tail, Math.max(1, templates), policy.targetFpir);
  const threshold = op.threshold === undefined ? null : Math.max(floor, op.threshold);
  return {
    templates,
    targetFpir: policy.targetFpir,
    feasible: op.feasible,
    threshold,
    expectedFpir: threshold === null ? null : expectedFpir(tail, threshold, Math.max(1, templates)),
    maxTemplates: op.maxTemplates,
  };
}

/**
 * Refuses (FaceAloneCapacityError, `path: problem`) a face-alone policy among `policies`
 * whose target cannot be met with `templates` templates. `path` names the list, e.g. `gates`.
 */
export function assertFaceAloneCapacity(policies: readonly GatePolicy[], templates: number, path = "gates", tail: ImpostorTail = DEFAULT_IMPOSTOR_TAIL): void {
  policies.forEach((policy, i) => {
    if (!modeAcceptsFaceAlone(policy.mode)) return;
    const status = faceAloneStatus(policy, templates, 0, tail);
    if (status.feasible) return;
    throw new FaceAloneCapacityError(
      `${path}[${i}].mode: "${policy.mode}" cannot keep false identifications at ${policy.targetFpir} per attempt with ${templates} enrolled templates ` +
        `(face alone serves at most ${status.maxTemplates} at this target). Use card_then_face (card, then a 1:1 face check), or card_or_pin`,
      { path: `${path}[${i}].mode`, templates, maxTemplates: status.maxTemplates, targetFpir: policy.targetFpir },
    );
  });
}
