import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { statSync } from "node:fs";
import { checkpointTruncate, openDatabase } from "../../../sdk/store/database.js";
import { StoreError } from "../../../sdk/errors.js";

const set = { module: "demo", steps: ["CREATE TABLE t (x INTEGER)", "ALTER TABLE t ADD COLUMN y TEXT"] };

describe("database", () => {
  it("checkpointTruncate says when it could not empty the WAL (a reader held an old snapshot), and empties it once it can", () => {
    const path = join(mkdtempSync(join(tmpdir(), "fg-db-")), "device.db");
    const db = openDatabase({ path, migrations: [{ module: "t", steps: ["CREATE TABLE t (x BLOB)"] }] });
    const reader = new Database(path, { readonly: true });
    try {
      db.prepare("INSERT INTO t VALUES (zeroblob(5000))").run();
      reader.prepare("BEGIN").run();
      reader.prepare("SELECT COUNT(*) FROM t").get(); // holds the snapshot
      db.prepare("INSERT INTO t VALUES (zeroblob(5000))").run();
      db.pragma("busy_timeout = 20");
      expect(checkpointTruncate(db)).toBe(false);
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
      reader.prepare("COMMIT").run();
      expect(checkpointTruncate(db)).toBe(true);
      expect(statSync(`${path}-wal`).size).toBe(0);
    } finally {
      reader.close();
      db.close();
    }
  });

  it("opens with WAL, synchronous FULL, secure_delete and foreign keys, and runs migrations once", () => {
    const path = join(mkdtempSync(join(tmpdir(), "fg-db-")), "d.db");
    const db = openDatabase({ path, migrations: [set] });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    expect(db.pragma("secure_delete", { simple: true })).toBe(1);
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    db.prepare("INSERT INTO t (x, y) VALUES (1, 'a')").run();
    db.close();
    const again = openDatabase({ path, migrations: [set] });
    expect(again.prepare("SELECT COUNT(*) AS n FROM schema_migrations WHERE module='demo'").get()).toEqual({ n: 2 });
    again.close();
  });

  it("refuses a corrupt file with a clear error and leaves it untouched", () => {
    const path = join(mkdtempSync(join(tmpdir(), "fg-db-")), "d.db");
    writeFileSync(path, Buffer.alloc(8192, 7));
    const before = readFileSync(path);
    expect(() => openDatabase({ path, migrations: [set] })).toThrowError(StoreError);
    try {
      openDatabase({ path, migrations: [set] });
    } catch (err) {
      expect((err as StoreError).code).toBe("store_corrupt");
      expect((err as StoreError).message).toMatch(/corrupt or not a facegate database/);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});
