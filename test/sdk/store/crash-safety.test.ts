import { spawn } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { FileKeyProvider } from "../../../sdk/crypto/key-provider.js";
import { silentLogger } from "../../../sdk/log/logger.js";
import { openSecureStore } from "../../../sdk/privacy/secure-store.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { RecordingSink, tempDir, testConfig } from "../../support/secure-store-fixture.js";

const worker = join(import.meta.dirname, "..", "..", "support", "crash-worker.ts");
const RUNS = 24;

/** Workers still running (a test that times out must not leave them looping). */
const running = new Set<ReturnType<typeof spawn>>();
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

/** Starts the worker, waits for `ready` (or not, to hit start-up), then kills it with SIGKILL after `delayMs`. */
function runAndKill(dir: string, seed: number, delayMs: number, waitReady: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker, dir, String(seed)], { stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let stderr = "";
    let killed = false;
    const kill = (): void => {
      killed = true;
      setTimeout(() => child.kill("SIGKILL"), delayMs);
    };
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      if (waitReady && !killed && d.toString().includes("ready")) kill();
    });
    if (!waitReady) kill();
    child.on("exit", (code, signal) => {
      running.delete(child);
      if (signal === "SIGKILL") resolve();
      else reject(new Error(`worker exited on its own (code ${code}): ${stderr.slice(0, 2000)}`));
    });
  });
}

function checkConsistent(db: Database.Database): { subjects: number; templates: number } {
  {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.pragma("foreign_key_check")).toEqual([]);
    // No half-enrolled subject: a data key always has templates, templates always a key.
    expect(db.prepare("SELECT COUNT(*) AS n FROM subject_keys k WHERE NOT EXISTS (SELECT 1 FROM templates t WHERE t.subject_id = k.subject_id)").get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM templates t WHERE NOT EXISTS (SELECT 1 FROM subject_keys k WHERE k.subject_id = t.subject_id)").get()).toEqual({ n: 0 });
    // Every deletion has its audit entry and receipt; every enrollment its audit entry.
    const receipts = db.prepare("SELECT COUNT(*) AS n FROM deletion_receipts").get() as { n: number };
    const deletions = db.prepare("SELECT COUNT(*) AS n FROM audit_entries WHERE type = 'deletion.completed'").get() as { n: number };
    expect(receipts.n).toBe(deletions.n);
    return {
      subjects: (db.prepare("SELECT COUNT(*) AS n FROM subject_keys").get() as { n: number }).n,
      templates: (db.prepare("SELECT COUNT(*) AS n FROM templates").get() as { n: number }).n,
    };
  }
}

describe("crash safety", () => {
  it("L7 L8 kill -9 at random points during enrollment and deletion leaves a consistent database and a verifying audit chain", { timeout: 300_000 }, async () => {
    const dir = tempDir("fg-crash-");
    const dbPath = join(dir, "device.db");
    let seed = 12345;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    let deletionsSeen = 0;
    for (let run = 0; run < RUNS; run++) {
      // Most runs are killed in the enroll/delete loop; a few during start-up (key creation, migrations).
      await runAndKill(dir, run + 1, run % 5 === 0 ? next(400) : next(250), run % 5 !== 0);
      // Opening runs WAL recovery and any migrations the kill interrupted, as a device restart would.
      const sink = new RecordingSink();
      const store = await openSecureStore({ dbPath, keyProvider: new FileKeyProvider({ path: join(dir, "master.key") }), clock: systemClock, logger: silentLogger, sink, config: { ...testConfig, auditCheckpointEvery: 7 } });
      try {
        checkConsistent(store.db);
        const load = store.vault.loadInto(sink);
        expect(load.quarantined).toEqual([]);
        expect(store.audit.verify()).toMatchObject({ ok: true });
        deletionsSeen = store.audit.entries().filter((e) => e.type === "deletion.completed").length;
      } finally {
        store.close();
      }
    }
    expect(deletionsSeen).toBeGreaterThan(0);
    const db = new Database(dbPath, { readonly: true });
    const final = checkConsistent(db);
    db.close();
    expect(final.subjects).toBeGreaterThan(0);
    expect(final.templates).toBeGreaterThanOrEqual(final.subjects);
  });
});
