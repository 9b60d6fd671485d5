/**
 * Opens the site service's database: a `postgres://` (or `postgresql://`) URL is
 * PostgreSQL through `pg`, anything else a SQLite file through better-sqlite3 (created
 * 0600, WAL, foreign keys on, secure delete). Both run the same migrations (migrations.ts)
 * through Kysely's Migrator before the store is handed out. A database that ran a
 * migration this build does not know comes from a newer build and is refused untouched
 * (`site_store_too_new`), never migrated "down" or written to.
 */
import { closeSync, existsSync, openSync } from "node:fs";
import Database from "better-sqlite3";
import { Kysely, type Migration, Migrator, sql } from "kysely";
import pg from "pg";
import { loadPasswordHashing } from "../../crypto/password-hashing.js";
import { loadSodium } from "../../crypto/sodium.js";
import type { Logger } from "../../log/logger.js";
import type { Clock } from "../../time/clock.js";
import { ImmediateSqliteDialect } from "./immediate-sqlite-dialect.js";
import { contextFor, KyselySiteStore } from "./kysely-site-store.js";
import { SITE_MIGRATION_NAMES, SITE_MIGRATIONS } from "./migrations.js";
import type { SiteSchema } from "./schema.js";
import { ScopedPostgresDialect } from "./scoped-postgres-dialect.js";
import { SecretSeal } from "./secret-seal.js";
import { SiteStoreError } from "./site-store-error.js";
import { DEFAULT_DELETION_DEADLINE_MS, type SiteEngine, type SiteStore } from "./site-store.js";
import type { PasswordHashLimits } from "./store-context.js";

export interface OpenSiteStoreOptions {
  /** `postgres://user@host:port/db` for PostgreSQL; any other string without a scheme is a SQLite path. */
  url?: string;
  /** A SQLite file path. */
  path?: string;
  /** PostgreSQL only: the schema to use (search_path); it must exist. Default: the server's search_path. */
  schema?: string;
  clock: Clock;
  logger: Logger;
  /** The service's data key (32 bytes): cards, PINs and operator keys are sealed under keys derived from it. */
  dataKey: Uint8Array;
  /** Argon2id limits for operator passwords; default OWASP's baseline (t = 2, m = 19 MiB). */
  passwordLimits?: PasswordHashLimits;
  /** Default deadline of a deletion request; default 5 days (SPEC section 1). */
  deletionDeadlineMs?: number;
  /**
   * SQLite only. "full" (the default) syncs every commit to disk: nothing committed is
   * lost even to a power cut, at the price of one fsync per write (about 250 single-row
   * commits a second on this machine; batches, e.g. insertEvents, are not limited by it).
   * "normal" (WAL) syncs at checkpoints: a killed process still loses nothing committed,
   * a power cut may lose the last commits but never corrupts the file (about 20,000 a second).
   */
  sqliteSync?: "full" | "normal";
  /** PostgreSQL pool size; default 10. */
  poolSize?: number;
  /** PostgreSQL application_name (what pg_stat_activity shows); default "facegate-site". */
  applicationName?: string;
}

export const DEFAULT_PASSWORD_LIMITS: PasswordHashLimits = { opsLimit: 2, memLimit: 19 * 1024 * 1024 };

const MIGRATION_TABLE = "site_migration";
const MIGRATION_LOCK_TABLE = "site_migration_lock";
const INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface Target {
  engine: SiteEngine;
  /** What messages may show: the URL without its password, or the path. */
  shown: string;
  url?: URL;
  path?: string;
}

export function siteStoreTarget(options: Pick<OpenSiteStoreOptions, "url" | "path">): Target {
  if ((options.url === undefined) === (options.path === undefined)) {
    throw new SiteStoreError("site_store_url_invalid", "give the site database either a postgres:// url or a SQLite path, not both and not neither");
  }
  if (options.path !== undefined) return sqliteTarget(options.path);
  const text = options.url!;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new SiteStoreError("site_store_url_invalid", "the site database URL is not a valid postgres:// URL (postgres://user@host:port/database)");
    }
    if (url.hostname === "" || url.pathname.length <= 1) {
      throw new SiteStoreError("site_store_url_invalid", `the site database URL ${shownUrl(url)} names no host or no database (postgres://user@host:port/database)`);
    }
    return { engine: "postgres", shown: shownUrl(url), url };
  }
  if (scheme !== undefined && text.slice(scheme.length, scheme.length + 3) === "://") {
    throw new SiteStoreError("site_store_url_invalid", `the site database URL scheme ${scheme}:// is not supported: use postgres:// or a SQLite file path`, { scheme });
  }
  return sqliteTarget(text);
}

function sqliteTarget(path: string): Target {
  if (typeof path !== "string" || path.trim() === "" || path.includes("\u0000")) throw new SiteStoreError("site_store_url_invalid", "the SQLite path of the site database is empty or invalid");
  return { engine: "sqlite", shown: path, path };
}

