/**
 * How the gate's Node process is started (device/install/facegate.service): the Node
 * flags and the environment. The benchmarks that stand for a running gate (`bench
 * startup`, `bench door`) start their measuring process the same way.
 *
 * `--max-semi-space-size=2`: V8's young generation is held to 2 MiB semi-spaces instead
 * of growing to 16 MiB. Loading 100,000 templates allocates enough short-lived objects to
 * grow it to the maximum, and it never shrinks on a gate that then idles: 30 MiB of the
 * 292 MiB steady resident set (issue 18) were an empty young generation. Smaller
 * semi-spaces also make each scavenge shorter: a pause of the event loop is bounded by
 * what survives in 2 MiB, not in 16.
 *
 * The environment: glibc's freed-memory wipe (malloc-wipe.ts).
 */
import { withMallocWipe } from "./malloc-wipe.js";

export const GATE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2"];

/** Whether a process started with `execArgv` (and `NODE_OPTIONS`) has every gate flag. */
export function gateFlagsActive(execArgv: readonly string[], nodeOptions = ""): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/).filter((f) => f !== "")];
  return GATE_NODE_FLAGS.every((flag) => given.includes(flag));
}

/** Node arguments for a child process that runs as a gate: `execArgv` with the gate's flags added. */
export function gateExecArgv(execArgv: readonly string[]): string[] {
  const name = (flag: string) => flag.split("=")[0];
  const kept = execArgv.filter((a) => !GATE_NODE_FLAGS.some((flag) => name(flag) === name(a)));
  return [...kept, ...GATE_NODE_FLAGS];
}

/** The environment of a gate process: `env` with glibc's freed-memory wipe. */
export function gateProcessEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return withMallocWipe(env);
}
