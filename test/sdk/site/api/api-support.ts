/**
 * What the site API suites share: the real API over a real SiteService and a real site
 * store (SQLite file, or PostgreSQL when asked), operators created through the same
 * function the CLI uses, and login helpers.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { generateEd25519KeyPair } from "../../../../sdk/crypto/keys.js";
import { createLogger, MemoryLogSink } from "../../../../sdk/log/logger.js";
import { createOperator } from "../../../../sdk/site/api/index.js";
import { createSiteApi, type SiteApiOptions } from "../../../../sdk/site/api/site-api.js";
import { SiteService } from "../../../../sdk/site/service/index.js";
import type { OperatorRole, SiteStore } from "../../../../sdk/site/store/site-store.js";
import type { Clock } from "../../../../sdk/time/clock.js";
import { systemTimers } from "../../../../device/runtime/system-timers.js";

export const PASSWORDS: Record<OperatorRole, string> = { admin: "admin-pass-1", operator: "operator-pass-2", auditor: "auditor-pass-3" };

export async function addOperators(store: SiteStore, clock: Clock): Promise<Record<OperatorRole, string>> {
  const ids = {} as Record<OperatorRole, string>;
  for (const role of ["admin", "operator", "auditor"] as const) ids[role] = (await createOperator({ store, clock, name: `${role}-one`, role, password: PASSWORDS[role], id: `op-${role}` })).id;
  return ids;
}

/** An API over a service that is constructed but not started (no broker): for routes that do not reach a gate. */
export async function offlineApi(store: SiteStore, clock: Clock, extra: Partial<SiteApiOptions> = {}): Promise<{ app: FastifyInstance; service: SiteService; logs: MemoryLogSink }> {
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs.sink, level: "debug", now: () => clock.now() });
  const service = new SiteService({ store, siteId: "site-a", mqtt: { url: "mqtt://127.0.0.1:1", prefix: "t" }, clock, timers: systemTimers, logger, operatorKey: await generateEd25519KeyPair(), randomId: () => randomUUID() });
  const app = await createSiteApi({ service, store, clock, timers: systemTimers, logger, newToken: () => randomBytes(32).toString("base64url"), randomId: () => randomUUID(), ...extra });
  return { app, service, logs };
}

export async function login(app: FastifyInstance, role: OperatorRole): Promise<string> {
  const r = await app.inject({ method: "POST", url: "/api/session", payload: { name: `${role}-one`, password: PASSWORDS[role] } });
  if (r.statusCode !== 200) throw new Error(`login as ${role}: ${r.statusCode} ${r.body}`);
  return (r.json() as { token: string }).token;
}
