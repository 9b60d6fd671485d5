/**
 * Options of the gallery's coarse partition (coarse-partition.ts), with their defaults.
 * The defaults are what `facegate bench partition` measured: at 100,000 templates, 316
 * lists with 24 probed make the same door decisions as an exhaustive search in every
 * query measured, at about a seventh of its time.
 */
import { MatcherError } from "./matcher-error.js";
import { mulberry32, type Random } from "./synthetic-embeddings.js";

/** Below this many templates a search scans every template (a partition would save under 1 ms). */
export const DEFAULT_PARTITION_MIN_TEMPLATES = 20_000;
/** Lists scanned per query, unless configured (measured by `facegate bench partition`). */
export const DEFAULT_NPROBE = 24;
/** Seed of the partition's default random source: the same gallery gives the same lists. */
const PARTITION_SEED = 0x1f5a7e;

export interface PartitionOptions {
  /** Smallest gallery that gets a partition (default 20,000); smaller ones are searched exhaustively. */
  minTemplates?: number;
  /** Lists (k-means centroids); default round(sqrt(templates)). */
  lists?: number;
  /** Lists scanned per query (default DEFAULT_NPROBE). */
  nprobe?: number;
  /** Random source of k-means (sample, starts); default a fixed-seed mulberry32. */
  random?: Random;
  /**
   * A partitioned search whose best score is below this is repeated over every template
   * (default: never). Set to the door's match threshold, it makes a face the lists do
   * not find (an unknown face, or a resident whose template lies in a list not probed)
   * cost an exhaustive search, so the partition cannot keep a door shut that an
   * exhaustive search would open; residents found in the lists keep the fast path.
   */
  confirmBelow?: number;
  /** k-means iterations (default 8) and training vectors per list (default 16). */
  iterations?: number;
  samplePerList?: number;
}

/** PartitionOptions with every default filled in (`lists` stays optional: it depends on the gallery's size). */
export type PartitionSettings = Required<Omit<PartitionOptions, "lists" | "confirmBelow">> & { lists?: number; confirmBelow?: number };

function cosine(v: number): number {
  if (!(typeof v === "number" && v >= -1 && v <= 1)) throw new MatcherError("matcher_argument_invalid", "partition.confirmBelow must be a cosine between -1 and 1");
  return v;
}

/** The options with their defaults filled in, checked. */
export function partitionDefaults(o: PartitionOptions): PartitionSettings {
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < 1) throw new MatcherError("matcher_argument_invalid", `partition.${name} must be a positive integer`);
    return v;
  };
  return {
    minTemplates: positive("minTemplates", o.minTemplates, DEFAULT_PARTITION_MIN_TEMPLATES),
    ...(o.lists !== undefined ? { lists: positive("lists", o.lists, 1) } : {}),
    ...(o.confirmBelow !== undefined ? { confirmBelow: cosine(o.confirmBelow) } : {}),
    nprobe: positive("nprobe", o.nprobe, DEFAULT_NPROBE),
    random: o.random ?? mulberry32(PARTITION_SEED),
    iterations: positive("iterations", o.iterations, 8),
    samplePerList: positive("samplePerList", o.samplePerList, 16),
  };
}
