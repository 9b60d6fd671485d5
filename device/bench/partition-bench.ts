/**
 * `facegate bench partition [--sizes 1000,10000,100000] [--queries Q] [--impostors SHARE]
 *   [--nprobe P] [--lists L] [--threshold T] [--seed S] [--isotropic] [--json]`
 *
 * The coarse partition (sdk/matcher/coarse-partition.ts) against an exhaustive search of
 * the same codes, at each gallery size: p50/p95 search time of both, the partition's build
 * time, and the agreement of the door decisions.
 *
 * Gallery: N templates, two per subject, from the seeded face-like model
 * (sdk/matcher/synthetic-embeddings.ts). Queries, shuffled: genuine probes, half of them
 * a new capture of an enrolled identity (noise around the identity its templates come
 * from), half a noisy copy of one of its enrolled templates; and impostor probes (an
 * identity that is not enrolled, from the same population clusters), SHARE impostors
 * (default 0.5). `--isotropic`: identities are random unit vectors, templates and probes
 * noisy copies of them (as `bench search --isotropic`): no structure for k-means to find,
 * the hard case for a partition.
 *
 * Two indexes hold the same templates: one exhaustive (`partition: false`, every
 * template's coarse score, then the 12-bit re-rank), one partitioned (same re-rank, only
 * the `nprobe` closest lists scanned). A door decision is the top-1 subject if its score is
 * at least the threshold (the gate's match threshold, DEFAULT_MATCH_THRESHOLD; not changed
 * here), else "shut". Reported: the share of queries whose decision is the same, per kind;
 * the share whose top-1 subject is the same whatever the score (faiss's "top-1 recall");
 * and false accepts the exhaustive search would not make (the partition opens for a
 * subject where the exhaustive search stays shut or opens for someone else).
 * A third index holds the same lists with `confirmBelow` at the threshold (a search whose
 * best score would keep the door shut is repeated over every template): its time and
 * decisions are reported too. The three are timed alternately, query by query, after 50
 * warm-up queries each.
 */
import { DEFAULT_NPROBE, GalleryIndex, type SearchHit } from "../../sdk/matcher/gallery-index.js";
import { DIMS } from "../../sdk/matcher/template-codes.js";
import { mulberry32, normalize, randomUnitVector, SyntheticFaces, type Random } from "../../sdk/matcher/synthetic-embeddings.js";
import { DEFAULT_MATCH_THRESHOLD } from "../../sdk/vision/similarity.js";
import { intValue, parseArgs } from "../cli/args.js";
import { type CliIo, EXIT, UsageError } from "../cli/cli-io.js";
import { type LatencySummary, summarize } from "./stats.js";

const WARMUP = 50;
const PER_SUBJECT = 2;

export const usage = [
  "usage: facegate bench partition [--sizes 1000,10000,100000] [--queries Q] [--impostors SHARE] [--nprobe P] [--lists L]",
  "         [--threshold T] [--seed S] [--isotropic] [--json]",
  "  Search time and door-decision agreement of the coarse partition (inverted lists) against an exhaustive search.",
].join("\n");

interface Query {
  kind: "capture" | "copy" | "impostor";
  vector: Float32Array;
}

