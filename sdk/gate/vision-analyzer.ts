/**
 * Adapts sdk/vision's face pipeline to the gate's FaceAnalyzer port (sdk/gate/ports.ts).
 * Only the face at the door is passed on; the pipeline's other fields (boxes, landmarks,
 * timings) stay behind. A face the pipeline did not score for liveness gets liveness 0,
 * so it can never open the door (L5). Quality reasons are passed through.
 *
 * Typed by the shape it needs (VisionLikePipeline), not by sdk/vision's FacePipeline, so
 * the gate never loads the ONNX pipeline module; the composition root passes
 * `createFacePipeline(...)`.
 */
import type { CameraFrame } from "../hal/camera.js";
import type { AnalyzedFace, FaceAnalysis, FaceAnalyzer } from "../gate/ports.js";

export interface VisionLikePipeline {
  analyze(input: Uint8Array | { width: number; height: number; data: Uint8Array }): Promise<{
    faces: ReadonlyArray<{ score: number; liveness?: number; embedding?: Float32Array; quality: { ok: boolean; reasons: readonly string[] }; box?: { x: number; y: number; width: number; height: number } }>;
    primaryIndex: number | undefined;
  }>;
}

export function faceAnalyzerFromPipeline(pipeline: VisionLikePipeline): FaceAnalyzer {
  return {
    async analyze(frame: CameraFrame): Promise<FaceAnalysis> {
      const result = await pipeline.analyze(frame);
      const primary = result.primaryIndex === undefined ? undefined : result.faces[result.primaryIndex];
      // Embeddings of faces other than the one at the door are wiped here already (L4).
      for (const f of result.faces) if (f !== primary) f.embedding?.fill(0);
      if (!primary || !primary.embedding) return { faces: [], primaryIndex: null };
      const face: AnalyzedFace = { score: primary.score, liveness: primary.liveness ?? 0, embedding: primary.embedding, quality: primary.quality, ...(primary.box ? { box: { ...primary.box } } : {}) };
      return { faces: [face], primaryIndex: 0 };
    },
  };
}
