/**
 * Creates ONNX Runtime sessions from verified model bytes only: a ModelSource returns
 * bytes whose SHA-256 matches the pinned manifest, so an altered or missing file throws
 * ModelError before it can run.
 */
import * as ort from "onnxruntime-node";
import { ModelError } from "../errors.js";
import type { ModelSource, VisionModelName } from "./model-source.js";

export interface SessionOptions {
  /** Threads inside one operator (default 2: the gate terminals have two cores). */
  intraOpNumThreads?: number;
  /** Let idle ONNX worker threads busy-wait for the next operator (default false). */
  allowSpinning?: boolean;
}

export async function createVerifiedSession(models: ModelSource, name: VisionModelName, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const bytes = models.read(name);
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      executionMode: "sequential",
      intraOpNumThreads: options.intraOpNumThreads ?? 2,
      interOpNumThreads: 1,
      enableCpuMemArena: true,
      enableMemPattern: true,
      extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? "1" : "0" } } },
    });
  } catch (err) {
    throw new ModelError(`model ${name} could not be loaded by ONNX Runtime`, { model: name }, { cause: err });
  }
}

/** Runs a single-input session and returns its named outputs. */
export async function runSession(session: ort.InferenceSession, input: ort.Tensor): Promise<ort.InferenceSession.OnnxValueMapType> {
  const name = session.inputNames[0]!;
  return session.run({ [name]: input });
}

export { ort };
