/**
 * `facegate bench <name> [options] [--json]`: benchmarks an installer runs on the target
 * hardware. Each benchmark lives in `device/bench/<name>-bench.ts` and exports
 * `runBench(argv, io)`, passing its own usage text to parseArgs (so `--help` shows it).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CliIo } from "../cli-io.js";
import { dispatch, type Subcommand } from "../usage.js";
import { moduleExt } from "../../../models/package-root.js";

export const summary = "measure latency, memory and start time (pipeline | search --size N | partition | startup --size N | cli)";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench");
/** "-bench.ts" when the sources run, "-bench.js" for the build. */
const suffix = `-bench${moduleExt(import.meta.url)}`;

export const subcommands: readonly string[] = readdirSync(benchDir)
  .filter((f) => f.endsWith(suffix))
  .map((f) => f.slice(0, -suffix.length))
  .sort();

export const usage = [
  `usage: facegate bench <${subcommands.join("|")}> [options] [--json]`,
  "  Measures on this machine what SPEC section 5 sets targets for; figures are noisy on a",
  "  shared CPU: run them on the terminal itself, idle.",
  "'facegate bench <name> --help' lists a benchmark's options.",
].join("\n");

/** A benchmark as a subcommand; its real usage text is the one it gives parseArgs. */
function bench(name: string): Subcommand {
  return {
    usage: `usage: facegate bench ${name} ...`,
    async run(argv, io) {
      const mod = (await import(pathToFileURL(join(benchDir, `${name}${suffix}`)).href)) as { runBench: (argv: string[], io: CliIo) => Promise<number> };
      return mod.runBench(argv, io);
    },
  };
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, Object.fromEntries(subcommands.map((name) => [name, bench(name)])), usage);
}
