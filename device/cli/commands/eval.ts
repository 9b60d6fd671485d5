/**
 * `facegate eval`: accuracy of the face pipeline on labelled images (SPEC section 4).
 *
 *   facegate eval --pairs CSV --images DIR [--threshold T] [--frames N] [--models DIR] [--no-mirror] [--json]
 *     verification over labelled pairs: accuracy, FMR and FNMR at the threshold
 *     (default DEFAULT_MATCH_THRESHOLD), FNMR at FMR 1e-3 and 1e-4 and at zero false
 *     matches, the impostor tail (top scores, quantiles, the fitted tail model of
 *     sdk/vision/impostor-model.ts), the FPIR expected at 100, 1,000 and 10,000 residents,
 *     failures to enroll, best accuracy and its threshold.
 *   facegate eval --gallery DIR [--probes DIR] [--templates K] [--threshold T] [--frames N] [--models DIR] [--no-mirror] [--json]
 *     identification over DIR/<identity>/*: leave-one-out rank-1 and FNIR; FPIR over
 *     leave-one-identity-out searches (every identity left out in turn) and over --probes
 *     (people not in the gallery: files in DIR or in its subfolders). With --templates K,
 *     each identity is enrolled from its first K images and searched with the others.
 *
 * `--frames N`: each image is embedded as the fused embedding of N simulated camera frames
 * (embed-files.ts `simulatedFrames`: small shifts, scales, brightness changes), as the gate
 * fuses the frames of one track; stills, so this approximates real frames.
 * Scores are sorted once (O(n log n)); progress goes to stderr. An identity's score is
 * its best template's score. `--no-mirror` embeds without the mirror image (to compare).
 * Output holds file names and scores only, never an embedding (L4, L6).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultModelsDir } from "../../../models/manifest.js";
import type { FacePipeline } from "../../../sdk/vision/index.js";
import { cosineSimilarity, DEFAULT_MATCH_THRESHOLD } from "../../../sdk/vision/similarity.js";
import { embedFile, imagesIn, subdirsOf } from "../../eval/embed-files.js";
import { bestAccuracy, identificationAt, impostorTailFigures, normalImpostorModel, operatingPointAt, operatingPointForFmr, type ScoredPair, type Search, sortScores, verificationAt } from "../../eval/metrics.js";
import { expectedFpir, faceAloneOperatingPoint, fitImpostorTail, type ImpostorTail, impostorRate, perComparisonRate, thresholdForRate } from "../../../sdk/vision/impostor-model.js";
import { parsePairsCsv } from "../../eval/pairs-csv.js";
import { parseArgs, type ParsedArgs } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";
import { verifiedModels } from "../../../models/verify.js";

export const summary = "accuracy on labelled images (--pairs CSV --images DIR | --gallery DIR [--probes DIR])";

export const usage = [
  "usage: facegate eval --pairs CSV --images DIR [--threshold T] [--frames N] [--models DIR] [--no-mirror] [--json]",
  "       facegate eval --gallery DIR [--probes DIR] [--templates K] [--threshold T] [--frames N] [--models DIR] [--no-mirror] [--json]",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["pairs", "images", "gallery", "probes", "threshold", "models", "templates", "frames"], flags: ["no-mirror"], usage });
  const mode = args.values["pairs"] ? "pairs" : args.values["gallery"] ? "gallery" : undefined;
  if (!mode || (args.values["pairs"] && args.values["gallery"])) throw new UsageError("give either --pairs CSV --images DIR or --gallery DIR");
  const threshold = thresholdOf(args);
  const modelsDir = args.values["models"] ? resolve(io.cwd, args.values["models"]) : defaultModelsDir(io.env);
  // Loaded only to run (ONNX Runtime, sharp), so that `facegate --help` stays quick.
  const { createFacePipeline } = await import("../../../sdk/vision/index.js");
  const pipeline = await createFacePipeline({ models: verifiedModels(modelsDir), mirrorEmbedding: !args.flags.has("no-mirror") });
  try {
    const report = mode === "pairs" ? await evalPairs(pipeline, args, io, threshold) : await evalGallery(pipeline, args, io, threshold);
    io.out(args.flags.has("json") ? JSON.stringify(report) : formatReport(report));
    return EXIT.ok;
  } finally {
    await pipeline.close();
  }
}

function thresholdOf(args: ParsedArgs): number {
  const raw = args.values["threshold"];
  if (raw === undefined) return DEFAULT_MATCH_THRESHOLD;
  const t = Number(raw);
  if (!Number.isFinite(t) || t < -1 || t > 1) throw new UsageError("--threshold must be a number between -1 and 1");
  return t;
}

function existingDir(io: CliIo, path: string, option: string): string {
  const dir = resolve(io.cwd, path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--${option}: ${path} is not a directory`);
  return dir;
}

type Report = Record<string, unknown> & { mode: "pairs" | "gallery" };

/** Embeds each distinct file once. */
class EmbeddingCache {
  private readonly cache = new Map<string, Float32Array | undefined>();
  readonly failures: { file: string; problem: string }[] = [];
  constructor(
    private readonly pipeline: FacePipeline,
    private readonly io: CliIo,
    private readonly total: number | undefined,
    private readonly frames = 1,
  ) {}
  async get(path: string, label: string): Promise<Float32Array | undefined> {
    if (this.cache.has(path)) return this.cache.get(path);
    const { embedding, problem } = await embedFile(this.pipeline, path, this.frames);
    this.cache.set(path, embedding);
    if (this.cache.size % 50 === 0 || this.cache.size === this.total) this.io.err(`embedded ${this.cache.size}${this.total ? ` of ${this.total}` : ""} images`);
    if (!embedding) this.failures.push({ file: label, problem: problem ?? "no_face" });
    return embedding;
  }
  get size(): number {
    return this.cache.size;
  }
}

