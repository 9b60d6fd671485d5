/**
 * Where facegate's own files are: the folder of its package.json (a checkout, or
 * node_modules/facegate when installed), found by walking up from this module. The same
 * call holds for the sources (models/) and the build (dist/models/), which sit at
 * different depths; files that ship beside the build (models/manifest.json, the demo's
 * cast) are named relative to it. `moduleExt` is the extension of the running modules
 * (".ts" under tsx or vitest, ".js" built), for code that lists its own modules.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "facegate";

let cached: string | undefined;

function isFacegatePackage(dir: string): boolean {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isFacegatePackage(dir)) return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`facegate: no package.json named "${PACKAGE_NAME}" above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** facegate's package.json, parsed. */
export function packageJson(): { name: string; version: string; engines?: { node?: string } } {
  return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { name: string; version: string; engines?: { node?: string } };
}

/** Extension of a module URL: ".ts" when the sources run (tsx, vitest), ".js" for the build. */
export function moduleExt(moduleUrl: string): ".ts" | ".js" {
  return moduleUrl.endsWith(".ts") ? ".ts" : ".js";
}

/** Node arguments a child process needs to run a sibling of this module: the TypeScript loader when the sources run, none for the build. */
export function loaderArgs(moduleUrl: string): string[] {
  return moduleExt(moduleUrl) === ".ts" ? ["--import", "tsx"] : [];
}
