/**
 * The face model a gate's templates are made with, as template packages name it (issue
 * 14): the embedding model's package and file, and its version with the pinned hash of the
 * file, from the model manifest. Two gates compare templates only when both are equal.
 */
import { loadManifest, type ModelManifest } from "../../models/manifest.js";
import type { FaceModel } from "../../sdk/protocol/index.js";

export function faceModelOf(manifest: ModelManifest): FaceModel {
  const feature = manifest.models.feature;
  return { id: `${manifest.source.package}/${feature.file}`, version: `${manifest.source.version}+sha256.${feature.sha256.slice(0, 16)}` };
}

/** The installed manifest's face model. */
export function installedFaceModel(): FaceModel {
  return faceModelOf(loadManifest());
}
