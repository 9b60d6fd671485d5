/**
 * WAL checkpoints on a worker thread (sdk/store/wal-checkpointer.ts), on a real SQLite
 * file: the worker copies every committed frame into the database file while this thread
 * goes on writing (a passive checkpoint never takes the writer's lock), nothing is lost,
 * and nothing fails.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WalCheckpointer } from "../../../sdk/store/wal-checkpointer.js";
import { tempDir } from "../../support/secure-store-fixture.js";

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function walDatabase(): { db: Database.Database; path: string } {
  const path = join(tempDir("fg-ckpt-"), "device.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("wal_autocheckpoint = 0"); // only the worker checkpoints here
  db.exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
  open.push(db);
  return { db, path };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("the WAL checkpointer", () => {
  it("copies every committed frame into the database file, on its own thread", async () => {
    const { db, path } = walDatabase();
    const insert = db.prepare("INSERT INTO rows (body) VALUES (?)");
    for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(3000, i));
    const checkpointer = new WalCheckpointer(path);
    open.push(checkpointer);
    checkpointer.request();
    await until(() => checkpointer.stats.checkpoints === 1);
    expect(checkpointer.stats.lastFrames).toBeGreaterThan(0);
    expect(checkpointer.stats.lastCopied).toBe(checkpointer.stats.lastFrames);
    // What is left for this thread's own checkpoint: nothing.
    expect(db.pragma("wal_checkpoint(PASSIVE)")).toEqual([{ busy: 0, log: checkpointer.stats.lastFrames, checkpointed: checkpointer.stats.lastFrames }]);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const fresh = new Database(path, { readonly: true });
    expect(fresh.prepare("SELECT COUNT(*) AS n FROM rows").get()).toEqual({ n: 200 });
    fresh.close();
  });

  it("lets this thread write on while it checkpoints: no write fails, no row is lost, requests made meanwhile fold into one more", async () => {
    const { db, path } = walDatabase();
    const checkpointer = new WalCheckpointer(path);
    open.push(checkpointer);
    const insert = db.prepare("INSERT INTO rows (body) VALUES (?)");
    for (let i = 0; i < 2000; i++) {
      insert.run(Buffer.alloc(2000, i % 251));
      checkpointer.request();
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => checkpointer.stats.checkpoints >= 2);
    expect(checkpointer.stats.failures).toBe(0);
    expect(checkpointer.stats.checkpoints).toBeLessThan(2000);
    expect(db.prepare("SELECT COUNT(*) AS n FROM rows").get()).toEqual({ n: 2000 });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
  });

  it("ends its worker on close and takes no request after it", async () => {
    const { path } = walDatabase();
    const checkpointer = new WalCheckpointer(path);
    await checkpointer.close();
    checkpointer.request();
    expect(checkpointer.stats.checkpoints).toBe(0);
  });
});