async function evalPairs(pipeline: FacePipeline, args: ParsedArgs, io: CliIo, threshold: number): Promise<Report> {
  const csvPath = resolve(io.cwd, args.values["pairs"]!);
  if (!args.values["images"]) throw new UsageError("--pairs needs --images DIR");
  const imagesDir = existingDir(io, args.values["images"], "images");
  if (!existsSync(csvPath)) throw new UsageError(`--pairs: ${args.values["pairs"]} does not exist`);
  const pairs = parsePairsCsv(readFileSync(csvPath, "utf8"));
  if (pairs.length === 0) throw new UsageError("--pairs: no pairs in the file");
  const cache = new EmbeddingCache(pipeline, io, new Set(pairs.flatMap((p) => [p.a, p.b])).size, framesOf(args));
  const scored: ScoredPair[] = [];
  let failedPairs = 0;
  for (const p of pairs) {
    const a = await cache.get(join(imagesDir, p.a), p.a);
    const b = await cache.get(join(imagesDir, p.b), p.b);
    if (!a || !b) {
      failedPairs++;
      continue;
    }
    scored.push({ score: cosineSimilarity(a, b), same: p.same });
  }
  const at = verificationAt(scored, threshold);
  const sorted = sortScores(scored);
  const genuine = Array.from(sorted.genuine);
  const impostor = Array.from(sorted.impostor);
  const tail: ImpostorTail | null = impostor.length >= 100 ? fitImpostorTail(impostor, 0.02, `${impostor.length} impostor pairs of ${args.values["pairs"]}`) : null;
  return {
    mode: "pairs",
    threshold,
    pairs: pairs.length,
    images: cache.size,
    failedToEnroll: cache.failures.length,
    failures: cache.failures,
    failedPairs,
    scoredPairs: scored.length,
    ...at,
    operatingPoints: {
      fmr1e3: operatingPointForFmr(sorted, 1e-3),
      fmr1e4: operatingPointForFmr(sorted, 1e-4),
      threshold: operatingPointAt(sorted, threshold),
      zeroFalseMatch: operatingPointForFmr(sorted, 0),
    },
    impostorTail: { ...impostorTailFigures(sorted), model: tail, modelFmrAtThreshold: tail ? nullIfNaN(impostorRate(tail, threshold)) : null, normal: normalImpostorModel(sorted, threshold) },
    faceAlone: tail ? faceAloneFigures(tail, sorted, threshold) : null,
    best: bestAccuracy(scored),
    genuineScores: range(genuine),
    impostorScores: range(impostor),
  };
}

