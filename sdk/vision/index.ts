/** The face pipeline of the SDK (SPEC section 3, "Models"). */
export { createFacePipeline, FacePipeline } from "./face-pipeline.js";
export type { AnalyzeOptions, DetectedFace, FaceAnalysis, FacePipelineOptions, StageTimings } from "./face-pipeline.js";
export { decodeImage, isRawFrame, MAX_INPUT_PIXELS, SUPPORTED_FORMATS } from "./decode-image.js";
export type { DecodeOptions } from "./decode-image.js";
export { cosineSimilarity, DEFAULT_MATCH_THRESHOLD, LIVENESS_THRESHOLD } from "./similarity.js";
export { assessFace, DEFAULT_QUALITY_POLICY, EDGE_MARGIN, frameQuality, MIN_FACE_SIZE, selectPrimary } from "./quality.js";
export type { Quality, QualityPolicy, QualityReason } from "./quality.js";
export { EMBEDDING_CHANNELS, EMBEDDING_SIZE } from "./embedder.js";
export { LIVENESS_CHANNELS } from "./liveness.js";
export { REFERENCE_POINTS, fivePoints } from "./aligner.js";
export type { Box, ChannelOrder, Point, RawFrame, RgbImage } from "./types.js";