interface SizeReport {
  size: number;
  lists: number;
  nprobe: number;
  longestList: number;
  partitionBuildMs: number;
  exactMs: LatencySummary;
  partitionedMs: LatencySummary;
  speedup: number;
  decisionAgreement: { all: number; genuine: number | null; capture: number | null; copy: number | null; impostor: number | null };
  top1SubjectAgreement: number;
  falseAcceptsNotExact: number;
  missedAccepts: number;
  partitionMemoryBytes: number;
  /** The partition with `confirmBelow` at the threshold (a shut decision is checked exhaustively). */
  confirmBelowThreshold: { ms: LatencySummary; decisionAgreement: number; falseAcceptsNotExact: number; missedAccepts: number };
}

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["sizes", "queries", "impostors", "nprobe", "lists", "threshold", "seed"], flags: ["isotropic"], usage });
  const isotropic = args.flags.has("isotropic");
  const sizes = (args.values["sizes"] ?? "1000,10000,100000").split(",").map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new UsageError("--sizes must be a comma-separated list of integers of at least 2");
  const queryCount = intValue(args, "queries", 1000);
  const nprobe = intValue(args, "nprobe", DEFAULT_NPROBE);
  const lists = args.values["lists"] !== undefined ? intValue(args, "lists", 1) : undefined;
  const seed = intValue(args, "seed", 1, 0);
  const threshold = Number(args.values["threshold"] ?? DEFAULT_MATCH_THRESHOLD);
  if (!(threshold > -1 && threshold < 1)) throw new UsageError("--threshold must be a cosine between -1 and 1");
  const impostorShare = Number(args.values["impostors"] ?? 0.5);
  if (!(impostorShare >= 0 && impostorShare <= 1)) throw new UsageError("--impostors must be a share between 0 and 1");

  const reports: SizeReport[] = [];
  for (const size of sizes) {
    reports.push(measure({ size, queryCount, nprobe, lists, seed, threshold, impostorShare, isotropic }));
    if (!args.flags.has("json")) io.err(`partition bench: ${size} templates done`);
  }
  const report = { bench: "partition", data: isotropic ? "isotropic" : "clustered face-like model", threshold, queries: queryCount, impostorShare, seed, templatesPerSubject: PER_SUBJECT, sizes: reports };
  if (args.flags.has("json")) {
    io.out(JSON.stringify(report));
    return EXIT.ok;
  }
  io.out(`partition bench: ${queryCount} queries per size (${Math.round(impostorShare * 100)}% impostors), threshold ${threshold}, seed ${seed}`);
  for (const r of reports) {
    io.out(
      [
        `${String(r.size).padStart(7)} templates: ${r.lists} lists (longest ${r.longestList}), nprobe ${r.nprobe}, built in ${r.partitionBuildMs} ms`,
        `          exact       p50 ${r.exactMs.p50} ms  p95 ${r.exactMs.p95} ms`,
        `          partitioned p50 ${r.partitionedMs.p50} ms  p95 ${r.partitionedMs.p95} ms  (x${r.speedup} at p50)`,
        `          confirmBelow ${threshold}: p50 ${r.confirmBelowThreshold.ms.p50} ms  p95 ${r.confirmBelowThreshold.ms.p95} ms, same decision ${pct(r.confirmBelowThreshold.decisionAgreement)}, false accepts ${r.confirmBelowThreshold.falseAcceptsNotExact}, missed ${r.confirmBelowThreshold.missedAccepts}`,
        `          same decision ${pct(r.decisionAgreement.all)} (genuine ${pct(r.decisionAgreement.genuine)}: new capture ${pct(r.decisionAgreement.capture)}, template copy ${pct(r.decisionAgreement.copy)}; impostor ${pct(r.decisionAgreement.impostor)}); same top-1 subject ${pct(r.top1SubjectAgreement)}; false accepts exact would not make: ${r.falseAcceptsNotExact}; accepts missed: ${r.missedAccepts}`,
      ].join("\n"),
    );
  }
  return EXIT.ok;
}

