/** The 1:N matcher of the SDK: the in-memory gallery the vault loads templates into (L6). */
export { DEFAULT_NPROBE, DEFAULT_PARTITION_MIN_TEMPLATES, DEFAULT_PARTITION_STEP, DEFAULT_RERANK_DEPTH, GalleryIndex, SCORE_TOLERANCE } from "./gallery-index.js";
export type { GalleryIndexOptions, PartitionOptions, SearchHit } from "./gallery-index.js";
export type { KernelChoice } from "./code-store.js";
export { MatcherError } from "./matcher-error.js";
export type { MatcherErrorCode } from "./matcher-error.js";
export type { TemplateSink } from "./template-sink.js";
export { wasmSimdAvailable } from "./wasm-scan-kernel.js";
