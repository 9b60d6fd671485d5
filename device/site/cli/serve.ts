/**
 * `facegate site serve --config site.json`: runs the site service until SIGTERM or SIGINT,
 * then stops cleanly (the MQTT session closed, the database closed) and exits 0.
 * Start-up failures exit by what is wrong: 3 configuration, 6 keys, 1 anything else.
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";

export const summary = "run the site service: every gate of the estate from one office (--config site.json)";

export const usage = [
  "usage: facegate site serve --config FILE [--check] [--json]",
  "  Runs the site service until SIGTERM or SIGINT, then stops cleanly and exits 0. --check only",
  "  validates the configuration. Exit codes: 3 configuration, 6 keys.",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config"], flags: ["check"], usage });
  positionals(args, []);
  const [{ loadSiteConfig }, { resolve }] = await Promise.all([import("../site-config.js"), import("node:path")]);
  const config = loadSiteConfig(resolve(io.cwd, requireValue(args, "config")));
  if (args.flags.has("check")) {
    io.out(args.flags.has("json") ? JSON.stringify({ ok: true, site: config.site.id, gates: config.gates.length }) : `configuration ok: site ${config.site.id}, ${config.gates.length} gates`);
    return EXIT.ok;
  }
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  process.once("SIGTERM", requestStop);
  process.once("SIGINT", requestStop);
  try {
    const [{ createLogger, jsonLineSink }, { systemClock }, { systemTimers }, { startSiteRuntime }] = await Promise.all([
      import("../../../sdk/log/logger.js"),
      import("../../../sdk/time/clock.js"),
      import("../../runtime/system-timers.js"),
      import("../site-runtime.js"),
    ]);
    const logger = createLogger({ sink: jsonLineSink((l) => io.err(l)), level: config.log.level, now: () => systemClock.now() });
    const runtime = await startSiteRuntime({ config, clock: systemClock, timers: systemTimers, logger });
    io.out(`facegate: site ${config.site.id} running (${config.gates.length} gates configured, database ${runtime.store.engine}); SIGTERM stops it`);
    if (runtime.api) io.out(`facegate: site API on ${runtime.api.url}`);
    await stopRequested;
    await runtime.stop();
    io.out("facegate: site stopped");
    return EXIT.ok;
  } finally {
    process.off("SIGTERM", requestStop);
    process.off("SIGINT", requestStop);
  }
}
