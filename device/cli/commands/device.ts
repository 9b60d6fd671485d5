/**
 * `facegate device --config FILE`: runs the gate runtime until SIGTERM or SIGINT, then
 * stops in order (MQTT link with a clean "shutdown" state, expiry sweep, gate, pipeline,
 * database) and exits 0. Start-up failures exit with a code that says what is wrong:
 * 3 configuration, 4 models, 5 integrity, 6 keys, 1 anything else.
 */
import { createLogger, jsonLineSink } from "../../../sdk/log/logger.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { parseArgs, positionals, requireValue } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";

export const summary = "run the gate runtime (--config FILE)";

export const usage = [
  "usage: facegate device --config FILE [--check] [--json]",
  "  Runs the gate until SIGTERM or SIGINT, then stops in order and exits 0. --check only",
  "  validates the configuration. Exit codes: 3 configuration, 4 models, 5 integrity, 6 keys.",
  "  As a service: device/install/facegate.service (README: Installing a terminal).",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config"], flags: ["check"], usage });
  positionals(args, []);
  // Loaded only to run, so that `facegate --help` (which reads every command's summary) stays quick.
  const { loadDeviceConfig } = await import("../../config/device-config.js");
  const config = loadDeviceConfig(requireValue(args, "config"));
  if (args.flags.has("check")) {
    io.out(args.flags.has("json") ? JSON.stringify({ ok: true, gate: config.gateId, site: config.site.id }) : `configuration ok: site ${config.site.id}, gate ${config.gateId}`);
    return EXIT.ok;
  }
  // The stop signals are taken before anything starts, so a SIGTERM during start-up or
  // right after "running" is printed stops the gate cleanly instead of killing it.
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  process.once("SIGTERM", requestStop);
  process.once("SIGINT", requestStop);
  // The runtime and the drivers are loaded only to run: `--check` and `--help` stay quick.
  const [{ createDeviceDrivers }, { startGateRuntime }] = await Promise.all([import("../../drivers/create-drivers.js"), import("../../runtime/gate-runtime.js")]);
  const logger = createLogger({ sink: jsonLineSink((l) => io.err(l)), level: config.log.level, now: () => systemClock.now() });
  const { mallocWipeActive, onGlibc, MALLOC_WIPE_TUNABLE } = await import("../../runtime/malloc-wipe.js");
  if (onGlibc() && !mallocWipeActive(process.env)) {
    logger.warn(`freed memory is not wiped: start the gate with GLIBC_TUNABLES=${MALLOC_WIPE_TUNABLE} (the systemd unit sets it; README: Installing a terminal)`);
  }
  const { gateFlagsActive, GATE_NODE_FLAGS } = await import("../../runtime/gate-process.js");
  if (!gateFlagsActive(process.execArgv, process.env["NODE_OPTIONS"])) {
    logger.warn(`node runs without ${GATE_NODE_FLAGS.join(" ")}: the young generation may grow and hold ~30 MiB more than it needs (the systemd unit passes it; README: Installing a terminal)`);
  }
  const drivers = await createDeviceDrivers(config, systemClock, { logger });
  const runtime = await startGateRuntime({
    config,
    hardware: drivers.hardware,
    clock: systemClock,
    logger,
    onLoadProgress: (done, total) => logger.info("decrypting templates", { done, total }),
  });
  io.out(`facegate: gate ${config.gateId} of site ${config.site.id} running (face ${runtime.faceUnavailable ? "unavailable" : "on"}, mqtt ${runtime.link ? "on" : "off"}); SIGTERM stops it`);
  await stopRequested;
  await runtime.stop();

  await drivers.close();
  io.out("facegate: stopped");
  return EXIT.ok;
}