function extrapolated(tail: ImpostorTail, sorted: ReturnType<typeof sortScores>, templates: number): { extrapolatedThreshold: number; extrapolatedFnmr: number } {
  const t = thresholdForRate(tail, perComparisonRate(TARGET_FPIR, templates));
  return { extrapolatedThreshold: t, extrapolatedFnmr: operatingPointAt(sorted, t).fnmr };
}

/** Residents for the expected-FPIR figures, and the target of a face-alone gate. */
const RESIDENTS = [100, 1_000, 10_000] as const;
const TARGET_FPIR = 1e-4;

/**
 * Per gallery size (one and two templates per resident): the FPIR the tail model expects at
 * `threshold`, and the face-alone operating point for FPIR 1e-4 with its FNMR on these pairs.
 */
function faceAloneFigures(tail: ImpostorTail, sorted: ReturnType<typeof sortScores>, threshold: number) {
  return RESIDENTS.flatMap((residents) =>
    [1, 2].map((perResident) => {
      const templates = residents * perResident;
      const op = faceAloneOperatingPoint(tail, templates, TARGET_FPIR);
      return {
        residents,
        templatesPerResident: perResident,
        expectedFpirAtThreshold: expectedFpir(tail, threshold, templates),
        targetFpir: TARGET_FPIR,
        feasible: op.feasible,
        threshold: op.threshold ?? null,
        expectedFpir: op.expectedFpir ?? null,
        ...(op.threshold === undefined ? {} : { fnmr: operatingPointAt(sorted, op.threshold).fnmr, falseMatches: operatingPointAt(sorted, op.threshold).falseMatches }),
        maxTemplates: op.maxTemplates,
        // Beyond what the model answers for: its extrapolated threshold, for information only.
        ...(op.feasible ? {} : extrapolated(tail, sorted, templates)),
      };
    }),
  );
}

