/**
 * The device's one SQLite database (better-sqlite3). Opened with WAL, synchronous=FULL
 * (a committed transaction survives power loss) unless the caller defers the sync to a
 * WalDurability (`commitSync: "deferred"`: the running gate, which announces nothing
 * before its commits are synced; wal-durability.ts), secure_delete=ON (freed pages are
 * zeroed, L7) and foreign keys. Every module owns a `MigrationSet`; migrations run at
 * open, each step in its own transaction, recorded in `schema_migrations`.
 *
 * A database that is not SQLite or fails `quick_check` is refused with a clear error and
 * never overwritten. The check reads every page through read(), not a memory map: a map
 * of the whole file (~480 MB at 100,000 templates) counted in the process's resident set
 * at start-up, which a 1-2 GB terminal cannot spare. A caller that has just checked the
 * same file may say so and skip the second pass (`checked`).
 *
 * Pages are 16 KiB (PAGE_SIZE): a sealed template row is ~2.1 KB, and with SQLite's
 * default 4 KiB pages each took a page of its own (two do not fit), wasting half the file.
 * 16 KiB pages hold seven. A database made with another page size is rewritten once at
 * open (see usePageSize).
 */
import Database from "better-sqlite3";
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { CorruptStoreError, StoreError } from "../errors.js";

export type Db = Database.Database;

export interface MigrationSet {
  /** Owner of these tables, e.g. `vault`, `consent`, `audit`, `access`, `outbox`. */
  module: string;
  /** Ordered steps; step i brings the module to version i+1. Never edit a released step: append. */
  steps: ReadonlyArray<string | ((db: Db) => void)>;
}

export interface OpenDatabaseOptions {
  path: string;
  migrations: readonly MigrationSet[];
  /** Refuse to create a new file (for tools that inspect an existing device). */
  mustExist?: boolean;
  readonly?: boolean;
  /**
   * The caller ran this module's `quick_check` on the same file moments ago (secure-store's
   * read-only preflight): the check is not repeated. Never set it otherwise.
   */
  checked?: boolean;
  /**
   * "full" (default): each commit is fsynced before it returns. "deferred": synchronous =
   * NORMAL, for a caller that makes its commits durable through a WalDurability before it
   * tells anyone about them (wal-durability.ts). Tools that write and exit keep "full".
   */
  commitSync?: "full" | "deferred";
}

/** The page size of every device database (see the file comment). */
export const PAGE_SIZE = 16_384;

export function openDatabase(options: OpenDatabaseOptions): Db {
  const { path } = options;
  const existed = path !== ":memory:" && existsSync(path);
  if (options.mustExist && !existed) throw new StoreError("store_missing", `database ${path} does not exist`, { path });
  let db: Db;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.mustExist ?? false });
  } catch (err) {
    throw new StoreError("store_open_failed", `cannot open database ${path}: ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    if (existed && !options.checked) quickCheck(db);
    if (!options.readonly && path !== ":memory:") db = usePageSize(db, path, PAGE_SIZE);
    if (!options.readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma(options.commitSync === "deferred" ? "synchronous = NORMAL" : "synchronous = FULL");
    }
    db.pragma("secure_delete = ON");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    if (!options.readonly) runMigrations(db, options.migrations);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new CorruptStoreError(
      `database ${path} is corrupt or not a facegate database (${(err as Error).message}); it was left untouched. Restore it from a backup or move it away to start fresh.`,
      { path },
      { cause: err },
    );
  }
}

function quickCheck(db: Db): void {
  db.pragma("mmap_size = 0");
  const check = db.pragma("quick_check", { simple: true });
  if (check !== "ok") throw new Error(`quick_check: ${String(check)}`);
}

/**
 * Gives the database `size`-byte pages: set before the first table of a new file. An
 * existing file with other pages is rewritten beside itself (`VACUUM INTO` a file in the
 * same folder with the new page size, synced, then renamed over the original once the
 * connection is closed: a crash at any point leaves either the old file or the new one,
 * and no temporary copy lands in /tmp, which on a terminal may be RAM). Returns the
 * connection to use.
 */
function usePageSize(db: Db, path: string, size: number): Db {
  if (db.pragma("page_size", { simple: true }) === size) return db;
  const empty = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master").pluck().get() === 0;
  if (empty) {
    db.pragma("journal_mode = DELETE");
    db.pragma(`page_size = ${size}`);
    return db;
  }
  const next = `${path}.relayout`;
  try {
    rmSync(next, { force: true }); // left by a rewrite that did not finish
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.pragma(`page_size = ${size}`);
    db.prepare("VACUUM INTO ?").run(next);
    syncFile(next);
  } catch (err) {
    try {
      rmSync(next, { force: true });
    } catch {
      // Not ours to remove (a folder of that name): the error below names the database.
    }
    throw new StoreError(
      "store_open_failed",
      `cannot rewrite database ${path} with ${size}-byte pages (${(err as Error).message}); it was left as it was. It needs free space beside it about its own size.`,
      { path },
      { cause: err },
    );
  }
  db.close();
  renameSync(next, path);
  syncFile(dirname(path));
  return new Database(path);
}

function syncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function runMigrations(db: Db, sets: readonly MigrationSet[]): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (module TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (module, version))");
  const current = db.prepare<[string], { v: number | null }>("SELECT MAX(version) AS v FROM schema_migrations WHERE module = ?");
  const record = db.prepare("INSERT INTO schema_migrations (module, version) VALUES (?, ?)");
  for (const set of sets) {
    const have = current.get(set.module)?.v ?? 0;
    if (have > set.steps.length) {
      throw new StoreError("store_too_new", `database has ${set.module} schema version ${have}, newer than this software (${set.steps.length})`, {
        module: set.module,
      });
    }
    for (let i = have; i < set.steps.length; i++) {
      const step = set.steps[i]!;
      db.transaction(() => {
        if (typeof step === "string") db.exec(step);
        else step(db);
        record.run(set.module, i + 1);
      })();
    }
  }
}

/**
 * Makes deleted data unrecoverable from the WAL: checkpoints every frame into the main
 * file (where secure_delete has zeroed freed pages) and truncates the WAL to zero bytes.
 * False when SQLite could not finish (a reader or another checkpointer held on past the
 * busy timeout): the WAL may still hold old frames.
 */
export function checkpointTruncate(db: Db): boolean {
  const [r] = db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
  return r?.busy === 0;
}

export interface TableStats {
  rows: number;
  /** Highest rowid (moves on every insert, even one deleted again); null for WITHOUT ROWID tables or an empty table. */
  lastRowid: number | null;
}

/**
 * Rows and highest rowid of every table (enumerated from sqlite_master, sqlite_* internals
 * excluded): what an examiner compares before and after something happened, e.g. to show
 * that an unknown face left nothing behind (L4).
 */
export function tableStats(db: Db): Record<string, TableStats> {
  const tables = db.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  const stats: Record<string, TableStats> = {};
  for (const { name, sql } of tables) {
    const top = /WITHOUT\s+ROWID/i.test(sql) ? "NULL" : "max(rowid)";
    const r = db.prepare<[], { n: number; top: number | null }>(`SELECT COUNT(*) AS n, ${top} AS top FROM "${name.replaceAll('"', '""')}"`).get()!;
    stats[name] = { rows: r.n, lastRowid: r.top };
  }
  return stats;
}
