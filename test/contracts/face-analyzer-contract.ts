/**
 * The FaceAnalyzer port (sdk/gate/ports.ts) as a suite: frames in, the faces found out,
 * each with an embedding lent to the gate, which zero-fills it after use (L4); a failure
 * is an error, after which the analyzer keeps working (card and PIN never wait for it,
 * L2). The fixture says how to give the analyzer a face, no face, or a failure: a frame
 * for the real pipeline, a script for the stand-ins.
 */
import { expect } from "vitest";
import type { CameraFrame } from "../../sdk/hal/camera.js";
import type { AnalyzedFace, FaceAnalysis, FaceAnalyzer } from "../../sdk/gate/ports.js";
import { type Closable, type ContractOptions, type Obligation, registerContract, rejectionOf } from "../../sdk/testing/contract-kit.js";

export interface FaceAnalyzerFixture extends Closable {
  analyzer: FaceAnalyzer;
  /** A frame with one person at the door (the analyzer is made to find them). */
  withFace(): Promise<CameraFrame>;
  /** A frame with nobody in it. */
  withoutFace(): Promise<CameraFrame>;
  /** A frame the analyzer cannot analyse (or the analyzer made to fail on the next one). */
  failing(): Promise<CameraFrame>;
  /** Undoes `failing()` for a scripted analyzer; nothing to do for a real one. */
  recover(): void;
}

async function analyze(f: FaceAnalyzerFixture, frame: Promise<CameraFrame>): Promise<FaceAnalysis> {
  return f.analyzer.analyze(await frame);
}

function primary(a: FaceAnalysis): AnalyzedFace | null {
  const i = a.primaryIndex;
  return i !== null && i >= 0 && i < a.faces.length ? a.faces[i]! : null;
}

function norm(e: Float32Array): number {
  let s = 0;
  for (const x of e) s += x * x;
  return Math.sqrt(s);
}

export const faceAnalyzerObligations: ReadonlyArray<Obligation<FaceAnalyzerFixture>> = [
  {
    name: "answers a frame with a face with the face at the door: score and liveness in 0..1, an L2-normalised 512-d embedding, a quality verdict",
    async check(f) {
      const a = await analyze(f, f.withFace());
      const face = primary(a);
      expect(face, "a face at the door").not.toBeNull();
      for (const x of a.faces) {
        expect(x.score).toBeGreaterThanOrEqual(0);
        expect(x.score).toBeLessThanOrEqual(1);
        expect(x.liveness).toBeGreaterThanOrEqual(0);
        expect(x.liveness).toBeLessThanOrEqual(1);
        expect(x.embedding).toBeInstanceOf(Float32Array);
        expect(x.embedding.length).toBe(512);
        expect(typeof x.quality.ok).toBe("boolean");
        expect(Array.isArray(x.quality.reasons)).toBe(true);
        // A box, where reported, is where the face is in the frame (the gate tracks it over frames).
        if (x.box) {
          expect(x.box.x).toBeGreaterThanOrEqual(0);
          expect(x.box.y).toBeGreaterThanOrEqual(0);
          expect(x.box.width).toBeGreaterThan(0);
          expect(x.box.height).toBeGreaterThan(0);
        }
      }
      expect(Math.abs(norm(face!.embedding) - 1)).toBeLessThan(1e-3);
    },
  },
  {
    name: "answers a frame without a face with no face at the door",
    async check(f) {
      expect(primary(await analyze(f, f.withoutFace()))).toBeNull();
    },
  },
  {
    name: "lends fresh embeddings: wiping one analysis's embeddings changes no other analysis (L4)",
    async check(f) {
      const first = await analyze(f, f.withFace());
      const kept = Float32Array.from(primary(first)!.embedding);
      for (const x of first.faces) x.embedding.fill(0); // what the gate does
      const second = await analyze(f, f.withFace());
      const e = primary(second)!.embedding;
      expect(first.faces.some((x) => x.embedding === e), "the same array handed out twice").toBe(false);
      expect(Math.abs(norm(e) - 1)).toBeLessThan(1e-3);
      let dot = 0;
      for (let i = 0; i < 512; i++) dot += e[i]! * kept[i]!;
      expect(dot, "the same person, the same embedding").toBeGreaterThan(0.99);
    },
  },
  {
    name: "fails with an error when it cannot analyse, and analyses the next frame as before",
    async check(f) {
      const err = await rejectionOf(async () => f.analyzer.analyze(await f.failing()), "analyze of a frame it cannot analyse");
      expect(err).toBeInstanceOf(Error);
      f.recover();
      expect(primary(await analyze(f, f.withFace()))).not.toBeNull();
    },
  },
];

export function faceAnalyzerContract(options: ContractOptions<FaceAnalyzerFixture>): void {
  registerContract("FaceAnalyzer contract (sdk/gate/ports.ts)", options, faceAnalyzerObligations);
}
