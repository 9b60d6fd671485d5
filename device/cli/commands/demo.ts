/**
 * `facegate demo [--faces DIR] [--models DIR] [--broker URL --mqtt-version 4|5] [--out DIR] [--json]`
 *
 * A building gate on simulated hardware with the real face models and the demo's own cast
 * (simulator/cast, shipped with the repository, so it runs from a fresh clone), managed by
 * a property operator over MQTT (an embedded broker unless --broker is given). Prints what
 * happens step by step and exits 0 when every step went as expected
 * (device/demo/run-demo.ts tells the story).
 */
import { resolve } from "node:path";
import { intValue, parseArgs, positionals } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { UsageProblem } from "../usage.js";

export const summary = "run a demo gate: residents by face, card and PIN, a stranger, consent withdrawn at the gate, deletion over MQTT";

export const usage = [
  "usage: facegate demo [--faces DIR] [--models DIR] [--broker URL [--mqtt-version 4|5]] [--out DIR] [--json]",
  "  One gate on simulated hardware, real face models, managed over MQTT with signed commands;",
  "  prints each step, what was expected and what happened; exit 0 when every step went as expected.",
  "  --faces DIR   other photos: DIR/cast.json names four residents and the strangers (format:",
  "                simulator/cast/README.md), or DIR holds the files of the shipped cast by the",
  "                same names (e.g. ../shared/faces). Default: the cast in simulator/cast.",
  "  --broker URL  a broker of your own (default: an embedded one on 127.0.0.1)",
  "  --out DIR     keep the receipts, the audit export and the device public key, for",
  "                facegate receipt verify / audit verify",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["faces", "models", "broker", "mqtt-version", "out"], usage });
  positionals(args, []);
  const json = args.flags.has("json");
  // Loaded only to run, so that `facegate --help` (which reads every command's summary) stays quick.
  const [{ DEMO_GATE, DEMO_SITE, loadDemoCast }, { formatSummary, stepPrinter }, { runDemo }] = await Promise.all([
    import("../../demo/demo-cast.js"),
    import("../../demo/demo-report.js"),
    import("../../demo/run-demo.js"),
  ]);
  const cast = loadDemoCast(args.values["faces"] ? resolve(io.cwd, args.values["faces"]) : undefined);
  let mqtt: { url: string; protocolVersion: 4 | 5 } | undefined;
  if (args.values["broker"]) {
    const version = intValue(args, "mqtt-version", 5);
    if (version !== 4 && version !== 5) throw new UsageProblem("--mqtt-version must be 4 or 5", usage);
    mqtt = { url: args.values["broker"], protocolVersion: version };
  }
  const startAt = Date.now();
  if (!json) io.out(`facegate demo: gate '${DEMO_GATE}' of site '${DEMO_SITE.id}' on simulated hardware, ${new Date(startAt).toISOString()}\ncast: ${cast.file}\nloading the face models and starting the gate...`);
  const report = await runDemo({
    cast,
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
