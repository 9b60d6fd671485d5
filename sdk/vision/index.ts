/** The face pipeline of the SDK (SPEC section 3, "Models"). */
export { createFacePipeline, FacePipeline } from "./face-pipeline.js";
export type { AnalyzeOptions, DetectedFace, FaceAnalysis, FacePipelineOptions, StageTimings } from "./face-pipeline.js";
export { decodeImage, isRawFrame, MAX_INPUT_PIXELS, SUPPORTED_FORMATS } from "./decode-image.js";
export type { DecodeOptions } from "./decode-image.js";
export { cosineSimilarity, DEFAULT_MATCH_THRESHOLD, LIVENESS_THRESHOLD } from "./similarity.js";
export { assessFace, DEFAULT_QUALITY_POLICY, doorScore, EDGE_MARGIN, frameQuality, landmarkQuality, MIN_FACE_SIZE, MIN_LANDMARK_QUALITY, rankDoorFaces, selectPrimary, SHARP_FACE } from "./quality.js";
export type { DoorCandidate, Quality, QualityPolicy, QualityReason } from "./quality.js";
export { faceSharpness } from "./face-sharpness.js";
export { DEFAULT_IMPOSTOR_TAIL, expectedFpir, faceAloneOperatingPoint, fitImpostorTail, impostorRate, minModelledRate, perComparisonRate, thresholdForRate } from "./impostor-model.js";
export type { ImpostorTail, OperatingPoint } from "./impostor-model.js";
export { DEFAULT_TRACK_SETTINGS, endTrack, fusedEmbedding, INITIAL_TRACKER_STATE, trackFrame } from "./face-track.js";
export type { FaceTrack, TrackedFrame, TrackerState, TrackSettings } from "./face-track.js";
export { EMBEDDING_CHANNELS, EMBEDDING_SIZE, MIRROR_EMBEDDING } from "./embedder.js";
export { LIVENESS_CHANNELS } from "./liveness.js";
export { REFERENCE_POINTS, fivePoints } from "./aligner.js";
export type { Box, ChannelOrder, Point, RawFrame, RgbImage } from "./types.js";
