/**
 * The face pipeline: decode -> detect -> (per face) landmarks -> align -> liveness -> embed.
 *
 * One ONNX session per model, created once from verified bytes (a ModelSource) and
 * reused; model inputs are preallocated Float32Arrays, so a frame allocates little
 * besides the decoded image. Calls are serialised internally (the input buffers are
 * shared), so concurrent `analyze` calls are safe and simply queue.
 *
 * The door path (default) runs landmarks, liveness and the embedding only for the face
 * at the door (see `selectPrimary`); `{ all: true }` runs them for every detected face.
 *
 * L4: only entry verification: no age, gender, expression or pose model is loaded. The
 * returned embeddings are never logged, and nothing is logged per frame (L4).
 */
import { type Logger, silentLogger } from "../log/logger.js";
import { decodeImage, isRawFrame, MAX_INPUT_PIXELS } from "./decode-image.js";
import { FaceDetector } from "./detector.js";
import { PipelineClosedError } from "./pipeline-closed-error.js";
import type { ModelSource } from "./model-source.js";
import { Embedder } from "./embedder.js";
import { Landmarker } from "./landmarker.js";
import { LivenessChecker } from "./liveness.js";
import { faceSharpness } from "./face-sharpness.js";
import { assessFace, DEFAULT_QUALITY_POLICY, frameQuality, landmarkQuality, MIN_LANDMARK_QUALITY, type Quality, type QualityPolicy, rankDoorFaces } from "./quality.js";
import type { Box, ChannelOrder, Point, RawFrame, RgbImage } from "./types.js";

/** How many of the best-ranked faces get their landmarks checked before one is taken as the face at the door. */
export const DOOR_TRIES = 3;

export interface DetectedFace {
  /** Face box in source pixels, clamped to the frame. */
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
  quality: Quality;
  /** Focus of the face box, 0..1-ish (face-sharpness.ts); measured for faces that pass quality. */
  sharpness?: number;
  /** Plausibility of the landmarks, 0..1 (quality.ts `landmarkQuality`); with the landmarks. */
  landmarkQuality?: number;
  /** 68 landmarks in source pixels; undefined for faces the door path skipped. */
  landmarks?: Point[];
  /** P(live), 0..1; compare with LIVENESS_THRESHOLD. Undefined if skipped. */
  liveness?: number;
  /** Unit-length 512-d embedding (biometric data, L4). Undefined if skipped. */
  embedding?: Float32Array;
}

/** Milliseconds per stage; per-face stages are summed over the faces processed. */
export interface StageTimings {
  decode: number;
  detect: number;
  landmarks: number;
  align: number;
  liveness: number;
  embed: number;
  total: number;
}

export interface FaceAnalysis {
  width: number;
  height: number;
  /** Every detected face, by descending detector score. */
  faces: DetectedFace[];
  /** Index into `faces` of the face at the door, if any face passes quality. */
  primaryIndex: number | undefined;
  /** Frame-level verdict: `no_face`, or why no face qualified for the door. */
  quality: Quality;
  timings: StageTimings;
}

export interface AnalyzeOptions {
  /** Landmarks, liveness and embedding for every face, not just the face at the door. */
  all?: boolean;
  /** Skip the liveness model (enrollment from a photo the operator vouches for, evaluation). */
  liveness?: boolean;
  /** Override quality gates for this call (e.g. `{ edgeMargin: -1 }` for tight crops). */
  quality?: Partial<QualityPolicy>;
}

export interface FacePipelineOptions {
  /** The verified model bytes (models/verify.ts `verifiedModels(dir)` on a device). */
  models: ModelSource;
  logger?: Logger;
  /** ONNX Runtime threads per operator (default 2). */
  intraOpNumThreads?: number;
  /** Channel order fed to the embedder / liveness model; defaults are the measured best (BGR). */
  embeddingChannels?: ChannelOrder;
  /** Mirror embedding (aligned face + its mirror image); default MIRROR_EMBEDDING (on). */
  mirrorEmbedding?: boolean;
  livenessChannels?: ChannelOrder;
  /** Default quality gates. */
  quality?: Partial<QualityPolicy>;
  maxPixels?: number;
  /** Monotonic milliseconds for stage timings (default performance.now). */
  now?: () => number;
}

