/**
 * `facegate bench search [--size N] [--queries Q] [--impostors SHARE] [--templates-per-subject T]
 *   [--seed S] [--rerank D] [--kernel auto|wasm-simd|js] [--isotropic] [--faces DIR] [--no-fixtures] [--json]`
 *
 * 1:N search at gallery size N (SPEC section 5: 100,000 templates, p95 <= 8 ms, top-1 equal
 * to an exact float search in >= 99.9% of queries, <= 80 MB resident).
 *
 * Gallery: N templates, T per subject (default 2), from the seeded face-like model in
 * sdk/matcher/synthetic-embeddings.ts (clustered identities, decaying spectrum; --isotropic
 * uses random unit identities, templates and probes as noisy copies of them). Where the face pipeline (sdk/vision) and the
 * fixtures (../shared/faces) are available, one real embedding per fixture identity is
 * enrolled too, and the other photos of those identities and the strangers are queried.
 *
 * Queries: a shuffled mix of genuine probes (a new capture of an enrolled identity, score
 * ~0.55-0.65) and impostor probes (an identity that is not enrolled, from the same
 * clusters), SHARE of them impostors (default 0.5). Impostors are the hard case: their
 * best scores are close together, so a small score error can swap the top-1.
 *
 * Reference: an exact float32 search (every dot product, float32 SIMD, 8 queries a pass)
 * over float copies kept by the bench only; the index never holds float copies.
 * Latency is measured per query after 50 warm-up queries (so the WebAssembly code has
 * been optimised); memory is the index's typed arrays and the process RSS growth while
 * the index is built.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultModelsDir } from "../../models/manifest.js";
import { GalleryIndex, type SearchHit } from "../../sdk/matcher/gallery-index.js";
import type { KernelChoice } from "../../sdk/matcher/code-store.js";
import { mulberry32, randomUnitVector, SyntheticFaces } from "../../sdk/matcher/synthetic-embeddings.js";
import { DIMS } from "../../sdk/matcher/template-codes.js";
import { wasmApi, WASM_PAGE, type WasmMemory } from "../../sdk/matcher/wasm-api.js";
import { encodeModule, I32, V128, op, simdOp, type ValType } from "../../sdk/matcher/wasm-encoder.js";
import { intValue, parseArgs } from "../cli/args.js";
import { type CliIo, UsageError } from "../cli/cli-io.js";
import { summarize } from "./stats.js";
import { verifiedModels } from "../../models/verify.js";
import { type FacePipeline, createFacePipeline } from "../../sdk/vision/index.js";

const WARMUP = 50;
const BATCH = 8;
const TARGET = { p95Ms: 8, agreement: 0.999, memoryBytes: 80_000_000 };
/**
 * Cosine (the vision default, DEFAULT_MATCH_THRESHOLD) at which the bench counts a top-1 as a match for "decision agreement" (the gate
 * opens for the same subject, or stays shut, with both searches). Between the fixtures'
 * impostor (<= 0.38) and genuine (>= 0.48) scores; --threshold overrides it.
 */
const DECISION_THRESHOLD = 0.43;

type QueryKind = "genuine" | "impostor" | "fixture-genuine" | "fixture-stranger";
interface Query {
  kind: QueryKind;
  vector: Float32Array;
  /** The enrolled subject a genuine query belongs to. */
  subject?: number;
}

