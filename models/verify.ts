/**
 * Checks model files against the manifest. The pipeline loads a model only through
 * `readVerifiedModel`, so it never runs on a missing or altered file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../sdk/crypto/hash.js";
import { ModelError } from "../sdk/errors.js";
import type { ModelSource } from "../sdk/vision/model-source.js";
import { type ModelManifest, type ModelName, MODEL_NAMES, defaultModelsDir, loadManifest } from "./manifest.js";

export const FETCH_HINT = "run `npx facegate models fetch` (or `npm install`)";

export interface ModelCheck {
  name: ModelName;
  file: string;
  ok: boolean;
  problem?: "missing" | "checksum";
}

export function checkModels(dir: string, manifest: ModelManifest = loadManifest()): ModelCheck[] {
  return MODEL_NAMES.map((name) => {
    const file = manifest.models[name].file;
    const path = join(dir, file);
    if (!existsSync(path)) return { name, file, ok: false, problem: "missing" as const };
    const ok = sha256Hex(readFileSync(path)) === manifest.models[name].sha256;
    return ok ? { name, file, ok } : { name, file, ok, problem: "checksum" as const };
  });
}

/** Returns the bytes of a model whose SHA-256 matches the manifest, or throws ModelError. */
export function readVerifiedModel(dir: string, name: ModelName, manifest: ModelManifest = loadManifest()): Uint8Array {
  const entry = manifest.models[name];
  const path = join(dir, entry.file);
  if (!existsSync(path)) {
    throw new ModelError(`model file ${entry.file} is missing from ${dir}; ${FETCH_HINT}`, { file: entry.file, dir });
  }
  const bytes = readFileSync(path);
  if (sha256Hex(bytes) !== entry.sha256) {
    throw new ModelError(`model file ${entry.file} in ${dir} does not match its SHA-256 in models/manifest.json (altered or corrupt); ${FETCH_HINT}`, {
      file: entry.file,
      dir,
    });
  }
  return bytes;
}

/** The models in `dir` (default: the installed ones), each read only if its SHA-256 matches the manifest. */
export function verifiedModels(dir: string = defaultModelsDir(), manifest: ModelManifest = loadManifest()): ModelSource {
  return { description: dir, read: (name) => readVerifiedModel(dir, name, manifest) };
}
