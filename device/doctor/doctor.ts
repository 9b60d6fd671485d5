/**
 * `facegate doctor`: every check of a terminal, in the order an installer fixes things
 * (software, configuration, files, time, network, hardware), run once and reported
 * together. Without a readable configuration only the checks that need none are run.
 */
import { type DeviceConfig, loadDeviceConfig } from "../config/device-config.js";
import { ConfigError } from "../../sdk/errors.js";
import { brokerCheck, DEFAULT_BROKER_TIMEOUT_MS } from "./broker-check.js";
import { type CheckResult, type DoctorCheck, type DoctorReport, fail, pass, runChecks, summarize } from "./check.js";
import { clockCheck } from "./clock-check.js";
import { driverChecks } from "./driver-checks.js";
import { modelsCheck, nodeCheck } from "./runtime-checks.js";
import { dataDirCheck, databaseCheck, diskCheck, keyFileCheck } from "./storage-checks.js";
import { TerminalProbe } from "./terminal-probe.js";

/** How the placeholder operator key of device/config/example.json begins. */
const EXAMPLE_KEY_PREFIX = "REPLACEWITHYOUROWNKEY";

export interface DoctorOptions {
  configFile: string;
  /** The wall clock under test (Date.now on a terminal). */
  now: () => number;
  env?: Record<string, string | undefined>;
  brokerTimeoutMs?: number;
  /** The user doctor runs as; default process.getuid(). */
  uid?: number;
  nodeVersion?: string;
}

export interface DoctorRun extends DoctorReport {
  /** The configuration, when it could be read. */
  config?: DeviceConfig;
}

/** The checks that need the configuration. */
export function terminalChecks(config: DeviceConfig, options: DoctorOptions, probe: TerminalProbe): DoctorCheck[] {
  return [
    modelsCheck(config, options.env),
    dataDirCheck(config, probe.uid),
    diskCheck(config),
    keyFileCheck(probe),
    databaseCheck(probe),
    clockCheck(probe, options.now),
    brokerCheck(config, options.brokerTimeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS),
    ...driverChecks(config),
  ];
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorRun> {
  const file = options.configFile;
  let config: DeviceConfig | undefined;
  const configuration: DoctorCheck = {
    name: "configuration",
    run() {
      try {
        config = loadDeviceConfig(file);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        return fail(err.message, "correct what is named (device/config/example.json is a complete example), then facegate device --config FILE --check");
      }
      if (config.operators.some((o) => o.publicKey.startsWith(EXAMPLE_KEY_PREFIX))) {
        return fail(`${file}: operators still holds the example's placeholder key: nobody can send this gate a command`, "facegate operator keygen --out office.key on the office computer, and put the public key it prints in operators");
      }
      return pass(`${file}: site ${config.site.id}, gate ${config.gateId}, ${config.gates.length} gate ${config.gates.length === 1 ? "policy" : "policies"}, ${config.operators.length} operator key(s)`);
    },
  };
  const results: CheckResult[] = await runChecks([nodeCheck(options.nodeVersion), configuration]);
  if (!config) return summarize(results);
  const probe = new TerminalProbe(config, options.uid ?? process.getuid?.());
  try {
    results.push(...(await runChecks(terminalChecks(config, options, probe))));
  } finally {
    probe.close();
  }
  return { ...summarize(results), config };
}
