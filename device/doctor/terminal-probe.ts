/**
 * The terminal's key and database as `facegate doctor` sees them, opened at most once and
 * shared by the checks that need them (key file, database, clock), then closed.
 *
 * Never creates anything: the key is loaded with `create: false`, the database is opened
 * read-only and only if it exists. A read-only open of a WAL database leaves SQLite's
 * side files (`-wal`, `-shm`) behind, owned by whoever opened it; opened by another user
 * (root) they would lock the device out of its own database, so the database is opened
 * only by the user that owns it.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { KeyHierarchy } from "../../sdk/crypto/key-hierarchy.js";
import { FileKeyProvider } from "../../sdk/crypto/key-provider.js";
import { type Db, openDatabase } from "../../sdk/store/database.js";
import type { DeviceConfig } from "../config/device-config.js";

/** The file name the runtime gives the database inside `dataDir` (device/runtime/gate-runtime.ts). */
export const DATABASE_FILE = "facegate.db";

export type Opened<T> = { value: T; error?: undefined } | { value?: undefined; error: Error };

/** The database belongs to another user: doctor does not open it (see above). */
export class NotOwnerError extends Error {}

/**
 * Whether a path is there, not there, or out of this user's sight: `existsSync` says
 * false for all but the first, and "does not exist" would send an installer the wrong way.
 */
export function lookup(path: string): "present" | "missing" | "denied" {
  try {
    statSync(path);
    return "present";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    if (code === "EACCES" || code === "EPERM") return "denied";
    throw err;
  }
}

export class TerminalProbe {
  readonly dbPath: string;
  readonly keyProvider: FileKeyProvider;
  /** The user doctor runs as (undefined where the platform has no uids). */
  readonly uid: number | undefined;
  private keys: Opened<KeyHierarchy> | undefined;
  private db: Opened<Db> | undefined;

  constructor(config: DeviceConfig, uid: number | undefined = process.getuid?.()) {
    this.dbPath = join(config.dataDir, DATABASE_FILE);
    this.keyProvider = new FileKeyProvider({ path: config.keyFile });
    this.uid = uid;
  }

  databaseExists(): boolean {
    return lookup(this.dbPath) === "present" && statSync(this.dbPath).size > 0;
  }

  /** The device keys from the key file (its permission rules are the device's own). */
  async loadKeys(): Promise<Opened<KeyHierarchy>> {
    if (!this.keys) {
      try {
        this.keys = { value: await KeyHierarchy.fromProvider({ provider: this.keyProvider, create: false }) };
      } catch (err) {
        this.keys = { error: err as Error };
      }
    }
    return this.keys;
  }

  /** The database, read-only, after SQLite's quick_check; only when it exists and this user owns it. */
  openDatabase(): Opened<Db> {
    if (!this.db) {
      const owner = statSync(this.dbPath).uid;
      if (this.uid !== undefined && owner !== this.uid) {
        return (this.db = { error: new NotOwnerError(`${this.dbPath} is owned by uid ${owner}, not this user (uid ${this.uid}): doctor opens a database only as its owner`) });
      }
      try {
        this.db = { value: openDatabase({ path: this.dbPath, migrations: [], readonly: true, mustExist: true }) };
      } catch (err) {
        this.db = { error: err as Error };
      }
    }
    return this.db;
  }

  /** The newest time (ms) the device recorded: its last audit entry; undefined without one. */
  newestRecordedAt(): number | undefined {
    const db = this.db?.value;
    if (!db) return undefined;
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_entries'").get();
    if (!table) return undefined;
    return db.prepare<[], { at: number | null }>("SELECT MAX(at) AS at FROM audit_entries").get()?.at ?? undefined;
  }

  close(): void {
    this.keys?.value?.close();
    this.db?.value?.close();
  }
}
