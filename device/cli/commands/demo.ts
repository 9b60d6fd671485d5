/**
 * `facegate demo [--faces DIR] [--models DIR] [--broker URL --mqtt-version 4|5] [--out DIR] [--json]`
 *
 * A building gate on simulated hardware with the real face models and the fixture photos
 * (../shared/faces or FACEGATE_FACES), managed by a property operator over MQTT (an
 * embedded broker unless --broker is given). Prints what happens step by step and exits
 * 0 when every step went as expected (device/demo/run-demo.ts tells the story).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../../../sdk/errors.js";
import { defaultFacesDir } from "../../../simulator/simulated-gate.js";
import { DEMO_GATE, DEMO_SITE } from "../../demo/demo-cast.js";
import { formatSummary, stepPrinter } from "../../demo/demo-report.js";
import { runDemo } from "../../demo/run-demo.js";
import { intValue, parseArgs } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";

export const summary = "run a demo gate: residents by face, card and PIN, a stranger, consent withdrawn at the gate, deletion over MQTT";

export const usage = "usage: facegate demo [--faces DIR] [--models DIR] [--broker URL [--mqtt-version 4|5]] [--out DIR] [--json]";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["faces", "models", "broker", "mqtt-version", "out"], usage });
  const json = args.flags.has("json");
  const facesDir = args.values["faces"] ? resolve(io.cwd, args.values["faces"]) : defaultFacesDir(io.env);
  if (!existsSync(join(facesDir, "identities"))) {
    throw new ConfigError(`face fixtures not found at ${facesDir}: put ../shared/faces beside the checkout, set FACEGATE_FACES, or pass --faces DIR`);
  }
  let mqtt: { url: string; protocolVersion: 4 | 5 } | undefined;
  if (args.values["broker"]) {
    const version = intValue(args, "mqtt-version", 5);
    if (version !== 4 && version !== 5) throw new UsageError("--mqtt-version must be 4 or 5");
    mqtt = { url: args.values["broker"], protocolVersion: version };
  }
  const startAt = Date.now();
  if (!json) io.out(`facegate demo: gate '${DEMO_GATE}' of site '${DEMO_SITE.id}' on simulated hardware, ${new Date(startAt).toISOString()}\nloading the face models and starting the gate...`);
  const report = await runDemo({
    facesDir,
    startAt,
    stopwatch: () => performance.now(),
    ...(args.values["models"] ? { modelsDir: resolve(io.cwd, args.values["models"]) } : {}),
    ...(mqtt ? { mqtt } : {}),
    ...(args.values["out"] ? { outDir: resolve(io.cwd, args.values["out"]) } : {}),
    ...(json ? {} : { onStep: stepPrinter(io.out) }),
  });
  if (json) io.out(JSON.stringify(report));
  else io.out(`broker: ${report.broker}; device key ${report.deviceKeyId}${formatSummary(report)}`);
  return report.passed ? EXIT.ok : EXIT.failure;
}
