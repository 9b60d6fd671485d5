import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultModelsDir, loadManifest, MODEL_NAMES } from "../../../models/manifest.js";
import { ModelError } from "../../../sdk/errors.js";
import { createFacePipeline } from "../../../sdk/vision/index.js";
import { verifiedModels } from "../../../models/verify.js";

describe("the pipeline only runs verified models", () => {
  const dir = mkdtempSync(join(tmpdir(), "facegate-models-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const manifest = loadManifest();
  for (const name of MODEL_NAMES) copyFileSync(join(defaultModelsDir(), manifest.models[name].file), join(dir, manifest.models[name].file));

  it("refuses an altered model file with a ModelError naming the file", async () => {
    const file = manifest.models.feature.file;
    const bytes = readFileSync(join(dir, file));
    const at = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(join(dir, file), bytes);
    const err = await createFacePipeline({ models: verifiedModels(dir )}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe("model_invalid");
    expect((err as ModelError).message).toContain("fr_feature.onnx");
    expect((err as ModelError).details).toMatchObject({ file: "fr_feature.onnx" });
  });

  it("refuses a missing model file", async () => {
    rmSync(join(dir, manifest.models.liveness.file));
    await expect(createFacePipeline({ models: verifiedModels(dir )})).rejects.toThrow(/fr_(feature|liveness)\.onnx/);
  });
});
