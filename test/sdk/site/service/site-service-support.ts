/**
 * What the site service suites share: a service over a fresh store (SQLite file, or a
 * fresh PostgreSQL schema when FACEGATE_PG_URL is set) for a harness site, a command
 * sniffer on the broker (what each gate was sent, in order), and polling.
 */
import { randomUUID } from "node:crypto";
import mqtt from "mqtt";
import { createLogger, type Logger, MemoryLogSink } from "../../../../sdk/log/logger.js";
import type { CommandEnvelope } from "../../../../sdk/protocol/index.js";
import { SiteService, type SiteServiceOptions } from "../../../../sdk/site/service/index.js";
import type { SiteStore } from "../../../../sdk/site/store/site-store.js";
import { systemTimers } from "../../../../device/runtime/system-timers.js";
import type { SiteHarness } from "../../../support/site-harness.js";

export interface ServiceUnderTest {
  service: SiteService;
  store: SiteStore;
  logs: MemoryLogSink;
  logger: Logger;
}

export async function startService(site: SiteHarness, store: SiteStore, extra: Partial<SiteServiceOptions> = {}): Promise<ServiceUnderTest> {
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs.sink, level: "debug", now: () => site.clock.now() });
  const service = new SiteService({
    store,
    siteId: site.site,
    mqtt: { url: site.broker.url, prefix: site.prefix, protocolVersion: site.broker.protocolVersion },
    clock: site.clock,
    timers: systemTimers,
    logger,
    operatorKey: site.admin,
    randomId: () => randomUUID(),
    commandTimeoutMs: 3_000,
    retryMs: 1_000,
    ...extra,
  });
  await service.start();
  return { service, store, logs, logger };
}

/** Records every command request published for the site's gates, in arrival order. */
export async function sniffCommands(site: SiteHarness): Promise<{ seen: Array<{ gate: string; envelope: CommandEnvelope }>; publish(gate: string, envelope: CommandEnvelope): Promise<void>; stop(): Promise<void> }> {
  const c = await mqtt.connectAsync(site.broker.url, { protocolVersion: site.broker.protocolVersion, clean: true, reconnectPeriod: 0 });
  const seen: Array<{ gate: string; envelope: CommandEnvelope }> = [];
  const head = `${site.prefix}/v2/${site.site}/`;
  c.on("message", (topic, payload) => {
    const gate = topic.slice(head.length).split("/")[0]!;
    seen.push({ gate, envelope: JSON.parse(payload.toString("utf8")) as CommandEnvelope });
  });
  await c.subscribeAsync(`${head}+/commands/request`, { qos: 1 });
  return {
    seen,
    publish: async (gate, envelope) => {
      await c.publishAsync(`${head}${gate}/commands/request`, JSON.stringify(envelope), { qos: 1 });
    },
    stop: () => c.endAsync(),
  };
}

export async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until the subject's work of `kind` at each gate is in a final state; returns the states by gate. */
export async function settledWork(store: SiteStore, subject: string, kind: string, gates: readonly string[], timeoutMs = 20_000): Promise<Record<string, string>> {
  return until(
    `${kind} work of ${subject} at ${gates.join(", ")}`,
    async () => {
      const rows = (await store.workOf(subject)).filter((w) => w.kind === kind && gates.includes(w.gateId));
      if (rows.length < gates.length || rows.some((w) => w.state !== "applied" && w.state !== "failed")) return undefined;
      return Object.fromEntries(rows.map((w) => [w.gateId, w.state === "failed" ? `failed:${w.errorCode}` : w.state]));
    },
    timeoutMs,
  );
}
