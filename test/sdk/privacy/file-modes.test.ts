/**
 * Files and secrets (issue 12, finding 7): the database, its WAL and shared-memory files are
 * the device user's alone whatever the directory's mode, and a key directory others can
 * write to is refused (anyone could swap the key).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileKeyProvider } from "../../../sdk/crypto/key-provider.js";
import { KeyHierarchy } from "../../../sdk/crypto/key-hierarchy.js";
import { openFixture } from "../../support/secure-store-fixture.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("the device's files", () => {
  it("creates the database, WAL and shared-memory files 0600 in a 0755 directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-modes-"));
    chmodSync(dir, 0o755);
    const previous = process.umask(0o022);
    try {
      const f = await openFixture({ dir });
      f.store.audit.append({ type: "command.executed", actor: "op", details: { n: 1 } });
      expect(mode(f.dbPath)).toBe(0o600);
      expect(mode(`${f.dbPath}-wal`)).toBe(0o600);
      expect(mode(`${f.dbPath}-shm`)).toBe(0o600);
      f.store.close();
      // A database someone made readable is made private again at the next start, and the log says so.
      chmodSync(f.dbPath, 0o644);
      const again = await f.reopen();
      expect(mode(f.dbPath)).toBe(0o600);
      expect(f.logs.records.some((r) => r.message === "database file was readable by others; made private to the device user")).toBe(true);
      again.close();
    } finally {
      process.umask(previous);
    }
  });

  it("refuses a key in a directory others can write to, naming the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-keydir-"));
    const keys = join(dir, "keys");
    mkdirSync(keys, { mode: 0o700 });
    const path = join(keys, "master.key");
    (await KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path }), create: true })).close();
    chmodSync(keys, 0o777);
    await expect(KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path }), create: false })).rejects.toMatchObject({
      code: "key_permissions",
      message: expect.stringMatching(/mode 0777: others could replace the key.*chmod 700/),
    });
    chmodSync(keys, 0o700);
    (await KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path }), create: false })).close();
  });
});

describe("a database that went missing or was replaced", () => {
  it("is refused against the record kept with the key, with the way out named; moving the record aside starts afresh", async () => {
    const f = await openFixture();
    f.store.close();
    const record = `${f.keyPath}.store`;
    expect(JSON.parse(readFileSync(record, "utf8"))).toMatchObject({ format: "facegate-store/1", databaseId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${f.dbPath}${suffix}`, { force: true });
    const missing = await f.reopen().then(
      (s) => (s.close(), "opened"),
      (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
    );
    expect(missing).toMatch(/^store_missing: .*restore the database from a backup.*move the key's record .*\.store aside/);
    expect(existsSync(f.dbPath) && statSync(f.dbPath).size > 0).toBe(false);

    // The documented way out: the record moved aside, the device starts a new database and audit chain.
    renameSync(record, `${record}.old`);
    const fresh = await f.reopen();
    fresh.close();
    // Putting the old record back in front of the new database: refused as replaced.
    renameSync(`${record}.old`, record);
    const replaced = await f.reopen().then(
      (s) => (s.close(), "opened"),
      (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
    );
    expect(replaced).toMatch(/^store_replaced: database .* is not the one .* belongs to/);
  });
});
