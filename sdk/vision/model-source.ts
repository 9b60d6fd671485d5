/**
 * Where the pipeline's model bytes come from. The SDK owns this interface; the
 * implementation that reads the files and checks each SHA-256 against the pinned manifest
 * is `verifiedModels` in models/verify.ts. An implementation must return only verified
 * bytes: a missing or altered model throws ModelError naming the file, so the pipeline
 * never runs on it (the gate then keeps working on card and PIN, L2).
 */
export type VisionModelName = "detect" | "landmark" | "feature" | "liveness";

export interface ModelSource {
  /** Where the models are, for messages (e.g. a folder). */
  readonly description: string;
  /** The verified bytes of one model; throws ModelError when missing or altered. */
  read(name: VisionModelName): Uint8Array;
}