export const usage = [
  "usage: facegate bench search [--size N] [--queries Q] [--impostors SHARE] [--templates-per-subject T] [--seed S]",
  "         [--rerank D] [--kernel auto|wasm-simd|js] [--threshold T] [--isotropic] [--faces DIR] [--no-fixtures] [--json]",
  "  1:N search latency, memory and agreement with an exact search over a synthetic gallery of N templates.",
].join("\n");

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, {
    values: ["size", "queries", "impostors", "templates-per-subject", "seed", "rerank", "kernel", "faces", "threshold"],
    flags: ["isotropic", "no-fixtures"],
    usage,
  });
  const size = intValue(args, "size", 100_000);
  const queryCount = intValue(args, "queries", 1000);
  const perSubject = intValue(args, "templates-per-subject", 2);
  const seed = intValue(args, "seed", 1, 0);
  const rerank = intValue(args, "rerank", 64);
  const threshold = Number(args.values["threshold"] ?? DECISION_THRESHOLD);
  if (!(threshold > -1 && threshold < 1)) throw new UsageError("--threshold must be a cosine between -1 and 1");
  const impostorShare = Number(args.values["impostors"] ?? 0.5);
  if (!(impostorShare >= 0 && impostorShare <= 1)) throw new UsageError("--impostors must be a share between 0 and 1");
  const kernel = (args.values["kernel"] ?? "auto") as KernelChoice;
  if (!["auto", "wasm-simd", "js"].includes(kernel)) throw new UsageError("--kernel must be auto, wasm-simd or js");
  const isotropic = args.flags.has("isotropic");
  const random = mulberry32(seed);
  const faces = new SyntheticFaces(random);

  // Real embeddings first (they take their place in the gallery of N templates).
  const fixtures = args.flags.has("no-fixtures")
    ? ({ skipped: "--no-fixtures" } as const)
    : await fixtureEmbeddings(resolve(io.cwd, args.values["faces"] ?? io.env["FACEGATE_FACES"] ?? join("..", "shared", "faces")), defaultModelsDir(io.env));
  const fixtureTemplates = "skipped" in fixtures ? [] : fixtures.templates;
  if (fixtureTemplates.length >= size) throw new UsageError("--size must exceed the number of fixture identities");

  // Gallery: float copies for the exact reference (bench only), subject of every template.
  const exact = new ExactSearch(size);
  const subjectOf = new Int32Array(size);
  const synthetic = size - fixtureTemplates.length;
  const subjects = Math.ceil(synthetic / perSubject);
  const genuineTotal = Math.round(queryCount * (1 - impostorShare));
  const probed = new Map<number, Float32Array | null>();
  for (let i = 0; i < genuineTotal; i++) probed.set(Math.floor(random() * subjects), null);
  let t = 0;
  for (let s = 0; s < subjects; s++) {
    const centre = isotropic ? randomUnitVector(random) : faces.identity();
    if (probed.has(s)) probed.set(s, centre);
    for (let j = 0; j < perSubject && t < synthetic; j++, t++) {
      exact.set(t, isotropic ? noisyCopy(centre, 0.75, random) : faces.template(centre));
      subjectOf[t] = s;
    }
  }
  fixtureTemplates.forEach((f, i) => {
    exact.set(synthetic + i, f.embedding);
    subjectOf[synthetic + i] = subjects + i;
  });

  // Queries.
  const queries: Query[] = [];
  const probedSubjects = [...probed.keys()];
  for (let i = 0; i < queryCount; i++) {
    if (i < genuineTotal) {
      const subject = probedSubjects[Math.floor(random() * probedSubjects.length)]!;
      const centre = probed.get(subject)!;
      queries.push({ kind: "genuine", subject, vector: isotropic ? noisyCopy(centre, 0.9, random) : faces.probe(centre) });
    } else {
      queries.push({ kind: "impostor", vector: isotropic ? randomUnitVector(random) : faces.probe(faces.identity()) });
    }
  }
  shuffle(queries, random);
  if (!("skipped" in fixtures)) {
    for (const g of fixtures.genuine) queries.push({ kind: "fixture-genuine", subject: subjects + g.identity, vector: g.embedding });
    for (const s of fixtures.strangers) queries.push({ kind: "fixture-stranger", vector: s });
  }

  // Build the index.
  const rssBefore = process.memoryUsage().rss;
  const buildStart = performance.now();
  const index = new GalleryIndex({ kernel, rerankDepth: rerank, initialCapacity: size });
  for (let i = 0; i < size; i++) index.add(`s${subjectOf[i]}`, `t${i}`, exact.vector(i));
  const buildMs = performance.now() - buildStart;
  const rssDelta = process.memoryUsage().rss - rssBefore;

  // Timed searches.
  for (let i = 0; i < WARMUP; i++) index.search(queries[i % queries.length]!.vector, 5);
  const latencies: number[] = [];
  const results: SearchHit[][] = [];
  for (const q of queries) {
    const start = performance.now();
    const hits = index.search(q.vector, 5);
    latencies.push(performance.now() - start);
    results.push(hits);
  }

  // Exact reference and comparison.
  const agree = { genuine: [0, 0], impostor: [0, 0], "fixture-genuine": [0, 0], "fixture-stranger": [0, 0] } as Record<QueryKind, [number, number]>;
  let templateAgree = 0;
  let maxScoreError = 0;
  let sumScoreError = 0;
  let rightIdentity = 0;
  let genuineQueries = 0;
  let impostorAbove = 0;
  let decisionsAgree = 0;
  const exactTop = exact.top1(queries.map((q) => q.vector));
  queries.forEach((q, i) => {
    const top = results[i]![0]!;
    const slot = Number(top.templateId.slice(1));
    const ref = exactTop[i]!;
    const same = subjectOf[slot] === subjectOf[ref.slot];
    const opens = top.score >= threshold;
    if (opens === ref.score >= threshold && (!opens || same)) decisionsAgree++;
    agree[q.kind][0] += same ? 1 : 0;
    agree[q.kind][1] += 1;
    if (slot === ref.slot) templateAgree++;
    const err = Math.abs(top.score - exact.score(q.vector, slot));
    maxScoreError = Math.max(maxScoreError, err);
    sumScoreError += err;
    if (q.subject !== undefined) {
      genuineQueries++;
      if (subjectOf[slot] === q.subject) rightIdentity++;
    } else if (top.score >= threshold) {
      impostorAbove++;
    }
  });
  const agreed = Object.values(agree).reduce((a, [n]) => a + n, 0);
  const latency = summarize(latencies);
  const memoryBytes = index.memoryBytes();
  const share = ([n, total]: [number, number]) => (total === 0 ? null : round(n / total, 5));

  const report = {
    bench: "search",
    size,
    subjects: index.subjectCount,
    templatesPerSubject: perSubject,
    data: isotropic ? "isotropic random unit vectors; probes are noisy copies (cosine ~0.6)" : "clustered face-like model (sdk/matcher/synthetic-embeddings.ts)",
    seed,
    kernel: index.kernelName,
    rerankDepth: rerank,
    queries: { total: queries.length, genuine: agree.genuine[1], impostor: agree.impostor[1], fixtureGenuine: agree["fixture-genuine"][1], fixtureStranger: agree["fixture-stranger"][1] },
    buildMs: round(buildMs, 1),
    latencyMs: latency,
    memory: { indexBytes: memoryBytes, indexMiB: round(memoryBytes / 2 ** 20, 1), rssDeltaBytes: rssDelta },
    top1Agreement: {
      all: round(agreed / queries.length, 5),
      genuine: share(agree.genuine),
      impostor: share(agree.impostor),
      fixtureGenuine: share(agree["fixture-genuine"]),
      fixtureStranger: share(agree["fixture-stranger"]),
      sameTemplate: round(templateAgree / queries.length, 5),
    },
    decisionAgreement: { threshold, share: round(decisionsAgree / queries.length, 5) },
    scoreError: { max: maxScoreError, mean: sumScoreError / queries.length },
    genuineIdentified: genuineQueries === 0 ? null : round(rightIdentity / genuineQueries, 5),
    impostorsAboveThreshold: impostorAbove,
    fixtures: "skipped" in fixtures ? { skipped: fixtures.skipped } : { identities: fixtures.templates.length, genuine: fixtures.genuine.length, strangers: fixtures.strangers.length },
    targets: TARGET,
    meets: { p95: latency.p95 <= TARGET.p95Ms, agreement: agreed / queries.length >= TARGET.agreement, memory: memoryBytes <= TARGET.memoryBytes },
  };
  if (args.flags.has("json")) {
    io.out(JSON.stringify(report));
  } else {
    io.out(
      [
        `search bench: ${size} templates, ${report.subjects} subjects, kernel ${report.kernel}, re-rank ${rerank}, ${report.data}`,
        `build      ${report.buildMs} ms`,
        `latency    p50 ${latency.p50} ms  p95 ${latency.p95} ms  p99 ${latency.p99} ms  max ${latency.max} ms  (${latency.n} queries)`,
        `memory     index ${report.memory.indexMiB} MiB (${memoryBytes} bytes), RSS +${round(rssDelta / 2 ** 20, 1)} MiB`,
        `top-1 = exact float32 search: ${pct(report.top1Agreement.all)} (genuine ${pct(report.top1Agreement.genuine)}, impostor ${pct(report.top1Agreement.impostor)}, fixtures ${pct(report.top1Agreement.fixtureGenuine)}/${pct(report.top1Agreement.fixtureStranger)})`,
        `decisions  same open/shut and subject at cosine ${threshold}: ${pct(report.decisionAgreement.share)}; impostors above it: ${impostorAbove}`,
        `score error vs exact cosine: max ${maxScoreError.toExponential(2)}, mean ${(sumScoreError / queries.length).toExponential(2)}`,
        `fixtures   ${"skipped" in fixtures ? `skipped: ${fixtures.skipped}` : `${fixtures.templates.length} identities enrolled, ${fixtures.genuine.length} genuine + ${fixtures.strangers.length} stranger queries`}`,
        `targets    p95 <= ${TARGET.p95Ms} ms: ${report.meets.p95 ? "yes" : "NO"}; agreement >= 99.9%: ${report.meets.agreement ? "yes" : "NO"}; memory <= 80 MB: ${report.meets.memory ? "yes" : "NO"}`,
      ].join("\n"),
    );
  }
  return 0;
}

