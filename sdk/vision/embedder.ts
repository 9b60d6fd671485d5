/**
 * Face embedding (fr_feature.onnx): 3x112x112 aligned face, (x-127)/128, in EMBEDDING_CHANNELS
 * order; 512 values, L2-normalised here so that cosine similarity is a dot product.
 *
 * L4: an embedding is biometric data. It is returned to the caller only; it is never
 * logged, and the caller discards it at once if it matches nobody.
 */
import { ALIGNED_SIZE, alignFace } from "./aligner.js";
import { createVerifiedSession, ort, runSession, type SessionOptions } from "./onnx-session.js";
import type { ModelSource } from "./model-source.js";
import type { ChannelOrder, Point, RgbImage } from "./types.js";

export const EMBEDDING_SIZE = 512;

/**
 * BGR, measured on the colour photographs of ../shared/faces (the identity crops are
 * greyscale, so the order does not matter for them): group faces against their
 * identity's gallery images score mean 0.621 (min 0.219) with BGR vs 0.611 (min 0.179)
 * with RGB, while the highest impostor score (group faces and strangers vs the gallery)
 * drops from 0.375 with RGB to 0.341 with BGR.
 */
export const EMBEDDING_CHANNELS: ChannelOrder = "bgr";

export class Embedder {
  private readonly input = new Float32Array(3 * ALIGNED_SIZE * ALIGNED_SIZE);
  private readonly tensor = new ort.Tensor("float32", this.input, [1, 3, ALIGNED_SIZE, ALIGNED_SIZE]);

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly order: ChannelOrder,
  ) {}

  static async create(models: ModelSource, options?: SessionOptions & { channels?: ChannelOrder }): Promise<Embedder> {
    return new Embedder(await createVerifiedSession(models, "feature", options), options?.channels ?? EMBEDDING_CHANNELS);
  }

  /** Aligns the face (pure TypeScript warp). Split from `embed` so each stage can be timed. */
  align(img: RgbImage, landmarks: readonly Point[]): void {
    alignFace(img, landmarks, this.input, this.order);
  }

  /** Embeds the face last passed to `align`; returns a fresh, unit-length Float32Array(512). */
  async embed(): Promise<Float32Array> {
    const out = await runSession(this.session, this.tensor);
    const raw = out["output"]!.data as Float32Array;
    const v = new Float32Array(EMBEDDING_SIZE);
    let norm = 0;
    for (let i = 0; i < EMBEDDING_SIZE; i++) norm += raw[i]! * raw[i]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < EMBEDDING_SIZE; i++) v[i] = raw[i]! * inv;
    raw.fill(0); // do not leave the raw vector in the runtime's output buffer longer than needed
    return v;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