function shownUrl(url: URL): string {
  const u = new URL(url.href);
  if (u.password !== "") u.password = "***";
  u.search = "";
  return u.href;
}

export async function openSiteStore(options: OpenSiteStoreOptions): Promise<SiteStore> {
  const target = siteStoreTarget(options);
  const [sodium, passwords] = await Promise.all([loadSodium(), loadPasswordHashing()]);
  const seal = new SecretSeal(sodium, options.dataKey);
  const logger = options.logger.child("site.store");
  const db = target.engine === "postgres" ? openPostgres(target, options, logger) : openSqlite(target, options.sqliteSync ?? "full");
  try {
    await migrate(db, target, options.schema);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
  logger.info("site database open", { engine: target.engine });
  const ctx = contextFor(
    db,
    {
      engine: target.engine,
      clock: options.clock,
      logger,
      sodium,
      seal,
      passwords,
      passwordLimits: options.passwordLimits ?? DEFAULT_PASSWORD_LIMITS,
      deletionDeadlineMs: options.deletionDeadlineMs ?? DEFAULT_DELETION_DEADLINE_MS,
    },
    false,
  );
  return new KyselySiteStore(ctx, db);
}

function openSqlite(target: Target, sync: "full" | "normal"): Kysely<SiteSchema> {
  if (sync !== "full" && sync !== "normal") throw new SiteStoreError("site_input_invalid", 'sqliteSync: must be "full" or "normal"', { path: "sqliteSync" });
  const path = target.path!;
  let database: Database.Database;
  try {
    // Created 0600 before SQLite touches it: people's sealed secrets and operators' hashes live here.
    if (path !== ":memory:" && !existsSync(path)) closeSync(openSync(path, "wx", 0o600));
    database = new Database(path);
  } catch (err) {
    throw new SiteStoreError("site_store_open_failed", `cannot open the site database ${target.shown}: ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    database.pragma("journal_mode = WAL");
    database.pragma(sync === "full" ? "synchronous = FULL" : "synchronous = NORMAL");
    database.pragma("foreign_keys = ON");
    database.pragma("secure_delete = ON");
    database.pragma("busy_timeout = 5000");
  } catch (err) {
    database.close();
    throw new SiteStoreError("site_store_open_failed", `${target.shown} is not a SQLite database (${(err as Error).message}); it was left untouched`, { path }, { cause: err });
  }
  return new Kysely<SiteSchema>({ dialect: new ImmediateSqliteDialect({ database }) });
}

function openPostgres(target: Target, options: OpenSiteStoreOptions, logger: Logger): Kysely<SiteSchema> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new SiteStoreError("site_store_url_invalid", `schema: "${options.schema}" is not a plain PostgreSQL schema name (a-z, 0-9, _)`, { path: "schema" });
  }
  const pool = new pg.Pool({
    connectionString: target.url!.href,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? "facegate-site",
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
    // Milliseconds are bigint columns: read back as numbers (safe below 2^53, i.e. for
    // the next 285,000 years), not as the strings pg returns by default.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID && format !== "binary" ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server drops (a restart, a failover) is an 'error' event on the
  // pool; unheard, Node would end the whole service for it. The next query reconnects.
  pool.on("error", (err) => logger.warn("site database connection lost; the next query reconnects", { error: err }));
  return new Kysely<SiteSchema>({ dialect: new ScopedPostgresDialect({ pool }, options.schema) });
}

async function migrate(db: Kysely<SiteSchema>, target: Target, schema: string | undefined): Promise<void> {
  let executed: string[] = [];
  try {
    executed = (await sql<{ name: string }>`SELECT name FROM ${sql.table(MIGRATION_TABLE)}`.execute(db)).rows.map((r) => r.name);
  } catch (err) {
    if (!isMissingTable(err)) throw openFailed(target, err);
  }
  const unknown = executed.filter((n) => !SITE_MIGRATION_NAMES.includes(n));
  if (unknown.length > 0) {
    throw new SiteStoreError(
      "site_store_too_new",
      `the site database ${target.shown} was written by a newer facegate (schema ${unknown.sort().at(-1)}; this build knows up to ${SITE_MIGRATION_NAMES.at(-1)}); it was left untouched: upgrade facegate`,
      { unknown },
    );
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => ({ ...SITE_MIGRATIONS }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw openFailed(target, error, failed);
  }
}

function isMissingTable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === "42P01" || (typeof e?.message === "string" && /no such table/i.test(e.message));
}

function openFailed(target: Target, err: unknown, migration?: string): SiteStoreError {
  const message = err instanceof Error ? err.message : String(err);
  const what = migration ? ` (migration ${migration})` : "";
  const notSqlite = /file is not a database|malformed/i.test(message);
  return new SiteStoreError(
    "site_store_open_failed",
    notSqlite ? `${target.shown} is not a SQLite database (${message}); it was left untouched` : `cannot open the site database ${target.shown}${what}: ${message}`,
    { engine: target.engine },
    { cause: err },
  );
}