/**
 * Exact float32 search for the reference: every template's float copy in a WebAssembly
 * memory, dot products by a float32 SIMD kernel, eight queries per pass over the gallery
 * (one pass streams the gallery once from memory).
 */
class ExactSearch {
  private readonly memory: WasmMemory;
  private readonly f32: Float32Array;
  private readonly dot8: (queries: number, gallery: number, out: number, count: number) => void;
  private readonly galleryAt = BATCH * DIMS * 4;
  private readonly outAt: number;

  constructor(private readonly size: number) {
    const api = wasmApi();
    if (!api) throw new UsageError("the search bench needs WebAssembly");
    this.outAt = this.galleryAt + size * DIMS * 4;
    this.memory = new api.Memory({ initial: Math.ceil((this.outAt + size * BATCH * 4) / WASM_PAGE) });
    const instance = new api.Instance(new api.Module(exactModuleBytes()), { env: { memory: this.memory } });
    this.dot8 = instance.exports["dot8"] as typeof this.dot8;
    this.f32 = new Float32Array(this.memory.buffer);
  }

  set(slot: number, v: Float32Array): void {
    this.f32.set(v, (this.galleryAt >> 2) + slot * DIMS);
  }

  vector(slot: number): Float32Array {
    return this.f32.subarray((this.galleryAt >> 2) + slot * DIMS, (this.galleryAt >> 2) + (slot + 1) * DIMS);
  }