function measure(o: { size: number; queryCount: number; nprobe: number; lists: number | undefined; seed: number; threshold: number; impostorShare: number; isotropic: boolean }): SizeReport {
  const random = mulberry32(o.seed);
  const faces: FaceModel = o.isotropic ? isotropicModel(random) : new SyntheticFaces(random);
  const exact = new GalleryIndex({ partition: false, initialCapacity: o.size });
  const options = { minTemplates: 1, nprobe: o.nprobe, ...(o.lists !== undefined ? { lists: o.lists } : {}) };
  const partitioned = new GalleryIndex({ partition: { ...options, random: mulberry32(o.seed + 1) }, initialCapacity: o.size });
  // The same lists, with a best score under the threshold checked against every template.
  const confirmed = new GalleryIndex({ partition: { ...options, random: mulberry32(o.seed + 1), confirmBelow: o.threshold }, initialCapacity: o.size });
  const subjects = Math.ceil(o.size / PER_SUBJECT);
  const genuineTotal = Math.round(o.queryCount * (1 - o.impostorShare));
  const probed = new Set<number>();
  while (probed.size < Math.min(genuineTotal, subjects)) probed.add(Math.floor(random() * subjects));
  const centres: Float32Array[] = [];
  const enrolled: Float32Array[] = [];
  for (let s = 0, t = 0; s < subjects; s++) {
    const centre = faces.identity();
    for (let j = 0; j < PER_SUBJECT && t < o.size; j++, t++) {
      const v = faces.template(centre);
      exact.add(`s${s}`, `t${t}`, v);
      partitioned.add(`s${s}`, `t${t}`, v);
      confirmed.add(`s${s}`, `t${t}`, v);
      if (j === 0 && probed.has(s)) {
        centres.push(centre);
        enrolled.push(v);
      }
    }
  }
  const queries: Query[] = [];
  for (let i = 0; i < o.queryCount; i++) {
    const s = Math.floor(i / 2) % centres.length;
    if (i >= genuineTotal) queries.push({ kind: "impostor", vector: faces.probe(faces.identity()) });
    else if (i % 2 === 0) queries.push({ kind: "capture", vector: faces.probe(centres[s]!) });
    else queries.push({ kind: "copy", vector: faces.probe(enrolled[s]!) });
  }
  for (let i = queries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [queries[i], queries[j]] = [queries[j]!, queries[i]!];
  }

  const buildStart = performance.now();
  const lists = partitioned.buildPartition();
  const partitionBuildMs = performance.now() - buildStart;
  confirmed.buildPartition();

  for (let i = 0; i < WARMUP; i++) {
    exact.search(queries[i % queries.length]!.vector, 1);
    partitioned.search(queries[i % queries.length]!.vector, 1);
    confirmed.search(queries[i % queries.length]!.vector, 1);
  }
  const exactMs: number[] = [];
  const partitionedMs: number[] = [];
  const counts = { capture: [0, 0], copy: [0, 0], impostor: [0, 0] };
  let sameTop1 = 0;
  let falseAccepts = 0;
  let missedAccepts = 0;
  const confirmedMs: number[] = [];
  const confirmedCounts = { same: 0, falseAccepts: 0, missedAccepts: 0 };
  for (const q of queries) {
    let start = performance.now();
    const e = exact.search(q.vector, 1);
    exactMs.push(performance.now() - start);
    start = performance.now();
    const p = partitioned.search(q.vector, 1);
    partitionedMs.push(performance.now() - start);
    const de = decision(e, o.threshold);
    const dp = decision(p, o.threshold);
    counts[q.kind][1]!++;
    if (de === dp) counts[q.kind][0]!++;
    else if (dp !== null) falseAccepts++;
    else missedAccepts++;
    if (e[0]?.subjectId === p[0]?.subjectId) sameTop1++;
    start = performance.now();
    const c = confirmed.search(q.vector, 1);
    confirmedMs.push(performance.now() - start);
    const dc = decision(c, o.threshold);
    if (dc === de) confirmedCounts.same++;
    else if (dc !== null) confirmedCounts.falseAccepts++;
    else confirmedCounts.missedAccepts++;
  }
  const exactSummary = summarize(exactMs);
  const partitionedSummary = summarize(partitionedMs);
  const share = ([n, total]: number[]) => (total === 0 ? null : round(n! / total!, 5));
  return {
    size: o.size,
    lists,
    nprobe: Math.min(o.nprobe, lists),
    longestList: partitioned.partitionLongestList(),
    partitionBuildMs: round(partitionBuildMs, 1),
    exactMs: exactSummary,
    partitionedMs: partitionedSummary,
    speedup: round(exactSummary.p50 / partitionedSummary.p50, 1),
    decisionAgreement: {
      all: round((counts.capture[0]! + counts.copy[0]! + counts.impostor[0]!) / queries.length, 5),
      genuine: share([counts.capture[0]! + counts.copy[0]!, counts.capture[1]! + counts.copy[1]!]),
      capture: share(counts.capture),
      copy: share(counts.copy),
      impostor: share(counts.impostor),
    },
    top1SubjectAgreement: round(sameTop1 / queries.length, 5),
    falseAcceptsNotExact: falseAccepts,
    missedAccepts,
    partitionMemoryBytes: partitioned.memoryBytes() - exact.memoryBytes(),
    confirmBelowThreshold: {
      ms: summarize(confirmedMs),
      decisionAgreement: round(confirmedCounts.same / queries.length, 5),
      falseAcceptsNotExact: confirmedCounts.falseAccepts,
      missedAccepts: confirmedCounts.missedAccepts,
    },
  };
}

interface FaceModel {
  identity(): Float32Array;
  template(centre: Float32Array): Float32Array;
  probe(around: Float32Array): Float32Array;
}

/** Random unit identities; unit(x + noise * random unit direction) as templates (0.75) and probes (0.9). */
function isotropicModel(random: Random): FaceModel {
  const noisy = (x: Float32Array, noise: number) => {
    const d = randomUnitVector(random);
    const v = new Float32Array(DIMS);
    for (let i = 0; i < DIMS; i++) v[i] = x[i]! + noise * d[i]!;
    return normalize(v);
  };
  return { identity: () => randomUnitVector(random), template: (c) => noisy(c, 0.75), probe: (c) => noisy(c, 0.9) };
}

/** The subject the door opens for, or null (shut). */
function decision(hits: SearchHit[], threshold: number): string | null {
  const top = hits[0];
  return top && top.score >= threshold ? top.subjectId : null;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(x * 100).toFixed(2)}%`;
}
