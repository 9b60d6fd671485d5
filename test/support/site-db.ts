/**
 * A fresh site database per test, on each engine: a new SQLite file in a temporary folder,
 * and, when FACEGATE_PG_URL is set, a uniquely named PostgreSQL schema that the store uses
 * as its search_path, dropped afterwards. Suites run over `SITE_ENGINES` with
 * `describe.each`, skipping PostgreSQL visibly when the variable is unset:
 *
 *   describe.each(SITE_ENGINES)("... on $engine", ({ engine, available }) => {
 *     describe.skipIf(!available)("", () => { ... fresh = await freshSiteDb(engine) ... });
 *   });
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadSodium } from "../../sdk/crypto/sodium.js";
import { createLogger, type Logger, MemoryLogSink } from "../../sdk/log/logger.js";
import { type OpenSiteStoreOptions, openSiteStore } from "../../sdk/site/store/open-site-store.js";
import type { AddGateInput, SiteEngine, SiteStore } from "../../sdk/site/store/site-store.js";
import { ManualClock } from "../../sdk/time/clock.js";

export const PG_URL: string | undefined = process.env.FACEGATE_PG_URL || undefined;

if (!PG_URL) {
  console.warn("\n*** FACEGATE_PG_URL is not set: the PostgreSQL runs of the site store suites are SKIPPED (SQLite runs) ***\n");
}

export const SITE_ENGINES: ReadonlyArray<{ engine: SiteEngine; available: boolean }> = [
  { engine: "sqlite", available: true },
  { engine: "postgres", available: PG_URL !== undefined },
];

/** libsodium's minimum Argon2id limits: operator passwords hash in microseconds in tests. */
export const TEST_PASSWORD_LIMITS = { opsLimit: 1, memLimit: 8192 };

export interface SiteDbFixture {
  engine: SiteEngine;
  /** What openSiteStore needs to reach this database (url + schema, or path). */
  where: Pick<OpenSiteStoreOptions, "url" | "path" | "schema">;
  /** The SQLite file (sqlite only). */
  path?: string;
  /** The PostgreSQL schema (postgres only). */
  schema?: string;
  clock: ManualClock;
  dataKey: Uint8Array;
  logs: MemoryLogSink;
  logger: Logger;
  /** Opens a store on this database (again: each call is a new instance, a new pool or file handle). */
  open(extra?: Partial<OpenSiteStoreOptions>): Promise<SiteStore>;
  /** Closes every store opened here and removes the file or schema. */
  cleanup(): Promise<void>;
}

export async function freshSiteDb(engine: SiteEngine): Promise<SiteDbFixture> {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const dataKey = new Uint8Array(randomBytes(32));
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs.sink, level: "debug" });
  const opened: SiteStore[] = [];
  let where: SiteDbFixture["where"];
  let removeAll: () => Promise<void>;
  let path: string | undefined;
  let schema: string | undefined;
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "facegate-site-"));
    path = join(dir, "site.db");
    where = { path };
    removeAll = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    if (!PG_URL) throw new Error("FACEGATE_PG_URL is not set");
    schema = `fg_site_${randomBytes(6).toString("hex")}`;
    await adminQuery(`CREATE SCHEMA ${schema}`);
    where = { url: PG_URL, schema };
    const name = schema;
    removeAll = async () => adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  }
  return {
    engine,
    where,
    ...(path !== undefined ? { path } : {}),
    ...(schema !== undefined ? { schema } : {}),
    clock,
    dataKey,
    logs,
    logger,
    async open(extra = {}) {
      const store = await openSiteStore({ ...where, clock, logger, dataKey, passwordLimits: TEST_PASSWORD_LIMITS, ...extra });
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const s of opened) await s.close();
      await removeAll();
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Runs one statement on the fixture's PostgreSQL schema from outside the store (as an examiner would). */
export async function pgQuery<R extends Record<string, unknown>>(schema: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Every text value of every table in the schema, as one string: what a dump of the
 * PostgreSQL database shows. Columns are enumerated from information_schema, so tables
 * added later are covered.
 */
export async function pgTextDump(schema: string): Promise<string> {
  const columns = await pgQuery<{ table_name: string; column_name: string }>(
    schema,
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea') ORDER BY table_name, column_name",
    [schema],
  );
  const parts: string[] = [];
  for (const c of columns) {
    const rows = await pgQuery<{ v: string | null }>(schema, `SELECT "${c.column_name}"::text AS v FROM "${c.table_name}"`);
    for (const r of rows) if (r.v !== null) parts.push(`${c.table_name}.${c.column_name}=${r.v}`);
  }
  return parts.join("\n");
}

/** A gate's registration with real libsodium keys (Ed25519 signing, X25519 box). */
export async function gateInput(gateId: string, extra: { groups?: string[]; siteId?: string } = {}): Promise<AddGateInput> {
  const sodium = await loadSodium();
  const sign = sodium.crypto_sign_keypair();
  const box = sodium.crypto_box_keypair();
  return {
    siteId: extra.siteId ?? "estate-1",
    gateId,
    name: `Gate ${gateId}`,
    signPublicKey: Buffer.from(sign.publicKey).toString("base64"),
    boxPublicKey: Buffer.from(box.publicKey).toString("base64"),
    topicPrefix: `facegate/estate-1/${gateId}`,
    ...(extra.groups ? { groups: extra.groups } : {}),
  };
}
