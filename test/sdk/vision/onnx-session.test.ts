/**
 * ONNX sessions on worker threads (issue 18): the same outputs as a session on the calling
 * thread for the same verified model and input, the event loop free while a model runs,
 * liveness on its own worker beside the embedding, and an altered model still refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../models/manifest.js";
import { verifiedModels } from "../../../models/verify.js";
import { ModelError } from "../../../sdk/errors.js";
import { mulberry32 } from "../../../sdk/matcher/synthetic-embeddings.js";
import { createVerifiedSession, ort, runSession, sessionPlace } from "../../../sdk/vision/onnx-session.js";
import type { ModelSource } from "../../../sdk/vision/model-source.js";
import { turnsDuring } from "../../support/event-loop-turns.js";
import { mainThreadNice, threadNices, threadNicesAvailable } from "../../support/thread-nice.js";

const models = verifiedModels(defaultModelsDir());
const SHAPES = { feature: [1, 3, 112, 112], liveness: [1, 3, 128, 128], detect: [1, 3, 240, 320] } as const;

function input(shape: readonly number[], seed: number): ort.Tensor {
  const random = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new ort.Tensor("float32", Float32Array.from({ length: n }, () => random() * 2 - 1), [...shape]);
}


const open: ort.InferenceSession[] = [];
async function session(name: "feature" | "liveness" | "detect", worker: boolean): Promise<ort.InferenceSession> {
  const s = await createVerifiedSession(models, name, { worker });
  open.push(s);
  return s;
}
let featureWorker: ort.InferenceSession;
let featureHere: ort.InferenceSession;
beforeAll(async () => {
  featureWorker = await session("feature", true);
  featureHere = await session("feature", false);
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.release()));
});

describe("ONNX sessions on worker threads", () => {
  it("run on a worker by default, and give the same outputs as on this thread", async () => {
    expect(sessionPlace(featureWorker)).toBe("worker");
    expect(sessionPlace(featureHere)).toBe("main-thread");
    expect(featureWorker.inputNames).toEqual(featureHere.inputNames);
    for (const name of ["feature", "liveness", "detect"] as const) {
      const w = name === "feature" ? featureWorker : await session(name, true);
      const h = name === "feature" ? featureHere : await session(name, false);
      const x = input(SHAPES[name], 18);
      const [a, b] = [await runSession(w, x), await runSession(h, x)];
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(b)) {
        expect(a[k]!.dims).toEqual(b[k]!.dims);
        expect(Array.from(a[k]!.data as Float32Array)).toEqual(Array.from(b[k]!.data as Float32Array));
      }
    }
  });

  it.skipIf(!threadNicesAvailable)("runs models on threads that yield to the event loop (nice 5); a session on this thread leaves its priority alone", async () => {
    const mainBefore = mainThreadNice();
    await runSession(featureWorker, input(SHAPES.feature, 3));
    await runSession(featureHere, input(SHAPES.feature, 3));
    expect(threadNices()).toContain(5);
    expect(mainThreadNice()).toBe(mainBefore);
  });

  it("leaves the event loop turning while a model runs (on this thread it does not)", async () => {
    const x = input(SHAPES.feature, 7);
    // On this thread the run holds the loop: at most the turn in which its promise settles.
    expect(await turnsDuring(() => runSession(featureHere, x))).toBeLessThanOrEqual(1);
    expect(await turnsDuring(() => runSession(featureWorker, x))).toBeGreaterThan(10);
  });

  it("keeps the caller's input intact (the worker wipes only its own copy)", async () => {
    const x = input(SHAPES.feature, 9);
    const before = Array.from(x.data as Float32Array);
    await runSession(featureWorker, x);
    expect(Array.from(x.data as Float32Array)).toEqual(before);
  });

  it("refuses an altered model before it reaches the worker, and a model ONNX Runtime cannot load with ModelError", async () => {
    const altered: ModelSource = { description: "altered", read: () => { throw new ModelError("model feature does not match the pinned manifest", { model: "feature" }); } };
    await expect(createVerifiedSession(altered, "feature")).rejects.toBeInstanceOf(ModelError);
    const garbage: ModelSource = { description: "garbage", read: () => new Uint8Array([1, 2, 3, 4]) };
    await expect(createVerifiedSession(garbage, "feature")).rejects.toBeInstanceOf(ModelError);
  });
});