  /** Exact float32 score of one template (float64 accumulation). */
  score(query: Float32Array, slot: number): number {
    const v = this.vector(slot);
    let sum = 0;
    for (let d = 0; d < DIMS; d++) sum += query[d]! * v[d]!;
    return sum;
  }

  /** Best template of every query (ties: lowest slot). */
  top1(queries: Float32Array[]): Array<{ slot: number; score: number }> {
    const best: Array<{ slot: number; score: number }> = [];
    for (let b = 0; b < queries.length; b += BATCH) {
      const n = Math.min(BATCH, queries.length - b);
      for (let k = 0; k < BATCH; k++) this.f32.set(queries[b + Math.min(k, n - 1)]!, k * DIMS);
      this.dot8(0, this.galleryAt, this.outAt, this.size);
      const out = this.f32.subarray(this.outAt >> 2, (this.outAt >> 2) + this.size * BATCH);
      for (let k = 0; k < n; k++) {
        let slot = 0;
        for (let i = 1; i < this.size; i++) if (out[i * BATCH + k]! > out[slot * BATCH + k]!) slot = i;
        best.push({ slot, score: out[slot * BATCH + k]! });
      }
    }
    return best;
  }
}

/** `dot8(queries, gallery, out, count)`: out[8i + k] = sum_d queries[k][d] * gallery[i][d] in float32. */
function exactModuleBytes(): Uint8Array {
  const [Q, G, OUT, COUNT, END, X] = [0, 1, 2, 3, 4, 5] as const;
  const ACC = Array.from({ length: BATCH }, (_, k) => 6 + k);
  const zero = simdOp.v128Const(new Array<number>(16).fill(0));
  const body: number[] = [
    ...op.block,
    ...op.localGet(COUNT), ...op.i32Eqz, ...op.brIf(0),
    ...op.localGet(OUT), ...op.localGet(COUNT), ...op.i32Const(5), ...op.i32Shl, ...op.i32Add, ...op.localSet(END),
    ...op.loop,
    ...ACC.flatMap((a) => [...zero, ...op.localSet(a)]),
  ];
  for (let c = 0; c < DIMS / 4; c++) {
    body.push(...op.localGet(G), ...simdOp.v128Load(16 * c), ...op.localSet(X));
    for (let k = 0; k < BATCH; k++) {
      body.push(...op.localGet(ACC[k]!), ...op.localGet(X), ...op.localGet(Q), ...simdOp.v128Load(k * DIMS * 4 + 16 * c), ...simdOp.f32x4Mul, ...simdOp.f32x4Add, ...op.localSet(ACC[k]!));
    }
  }
  for (let k = 0; k < BATCH; k++) {
    const lane = (l: number) => [...op.localGet(ACC[k]!), ...simdOp.f32x4ExtractLane(l)];
    body.push(...op.localGet(OUT), ...lane(0), ...lane(1), ...op.f32Add, ...lane(2), ...lane(3), ...op.f32Add, ...op.f32Add, ...op.f32Store(4 * k));
  }
  body.push(
    ...op.localGet(G), ...op.i32Const(DIMS * 4), ...op.i32Add, ...op.localSet(G),
    ...op.localGet(OUT), ...op.i32Const(BATCH * 4), ...op.i32Add, ...op.localTee(OUT),
    ...op.localGet(END), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.end,
  );
  return encodeModule([{ name: "dot8", params: [I32, I32, I32, I32], results: [], locals: [I32, V128, ...ACC.map((): ValType => V128)], body }]);
}

