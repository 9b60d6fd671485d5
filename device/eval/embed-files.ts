/**
 * Embeds image files for evaluation: the face at the door of each image, with the
 * quality gates relaxed (enrollment photos are tight crops that touch every edge), so
 * that "failed to enroll" means exactly "no face found". Embeddings stay in memory.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { FacegateError } from "../../sdk/errors.js";
import type { FacePipeline } from "../../sdk/vision/index.js";

export const EVAL_QUALITY = { edgeMargin: -1, minFaceSize: 0 } as const;

export const IMAGE_FILE = /\.(jpe?g|png|webp)$/i;

/** The embedding of the main face in `path`, or undefined if no face / unreadable image. */
export async function embedFile(pipeline: FacePipeline, path: string): Promise<{ embedding?: Float32Array; problem?: string }> {
  try {
    const analysis = await pipeline.analyze(readFileSync(path), { quality: EVAL_QUALITY, liveness: false });
    const face = analysis.primaryIndex === undefined ? undefined : analysis.faces[analysis.primaryIndex];
    return face?.embedding ? { embedding: face.embedding } : { problem: "no_face" };
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
