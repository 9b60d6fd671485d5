/**
 * Where the device master key comes from. The default is a key file created on first
 * start with mode 0600, outside the database (SPEC section 6: the device key never sits
 * in the database). A hardware-backed provider (TPM, secure element) can replace it by
 * implementing `KeyProvider`.
 *
 * Safety rules of the file provider:
 * - refuse a key file readable or writable by group or others, or owned by another user,
 *   and a key directory writable by group or others (anyone could swap the key);
 * - refuse a file of the wrong size (a truncated or foreign file is never "repaired");
 * - create only when the caller allows it (a new device), exclusively (`wx`): an
 *   existing key is never overwritten.
 */
import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { KeyError } from "../errors.js";
import { loadSodium } from "./sodium.js";

export const MASTER_KEY_BYTES = 32;

export interface KeyProvider {
  /** Human-readable location for error messages (never the key itself). */
  readonly description: string;
  /** Whether a master key already exists. */
  exists(): boolean;
  /**
   * Returns a fresh copy of the 32-byte master key; the caller wipes it (memzero) once
   * the device keys are derived. Creates one only if `create` is true and none exists.
   */
  loadMasterKey(options: { create: boolean }): Promise<Uint8Array>;
  /**
   * A short record kept with the key (public, not secret): which database the key's device
   * writes (its audit chain's first entry), so a missing or replaced database is noticed.
   * Providers that cannot keep one return undefined and ignore writes.
   */
  readRecord?(): string | undefined;
  writeRecord?(text: string): void;
}

export interface FileKeyProviderOptions {
  path: string;
}

export class FileKeyProvider implements KeyProvider {
  readonly path: string;
  readonly description: string;

  constructor(options: FileKeyProviderOptions) {
    this.path = resolve(options.path);
    this.description = `key file ${this.path}`;
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  async loadMasterKey(options: { create: boolean }): Promise<Uint8Array> {
    this.removeStaleTemporaries();
    if (!this.exists()) {
      if (!options.create) {
        throw new KeyError("key_missing", `${this.description} does not exist`, { path: this.path });
      }
      await this.create();
    }
    this.checkPermissions();
    const bytes = new Uint8Array(readFileSync(this.path));
    if (bytes.length !== MASTER_KEY_BYTES) {
      bytes.fill(0);
      throw new KeyError("key_invalid", `${this.description} is not a facegate master key (wrong size); it was left untouched`, { path: this.path });
    }
    return bytes;
  }

  /** `<key file>.store`, beside the key (same private directory). */
  get recordPath(): string {
    return `${this.path}.store`;
  }

  readRecord(): string | undefined {
    return existsSync(this.recordPath) ? readFileSync(this.recordPath, "utf8") : undefined;
  }

  /** Written whole to a temporary file, synced, then renamed into place. */
  writeRecord(text: string): void {
    const tmp = `${this.recordPath}.${process.pid}.tmp`;
    writePrivateSynced(tmp, new TextEncoder().encode(text), "w");
    renameSync(tmp, this.recordPath);
    syncDir(dirname(this.path));
  }

  private checkPermissions(): void {
    const st = lstatSync(this.path);
    if (!st.isFile()) throw new KeyError("key_invalid", `${this.description} is not a regular file`, { path: this.path });
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new KeyError(
        "key_permissions",
        `${this.description} has mode ${mode.toString(8).padStart(4, "0")}; it must be private to the device user (chmod 600)`,
        { path: this.path, mode: mode.toString(8) },
      );
    }
    const dir = dirname(this.path);
    const dirMode = lstatSync(dir).mode & 0o777;
    if ((dirMode & 0o022) !== 0) {
      throw new KeyError(
        "key_permissions",
        `the directory of ${this.description} has mode ${dirMode.toString(8).padStart(4, "0")}: others could replace the key; it must be writable by the device user only (chmod 700 ${dir})`,
        { path: dir, mode: dirMode.toString(8) },
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw new KeyError("key_permissions", `${this.description} is owned by uid ${st.uid}, not the device user (uid ${uid})`, { path: this.path });
    }
  }

  /** A crash during creation may leave `<key>.<pid>.tmp`; it is removed so no stray key copy stays on disk. */
  private removeStaleTemporaries(): void {
    const dir = dirname(this.path);
    if (!existsSync(dir)) return;
    const prefix = `${basename(this.path)}.`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && /^\d+\.tmp$/.test(name.slice(prefix.length))) rmSync(join(dir, name), { force: true });
    }
  }

  /**
   * Writes the key to a private temporary file, syncs it, then links it into place:
   * link() fails if the key already exists (never overwritten), and a crash leaves
   * either no key file or a complete one, never a truncated key.
   */
  private async create(): Promise<void> {
    const sodium = await loadSodium();
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const key = sodium.randombytes_buf(MASTER_KEY_BYTES);
    try {
      rmSync(tmp, { force: true });
      writePrivateSynced(tmp, key, "wx");
      linkSync(tmp, this.path);
    } catch (err) {
      throw new KeyError("key_create_failed", `cannot create ${this.description}: ${(err as Error).message}`, { path: this.path });
    } finally {
      sodium.memzero(key);
      rmSync(tmp, { force: true });
    }
    syncDir(dirname(this.path));
  }
}

/** Writes `data` to a new private (0600) file and syncs it to disk before closing. */
function writePrivateSynced(path: string, data: Uint8Array, flag: "w" | "wx"): void {
  const fd = openSync(path, flag, 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the file itself is already synced.
  }
}
