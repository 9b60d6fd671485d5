/**
 * The model manifest: where the ONNX files come from (a pinned npm package and its
 * tarball integrity) and the SHA-256, input and normalisation of each file we use.
 * Model files live in `models/files/` (not committed) or where FACEGATE_MODELS_DIR points.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { packageRoot } from "./package-root.js";

export type ModelName = "detect" | "landmark" | "feature" | "liveness";

export interface ModelEntry {
  file: string;
  pathInPackage: string;
  sha256: string;
  input: { name: string; shape: number[]; layout: string; channels: string; normalisation: string };
  outputs: Record<string, number[]>;
  what: string;
}

export interface ModelManifest {
  manifestVersion: number;
  source: { package: string; version: string; license: string; registry: string; integrity: string };
  models: Record<ModelName, ModelEntry>;
  excluded: string[];
}

/** models/ of the package (the sources' folder, or beside dist/ when built): manifest.json, files/. */
const modelsFolder = (): string => join(packageRoot(), "models");

export const MODEL_NAMES: readonly ModelName[] = ["detect", "landmark", "feature", "liveness"];

export function loadManifest(): ModelManifest {
  return JSON.parse(readFileSync(join(modelsFolder(), "manifest.json"), "utf8")) as ModelManifest;
}

/** Where model files are: FACEGATE_MODELS_DIR if set, else `models/files` of this checkout or installed package. */
export function defaultModelsDir(env: Record<string, string | undefined> = process.env): string {
  return env["FACEGATE_MODELS_DIR"] ? resolve(env["FACEGATE_MODELS_DIR"]) : join(modelsFolder(), "files");
}
