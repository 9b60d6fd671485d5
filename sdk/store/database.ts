/**
 * The device's one SQLite database (better-sqlite3). Opened with WAL, synchronous=FULL
 * (a committed transaction survives power loss), secure_delete=ON (freed pages are
 * zeroed, L7) and foreign keys. Every module owns a `MigrationSet`; migrations run at
 * open, each step in its own transaction, recorded in `schema_migrations`.
 *
 * A database that is not SQLite or fails `quick_check` is refused with a clear error and
 * never overwritten. The check reads every page (~0.4 s for a 100,000-template vault
 * through read(), ~0.15 s memory-mapped, which it therefore uses), so a caller that has
 * just checked the same file may say so and skip the second pass (`checked`).
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
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
}

/**
 * Memory-mapped reads while `quick_check` runs (SQLite maps at most what its build allows
 * and reads the rest normally), switched off again afterwards: the device's connection
 * then reads as before. SQLite maps the file read-only, so the mapping cannot write.
 */
const CHECK_MMAP_BYTES = 2 ** 31;

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
    if (!options.readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
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
  db.pragma(`mmap_size = ${CHECK_MMAP_BYTES}`);
  try {
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new Error(`quick_check: ${String(check)}`);
  } finally {
    db.pragma("mmap_size = 0");
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
 */
export function checkpointTruncate(db: Db): void {
  db.pragma("wal_checkpoint(TRUNCATE)");
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
