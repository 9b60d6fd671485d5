/**
 * Fetches the face models: `npm pack` of the pinned package (npm itself, so registry,
 * proxy and cache settings apply), checks the tarball's integrity against the manifest,
 * extracts only the four models the gate uses, verifies each SHA-256 and writes them
 * atomically. Idempotent: files that already verify are left alone and nothing is fetched.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelError } from "../sdk/errors.js";
import { type ModelManifest, MODEL_NAMES, loadManifest } from "./manifest.js";
import { extractFromTgz } from "./tar-reader.js";
import { sha256Hex } from "../sdk/crypto/hash.js";
import { checkModels } from "./verify.js";

export interface FetchOptions {
  dir: string;
  manifest?: ModelManifest;
  /** Progress lines (downloading, verifying...). */
  progress?: (line: string) => void;
  /** Runs `npm pack`; replaceable so a test can hand in a tarball. Returns the .tgz path. */
  pack?: (spec: string, destination: string, progress: (line: string) => void) => Promise<string>;
}

export interface FetchResult {
  dir: string;
  fetched: boolean;
  files: string[];
}

export function integrityOf(bytes: Uint8Array): string {
  return `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}

export async function npmPack(spec: string, destination: string, progress: (line: string) => void): Promise<string> {
  const started = Date.now();
  const timer = setInterval(() => progress(`  downloading ${spec}... ${Math.round((Date.now() - started) / 1000)} s`), 2000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn("npm", ["pack", spec, "--pack-destination", destination, "--silent"], {
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, npm_config_loglevel: "error" },
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm pack exited with ${code}: ${stderr.trim().slice(-500)}`))));
    });
  } finally {
    clearInterval(timer);
  }
  const tgz = readdirSync(destination).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error("npm pack produced no tarball");
  return join(destination, tgz);
}

export async function fetchModels(options: FetchOptions): Promise<FetchResult> {
  const manifest = options.manifest ?? loadManifest();
  const progress = options.progress ?? (() => {});
  const { dir } = options;
  const checks = checkModels(dir, manifest);
  if (checks.every((c) => c.ok)) {
    progress(`models: all ${checks.length} files present and verified in ${dir}`);
    return { dir, fetched: false, files: checks.map((c) => c.file) };
  }
  const spec = `${manifest.source.package}@${manifest.source.version}`;
  progress(`models: fetching ${spec} from the npm registry (about 41 MB)`);
  const work = mkdtempSync(join(tmpdir(), "facegate-models-"));
  try {
    const tgzPath = await (options.pack ?? npmPack)(spec, work, progress);
    const tgz = readFileSync(tgzPath);
    progress(`models: downloaded ${(tgz.length / 1e6).toFixed(1)} MB; checking tarball integrity`);
    if (integrityOf(tgz) !== manifest.source.integrity) {
      throw new ModelError(`the tarball of ${spec} does not match the integrity pinned in models/manifest.json; nothing was written`, { spec });
    }
    const wanted = new Map(MODEL_NAMES.map((n) => [manifest.models[n].pathInPackage, manifest.models[n]]));
    const entries = extractFromTgz(tgz, new Set(wanted.keys()));
    mkdirSync(dir, { recursive: true });
    for (const [path, entry] of wanted) {
      const bytes = entries.get(path);
      if (!bytes) throw new ModelError(`${spec} has no ${path}; the manifest does not fit the package`, { file: entry.file });
      if (sha256Hex(bytes) !== entry.sha256) throw new ModelError(`${entry.file} from ${spec} does not match its SHA-256 in the manifest`, { file: entry.file });
      const tmp = join(dir, `.${entry.file}.${process.pid}.tmp`);
      writeFileSync(tmp, bytes);
      renameSync(tmp, join(dir, entry.file));
      progress(`models: ${entry.file} verified (${(bytes.length / 1e6).toFixed(1)} MB)`);
    }
    return { dir, fetched: true, files: [...wanted.values()].map((e) => e.file) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
