/**
 * `facegate doctor --config FILE [--timeout MS] [--json]`: checks a terminal before (and
 * after) it goes on a door: Node.js, configuration, models, data directory, disk, key
 * file, database, clock, broker and each configured driver (device/doctor/). One line a
 * check, or one JSON object; every problem comes with what to do.
 *
 * Exit 0 when nothing failed (warnings allowed), 1 when something the gate needs is
 * missing or wrong. Run it as the device user: it checks what that user can do.
 */
import { resolve } from "node:path";
import { intValue, parseArgs, positionals, requireValue } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";

export const summary = "check a terminal: node, models, key file, database, disk, clock, broker, drivers (--config FILE)";

export const usage = [
  "usage: facegate doctor --config FILE [--timeout MS] [--json]",
  "  Checks what the gate needs, one line each: Node.js, the configuration, the face models,",
  "  the data directory and its free disk, the key file's permissions, the database (read-only,",
  "  never created), the clock, the broker (configured URL and protocol, --timeout, default",
  "  5000 ms) and each configured driver. FAIL: the gate cannot work as configured (exit 1);",
  "  WARN: it works but needs attention. Every problem says what to do.",
  "  Run it as the device user: runuser -u facegate -- facegate doctor --config /etc/facegate/device.json",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config", "timeout"], usage });
  positionals(args, []);
  const configFile = resolve(io.cwd, requireValue(args, "config"));
  // Loaded only to run, so that `facegate --help` (which reads every command's summary) stays quick.
  const [{ formatCheck }, { runDoctor }] = await Promise.all([import("../../doctor/check.js"), import("../../doctor/doctor.js")]);
  const { config, ...report } = await runDoctor({ configFile, now: () => Date.now(), env: io.env, brokerTimeoutMs: intValue(args, "timeout", 5_000) });
  if (args.flags.has("json")) {
    io.out(JSON.stringify({ config: configFile, ...(config ? { site: config.site.id, gate: config.gateId } : {}), ...report }));
  } else {
    const width = Math.max(...report.checks.map((c) => c.name.length));
    for (const c of report.checks) io.out(formatCheck(c, width));
    const warnings = report.warnings ? ` (${report.warnings} warning${report.warnings > 1 ? "s" : ""})` : "";
    io.out(report.ok ? `doctor: nothing the gate needs is missing${warnings}` : `doctor: ${report.failures} problem${report.failures > 1 ? "s" : ""} to fix before this gate can work${warnings}`);
  }
  return report.ok ? EXIT.ok : EXIT.failure;
}
