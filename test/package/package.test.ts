/**
 * facegate as a package a terminal maker installs: `npm pack` (which builds) in a copy
 * of the checkout (its own dist/, so the checkout's build, which other tests run, is
 * left alone, and no stale build output can slip in), the tarball's file list (no test, no fixture, no model, no TypeScript source), then the
 * example integration (./consumer) copied outside the repository, with the tarball
 * installed and nothing else of the sources reachable: its files type-check against the
 * published types (and a wrong one does not), the exported camera contract suite passes
 * on its own driver, a gate starts on it, the built bin runs, and what is not exported
 * cannot be imported.
 *
 * Installing from scratch would build better-sqlite3 from source (about 2 minutes): the
 * consumer installs with --ignore-scripts and --prefer-offline (the npm cache is warm),
 * takes the native module this checkout already built when the versions are the same
 * (else `npm rebuild better-sqlite3`), and runs facegate's own install script (the model
 * check) with `npm rebuild facegate`. The models stay where this checkout keeps them
 * (FACEGATE_MODELS_DIR for the install check, `models.dir` for the gate).
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../models/manifest.js";
import { repoRoot } from "../support/faces.js";

const MINUTES = 60_000;
const work = mkdtempSync(join(tmpdir(), "fg-package-"));
const consumer = join(work, "consumer");
const castDir = join(repoRoot, "simulator", "cast");

interface RepoPackage {
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
  devDependencies: Record<string, string>;
}
const repoPackage = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as RepoPackage;

/** The environment of a child npm, tsc or vitest: none of the npm or vitest variables of this run. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|VITEST|NODE_OPTIONS$|TEST$)/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: childEnv(extra), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}${r.error ? ` (${r.error.message})` : ""}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

let tarball = "";
let files: string[] = [];

beforeAll(() => {
  // The checkout's files without its build, dependencies, models or local data; its node_modules linked.
  const source = join(work, "source");
  const skipped = /^(\.git|node_modules|dist|coverage|models\/files|\.facegate)(\/|$)|(^|\/)node_modules(\/|$)|\.(tgz|db|db-wal|db-shm|sqlite|key)$/;
  cpSync(repoRoot, source, { recursive: true, filter: (src) => !skipped.test(relative(repoRoot, src)) });
  symlinkSync(join(repoRoot, "node_modules"), join(source, "node_modules"));
  const packed = join(work, "packed");
  mkdirSync(packed);
  // `prepare` builds, then checks the models: those of this checkout (nothing is fetched).
  ok(run("npm", ["pack", "--pack-destination", packed, "--silent"], source, { FACEGATE_MODELS_DIR: defaultModelsDir() }), "npm pack");
  const [name] = readdirSync(packed).filter((f) => f.endsWith(".tgz"));
  tarball = join(packed, name!);
  files = ok(run("tar", ["-tzf", tarball], work), "tar -tzf")
    .split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""));

  // The example integration, outside the repository: no path up from it reaches the sources.
  cpSync(join(repoRoot, "test", "package", "consumer"), consumer, { recursive: true, filter: (src) => !src.includes("node_modules") });
  const pkg = JSON.parse(readFileSync(join(consumer, "package.json"), "utf8")) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  pkg.dependencies["facegate"] = `file:${tarball}`;
  for (const dep of ["typescript", "vitest", "@types/node"]) pkg.devDependencies[dep] = repoPackage.devDependencies[dep]!;
  writeFileSync(join(consumer, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  ok(run("npm", ["install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], consumer), "npm install in the consumer");

  const ours = join(repoRoot, "node_modules", "better-sqlite3");
  const theirs = join(consumer, "node_modules", "better-sqlite3");
  const version = (dir: string) => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  const built = join(ours, "build", "Release", "better_sqlite3.node");
  if (existsSync(built) && version(ours) === version(theirs)) {
    mkdirSync(join(theirs, "build", "Release"), { recursive: true });
    cpSync(built, join(theirs, "build", "Release", "better_sqlite3.node"));
  } else {
    ok(run("npm", ["rebuild", "better-sqlite3"], consumer), "npm rebuild better-sqlite3");
  }
  // facegate's own install script: checks (or fetches) the models; here those of this checkout.
  ok(run("npm", ["rebuild", "facegate", "--foreground-scripts"], consumer, { FACEGATE_MODELS_DIR: defaultModelsDir() }), "facegate's install script");
}, 15 * MINUTES);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed tarball", () => {
  it("holds the build, the bin, the model manifest and the changelog; every export is in it", () => {
    for (const f of ["package.json", "README.md", "CHANGELOG.md", "bin/facegate.mjs", "models/manifest.json", "dist/device/cli/facegate.js", "dist/sdk/vault/decrypt-worker.mjs", "dist/device/site/console/static/index.html", "dist/device/site/console/static/console.css", "dist/device/site/console/static/console.js"]) {
      expect(files, f).toContain(f);
    }
    for (const [entry, target] of Object.entries(repoPackage.exports)) {
      for (const path of typeof target === "string" ? [target] : [target.types, target.default]) expect(files, `export ${entry}: ${path}`).toContain(path.replace(/^\.\//, ""));
    }
  });

  it("holds nothing under test/, no fixture or photo, no model file and no TypeScript source", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => f.startsWith("test/") || f.includes("/test/"))).toEqual([]);
    expect(files.filter((f) => /\.(jpe?g|png|webp|gif|bmp|csv)$/i.test(f) || f.includes("fixture") || f.startsWith("simulator/"))).toEqual([]);
    expect(files.filter((f) => /\.onnx$/i.test(f) || f.startsWith("models/files") || f.startsWith("dist/models/files"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !f.endsWith(".d.mts"))).toEqual([]);
    expect(files.filter((f) => /\.(db|sqlite|key|tgz)$/.test(f) || f.startsWith("dist/docs/"))).toEqual([]);
  });
});

describe("installed in a consumer project without the sources", () => {
  it("type-checks the consumer's files against the published types", () => {
    ok(run(join(consumer, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."], consumer), "tsc in the consumer");
  });

  it("a consumer file that breaks the published types does not type-check (the types are real, not any)", () => {
    const wrong = join(consumer, "src", "wrong.ts");
    writeFileSync(
      wrong,
      [
        'import type { Camera } from "facegate/hal";',
        'import { startGateRuntime } from "facegate";',
        'export const camera: Camera = { id: "c", kind: "camera", status: "on" };',
        "export const started = startGateRuntime({ hardware: {} });",
        "",
      ].join("\n"),
    );
    try {
      const r = run(join(consumer, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."], consumer);
      expect(r.status).not.toBe(0);
      const errors = r.stdout.split("\n").filter((l) => l.startsWith("src/wrong.ts"));
      expect(errors.length, r.stdout).toBeGreaterThanOrEqual(2);
      expect(r.stdout.split("\n").filter((l) => /error TS/.test(l) && !l.startsWith("src/wrong.ts")), "only the wrong file fails").toEqual([]);
    } finally {
      rmSync(wrong);
    }
  });

  it("runs the exported camera contract suite on the consumer's own driver, and starts a gate on it", () => {
    const photos = join(work, "photos");
    const stranger = join(work, "stranger");
    mkdirSync(photos);
    mkdirSync(stranger);
    for (const f of ["bbt3.jpg", "bbt4.jpg"]) cpSync(join(castDir, "groups", f), join(photos, f));
    cpSync(join(castDir, "strangers", "neutral.jpg"), join(stranger, "neutral.jpg"));
    const report = join(work, "vitest.json");
    const r = run(join(consumer, "node_modules", ".bin", "vitest"), ["run", "--reporter=json", `--outputFile=${report}`], consumer, {
      PHOTOS_DIR: photos,
      STRANGER_DIR: stranger,
      MODELS_DIR: defaultModelsDir(),
    });
    expect(existsSync(report), `${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).toBe(true);
    const results = JSON.parse(readFileSync(report, "utf8")) as { numFailedTests: number; numPassedTests: number; testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }> };
    const tests = results.testResults.flatMap((t) => t.assertionResults);
    expect(tests.filter((t) => t.status !== "passed"), r.stderr.slice(-4000)).toEqual([]);
    const contract = tests.filter((t) => t.fullName.startsWith("camera contract (sdk/hal/camera.ts): FolderCamera"));
    expect(contract.length, "every obligation of the camera contract ran on the FolderCamera").toBeGreaterThanOrEqual(10);
    expect(tests.some((t) => /starts a gate on the folder camera/.test(t.fullName))).toBe(true);
    expect(r.status).toBe(0);
  });

  it("runs the built facegate command (no TypeScript loader installed)", () => {
    expect(existsSync(join(consumer, "node_modules", "tsx")), "tsx is a development dependency only").toBe(false);
    const bin = join(consumer, "node_modules", ".bin", "facegate");
    expect(ok(run(bin, ["--version"], consumer), "facegate --version").trim()).toBe(`facegate ${repoPackage.version}`);
    const help = ok(run(bin, ["--help"], consumer), "facegate --help");
    for (const command of ["device", "doctor", "models", "operator"]) expect(help).toMatch(new RegExp(`^  ${command} `, "m"));
    const models = ok(run(bin, ["models", "verify", "--dir", defaultModelsDir(), "--json"], consumer), "facegate models verify");
    expect(models).toMatch(/"ok":\s*true/);
  });

  it("exposes its entry points to plain Node, and nothing else", () => {
    const script = [
      'const entries = ["facegate", "facegate/hal", "facegate/protocol", "facegate/operator", "facegate/simulator", "facegate/package.json"];',
      "const loaded = {};",
      'for (const e of entries) loaded[e] = Object.keys(await import(e, e.endsWith(".json") ? { with: { type: "json" } } : undefined)).length;',
      "const blocked = {};",
      'for (const e of ["facegate/dist/sdk/vault/vault-loader.js", "facegate/sdk/errors", "facegate/models/manifest.json", "facegate/device/runtime/gate-runtime.js"]) {',
      "  try { await import(e); blocked[e] = 'importable'; } catch (err) { blocked[e] = err.code; }",
      "}",
      "console.log(JSON.stringify({ loaded, blocked }));",
    ].join("\n");
    const out = JSON.parse(ok(run(process.execPath, ["--input-type=module", "-e", script], consumer), "node imports")) as { loaded: Record<string, number>; blocked: Record<string, string> };
    for (const [entry, count] of Object.entries(out.loaded)) expect(count, `${entry} exports something`).toBeGreaterThan(0);
    expect(out.loaded["facegate"]).toBeGreaterThan(10);
    for (const [path, code] of Object.entries(out.blocked)) expect(code, path).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });
});
