/**
 * The `facegate` command as a child process, on the sources: node with tsx's loader
 * (named by its file URL, so the child may run from any folder and as another user) and
 * device/cli/facegate.ts. The tests run the sources; the built bin (bin/facegate.mjs on
 * dist/) is run by the package test (test/package/).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./faces.js";

const TSX_LOADER = pathToFileURL(join(repoRoot, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Arguments for `spawn(process.execPath, cliArgs([...]))`. */
export function cliArgs(args: readonly string[]): string[] {
  return ["--import", TSX_LOADER, join(repoRoot, "device", "cli", "facegate.ts"), ...args];
}
