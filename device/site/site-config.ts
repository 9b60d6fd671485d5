/**
 * The site service's configuration (schema in site-config-schema.ts), validated once at
 * start; every error reads `path: problem`. Paths are resolved against the file's folder;
 * a `postgres://` database stays a URL, anything else is a SQLite file path.
 */
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../../sdk/errors.js";
import type { LogLevel } from "../../sdk/log/logger.js";
import { compileChecker } from "../../sdk/schema/schema-check.js";
import { type BrokerAuthFiles, brokerAuthProblems } from "../../sdk/transport/broker-credentials.js";
import { SITE_CONFIG_VERSION, SiteConfigFileSchema } from "./site-config-schema.js";
import { loadJsonConfig } from "../config/load-json-config.js";

export interface SiteGateEntry {
  id: string;
  name?: string;
  groups?: string[];
  signingPublicKey: string;
  boxPublicKey: string;
}

export interface SiteConfig {
  version: typeof SITE_CONFIG_VERSION;
  site: { id: string; processorId: string };
  /** Exactly one of them. */
  database: { url: string; schema?: string } | { path: string };
  dataKeyFile: string;
  operatorKeyFile: string;
  siteKeyFile?: string;
  mqtt: { url: string; prefix: string; protocolVersion: 4 | 5; clientId?: string; shareEvents?: string } & BrokerAuthFiles;
  gates: SiteGateEntry[];
  deletionDeadlineMs: number;
  retryMs: number;
  sendWork: boolean;
  /** Work shared with other instances through claims, with this lease; absent: not shared. */
  shareWork?: { leaseMs: number };
  /** How often every gate's audit log is collected; 0: on demand only. */
  auditIntervalMs: number;
  collectedBy: string;
  log: { level: LogLevel };
  /** The HTTP API, when configured. */
  http?: { host: string; port: number; sessionTtlMs: number; secureCookies: boolean };
}

export const DEFAULT_HTTP_PORT = 8470;

const checkFile = compileChecker(SiteConfigFileSchema, {
  error: (message, d) => new ConfigError(message, { path: d.path }),
  unknownProperty: (allowed) => `unknown key (allowed: ${allowed.join(", ")})`,
  range: "bound",
  rules: [
    (c, _path, fail) => {
      for (const p of brokerAuthProblems(c.mqtt.url, c.mqtt)) fail(`mqtt.${p.name.replace(/^mqtt\./, "")}`, p.problem);
      const seen = new Set<string>();
      (c.gates ?? []).forEach((g, i) => {
        if (seen.has(g.id)) fail(`gates[${i}].id`, `gate "${g.id}" is listed twice`);
        seen.add(g.id);
      });
      if (c.mqtt.shareEvents !== undefined && (c.mqtt.protocolVersion ?? 5) !== 5) fail("mqtt.shareEvents", "shared subscriptions need MQTT 5 (protocolVersion 5)");
      if (c.mqtt.shareEvents !== undefined && c.mqtt.clientId === undefined) fail("mqtt.clientId", "needed with shareEvents: a persistent session keeps events while an instance is away");
      if (c.databaseSchema !== undefined && !/^postgres(ql)?:\/\//i.test(c.database)) fail("databaseSchema", "only for a postgres:// database");
    },
  ],
});

export function parseSiteConfig(raw: unknown, baseDir: string): SiteConfig {
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof raw === "object" && raw !== null && typeof version === "number" && version !== SITE_CONFIG_VERSION) {
    throw new ConfigError(`version: unsupported site configuration version ${version} (this software reads version ${SITE_CONFIG_VERSION})`, { path: "version" });
  }
  const c = checkFile(raw, "");
  const path = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const postgres = /^postgres(ql)?:\/\//i.test(c.database);
  return {
    version: SITE_CONFIG_VERSION,
    site: { ...c.site },
    database: postgres ? { url: c.database, ...(c.databaseSchema !== undefined ? { schema: c.databaseSchema } : {}) } : { path: path(c.database) },
    dataKeyFile: path(c.dataKeyFile),
    operatorKeyFile: path(c.operatorKeyFile),
    ...(c.siteKeyFile !== undefined ? { siteKeyFile: path(c.siteKeyFile) } : {}),
    mqtt: {
      url: c.mqtt.url,
      prefix: c.mqtt.prefix ?? "facegate",
      protocolVersion: c.mqtt.protocolVersion ?? 5,
      ...(c.mqtt.clientId !== undefined ? { clientId: c.mqtt.clientId } : {}),
      ...(c.mqtt.shareEvents !== undefined ? { shareEvents: c.mqtt.shareEvents } : {}),
      ...(c.mqtt.caFile !== undefined ? { caFile: path(c.mqtt.caFile) } : {}),
      ...(c.mqtt.certFile !== undefined ? { certFile: path(c.mqtt.certFile) } : {}),
      ...(c.mqtt.keyFile !== undefined ? { keyFile: path(c.mqtt.keyFile) } : {}),
      ...(c.mqtt.username !== undefined ? { username: c.mqtt.username } : {}),
      ...(c.mqtt.passwordFile !== undefined ? { passwordFile: path(c.mqtt.passwordFile) } : {}),
    },
    gates: (c.gates ?? []).map((g) => ({ ...g })),
    deletionDeadlineMs: (c.deletionDeadlineDays ?? 5) * 86_400_000,
    retryMs: (c.retrySeconds ?? 30) * 1000,
    sendWork: c.sendWork ?? true,
    auditIntervalMs: (c.auditSeconds ?? 300) * 1000,
    ...(c.shareWork ? { shareWork: { leaseMs: (c.workLeaseSeconds ?? 30) * 1000 } } : {}),
    collectedBy: c.collectedBy ?? "site-office",
    log: { level: c.log?.level ?? "info" },
    ...(c.http ? { http: { host: c.http.host ?? "127.0.0.1", port: c.http.port ?? DEFAULT_HTTP_PORT, sessionTtlMs: (c.http.sessionMinutes ?? 480) * 60_000, secureCookies: c.http.secureCookies ?? false } } : {}),
  };
}

export function loadSiteConfig(file: string): SiteConfig {
  return loadJsonConfig(file, "site configuration", parseSiteConfig);
}
