/**
 * The FaceAnalyzer suite over the device's analyzer (sdk/vision's pipeline through
 * faceAnalyzerFromPipeline, real ONNX models on a real photo), the simulator's
 * fault-injecting wrapper around it, and the gate tests' scripted stand-ins.
 */
import { afterAll, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FaultInjectingAnalyzer } from "../../device/scenario/simulated-gate.js";
import { defaultModelsDir } from "../../models/manifest.js";
import { verifiedModels } from "../../models/verify.js";
import type { CameraFrame } from "../../sdk/hal/camera.js";
import { faceAnalyzerFromPipeline } from "../../sdk/gate/vision-analyzer.js";
import { type FacePipeline, createFacePipeline } from "../../sdk/vision/index.js";
import { decodeToRgbFrame } from "../../simulator/devices/sim-camera.js";
import { facePath, facesAvailable } from "../support/faces.js";
import { OneFaceAnalyzer, ScriptedAnalyzer } from "../support/port-fakes.js";
import { faceAnalyzerContract } from "./face-analyzer-contract.js";

const BLANK: CameraFrame = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(128) };
const TINY: CameraFrame = { width: 2, height: 2, data: new Uint8Array(12) };
/** A raw frame whose data does not fill it: the pipeline refuses it (image_corrupt). */
const TORN: CameraFrame = { width: 10, height: 10, data: new Uint8Array(5) };

let shared: Promise<FacePipeline> | undefined;
const pipeline = () => (shared ??= createFacePipeline({ models: verifiedModels(defaultModelsDir()) }));
afterAll(async () => {
  if (shared) await (await shared).close();
});

const withModels = facesAvailable && existsSync(join(defaultModelsDir(), "fr_feature.onnx"));
if (withModels) {
  const face = () => decodeToRgbFrame(facePath("identities", "amy", "amy1.png"));
  faceAnalyzerContract({
    name: "faceAnalyzerFromPipeline over sdk/vision (real models, a real photo)",
    create: async () => ({ analyzer: faceAnalyzerFromPipeline(await pipeline()), withFace: face, withoutFace: async () => BLANK, failing: async () => TORN, recover() {}, close() {} }),
  });
  it("faceAnalyzerFromPipeline reports the box of the face at the door, for tracking it over frames", async () => {
    const frame = await face();
    const a = await faceAnalyzerFromPipeline(await pipeline()).analyze(frame);
    const box = a.faces[a.primaryIndex!]!.box!;
    expect(box.width).toBeGreaterThan(48);
    expect(box.x + box.width).toBeLessThanOrEqual((frame as { width: number }).width);
    for (const f of a.faces) f.embedding.fill(0);
  });
  faceAnalyzerContract({
    name: "the simulator's FaultInjectingAnalyzer around it",
    create: async () => {
      const analyzer = new FaultInjectingAnalyzer(faceAnalyzerFromPipeline(await pipeline()));
      return {
        analyzer,
        withFace: face,
        withoutFace: async () => BLANK,
        failing: async () => {
          analyzer.failing = true;
          return face();
        },
        recover: () => (analyzer.failing = false),
        close() {},
      };
    },
  });
}

faceAnalyzerContract({
  name: "ScriptedAnalyzer (test/support/port-fakes.ts)",
  create: async () => {
    const analyzer = new ScriptedAnalyzer();
    const script = (mode: ScriptedAnalyzer["mode"]) => async () => {
      analyzer.mode = mode;
      return TINY;
    };
    return { analyzer, withFace: script("face"), withoutFace: script("none"), failing: script("throw"), recover: () => (analyzer.mode = "face"), close() {} };
  },
});

faceAnalyzerContract({
  name: "OneFaceAnalyzer (test/support/port-fakes.ts)",
  create: async () => {
    const analyzer = new OneFaceAnalyzer();
    const script = (present: boolean, failing = false) => async () => {
      analyzer.present = present;
      analyzer.failing = failing;
      return TINY;
    };
    return { analyzer, withFace: script(true), withoutFace: script(false), failing: script(true, true), recover: () => (analyzer.failing = false), close() {} };
  },
});
