/**
 * The door-face rule on composited scenes (test/support/door-scenes.ts): a resident in
 * front of the camera beside a larger blurred face, or beside a bystander of the same
 * size standing off-centre. Under the old rule (largest box) the other face would win;
 * each test checks that first, so it cannot pass on a scene that does not test the rule.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../models/manifest.js";
import { verifiedModels } from "../../../models/verify.js";
import { cosineSimilarity, createFacePipeline, type FaceAnalysis, type FacePipeline } from "../../../sdk/vision/index.js";
import { doorScore, SHARP_FACE } from "../../../sdk/vision/quality.js";
import { doorScene } from "../../support/door-scenes.js";
import { facePath, facesAvailable } from "../../support/faces.js";

let pipeline: FacePipeline;
beforeAll(async () => {
  pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir()) });
});
afterAll(async () => {
  await pipeline?.close();
});

const TIGHT = { quality: { edgeMargin: -1 }, liveness: false } as const;

async function enrolled(id: string, file: string): Promise<Float32Array> {
  const { readFileSync } = await import("node:fs");
  const a = await pipeline.analyze(readFileSync(facePath("identities", id, file)), TIGHT);
  return a.faces[a.primaryIndex!]!.embedding!;
}

function largest(a: FaceAnalysis): number {
  let best = 0;
  a.faces.forEach((f, i) => {
    if (f.box.width * f.box.height > a.faces[best]!.box.width * a.faces[best]!.box.height) best = i;
  });
  return best;
}

describe.skipIf(!facesAvailable)("the face at the door, on composited scenes from ../shared/faces", () => {
  it("a larger blurred face in the background does not win over the sharp resident", async () => {
    const scene = await doorScene([
      { file: facePath("identities", "amy", "amy1.png"), left: 170, top: 170, size: 150 },
      { file: facePath("identities", "howard", "howard1.png"), left: 360, top: 60, size: 300, blur: 5 },
    ]);
    const a = await pipeline.analyze(scene, { liveness: false });
    expect(a.faces).toHaveLength(2);
    const blurred = largest(a);
    expect(a.faces[blurred]!.box.x).toBeGreaterThan(320); // the blurred face is the largest box: the old rule took it
    expect(a.faces[blurred]!.sharpness!).toBeLessThan(SHARP_FACE);
    expect(a.primaryIndex).toBeDefined();
    expect(a.primaryIndex).not.toBe(blurred);
    const primary = a.faces[a.primaryIndex!]!;
    const amy = cosineSimilarity(primary.embedding!, await enrolled("amy", "amy2.png"));
    const howard = cosineSimilarity(primary.embedding!, await enrolled("howard", "howard2.png"));
    expect(amy).toBeGreaterThan(howard);
    expect(amy).toBeGreaterThan(0.43);
  });

  it.each([
    ["howard", "howard1.png"],
    ["raj", "raj1.png"],
    ["penny", "penny1.png"],
    ["sheldon", "sheldon1.png"],
  ])("a bystander (%s) of the same size off-centre does not win over the resident in the centre", async (id, file) => {
    const scene = await doorScene([
      { file: facePath("identities", "amy", "amy2.png"), left: 245, top: 165, size: 150 },
      { file: facePath("identities", id, file), left: 450, top: 150, size: 150 },
    ]);
    const a = await pipeline.analyze(scene, { liveness: false, all: true });
    expect(a.faces).toHaveLength(2);
    const primary = a.faces[a.primaryIndex!]!;
    const other = a.faces.find((f) => f !== primary)!;
    expect(primary.box.x).toBeLessThan(320);
    expect(other.box.x).toBeGreaterThan(400);
    // Same size: the boxes differ by less than a fifth, so size alone cannot decide.
    expect(Math.abs(other.box.width - primary.box.width) / primary.box.width).toBeLessThan(0.2);
    expect(doorScore(primary, a.width, a.height)).toBeGreaterThan(doorScore(other, a.width, a.height));
    const amy = await enrolled("amy", "amy1.png");
    expect(cosineSimilarity(primary.embedding!, amy)).toBeGreaterThan(cosineSimilarity(other.embedding!, amy));
  });
});
