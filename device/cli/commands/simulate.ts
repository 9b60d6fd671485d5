/**
 * `facegate simulate --scenario FILE [--faces DIR] [--data DIR] [--models DIR] [--json]`: runs a scripted
 * scenario (simulator/scenarios/README.md) against a gate on simulated hardware and
 * reports each step, the events and pass/fail. Exit code 0 when the scenario passes.
 *
 * The gate comes from `buildSimulatedGate`, the device's own composition root on
 * simulated hardware. Without usable face models, a scenario that needs face reports
 * what is missing and fails.
 */
import type { ScenarioResult } from "../../scenario/scenario-runner.js";
import type { SimulatedGateOptions } from "../../scenario/simulated-gate.js";
import { parseArgs, positionals, requireValue } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { resolve } from "node:path";

export const summary = "run a scripted scenario against a gate on simulated hardware (--scenario FILE)";

/** Options for the simulated gate beyond the scenario: where the photos, the data and the models are. */
export function simulateOptions(
  io: CliIo,
  args: { faces?: string; data?: string; models?: string },
  defaultFacesDir: (env: Record<string, string | undefined>) => string,
): Omit<SimulatedGateOptions, "gates" | "gateId" | "start"> {
  return {
    facesDir: args.faces ? resolve(io.cwd, args.faces) : defaultFacesDir(io.env),
    ...(args.data ? { dataDir: resolve(io.cwd, args.data) } : {}),
    ...(args.models ? { modelsDir: resolve(io.cwd, args.models) } : {}),
  };
}

function text(result: ScenarioResult): string {
  const lines = [`scenario: ${result.name}${result.covers.length ? ` (${result.covers.join(", ")})` : ""}`];
  for (const s of result.steps) {
    const decision = s.decision ? ` -> ${s.decision.granted ? "granted" : "denied"} (${String(s.decision.method)}, ${String(s.decision.reason)})` : "";
    const err = s.error ? ` -> error ${s.error.code}` : "";
    lines.push(`  ${s.passed ? "ok  " : "FAIL"} ${String(s.index + 1).padStart(2)} ${s.do}${s.note ? ` - ${s.note}` : ""}${decision}${err}`);
    for (const f of s.failures) lines.push(`         ${f}`);
  }
  lines.push(`events: ${result.events.map((e) => e.type).join(", ") || "(none)"}`);
  for (const f of result.failures) lines.push(`FAIL: ${f}`);
  lines.push(result.passed ? "PASSED" : "FAILED");
  return lines.join("\n");
}

export const usage = [
  "usage: facegate simulate --scenario FILE [--faces DIR] [--data DIR] [--models DIR] [--json]",
  "  Runs a scripted scenario (simulator/scenarios/README.md) against a gate on simulated hardware;",
  "  exit 0 when it passes. Photos: DIR, else FACEGATE_FACES, else ../shared/faces.",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["scenario", "faces", "data", "models"], usage });
  positionals(args, []);
  const file = resolve(io.cwd, requireValue(args, "scenario"));
  // Loaded only to run, so that `facegate --help` (which reads every command's summary) stays quick.
  const [{ loadScenarioFile, simulateScenario }, { defaultFacesDir }] = await Promise.all([import("../../scenario/scenario-runner.js"), import("../../scenario/simulated-gate.js")]);
  const scenario = await loadScenarioFile(file);
  const result = await simulateScenario(scenario, simulateOptions(io, { faces: args.values["faces"], data: args.values["data"], models: args.values["models"] }, defaultFacesDir));
  if (args.flags.has("json")) io.out(JSON.stringify({ scenario: file, ...result }));
  else io.out(text(result));
  return result.passed ? EXIT.ok : EXIT.failure;
}
