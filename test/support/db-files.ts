/**
 * Looking at a device database from the outside, as a forensic examiner would: row counts
 * of every table (enumerated from sqlite_master, so tables added later are covered) and
 * byte scans of the database file and its -wal and -shm companions.
 */
import { existsSync, readFileSync } from "node:fs";
import { type Db, tableStats } from "../../sdk/store/database.js";

/** Row count of every table in the database, by name (sqlite_* internals excluded). */
export function tableCounts(db: Db): Record<string, number> {
  return Object.fromEntries(Object.entries(tableStats(db)).map(([name, t]) => [name, t.rows]));
}

/** The database file and whichever of its -wal and -shm files exist. */
export function dbFiles(dbPath: string): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((p) => existsSync(p));
}

/** Raw bytes of a float vector as SQLite or a careless logger would store them (little-endian float32). */
export function float32Bytes(vector: Float32Array): Buffer {
  const out = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

/** Consecutive `size`-byte windows of `bytes` (the last one may be shorter and is dropped). */
export function windows(bytes: Uint8Array, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + size <= bytes.length; at += size) out.push(Buffer.from(bytes.subarray(at, at + size)));
  return out;
}

/**
 * Where any of `needles` occurs in any of `files`: `file@offset` per hit. A needle of
 * all-zero bytes is refused (it would match any zeroed page).
 */
export function findBytes(files: readonly string[], needles: readonly Uint8Array[]): string[] {
  for (const n of needles) if (n.length === 0 || n.every((b) => b === 0)) throw new RangeError("a needle must not be empty or all zeros");
  const hits: string[] = [];
  for (const file of files) {
    const data = readFileSync(file);
    for (const n of needles) {
      const at = data.indexOf(n);
      if (at >= 0) hits.push(`${file}@${at}`);
    }
  }
  return hits;
}
