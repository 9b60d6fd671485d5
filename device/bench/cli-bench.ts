/**
 * `facegate bench cli [--runs N] [--bin FILE] [--against FILE] [--json]`
 *
 * Start time of the `facegate` command: wall time, process start to exit, of
 * `node BIN --help` and of `node BIN device --check --config EXAMPLE` (EXAMPLE: the
 * device/config/example.json of BIN's package), N runs each (default 15), median and
 * spread. BIN: this package's bin/facegate.mjs. `--against FILE` also times another
 * facegate bin (another checkout or version), alternating run by run so that both see
 * the same machine load, and gives the ratio of the medians.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { packageRoot } from "../../models/package-root.js";
import { intValue, parseArgs, positionals } from "../cli/args.js";
import { type CliIo, EXIT, UsageError } from "../cli/cli-io.js";
import { summarize } from "./stats.js";

export const usage = [
  "usage: facegate bench cli [--runs N] [--bin FILE] [--against FILE] [--json]",
  "  Start time of `facegate --help` and `facegate device --check` (median of N runs, default 15).",
  "  --bin FILE: the facegate bin timed (default: this package's); --against FILE: another one,",
  "  timed alternately with it, with the ratio of the medians.",
].join("\n");

const CASES = [
  { name: "--help", args: (_example: string) => ["--help"] },
  { name: "device --check", args: (example: string) => ["device", "--check", "--config", example] },
] as const;

interface Target {
  bin: string;
  example: string;
}

function target(io: CliIo, bin: string): Target {
  const file = resolve(io.cwd, bin);
  const example = join(dirname(file), "..", "device", "config", "example.json");
  if (!existsSync(file)) throw new UsageError(`${bin}: no such file`);
  if (!existsSync(example)) throw new UsageError(`${bin}: no device/config/example.json beside its package`);
  return { bin: file, example };
}

/** Milliseconds from spawn to exit of `node bin ...args`; a run that fails fails the benchmark. */
function timeRun(t: Target, args: readonly string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [t.bin, ...args], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node ${t.bin} ${args.join(" ")} exited with ${r.status}: ${r.stderr.trim().slice(-300)}`);
  return ms;
}

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["runs", "bin", "against"], usage });
  positionals(args, []);
  const runs = intValue(args, "runs", 15);
  const main = target(io, args.values["bin"] ?? join(packageRoot(), "bin", "facegate.mjs"));
  const against = args.values["against"] ? target(io, args.values["against"]) : undefined;
  const report = [];
  for (const c of CASES) {
    const samples: number[] = [];
    const other: number[] = [];
    for (let i = 0; i < runs; i++) {
      samples.push(timeRun(main, c.args(main.example)));
      if (against) other.push(timeRun(against, c.args(against.example)));
    }
    const ms = summarize(samples);
    const base = against ? summarize(other) : undefined;
    report.push({
      command: `facegate ${c.name}`,
      runs,
      medianMs: Math.round(ms.p50),
      minMs: Math.round(Math.min(...samples)),
      maxMs: Math.round(ms.max),
      ...(base ? { againstMedianMs: Math.round(base.p50), ratio: Math.round((ms.p50 / base.p50) * 100) / 100 } : {}),
    });
  }
  if (args.flags.has("json")) io.out(JSON.stringify({ bin: main.bin, ...(against ? { against: against.bin } : {}), results: report }));
  else {
    io.out(`bin: ${main.bin}${against ? `\nagainst: ${against.bin}` : ""}`);
    for (const r of report) {
      const vs = r.againstMedianMs !== undefined ? `; against ${r.againstMedianMs} ms, ratio ${r.ratio}` : "";
      io.out(`${r.command.padEnd(24)} median ${r.medianMs} ms (min ${r.minMs}, max ${r.maxMs}, ${r.runs} runs)${vs}`);
    }
  }
  return EXIT.ok;
}
