/**
 * Seeded synthetic face-like embeddings for benchmarks and tests of the matcher. No
 * biometric data: every vector comes from the injected random source.
 *
 * Why not plain random unit vectors: in 512 dimensions they are all nearly orthogonal
 * (cosine ~ N(0, 0.044^2)), so every query is an "unknown face" whose best scores are
 * packed together, and real embeddings are neither isotropic nor unclustered. The model:
 *
 *   population clusters  m_c: CLUSTERS random unit directions (capture conditions,
 *                        demographics); identities of one cluster share ~0.2 cosine
 *   identity centre      c = unit(0.5 m_c + g),  g ~ N(0, diag(lambda^2)), |g| ~ 1
 *   template / probe     unit(c + noise * h),    h ~ N(0, diag(lambda^2)), |h| ~ 1
 *   lambda_d             1 / sqrt(1 + d / 128), normalised: a decaying spectrum, so a few
 *                        dimensions carry larger components (harder for per-vector scaled
 *                        quantisation than an isotropic vector)
 *
 * With the default noise levels a template is ~0.8 from its centre, two templates of one
 * identity score ~0.6, a fresh probe against a template ~0.55-0.65 (genuine), and
 * different identities ~0-0.2 (impostor): the ranges the fixtures in ../shared/faces show.
 */
import { DIMS } from "./template-codes.js";

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a tiny, fast, seeded 32-bit generator (not for anything secret). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal numbers from a uniform source (Box-Muller). */
export function gaussian(random: Random): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let d = 0; d < v.length; d++) sum += v[d]! * v[d]!;
  const inv = 1 / Math.sqrt(sum);
  for (let d = 0; d < v.length; d++) v[d] = v[d]! * inv;
  return v;
}

/** A uniformly random unit vector (isotropic): the hardest case for 1:N ranking. */
export function randomUnitVector(random: Random, dims = DIMS): Float32Array {
  const normal = gaussian(random);
  const v = new Float32Array(dims);
  for (let d = 0; d < dims; d++) v[d] = normal();
  return normalize(v);
}

export interface FaceModelOptions {
  clusters?: number;
  /** Noise of an enrolled template around its identity centre (default 0.75). */
  templateNoise?: number;
  /** Noise of a probe at the door around its identity centre (default 0.9). */
  probeNoise?: number;
}

/** Identities and their templates and probes under the model described above. */
export class SyntheticFaces {
  private readonly random: Random;
  private readonly normal: () => number;
  private readonly lambda: Float64Array;
  private readonly centres: Float32Array[] = [];
  private readonly templateNoise: number;
  private readonly probeNoise: number;

  constructor(random: Random, options: FaceModelOptions = {}) {
    this.random = random;
    this.normal = gaussian(random);
    this.templateNoise = options.templateNoise ?? 0.75;
    this.probeNoise = options.probeNoise ?? 0.9;
    this.lambda = new Float64Array(DIMS);
    let sum = 0;
    for (let d = 0; d < DIMS; d++) {
      this.lambda[d] = 1 / Math.sqrt(1 + d / 128);
      sum += this.lambda[d]! ** 2;
    }
    for (let d = 0; d < DIMS; d++) this.lambda[d] = this.lambda[d]! / Math.sqrt(sum);
    for (let c = 0; c < (options.clusters ?? 64); c++) this.centres.push(this.shaped(new Float32Array(DIMS), 1));
  }

  /** A new identity centre (unit vector). */
  identity(): Float32Array {
    const cluster = this.centres[Math.floor(this.random() * this.centres.length)]!;
    const c = new Float32Array(DIMS);
    for (let d = 0; d < DIMS; d++) c[d] = 0.5 * cluster[d]!;
    return this.shaped(c, 1);
  }

  /** An enrolled template of an identity. */
  template(centre: Float32Array): Float32Array {
    return this.shaped(Float32Array.from(centre), this.templateNoise);
  }

  /** A probe (a new capture at the door) of an identity. */
  probe(centre: Float32Array): Float32Array {
    return this.shaped(Float32Array.from(centre), this.probeNoise);
  }

  /** Adds noise * h (h ~ N(0, diag(lambda^2)), |h| ~ 1) to v, then normalises. */
  private shaped(v: Float32Array, noise: number): Float32Array {
    for (let d = 0; d < DIMS; d++) v[d] = v[d]! + noise * this.lambda[d]! * this.normal();
    return normalize(v);
  }
}
