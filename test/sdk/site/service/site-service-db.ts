/**
 * A fresh site store per suite: a SQLite file in a new temporary folder, or, when
 * FACEGATE_PG_URL is set, a uniquely named PostgreSQL schema (dropped afterwards).
 * Without FACEGATE_PG_URL the PostgreSQL engine carries a `skip` reason the suites print.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createLogger } from "../../../../sdk/log/logger.js";
import { openSiteStore } from "../../../../sdk/site/store/open-site-store.js";
import type { SiteStore } from "../../../../sdk/site/store/site-store.js";
import type { Clock } from "../../../../sdk/time/clock.js";

export interface SiteEngineCase {
  name: "sqlite" | "postgres";
  url?: string;
  /** Why the engine is skipped here, if it is. */
  skip?: string;
}

const pgUrl = process.env["FACEGATE_PG_URL"];

export const SITE_ENGINES: SiteEngineCase[] = [
  { name: "sqlite" },
  pgUrl ? { name: "postgres", url: pgUrl } : { name: "postgres", skip: "FACEGATE_PG_URL is not set" },
];

export interface TestSiteStore {
  store: SiteStore;
  /** The SQLite file, for the SQLite engine. */
  path?: string;
  /** The PostgreSQL schema, for the PostgreSQL engine (a second instance opens the same). */
  schema?: string;
  dataKey: Uint8Array;
  close(): Promise<void>;
}

export async function openTestSiteStore(engine: SiteEngineCase, clock: Clock): Promise<TestSiteStore> {
  const dataKey = new Uint8Array(randomBytes(32));
  const logger = createLogger({ sink: () => {}, level: "error" });
  const passwordLimits = { opsLimit: 1, memLimit: 8192 };
  if (engine.name === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "fg-site-"));
    const path = join(dir, "site.db");
    const store = await openSiteStore({ path, clock, logger, dataKey, passwordLimits });
    return {
      store,
      path,
      dataKey,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `site_svc_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: engine.url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const store = await openSiteStore({ url: engine.url!, schema, clock, logger, dataKey, passwordLimits });
  return {
    store,
    schema,
    dataKey,
    close: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
