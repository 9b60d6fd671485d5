/**
 * `facegate eval`: accuracy of the face pipeline on labelled images (SPEC section 4).
 *
 *   facegate eval --pairs CSV --images DIR [--threshold T] [--models DIR] [--json]
 *     verification over labelled pairs: accuracy, FMR and FNMR at the threshold
 *     (default DEFAULT_MATCH_THRESHOLD), failures to enroll, best accuracy and its threshold.
 *   facegate eval --gallery DIR [--probes DIR] [--threshold T] [--models DIR] [--json]
 *     identification over DIR/<identity>/*: leave-one-out rank-1 and FNIR; FPIR over
 *     leave-one-identity-out searches and over --probes (people not in the gallery: files
 *     in DIR or in its subfolders).
 *
 * Gallery templates are per image; an identity's score is its best image's score.
 * Output holds file names and scores only, never an embedding (L4, L6).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultModelsDir } from "../../../models/manifest.js";
import type { FacePipeline } from "../../../sdk/vision/index.js";
import { cosineSimilarity, DEFAULT_MATCH_THRESHOLD } from "../../../sdk/vision/similarity.js";
import { embedFile, imagesIn, subdirsOf } from "../../eval/embed-files.js";
import { bestAccuracy, identificationAt, type ScoredPair, type Search, verificationAt } from "../../eval/metrics.js";
import { parsePairsCsv } from "../../eval/pairs-csv.js";
import { parseArgs, type ParsedArgs } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";
import { verifiedModels } from "../../../models/verify.js";

export const summary = "accuracy on labelled images (--pairs CSV --images DIR | --gallery DIR [--probes DIR])";

export const usage = [
  "usage: facegate eval --pairs CSV --images DIR [--threshold T] [--models DIR] [--json]",
  "       facegate eval --gallery DIR [--probes DIR] [--threshold T] [--models DIR] [--json]",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["pairs", "images", "gallery", "probes", "threshold", "models"], usage });
  const mode = args.values["pairs"] ? "pairs" : args.values["gallery"] ? "gallery" : undefined;
  if (!mode || (args.values["pairs"] && args.values["gallery"])) throw new UsageError("give either --pairs CSV --images DIR or --gallery DIR");
  const threshold = thresholdOf(args);
  const modelsDir = args.values["models"] ? resolve(io.cwd, args.values["models"]) : defaultModelsDir(io.env);
  // Loaded only to run (ONNX Runtime, sharp), so that `facegate --help` stays quick.
  const { createFacePipeline } = await import("../../../sdk/vision/index.js");
  const pipeline = await createFacePipeline({ models: verifiedModels(modelsDir) });
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
  constructor(private readonly pipeline: FacePipeline) {}
  async get(path: string, label: string): Promise<Float32Array | undefined> {
    if (this.cache.has(path)) return this.cache.get(path);
    const { embedding, problem } = await embedFile(this.pipeline, path);
    this.cache.set(path, embedding);
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
  const cache = new EmbeddingCache(pipeline);
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
  const genuine = scored.filter((s) => s.same).map((s) => s.score);
  const impostor = scored.filter((s) => !s.same).map((s) => s.score);
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
    best: bestAccuracy(scored),
    genuineScores: range(genuine),
    impostorScores: range(impostor),
  };
}

async function evalGallery(pipeline: FacePipeline, args: ParsedArgs, io: CliIo, threshold: number): Promise<Report> {
  const galleryDir = existingDir(io, args.values["gallery"]!, "gallery");
  const cache = new EmbeddingCache(pipeline);
  const gallery: { id: string; file: string; e: Float32Array }[] = [];
  let images = 0;
  for (const id of subdirsOf(galleryDir)) {
    for (const path of imagesIn(join(galleryDir, id))) {
      images++;
      const e = await cache.get(path, `${id}/${path.slice(path.lastIndexOf("/") + 1)}`);
      if (e) gallery.push({ id, file: path, e });
    }
  }
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
  // Leave one image out (mated), and leave the whole identity out (non-mated).
  const mated: Search[] = [];
  const nonMated: Search[] = [];
  for (const probe of gallery) {
    const candidates = best(probe.e, (g) => g !== probe);
    if (candidates.has(probe.id)) mated.push({ truth: probe.id, candidates });
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
  const topStranger = Math.max(-1, ...strangers.map((s) => Math.max(...s.candidates.values())));
  return {
    mode: "gallery",
    threshold,
    identities: new Set(gallery.map((g) => g.id)).size,
    images,
    failedToEnroll: cache.failures.length,
    failures: cache.failures,
    matedSearches: loo.matedSearches,
    rank1: loo.rank1,
    fnir: loo.fnir,
    fpir: outOfGallery.fpir,
    nonMatedSearches: outOfGallery.nonMatedSearches,
    probes: args.values["probes"] ? { images: probeImages, searches: probes.nonMatedSearches, fpir: probes.fpir, maxScore: strangers.length ? topStranger : null } : null,
  };
}

function range(xs: number[]): { n: number; min: number | null; mean: number | null; max: number | null } {
  if (xs.length === 0) return { n: 0, min: null, mean: null, max: null };
  return { n: xs.length, min: Math.min(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length, max: Math.max(...xs) };
}

const pct = (x: unknown): string => (typeof x === "number" && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : "n/a");
const num = (x: unknown): string => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(3) : "n/a");

function formatReport(r: Report): string {
  const fails = (r["failures"] as { file: string; problem: string }[]).map((f) => `  ${f.file}: ${f.problem}`);
  if (r.mode === "pairs") {
    const best = r["best"] as { accuracy: number; threshold: number };
    const g = r["genuineScores"] as ReturnType<typeof range>;
    const i = r["impostorScores"] as ReturnType<typeof range>;
    return [
      `verification: ${r["pairs"]} pairs (${r["genuinePairs"]} genuine, ${r["impostorPairs"]} impostor), threshold ${r["threshold"]}`,
      `failed to enroll: ${r["failedToEnroll"]} of ${r["images"]} images (${r["failedPairs"]} pairs not scored)`,
      ...fails,
      `accuracy ${pct(r["accuracy"])}  FMR ${pct(r["fmr"])}  FNMR ${pct(r["fnmr"])}`,
      `best accuracy ${pct(best.accuracy)} at threshold ${num(best.threshold)}`,
      `genuine scores ${num(g.min)}..${num(g.max)} (mean ${num(g.mean)}); impostor ${num(i.min)}..${num(i.max)} (mean ${num(i.mean)})`,
    ].join("\n");
  }
  const probes = r["probes"] as { images: number; searches: number; fpir: number; maxScore: number | null } | null;
  return [
    `identification: ${r["identities"]} identities, ${r["images"]} images, threshold ${r["threshold"]}`,
    `failed to enroll: ${r["failedToEnroll"]}`,
    ...fails,
    `leave-one-out: rank-1 ${pct(r["rank1"])}  FNIR ${pct(r["fnir"])} over ${r["matedSearches"]} searches`,
    `identity left out: FPIR ${pct(r["fpir"])} over ${r["nonMatedSearches"]} searches`,
    probes ? `probes (not in gallery): FPIR ${pct(probes.fpir)} over ${probes.searches} searches, best score ${num(probes.maxScore)}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}
