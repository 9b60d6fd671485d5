/**
 * Anti-spoofing (fr_liveness.onnx, L5): the square face box enlarged LIVENESS_CROP_FACTOR
 * times (shifted to stay inside the image, factor reduced if it cannot fit), resized to
 * 128x128, raw 0..255 values in LIVENESS_CHANNELS order. Three logits; the liveness score
 * is softmax probability of class 0 ("live").
 */
import { cropAffine, expandedCrop, sampleAffine, squareAround } from "./image-ops.js";
import { createVerifiedSession, ort, runSession, type SessionOptions } from "./onnx-session.js";
import type { ModelSource } from "./model-source.js";
import type { Box, ChannelOrder, RgbImage } from "./types.js";

const SIZE = 128;
export const LIVENESS_CROP_FACTOR = 2.7;

/** BGR: real photographs are classified live far more consistently than with RGB (measured). */
export const LIVENESS_CHANNELS: ChannelOrder = "bgr";

export class LivenessChecker {
  private readonly input = new Float32Array(3 * SIZE * SIZE);
  private readonly tensor = new ort.Tensor("float32", this.input, [1, 3, SIZE, SIZE]);

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly order: ChannelOrder,
  ) {}

  static async create(models: ModelSource, options?: SessionOptions & { channels?: ChannelOrder }): Promise<LivenessChecker> {
    return new LivenessChecker(await createVerifiedSession(models, "liveness", options), options?.channels ?? LIVENESS_CHANNELS);
  }

  /** P(live) in 0..1 for the face in `box`. */
  async score(img: RgbImage, box: Box): Promise<number> {
    const crop = expandedCrop(squareAround(box), LIVENESS_CROP_FACTOR, img.width, img.height);
    sampleAffine(img, cropAffine(crop, SIZE, SIZE), this.input, { width: SIZE, height: SIZE, channels: this.order, offset: 0, scale: 1, border: "replicate" });
    const out = await runSession(this.session, this.tensor);
    const logits = out["output"]!.data as Float32Array;
    return softmax(logits)[0]!;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const sum = exps.reduce((s, x) => s + x, 0);
  return exps.map((x) => x / sum);
}
