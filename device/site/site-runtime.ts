/**
 * The site service's composition root (`facegate site serve`): opens the site database
 * (SQLite file or PostgreSQL), reads the data key, the operator key and the site key,
 * starts the service on the broker and pins the gates the configuration lists (a gate
 * pinned before with other keys stops the start: nothing signed by another key is ever
 * believed). Stop runs the other way round.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../../sdk/log/logger.js";
import { readOperatorKeyFile } from "../../sdk/operator/key-file.js";
import { readSiteKeyFile } from "../../sdk/site/certificate/site-key.js";
import { SiteService } from "../../sdk/site/service/site-service.js";
import { openSiteStore } from "../../sdk/site/store/open-site-store.js";
import type { SiteStore } from "../../sdk/site/store/site-store.js";
import type { Clock } from "../../sdk/time/clock.js";
import type { Timers } from "../../sdk/time/timers.js";
import { loadBrokerCredentials } from "../../sdk/transport/broker-credentials.js";
import { readDataKeyFile } from "./data-key-file.js";
import type { SiteConfig } from "./site-config.js";

export interface SiteRuntime {
  service: SiteService;
  store: SiteStore;
  /** Where the HTTP API listens, when configured. */
  api?: { url: string };
  stop(): Promise<void>;
}

/** The site database alone (for `facegate site gates|people|deletions`). */
export async function openConfiguredStore(config: SiteConfig, clock: Clock, logger: Logger, options: { createDataKey?: boolean } = {}): Promise<SiteStore> {
  const dataKey = readDataKeyFile(config.dataKeyFile, { create: options.createDataKey ?? false });
  return openSiteStore({ ...config.database, clock, logger, dataKey, deletionDeadlineMs: config.deletionDeadlineMs });
}

export async function startSiteRuntime(o: { config: SiteConfig; clock: Clock; timers: Timers; logger: Logger }): Promise<SiteRuntime> {
  const { config, clock, timers, logger } = o;
  // Key files first: a key others can read stops the start before anything opens.
  const credentials = loadBrokerCredentials(config.mqtt);
  const operatorKey = readOperatorKeyFile(config.operatorKeyFile);
  const siteKey = config.siteKeyFile ? await readSiteKeyFile(config.siteKeyFile) : undefined;
  const store = await openConfiguredStore(config, clock, logger.child("store"), { createDataKey: true });
  const service = new SiteService({
    store,
    siteId: config.site.id,
    mqtt: { url: config.mqtt.url, prefix: config.mqtt.prefix, protocolVersion: config.mqtt.protocolVersion, credentials, ...(config.mqtt.clientId ? { clientId: config.mqtt.clientId } : {}) },
    clock,
    timers,
    logger: logger.child("site"),
    operatorKey: { keyId: operatorKey.keyId, secretKey: operatorKey.secretKey },
    randomId: () => randomUUID(),
    collectedBy: config.collectedBy,
    retryMs: config.retryMs,
    sendWork: config.sendWork,
    auditIntervalMs: config.auditIntervalMs,
    // One holder per process: a restarted instance is a new one, its old claims run out.
    ...(config.shareWork ? { shareWork: { holder: randomUUID(), leaseMs: config.shareWork.leaseMs } } : {}),
    ...(config.mqtt.shareEvents !== undefined ? { shareEvents: config.mqtt.shareEvents } : {}),
    ...(siteKey ? { siteKey } : {}),
  });
  try {
    await service.start();
    for (const g of config.gates) {
      await service.addGate({ gateId: g.id, ...(g.name ? { name: g.name } : {}), ...(g.groups ? { groups: g.groups } : {}), signingPublicKey: g.signingPublicKey, boxPublicKey: g.boxPublicKey });
    }
  } catch (err) {
    await service.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
  const api = config.http ? await startApi(config.http, { service, store, clock, timers, logger }).catch(async (err: unknown) => {
    await service.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }) : undefined;
  logger.info("site service started", { site: config.site.id, gates: config.gates.length, engine: store.engine, certificates: siteKey ? "on" : "off", operatorKey: operatorKey.keyId });
  return {
    service,
    store,
    ...(api ? { api: { url: api.url } } : {}),
    async stop() {
      await api?.app.close();
      await service.stop();
      await store.close();
      logger.info("site service stopped", { eventsStored: service.eventsStored, eventDuplicates: service.eventDuplicates, rejectedMessages: service.rejectedMessages, refusedReceipts: service.refusedReceipts });
    },
  };
}

/** The HTTP API and the console on the configured host and port (default 127.0.0.1:8470, see site-config.ts). */
async function startApi(http: NonNullable<SiteConfig["http"]>, o: { service: SiteService; store: SiteStore; clock: Clock; timers: Timers; logger: Logger }) {
  const [{ createSiteApi, listenSiteApi }, { randomBytes }, { mountConsole }] = await Promise.all([import("../../sdk/site/api/site-api.js"), import("node:crypto"), import("./console/mount-console.js")]);
  const app = await createSiteApi({ ...o, logger: o.logger.child("api"), newToken: () => randomBytes(32).toString("base64url"), randomId: () => randomUUID(), sessionTtlMs: http.sessionTtlMs, secureCookies: http.secureCookies });
  // The operator's console on the same instance, under / (issue 15).
  mountConsole(app);
  try {
    const { url } = await listenSiteApi(app, { host: http.host, port: http.port });
    return { app, url };
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
}