async function evalGallery(pipeline: FacePipeline, args: ParsedArgs, io: CliIo, threshold: number): Promise<Report> {
  const galleryDir = existingDir(io, args.values["gallery"]!, "gallery");
  const templatesPer = templatesOf(args);
  const cache = new EmbeddingCache(pipeline, io, undefined, framesOf(args));
  const all: { id: string; file: string; e: Float32Array; rank: number }[] = [];
  let images = 0;
  for (const id of subdirsOf(galleryDir)) {
    let rank = 0;
    for (const path of imagesIn(join(galleryDir, id))) {
      images++;
      const e = await cache.get(path, `${id}/${path.slice(path.lastIndexOf("/") + 1)}`);
      if (e) all.push({ id, file: path, e, rank: rank++ });
    }
  }
  // --templates K: the first K enrollable images of an identity are its templates, the rest probe it.
  const gallery = templatesPer === undefined ? all : all.filter((g) => g.rank < templatesPer);
  if (gallery.length === 0) throw new UsageError(`--gallery: no enrollable images under ${galleryDir}/<identity>/`);

  const best = (probe: Float32Array, keep: (g: (typeof gallery)[number]) => boolean): Map<string, number> => {
    const m = new Map<string, number>();
    for (const g of gallery) {
      if (!keep(g)) continue;
      const s = cosineSimilarity(probe, g.e);
      if (s > (m.get(g.id) ?? -Infinity)) m.set(g.id, s);
    }
    return m;
  };
  // Mated: leave one image out (or, with --templates, the images not enrolled); non-mated:
  // every image of an identity against the gallery without that identity (each left out in turn).
  const mated: Search[] = [];
  const nonMated: Search[] = [];
  for (const probe of all) {
    if (templatesPer === undefined || probe.rank >= templatesPer) {
      const candidates = best(probe.e, (g) => g !== probe);
      if (candidates.has(probe.id)) mated.push({ truth: probe.id, candidates });
    }
    nonMated.push({ truth: undefined, candidates: best(probe.e, (g) => g.id !== probe.id) });
  }
  const strangers: Search[] = [];
  let probeImages = 0;
  if (args.values["probes"]) {
    const probesDir = existingDir(io, args.values["probes"], "probes");
    const files = [...imagesIn(probesDir), ...subdirsOf(probesDir).flatMap((d) => imagesIn(join(probesDir, d)))];
    for (const path of files) {
      probeImages++;
      const e = await cache.get(path, path.slice(probesDir.length + 1));
      if (e) strangers.push({ truth: undefined, candidates: best(e, () => true) });
    }
  }
  const loo = identificationAt(mated, threshold);
  const outOfGallery = identificationAt(nonMated, threshold);
  const probes = identificationAt(strangers, threshold);
  const topOf = (s: Search) => Math.max(-1, ...s.candidates.values());
  const topStranger = Math.max(-1, ...strangers.map(topOf));
  // Zero false positives over the identity-left-out searches: just above the best non-mated score.
  const topNonMated = Math.max(-1, ...nonMated.map(topOf));
  const zeroFpir = identificationAt(mated, topNonMated + 1e-9);
  return {
    mode: "gallery",
    threshold,
    identities: new Set(gallery.map((g) => g.id)).size,
    images,
    templates: gallery.length,
    templatesPerIdentity: templatesPer ?? null,
    failedToEnroll: cache.failures.length,
    failures: cache.failures,
    matedSearches: loo.matedSearches,
    rank1: loo.rank1,
    fnir: loo.fnir,
    fpir: outOfGallery.fpir,
    nonMatedSearches: outOfGallery.nonMatedSearches,
    zeroFpir: { threshold: topNonMated + 1e-9, fnir: zeroFpir.fnir, topNonMatedScore: topNonMated },
    probes: args.values["probes"] ? { images: probeImages, searches: probes.nonMatedSearches, fpir: probes.fpir, maxScore: strangers.length ? topStranger : null } : null,
  };
}

function framesOf(args: ParsedArgs): number {
  const raw = args.values["frames"];
  if (raw === undefined) return 1;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 1 || k > 10) throw new UsageError("--frames must be a whole number from 1 to 10");
  return k;
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

function templatesOf(args: ParsedArgs): number | undefined {
  const raw = args.values["templates"];
  if (raw === undefined) return undefined;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 1 || k > 10) throw new UsageError("--templates must be a whole number from 1 to 10");
  return k;
}

function range(xs: number[]): { n: number; min: number | null; mean: number | null; max: number | null } {
  if (xs.length === 0) return { n: 0, min: null, mean: null, max: null };
  return { n: xs.length, min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
}

const pct = (x: unknown): string => (typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "n/a");
const sci = (x: unknown): string => (typeof x === "number" && Number.isFinite(x) ? x.toExponential(2) : "n/a");
const num = (x: unknown): string => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(3) : "n/a");

