/**
 * The device configuration file (JSON, versioned). Validated once at start; every error
 * reads `path: problem` and names the field, so an installer can fix the file.
 *
 * Paths inside the file are relative to the file's own folder.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ConfigError } from "../../sdk/errors.js";
import type { ProcessingNoticeContent } from "../../sdk/consent/notice.js";
import { type GatePolicy, parseGatePolicies } from "../../sdk/policy/gate-policy.js";
import type { LogLevel } from "../../sdk/log/logger.js";
import { ConfigReader, ID_HINT, ID_PATTERN } from "./validate.js";

export const CONFIG_VERSION = 1;

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
  drivers: "simulated";
  consent: { maxDays: number; maxMinorDays: number };
  mqtt?: { url: string; prefix: string; protocolVersion: 4 | 5 };
  operators: OperatorKeyEntry[];
  /** Published at first start if the device has no notice yet (L3). */
  notice?: ProcessingNoticeContent;
  log: { level: LogLevel };
}

const TOP_KEYS = ["version", "site", "gateId", "gates", "dataDir", "keyFile", "models", "drivers", "consent", "mqtt", "operators", "notice", "log", "$comment"];

export function parseDeviceConfig(raw: unknown, baseDir: string): DeviceConfig {
  const root = new ConfigReader(raw, "").object(TOP_KEYS);
  const version = root.at("version").number({ integer: true });
  if (version !== CONFIG_VERSION) root.at("version").fail(`unsupported configuration version ${version} (this software reads version ${CONFIG_VERSION})`);
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));

  const site = root.at("site").object(["id", "processorId"]);
  const gates = parseGatePolicies(root.at("gates").raw(), "gates");
  const gateId = root.at("gateId").string({ pattern: ID_PATTERN, patternHint: ID_HINT });
  if (!gates.some((g) => g.gateId === gateId)) root.at("gateId").fail(`no policy for gate "${gateId}" in gates`);

  const dataDir = path(root.at("dataDir").string());
  const models = root.at("models");
  if (models.has("dir") || models.raw() !== undefined) models.object(["dir", "enabled"]);
  const modelsDir = models.at("dir").optionalString();

  const consent = root.at("consent");
  if (consent.raw() !== undefined) consent.object(["maxDays", "maxMinorDays"]);
  const maxDays = consent.at("maxDays").number({ integer: true, min: 1, max: 3650, default: 365 });
  const maxMinorDays = consent.at("maxMinorDays").number({ integer: true, min: 1, max: maxDays, default: Math.min(180, maxDays) });

  let mqtt: DeviceConfig["mqtt"];
  if (root.has("mqtt")) {
    const m = root.at("mqtt").object(["url", "prefix", "protocolVersion"]);
    const url = m.at("url").string({ pattern: /^(mqtts?|wss?|tcp):\/\/.+/, patternHint: "an mqtt://, mqtts://, ws:// or wss:// URL" });
    const protocolVersion = m.at("protocolVersion").number({ integer: true, default: 5 });
    if (protocolVersion !== 4 && protocolVersion !== 5) m.at("protocolVersion").fail("must be 4 (MQTT 3.1.1) or 5");
    mqtt = { url, prefix: m.at("prefix").string({ default: "facegate", pattern: /^[A-Za-z0-9_-]{1,32}$/, patternHint: "1-32 letters, digits, '_' or '-'" }), protocolVersion: protocolVersion as 4 | 5 };
  }

  const operators = root.at("operators").array().map((o) => {
    o.object(["label", "role", "publicKey"]);
    return {
      label: o.at("label").string(),
      role: o.at("role").string({ oneOf: ["admin", "operator", "auditor"] }) as OperatorKeyEntry["role"],
      publicKey: o.at("publicKey").string({ pattern: /^[A-Za-z0-9+/]{43}=$/, patternHint: "a base64 Ed25519 public key (32 bytes)" }),
    };
  });
  if (mqtt && !operators.some((o) => o.role === "admin")) root.at("operators").fail("at least one operator key with role admin is required when mqtt is configured (L12)");

  let notice: ProcessingNoticeContent | undefined;
  if (root.has("notice")) {
    const n = root.at("notice").object(["version", "language", "purpose", "method", "scope", "retention", "contact", "rights"]);
    notice = {
      version: n.at("version").number({ integer: true, min: 1 }),
      language: n.at("language").string(),
      purpose: n.at("purpose").string(),
      method: n.at("method").string(),
      scope: n.at("scope").string(),
      retention: n.at("retention").string(),
      contact: n.at("contact").string(),
      rights: n.at("rights").string(),
    };
  }

  const log = root.at("log");
  if (log.raw() !== undefined) log.object(["level"]);

  return {
    version: CONFIG_VERSION,
    site: {
      id: site.at("id").string({ pattern: ID_PATTERN, patternHint: ID_HINT }),
      processorId: site.at("processorId").string({ pattern: ID_PATTERN, patternHint: ID_HINT }),
    },
    gateId,
    gates,
    dataDir,
    keyFile: root.has("keyFile") ? path(root.at("keyFile").string()) : resolve(dataDir, "keys", "device.key"),
    models: { dir: modelsDir === undefined ? undefined : path(modelsDir), enabled: models.at("enabled").boolean(true) },
    drivers: root.at("drivers").string({ default: "simulated", oneOf: ["simulated"] }) as "simulated",
    consent: { maxDays, maxMinorDays },
    mqtt,
    operators,
    notice,
    log: { level: log.at("level").string({ default: "info", oneOf: ["debug", "info", "warn", "error"] }) as LogLevel },
  };
}

export function loadDeviceConfig(file: string): DeviceConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? "error"})`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`, { file });
  }
  try {
    return parseDeviceConfig(raw, dirname(resolve(file)));
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`, { ...err.details, file });
    throw err;
  }
}
