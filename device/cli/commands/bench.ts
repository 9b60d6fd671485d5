/**
 * `facegate bench <name> [options] [--json]`: benchmarks an installer runs on the target
 * hardware. Each benchmark lives in `device/bench/<name>-bench.ts` and exports
 * `runBench(argv, io)`.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type CliIo, UsageError } from "../cli-io.js";

export const summary = "measure latency and memory (pipeline | search --size N | startup --size N)";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const available = readdirSync(benchDir)
    .filter((f) => f.endsWith("-bench.ts"))
    .map((f) => f.slice(0, -"-bench.ts".length));
  if (!name || !/^[a-z-]+$/.test(name) || !existsSync(join(benchDir, `${name}-bench.ts`))) {
    throw new UsageError(`usage: facegate bench <${available.join("|")}> [options] [--json]`);
  }
  const mod = (await import(pathToFileURL(join(benchDir, `${name}-bench.ts`)).href)) as {
    runBench: (argv: string[], io: CliIo) => Promise<number>;
  };
  return mod.runBench(rest, io);
}
