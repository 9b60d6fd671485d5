/**
 * Files and secrets (issue 12, finding 7): the database, its WAL and shared-memory files are
 * the device user's alone whatever the directory's mode, and a key directory others can
 * write to is refused (anyone could swap the key).
 */
import { chmodSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
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
