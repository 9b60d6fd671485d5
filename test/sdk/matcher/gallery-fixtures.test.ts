/**
 * The quantised gallery on real embeddings of the fixtures (../shared/faces): every
 * identity is found among thousands of synthetic distractors, and no stranger reaches
 * the match threshold. Needs the vision pipeline and the models.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../models/manifest.js";
import { GalleryIndex } from "../../../sdk/matcher/gallery-index.js";
import { mulberry32, SyntheticFaces } from "../../../sdk/matcher/synthetic-embeddings.js";
import { createFacePipeline, DEFAULT_MATCH_THRESHOLD, type FacePipeline } from "../../../sdk/vision/index.js";
import { facePath, facesAvailable } from "../../support/faces.js";
import { dot } from "./exact-search.js";
import { verifiedModels } from "../../../models/verify.js";

const images = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.(png|jpe?g)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));

describe.skipIf(!facesAvailable)("gallery index on the fixture faces", () => {
  let pipeline: FacePipeline;
  const probes: Array<{ identity: string; embedding: Float32Array }> = [];
  const strangers: Float32Array[] = [];
  const index = new GalleryIndex();
  const enrolled: Array<{ identity: string; embedding: Float32Array }> = [];

  const embed = async (path: string): Promise<Float32Array | undefined> => {
    const analysis = await pipeline.analyze(readFileSync(path), { all: true, liveness: false, quality: { edgeMargin: -1 } });
    return analysis.faces[analysis.primaryIndex ?? 0]?.embedding;
  };

  beforeAll(async () => {
    pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir() )});
    // Distractors first, so the fixtures sit in a later storage segment.
    const faces = new SyntheticFaces(mulberry32(41));
    for (let i = 0; i < 5000; i++) index.add(`synthetic-${i}`, "t0", faces.template(faces.identity()));
    for (const identity of readdirSync(facePath("identities")).sort()) {
      const [first, ...rest] = images(facePath("identities", identity));
      const probe = await embed(first!);
      if (probe) probes.push({ identity, embedding: probe });
      for (const [i, path] of rest.entries()) {
        const embedding = await embed(path);
        if (!embedding) continue;
        index.add(identity, `photo-${i}`, embedding);
        enrolled.push({ identity, embedding });
      }
    }
    for (const path of images(facePath("strangers"))) {
      const embedding = await embed(path);
      if (embedding) strangers.push(embedding);
    }
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it("identifies every identity's held-out photo, with the exact cosine of its best template", () => {
    expect(probes.length).toBeGreaterThanOrEqual(7);
    for (const { identity, embedding } of probes) {
      const [top] = index.search(embedding, 3);
      expect(top?.subjectId).toBe(identity);
      expect(top!.score).toBeGreaterThanOrEqual(DEFAULT_MATCH_THRESHOLD);
      const exactBest = Math.max(...enrolled.filter((e) => e.identity === identity).map((e) => dot(embedding, e.embedding)));
      expect(Math.abs(top!.score - exactBest)).toBeLessThan(3e-4);
    }
  });

  it("lets no stranger reach the match threshold", () => {
    expect(strangers.length).toBeGreaterThan(0);
    for (const embedding of strangers) expect(index.search(embedding, 1)[0]!.score).toBeLessThan(DEFAULT_MATCH_THRESHOLD);
  });
});
