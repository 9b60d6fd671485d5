/**
 * Commits made durable off the event loop (sdk/store/wal-durability.ts): a store opened
 * with deferred commit syncs runs SQLite's synchronous=NORMAL, and `durable()` resolves
 * only after an fdatasync of the WAL that began after the call, one sync shared by
 * every caller waiting at the time, on real files.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileKeyProvider } from "../../../sdk/crypto/key-provider.js";
import { silentLogger } from "../../../sdk/log/logger.js";
import { openSecureStore } from "../../../sdk/privacy/secure-store.js";
import { type SyncFs, WalDurability } from "../../../sdk/store/wal-durability.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { RecordingSink, sampleNotice, tempDir, testConfig } from "../../support/secure-store-fixture.js";

/** The real file system, with every call recorded in order, and syncs that can be held. */
function recordingFs(): { fs: SyncFs; calls: string[]; hold: (p: Promise<void>) => void; failNext: (code: string) => void } {
  const calls: string[] = [];
  let held: Promise<void> | undefined;
  let fail: string | undefined;
  const fs: SyncFs = {
    async open(path, flags) {
      const handle = await open(path, flags);
      const name = path.endsWith("-wal") ? "wal" : "dir";
      return {
        datasync: async () => {
          calls.push(`datasync ${name} start`);
          if (held) await held;
          if (fail) {
            const code = fail;
            fail = undefined;
            throw Object.assign(new Error(`${code}: i/o error`), { code });
          }
          await handle.datasync();
          calls.push(`datasync ${name} end`);
        },
        sync: async () => {
          await handle.sync();
          calls.push(`sync ${name}`);
        },
        close: () => handle.close(),
      };
    },
  };
  return { fs, calls, hold: (p) => (held = p), failNext: (code) => (fail = code) };
}

async function openStore(dir: string, commitSync?: "full" | "deferred") {
  return openSecureStore({
    dbPath: join(dir, "device.db"),
    keyProvider: new FileKeyProvider({ path: join(dir, "keys", "master.key") }),
    clock: systemClock,
    logger: silentLogger,
    sink: new RecordingSink(),
    config: testConfig,
    ...(commitSync ? { commitSync } : {}),
  });
}

describe("deferred commit syncs", () => {
  it("a store opened with deferred syncs commits under synchronous=NORMAL; the default stays FULL", async () => {
    const deferred = await openStore(tempDir(), "deferred");
    const full = await openStore(tempDir());
    try {
      expect(deferred.db.pragma("synchronous", { simple: true })).toBe(1);
      expect(full.db.pragma("synchronous", { simple: true })).toBe(2);
      deferred.consents.publishNotice(sampleNotice());
      await deferred.durable();
      await full.durable(); // resolves at once: each commit was synced when made
    } finally {
      deferred.close();
      full.close();
    }
  });

  it("durable() resolves after an fdatasync of the WAL that started after the call; callers waiting meanwhile share the next one", async () => {
    const dir = tempDir();
    const store = await openStore(dir, "deferred");
    try {
      const { fs, calls, hold } = recordingFs();
      const durability = new WalDurability(join(dir, "device.db"), fs);
      store.consents.publishNotice(sampleNotice(1));
      let release!: () => void;
      hold(new Promise<void>((r) => (release = r)));
      const first = durability.durable();
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toEqual(["datasync wal start"]);
      // Committed while the first sync runs: it may not cover these, so a second sync follows.
      store.consents.publishNotice(sampleNotice(2));
      let secondDone = false;
      const waiting = [durability.durable(), durability.durable(), durability.durable()];
      void Promise.all(waiting).then(() => (secondDone = true));
      expect(new Set(waiting).size).toBe(1);
      release();
      await first;
      expect(secondDone).toBe(false);
      await Promise.all(waiting);
      expect(calls).toEqual(["datasync wal start", "datasync wal end", "sync dir", "datasync wal start", "datasync wal end"]);
      expect(durability.syncs).toBe(2);
    } finally {
      store.close();
    }
  });

  it("a failed sync rejects with the file named and no contents; the next call syncs again", async () => {
    const dir = tempDir();
    const store = await openStore(dir, "deferred");
    try {
      const { fs, failNext, calls } = recordingFs();
      const durability = new WalDurability(join(dir, "device.db"), fs);
      store.consents.publishNotice(sampleNotice());
      failNext("EIO");
      await expect(durability.durable()).rejects.toThrow(/fdatasync of .*device\.db-wal failed; recent changes may not survive a power cut: EIO/);
      await durability.durable();
      expect(calls.filter((c) => c === "datasync wal end")).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it("with no WAL (nothing written since the database was closed) there is nothing to sync", async () => {
    const dir = tempDir();
    (await openStore(dir, "deferred")).close(); // close checkpoints and removes the WAL
    const { fs, calls } = recordingFs();
    await new WalDurability(join(dir, "device.db"), fs).durable();
    expect(calls).toEqual([]);
  });
});
