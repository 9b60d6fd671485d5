/**
 * Embeds image files for evaluation: the face at the door of each image, with the
 * quality gates relaxed (enrollment photos are tight crops that touch every edge), so
 * that "failed to enroll" means exactly "no face found". Embeddings stay in memory.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { FacegateError } from "../../sdk/errors.js";
import type { FacePipeline } from "../../sdk/vision/index.js";

export const EVAL_QUALITY = { edgeMargin: -1, minFaceSize: 0 } as const;

export const IMAGE_FILE = /\.(jpe?g|png|webp)$/i;

/**
 * Simulated camera frames of one photo, for measuring fusion over a track on stills: frame
 * k is the photo shifted by up to 2% of its size, scaled by up to 3% and its brightness
 * changed by up to 8%, deterministically (the same frames every run). Frame 0 is the photo.
 */
export async function simulatedFrames(bytes: Uint8Array, frames: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [bytes];
  const meta = await sharp(bytes).metadata();
  const w = meta.width ?? 0, h = meta.height ?? 0;
  for (let k = 1; k < frames && w > 20 && h > 20; k++) {
    const a = ((k * 0.618034) % 1) * 2 - 1, b = ((k * 0.414214) % 1) * 2 - 1; // in -1..1
    const scale = 1 - 0.03 * Math.abs(b);
    const cw = Math.round(w * scale), ch = Math.round(h * scale);
    const left = Math.max(0, Math.min(w - cw, Math.round((w - cw) / 2 + a * 0.02 * w)));
    const top = Math.max(0, Math.min(h - ch, Math.round((h - ch) / 2 + b * 0.02 * h)));
    const frame = await sharp(bytes).extract({ left, top, width: cw, height: ch }).resize(w, h).modulate({ brightness: 1 + 0.08 * a }).png().toBuffer();
    out.push(new Uint8Array(frame));
  }
  return out;
}

/**
 * The embedding of the main face in `path`, or undefined if no face / unreadable image.
 * With `frames` > 1: the fused embedding (normalised sum) of that many simulated frames
 * of the photo (`simulatedFrames`), as the gate fuses the frames of one track.
 */
export async function embedFile(pipeline: FacePipeline, path: string, frames = 1): Promise<{ embedding?: Float32Array; problem?: string }> {
  try {
    const views = frames > 1 ? await simulatedFrames(readFileSync(path), frames) : [readFileSync(path)];
    let sum: Float32Array | undefined;
    for (const view of views) {
      const analysis = await pipeline.analyze(view, { quality: EVAL_QUALITY, liveness: false });
      const face = analysis.primaryIndex === undefined ? undefined : analysis.faces[analysis.primaryIndex];
      if (!face?.embedding) continue;
      if (!sum) sum = face.embedding;
      else {
        for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + face.embedding[i]!;
        face.embedding.fill(0);
      }
    }
    if (!sum) return { problem: "no_face" };
    let norm = 0;
    for (let i = 0; i < sum.length; i++) norm += sum[i]! * sum[i]!;
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / Math.sqrt(norm);
    return { embedding: sum };
  } catch (err) {
    if (err instanceof FacegateError) return { problem: err.code };
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return { problem: "missing" };
    throw err;
  }
}

/** Image files directly in `dir`, sorted. */
export function imagesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => IMAGE_FILE.test(f) && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/** Subdirectories of `dir`, sorted. */
export function subdirsOf(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isDirectory())
    .sort();
}
