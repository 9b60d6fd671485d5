/**
 * What `facegate site gates|people|deletions|delete` share: the site configuration's
 * database opened for one command and closed after it, on the system clock, logging to
 * stderr only at warn and above.
 */
import { resolve } from "node:path";
import { createLogger, jsonLineSink } from "../../sdk/log/logger.js";
import type { SiteStore } from "../../sdk/site/store/site-store.js";
import { systemClock } from "../../sdk/time/clock.js";
import type { CliIo } from "../cli/cli-io.js";
import { loadSiteConfig, type SiteConfig } from "./site-config.js";
import { openConfiguredStore } from "./site-runtime.js";

export async function withSiteStore<T>(configFile: string, io: CliIo, fn: (store: SiteStore, config: SiteConfig) => Promise<T>): Promise<T> {
  const config = loadSiteConfig(resolve(io.cwd, configFile));
  const logger = createLogger({ sink: jsonLineSink((l) => io.err(l)), level: "warn", now: () => systemClock.now() });
  const store = await openConfiguredStore(config, systemClock, logger);
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** "3 h", "2 d 4 h": an age for people reading a table. */
export function age(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  if (h < 1) return `${Math.max(0, Math.floor(ms / 60_000))} min`;
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
