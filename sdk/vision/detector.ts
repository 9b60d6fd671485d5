/**
 * Face detector (fr_detect.onnx, an ultra-light 320x240 SSD). The whole image is resized
 * to 320x240 (non-uniformly, as the model was trained), normalised (x-127)/128 in RGB.
 * Outputs are softmax scores (column 1 = face) and box corners already decoded and
 * normalised to 0..1, so no prior boxes are needed: threshold, NMS, scale to pixels.
 */
import { type Affine, sampleAffine } from "./image-ops.js";
import { nonMaxSuppression, type ScoredBox } from "./nms.js";
import { createVerifiedSession, ort, runSession, type SessionOptions } from "./onnx-session.js";
import type { ModelSource } from "./model-source.js";
import type { RgbImage } from "./types.js";

const IN_W = 320;
const IN_H = 240;

/** Minimum face probability. 0.65 is the model's reference setting; it finds every fixture face with no false positives. */
export const DETECTION_THRESHOLD = 0.65;
/** Boxes overlapping a better one by more than this IoU are duplicates. */
export const NMS_IOU = 0.4;
/** More faces than this in one frame are not useful at a door. */
export const MAX_FACES = 50;

/** A detection in source pixels. Corners are NOT clamped: a box past the frame edge says the face is cut off. */
export type Detection = ScoredBox;

export class FaceDetector {
  private readonly input = new Float32Array(3 * IN_W * IN_H);
  private readonly tensor = new ort.Tensor("float32", this.input, [1, 3, IN_H, IN_W]);

  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(models: ModelSource, options?: SessionOptions): Promise<FaceDetector> {
    return new FaceDetector(await createVerifiedSession(models, "detect", options));
  }

  async detect(img: RgbImage, threshold = DETECTION_THRESHOLD): Promise<Detection[]> {
    const sx = img.width / IN_W;
    const sy = img.height / IN_H;
    const m: Affine = [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5];
    sampleAffine(img, m, this.input, { width: IN_W, height: IN_H, channels: "rgb", offset: 127, scale: 1 / 128, border: "replicate" });
    const out = await runSession(this.session, this.tensor);
    const scores = out["scores"]!.data as Float32Array;
    const boxes = out["boxes"]!.data as Float32Array;
    const candidates: Detection[] = [];
    const count = scores.length / 2;
    for (let i = 0; i < count; i++) {
      const score = scores[i * 2 + 1]!;
      if (score < threshold) continue;
      candidates.push({
        x1: boxes[i * 4]! * img.width,
        y1: boxes[i * 4 + 1]! * img.height,
        x2: boxes[i * 4 + 2]! * img.width,
        y2: boxes[i * 4 + 3]! * img.height,
        score,
      });
    }
    return nonMaxSuppression(candidates, NMS_IOU, MAX_FACES);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
