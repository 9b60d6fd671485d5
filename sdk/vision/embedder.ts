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

/**
 * Mirror embedding: the embedding of the aligned face plus that of its horizontal mirror
 * image, summed and normalised (one model, two runs). A face is nearly symmetric, so the
 * mirror is a second view of the same person; summing cancels part of the pose- and
 * lighting-dependent noise. Measured on ../shared/faces-wild (all pairs, see README
 * "Accuracy"): it lowers the false non-match rate at FMR 1e-4 and at the face-alone
 * threshold, and costs a second embedder run per face.
 */
export const MIRROR_EMBEDDING = true;

export class Embedder {
  private readonly input = new Float32Array(3 * ALIGNED_SIZE * ALIGNED_SIZE);
  private readonly tensor = new ort.Tensor("float32", this.input, [1, 3, ALIGNED_SIZE, ALIGNED_SIZE]);

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly order: ChannelOrder,
    private readonly mirror: boolean,
  ) {}

  static async create(models: ModelSource, options?: SessionOptions & { channels?: ChannelOrder; mirror?: boolean }): Promise<Embedder> {
    return new Embedder(await createVerifiedSession(models, "feature", options), options?.channels ?? EMBEDDING_CHANNELS, options?.mirror ?? MIRROR_EMBEDDING);
  }

  /** Aligns the face (pure TypeScript warp). Split from `embed` so each stage can be timed. */
  align(img: RgbImage, landmarks: readonly Point[]): void {
    alignFace(img, landmarks, this.input, this.order);
  }

  /** Embeds the face last passed to `align`; returns a fresh, unit-length Float32Array(512). */
  async embed(): Promise<Float32Array> {
    const v = new Float32Array(EMBEDDING_SIZE);
    await this.runInto(v);
    if (this.mirror) {
      mirrorPlanes(this.input, ALIGNED_SIZE);
      await this.runInto(v);
    }
    this.input.fill(0); // the aligned face is not kept between calls
    normalise(v);
    return v;
  }

  /** Adds the unit-length output of one run on `input` to `sum`. */
  private async runInto(sum: Float32Array): Promise<void> {
    const out = await runSession(this.session, this.tensor);
    const raw = out["output"]!.data as Float32Array;
    let norm = 0;
    for (let i = 0; i < EMBEDDING_SIZE; i++) norm += raw[i]! * raw[i]!;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < EMBEDDING_SIZE; i++) sum[i] = sum[i]! + raw[i]! * inv;
    raw.fill(0); // do not leave the raw vector in the runtime's output buffer longer than needed
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Flips each size x size plane of a CHW tensor left to right, in place. */
export function mirrorPlanes(t: Float32Array, size: number): void {
  for (let row = 0; row < t.length; row += size) {
    for (let a = row, b = row + size - 1; a < b; a++, b--) {
      const x = t[a]!;
      t[a] = t[b]!;
      t[b] = x;
    }
  }
}

/** Scales `v` to unit length in place (a zero vector stays zero). */
export function normalise(v: Float32Array): void {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
}