function formatReport(r: Report): string {
  const fails = (r["failures"] as { file: string; problem: string }[]).map((f) => `  ${f.file}: ${f.problem}`);
  if (r.mode === "pairs") {
    const best = r["best"] as { accuracy: number; threshold: number };
    const g = r["genuineScores"] as ReturnType<typeof range>;
    const i = r["impostorScores"] as ReturnType<typeof range>;
    const ops = r["operatingPoints"] as Record<string, { threshold: number; fmr: number; fnmr: number; falseMatches: number }>;
    const tail = r["impostorTail"] as { top: number[]; p999: number | null; p9999: number | null; model: ImpostorTail | null; modelFmrAtThreshold: number | null; normal: { mean: number; sd: number; fmrAtThreshold: number } | null };
    const alone = (r["faceAlone"] as ReturnType<typeof faceAloneFigures> | null) ?? [];
    const op = (name: string, label: string) => `  ${label}: threshold ${num(ops[name]!.threshold)}  FMR ${sci(ops[name]!.fmr)} (${ops[name]!.falseMatches})  FNMR ${pct(ops[name]!.fnmr)}`;
    return [
      `verification: ${r["pairs"]} pairs (${r["genuinePairs"]} genuine, ${r["impostorPairs"]} impostor), threshold ${r["threshold"]}`,
      `failed to enroll: ${r["failedToEnroll"]} of ${r["images"]} images (${r["failedPairs"]} pairs not scored)`,
      ...fails,
      `accuracy ${pct(r["accuracy"])}  FMR ${pct(r["fmr"])}  FNMR ${pct(r["fnmr"])}`,
      "operating points:",
      op("fmr1e3", "FMR 1e-3"),
      op("fmr1e4", "FMR 1e-4"),
      op("threshold", "threshold"),
      op("zeroFalseMatch", "zero false matches"),
      `impostor tail: top ${tail.top.map(num).join(" ")}; 99.9th ${num(tail.p999)}, 99.99th ${num(tail.p9999)}`,
      tail.model ? `tail model: GPD above ${num(tail.model.u)} (top ${pct(tail.model.zeta)}), sigma ${tail.model.sigma.toFixed(4)}, xi ${tail.model.xi.toFixed(4)}` : "",
      tail.normal ? `FMR at ${r["threshold"]}: measured ${sci(ops["threshold"]!.fmr)}, tail model ${sci(tail.modelFmrAtThreshold)}, normal model (mean ${num(tail.normal.mean)}, sd ${num(tail.normal.sd)}) ${sci(tail.normal.fmrAtThreshold)}` : "",
      ...alone.map(
        (a) =>
          `  ${a.residents} residents x ${a.templatesPerResident}: FPIR at ${r["threshold"]} ${sci(a.expectedFpirAtThreshold)}; for FPIR ${sci(a.targetFpir)}: ${a.feasible ? `threshold ${num(a.threshold)}, FNMR ${pct(a.fnmr)}` : `not met by face alone (at most ${a.maxTemplates} templates; extrapolated threshold ${num(a.extrapolatedThreshold)}, FNMR there ${pct(a.extrapolatedFnmr)})`}`,
      ),
      `best accuracy ${pct(best.accuracy)} at threshold ${num(best.threshold)}`,
      `genuine scores ${num(g.min)}..${num(g.max)} (mean ${num(g.mean)}); impostor ${num(i.min)}..${num(i.max)} (mean ${num(i.mean)})`,
    ]
      .filter(Boolean)
      .join("\n");
  }
  const probes = r["probes"] as { images: number; searches: number; fpir: number; maxScore: number | null } | null;
  return [
    `identification: ${r["identities"]} identities, ${r["images"]} images, ${r["templates"]} templates${r["templatesPerIdentity"] ? ` (at most ${r["templatesPerIdentity"]} each)` : ""}, threshold ${r["threshold"]}`,
    `failed to enroll: ${r["failedToEnroll"]}`,
    ...fails,
    `leave-one-out: rank-1 ${pct(r["rank1"])}  FNIR ${pct(r["fnir"])} over ${r["matedSearches"]} searches`,
    `identity left out: FPIR ${pct(r["fpir"])} over ${r["nonMatedSearches"]} searches`,
    `zero false positives: threshold ${num((r["zeroFpir"] as { threshold: number }).threshold)}, FNIR ${pct((r["zeroFpir"] as { fnir: number }).fnir)}`,
    probes ? `probes (not in gallery): FPIR ${pct(probes.fpir)} over ${probes.searches} searches, best score ${num(probes.maxScore)}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}
