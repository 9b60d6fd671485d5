import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelError } from "../../sdk/errors.js";
import { defaultModelsDir, loadManifest, MODEL_NAMES } from "../../models/manifest.js";
import { fetchModels, integrityOf } from "../../models/fetch.js";
import { checkModels, readVerifiedModel } from "../../models/verify.js";

const installed = defaultModelsDir({});

function copyModels(): string {
  const dir = mkdtempSync(join(tmpdir(), "fg-models-"));
  for (const n of MODEL_NAMES) copyFileSync(join(installed, loadManifest().models[n].file), join(dir, loadManifest().models[n].file));
  return dir;
}

describe("model files", () => {
  it("the install fetched and verified all four models, and none of the analysis models (L4)", () => {
    const checks = checkModels(installed);
    expect(checks.map((c) => c.ok)).toEqual([true, true, true, true]);
    for (const excluded of loadManifest().excluded) expect(existsSync(join(installed, excluded))).toBe(false);
  });

  it("an altered model is refused with an error naming the file and what to run", () => {
    const dir = copyModels();
    const path = join(dir, "fr_feature.onnx");
    const bytes = readFileSync(path);
    const at = bytes.length - 10;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(path, bytes);
    expect(() => readVerifiedModel(dir, "feature")).toThrowError(ModelError);
    expect(() => readVerifiedModel(dir, "feature")).toThrowError(/fr_feature\.onnx.*facegate models fetch/);
    expect(checkModels(dir).find((c) => c.name === "feature")).toMatchObject({ ok: false, problem: "checksum" });
  });

  it("a missing model is refused with an error naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-models-"));
    expect(() => readVerifiedModel(dir, "detect")).toThrowError(/fr_detect\.onnx is missing/);
  });

  it("fetch is idempotent: verified files are left alone and nothing is packed", async () => {
    const dir = copyModels();
    const before = statSync(join(dir, "fr_detect.onnx")).mtimeMs;
    let packed = 0;
    const result = await fetchModels({
      dir,
      pack: async () => {
        packed++;
        throw new Error("must not be called");
      },
    });
    expect(result.fetched).toBe(false);
    expect(packed).toBe(0);
    expect(statSync(join(dir, "fr_detect.onnx")).mtimeMs).toBe(before);
  });

  it("a tarball that does not match the pinned integrity writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-models-"));
    const fake = join(mkdtempSync(join(tmpdir(), "fg-tgz-")), "x.tgz");
    writeFileSync(fake, Buffer.from("not the package"));
    await expect(fetchModels({ dir, pack: async () => fake })).rejects.toThrowError(/does not match the integrity/);
    expect(checkModels(dir).every((c) => c.problem === "missing")).toBe(true);
  });

  it("the pinned integrity is the sha512 of the tarball (format check)", () => {
    expect(integrityOf(Buffer.from("abc"))).toMatch(/^sha512-[A-Za-z0-9+/]+=*$/);
    expect(loadManifest().source.integrity).toMatch(/^sha512-/);
  });
});