interface Fixtures {
  templates: Array<{ identity: number; embedding: Float32Array }>;
  genuine: Array<{ identity: number; embedding: Float32Array }>;
  strangers: Float32Array[];
}

/**
 * Real embeddings of the fixture photos: the first photo of each identity is enrolled,
 * the others and the strangers are queried. Skipped (with the reason) when the face
 * pipeline, the models or the fixtures are missing.
 */
async function fixtureEmbeddings(facesDir: string, modelsDir: string): Promise<Fixtures | { skipped: string }> {
  if (!existsSync(join(facesDir, "identities"))) return { skipped: `no fixtures at ${facesDir}` };
  let pipeline: FacePipeline;
  try {
    pipeline = await createFacePipeline({ models: verifiedModels(modelsDir) });

  } catch (err) {
    return { skipped: `face pipeline could not start (${err instanceof Error ? err.message : String(err)})` };
  }
  try {
    const embed = async (path: string): Promise<Float32Array | undefined> => {
      const analysis = await pipeline.analyze(readFileSync(path), { all: true, liveness: false, quality: { edgeMargin: -1 } });
      return analysis.faces[analysis.primaryIndex ?? 0]?.embedding;
    };
    const images = (dir: string) => readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().map((f) => join(dir, f));
    const out: Fixtures = { templates: [], genuine: [], strangers: [] };
    const names = readdirSync(join(facesDir, "identities")).sort();
    for (const [identity, name] of names.entries()) {
      let enrolled = false;
      for (const path of images(join(facesDir, "identities", name))) {
        const embedding = await embed(path);
        if (!embedding) continue;
        if (!enrolled) out.templates.push({ identity, embedding });
        else out.genuine.push({ identity, embedding });
        enrolled = true;
      }
    }
    if (existsSync(join(facesDir, "strangers"))) {
      for (const path of images(join(facesDir, "strangers"))) {
        const embedding = await embed(path);
        if (embedding) out.strangers.push(embedding);
      }
    }
    // Identity numbers follow enrolled identities only (one whose photos all fail is dropped).
    const renumber = new Map(out.templates.map((t, i) => [t.identity, i]));
    out.templates.forEach((t) => (t.identity = renumber.get(t.identity)!));
    out.genuine.forEach((g) => (g.identity = renumber.get(g.identity)!));
    return out;
  } finally {
    await pipeline.close();
  }
}

/** unit(centre + noise * random unit vector): an isotropic template or probe of an identity. */
function noisyCopy(centre: Float32Array, noise: number, random: () => number): Float32Array {
  const direction = randomUnitVector(random);
  const v = new Float32Array(DIMS);
  for (let d = 0; d < DIMS; d++) v[d] = centre[d]! + noise * direction[d]!;
  let sum = 0;
  for (let d = 0; d < DIMS; d++) sum += v[d]! * v[d]!;
  const inv = 1 / Math.sqrt(sum);
  for (let d = 0; d < DIMS; d++) v[d] = v[d]! * inv;
  return v;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(x * 100).toFixed(2)}%`;
}