export class FacePipeline {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly detector: FaceDetector,
    private readonly landmarker: Landmarker,
    private readonly embedder: Embedder,
    private readonly liveness: LivenessChecker,
    private readonly options: FacePipelineOptions,
    private readonly now: () => number,
  ) {}

  /** Loads and verifies all four models; throws ModelError naming a missing or altered file. */
  static async create(options: FacePipelineOptions): Promise<FacePipeline> {
    const session = { intraOpNumThreads: options.intraOpNumThreads };
    // A missing or altered later model must not leave the earlier sessions loaded: the
    // gate keeps running on card and PIN for a long time after such a failure (L2).
    const loaded: Array<{ close(): Promise<void> }> = [];
    const load = async <M extends { close(): Promise<void> }>(create: () => Promise<M>): Promise<M> => {
      const model = await create();
      loaded.push(model);
      return model;
    };
    let detector: FaceDetector, landmarker: Landmarker, embedder: Embedder, liveness: LivenessChecker;
    try {
      detector = await load(() => FaceDetector.create(options.models, session));
      landmarker = await load(() => Landmarker.create(options.models, session));
      embedder = await load(() => Embedder.create(options.models, { ...session, channels: options.embeddingChannels, mirror: options.mirrorEmbedding }));
      liveness = await load(() => LivenessChecker.create(options.models, { ...session, channels: options.livenessChannels }));
    } catch (err) {
      await Promise.allSettled(loaded.map((m) => m.close()));
      throw err;
    }
    const log = (options.logger ?? silentLogger).child("vision");
    log.info("face pipeline ready", { models: 4 });
    return new FacePipeline(detector, landmarker, embedder, liveness, options, options.now ?? (() => performance.now()));
  }

  /** Decodes and analyses one image or camera frame. Throws ImageError on bad input. */
  analyze(input: Uint8Array | RawFrame, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    const run = this.queue.then(() => this.analyzeNow(input, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async analyzeNow(input: Uint8Array | RawFrame, options: AnalyzeOptions): Promise<FaceAnalysis> {
    if (this.closed) throw new PipelineClosedError();
    const start = this.now();
    const img = await decodeImage(input, { maxPixels: this.options.maxPixels ?? MAX_INPUT_PIXELS });
    try {
      return await this.analyzeImage(img, start, options);
    } finally {
      // The decoded pixels are the face image: wiped once analysed (L4, L5). A raw frame
      // is the caller's buffer (the camera's), and the caller's to wipe.
      if (!isRawFrame(input)) img.data.fill(0);
    }
  }

  private async analyzeImage(img: RgbImage, start: number, options: AnalyzeOptions): Promise<FaceAnalysis> {
    const now = this.now;
    const t: StageTimings = { decode: 0, detect: 0, landmarks: 0, align: 0, liveness: 0, embed: 0, total: 0 };
    let mark = now();
    t.decode = mark - start;

    const policy: QualityPolicy = { ...DEFAULT_QUALITY_POLICY, ...this.options.quality, ...options.quality };
    const detections = await this.detector.detect(img);
    const faces: DetectedFace[] = detections.map((d) => {
      const raw: Box = { x: d.x1, y: d.y1, width: d.x2 - d.x1, height: d.y2 - d.y1 };
      return { box: clampBox(raw, img.width, img.height), score: d.score, quality: assessFace(raw, img.width, img.height, policy) };
    });
    // Per-face crops work on the detector's unclamped box (the model's convention).
    const rawBoxes = detections.map((d) => ({ x: d.x1, y: d.y1, width: d.x2 - d.x1, height: d.y2 - d.y1 }));
    let prev = mark;
    mark = now();
    t.detect = mark - prev;

    for (const f of faces) if (f.quality.ok) f.sharpness = faceSharpness(img, f.box);
    // The face at the door: the best-ranked face (quality.ts `doorScore`) whose landmarks
    // are plausible; the first DOOR_TRIES candidates are tried, else the best-ranked.
    const ranked = rankDoorFaces(faces, img.width, img.height);
    let primaryIndex: number | undefined = ranked[0];
    for (const i of ranked.slice(0, DOOR_TRIES)) {
      prev = now();
      const face = faces[i]!;
      face.landmarks = await this.landmarker.landmarks(img, rawBoxes[i]!);
      face.landmarkQuality = landmarkQuality(rawBoxes[i]!, face.landmarks);
      t.landmarks += now() - prev;
      if (face.landmarkQuality >= MIN_LANDMARK_QUALITY) {
        primaryIndex = i;
        break;
      }
    }
    mark = now();
    const targets = options.all ? faces.map((_, i) => i) : primaryIndex === undefined ? [] : [primaryIndex];
    for (const i of targets) {
      const face = faces[i]!;
      const raw = rawBoxes[i]!;
      prev = now();
      face.landmarks ??= await this.landmarker.landmarks(img, raw);
      face.landmarkQuality ??= landmarkQuality(raw, face.landmarks);
      mark = now();
      t.landmarks += mark - prev;
      // Liveness runs beside alignment and the embedding: their sessions are on two worker
      // threads (onnx-session.ts), so on two cores the slower of the two sets the pace.
      const liveStart = mark;
      let liveEnd = mark;
      const live = options.liveness !== false ? this.liveness.score(img, raw).then((score) => ((liveEnd = now()), score)) : undefined;
      live?.catch(() => undefined); // awaited below; an embedding failure first must not leave it unhandled
      this.embedder.align(img, face.landmarks);
      prev = mark;
      mark = now();
      t.align += mark - prev;
      face.embedding = await this.embedder.embed();
      prev = mark;
      mark = now();
      t.embed += mark - prev;
      if (live) {
        face.liveness = await live;
        t.liveness += liveEnd - liveStart;
      }
    }
    t.total = now() - start;
    const analysis: FaceAnalysis = { width: img.width, height: img.height, faces, primaryIndex, quality: frameQuality(faces, primaryIndex), timings: t };
    // No log line per frame: one would record that somebody stood at the door at that
    // time even when the face is unknown (L4). Timings travel in `analysis.timings`.
    return analysis;
  }

  /** Releases the ONNX sessions; later calls to analyze fail with `pipeline_closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await Promise.all([this.detector.close(), this.landmarker.close(), this.embedder.close(), this.liveness.close()]);
  }
}

export function createFacePipeline(options: FacePipelineOptions): Promise<FacePipeline> {
  return FacePipeline.create(options);
}

function clampBox(b: Box, w: number, h: number): Box {
  const x1 = Math.max(0, b.x);
  const y1 = Math.max(0, b.y);
  const x2 = Math.min(w, b.x + b.width);
  const y2 = Math.min(h, b.y + b.height);
  return { x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1) };
}
