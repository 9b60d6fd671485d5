/**
 * The device configuration file (JSON, versioned; schema in config-schema.ts). Validated
 * once at start; every error reads `path: problem` and names the field, so an installer
 * can fix the file.
 *
 * Paths inside the file are relative to the file's own folder.
 */
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../../sdk/errors.js";
import type { ProcessingNoticeContent } from "../../sdk/consent/notice.js";
import { type GatePolicy, gatePolicyError, parseGatePolicies } from "../../sdk/policy/gate-policy.js";
import type { LogLevel } from "../../sdk/log/logger.js";
import { compileChecker } from "../../sdk/schema/schema-check.js";
import { type BrokerAuthFiles, brokerAuthProblems } from "../../sdk/transport/broker-credentials.js";
import { CONFIG_VERSION, DeviceConfigFileSchema } from "./config-schema.js";
import { type DriversConfig, parseDriversConfig } from "./drivers-config.js";
import { loadJsonConfig } from "./load-json-config.js";

export { CONFIG_VERSION };

export interface OperatorKeyEntry {
  label: string;
  role: "admin" | "operator" | "auditor";
  /** Ed25519 public key, base64. */
  publicKey: string;
}

export interface DeviceConfig {
  version: typeof CONFIG_VERSION;
  site: { id: string; processorId: string };
  /** This terminal's gate. */
  gateId: string;
  /** Policies of the site's gates (this gate's must be among them). */
  gates: GatePolicy[];
  dataDir: string;
  keyFile: string;
  models: { dir?: string; enabled: boolean };
  /** "simulated" for every device, or a driver per device (drivers-config.ts). */
  drivers: "simulated" | DriversConfig;
  consent: { maxDays: number; maxMinorDays: number };
  /** Broker files are absolute paths; read (and their permissions checked) when the link starts. */
  mqtt?: { url: string; prefix: string; protocolVersion: 4 | 5 } & BrokerAuthFiles;
  operators: OperatorKeyEntry[];
  /** Published at first start if the device has no notice yet (L3). */
  notice?: ProcessingNoticeContent;
  log: { level: LogLevel };
}

const checkFile = compileChecker(DeviceConfigFileSchema, {
  error: (message, d) => (d.path.startsWith("gates") ? gatePolicyError(message, d) : new ConfigError(message, { path: d.path })),
  unknownProperty: (allowed) => `unknown key (allowed: ${allowed.join(", ")})`,
  range: "bound",
  rules: [
    (c, _path, fail) => {
      if (!c.gates.some((g) => g.gateId === c.gateId)) fail("gateId", `no policy for gate "${c.gateId}" in gates`);
      const maxDays = c.consent?.maxDays ?? 365;
      if (c.consent?.maxMinorDays !== undefined && c.consent.maxMinorDays > maxDays) fail("consent.maxMinorDays", `must be at most ${maxDays}`);
      if (c.mqtt) for (const p of brokerAuthProblems(c.mqtt.url, c.mqtt)) fail(p.name, p.problem);
      if (c.mqtt && !(c.operators ?? []).some((o) => o.role === "admin")) fail("operators", "at least one operator key with role admin is required when mqtt is configured (L12)");
    },
  ],
});

export function parseDeviceConfig(raw: unknown, baseDir: string): DeviceConfig {
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof raw === "object" && raw !== null && typeof version === "number" && version !== CONFIG_VERSION) {
    throw new ConfigError(`version: unsupported configuration version ${version} (this software reads version ${CONFIG_VERSION})`, { path: "version" });
  }
  const c = checkFile(raw, "");
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const dataDir = path(c.dataDir);
  const maxDays = c.consent?.maxDays ?? 365;
  return {
    version: CONFIG_VERSION,
    site: { id: c.site.id, processorId: c.site.processorId },
    gateId: c.gateId,
    gates: parseGatePolicies(c.gates, "gates"),
    dataDir,
    keyFile: c.keyFile !== undefined ? path(c.keyFile) : resolve(dataDir, "keys", "device.key"),
    models: { dir: c.models?.dir === undefined ? undefined : path(c.models.dir), enabled: c.models?.enabled ?? true },
    drivers: parseDriversConfig(c.drivers, { dataDir, baseDir }),
    consent: { maxDays, maxMinorDays: c.consent?.maxMinorDays ?? Math.min(180, maxDays) },
    mqtt: c.mqtt
      ? {
          url: c.mqtt.url,
          prefix: c.mqtt.prefix ?? "facegate",
          protocolVersion: c.mqtt.protocolVersion ?? 5,
          ...(c.mqtt.caFile !== undefined ? { caFile: path(c.mqtt.caFile) } : {}),
          ...(c.mqtt.certFile !== undefined ? { certFile: path(c.mqtt.certFile) } : {}),
          ...(c.mqtt.keyFile !== undefined ? { keyFile: path(c.mqtt.keyFile) } : {}),
          ...(c.mqtt.username !== undefined ? { username: c.mqtt.username } : {}),
          ...(c.mqtt.passwordFile !== undefined ? { passwordFile: path(c.mqtt.passwordFile) } : {}),
        }
      : undefined,
    operators: (c.operators ?? []).map((o) => ({ label: o.label, role: o.role, publicKey: o.publicKey })),
    notice: c.notice ? { ...c.notice } : undefined,
    log: { level: c.log?.level ?? "info" },
  };
}

export function loadDeviceConfig(file: string): DeviceConfig {
  return loadJsonConfig(file, "configuration file", parseDeviceConfig);
}
