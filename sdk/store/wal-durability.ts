/**
 * Commits made durable off the event loop (issue 18).
 *
 * With `synchronous = FULL` every commit calls fsync on the JavaScript thread. At a door
 * that answers MQTT commands, records access events and runs the expiry sweep, that was
 * ~90 fsyncs a second on the main thread (4.2 s of 50 s in `facegate bench door`), some of
 * them 60 ms long: the door, the card reader and the broker waited on the disk.
 *
 * A connection opened with `commitSync: "deferred"` (database.ts) runs `synchronous =
 * NORMAL` instead: a commit appends its pages to the WAL and returns; the database stays
 * consistent through a power cut (SQLite syncs the WAL before every checkpoint), but the
 * last commits may be lost. `durable()` closes that gap: it resolves once an fdatasync of
 * the WAL, started after the call, has finished on libuv's thread pool, so every commit
 * made before the call is on the disk, exactly what FULL would have guaranteed at commit.
 * Concurrent callers share one sync; a caller arriving while one runs waits for the next.
 *
 * The rule that keeps this honest: nothing a commit did is announced before `durable()`
 * resolves. The gate's MQTT connection awaits it before every publish (command results,
 * deletion receipts, events, state), so an office never holds a receipt for a deletion
 * that a power cut could undo.
 *
 * The WAL is opened afresh for each sync (an fd kept open could outlive the file if
 * SQLite ever removed it). No WAL yet (nothing written since open): nothing to sync. The
 * first sync also syncs the directory, so a newly created WAL's name is durable too.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { dirname } from "node:path";

/** The file operations used (node:fs/promises by default; tests pass failing ones). */
export interface SyncFs {
  open(path: string, flags: number): Promise<{ datasync(): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
}

export class WalDurability {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private dirSynced = false;
  private readonly walPath: string;
  /** fdatasyncs finished (for tests and reports). */
  syncs = 0;

  constructor(
    dbPath: string,
    private readonly fs: SyncFs = { open: (path, flags) => open(path, flags) },
  ) {
    this.walPath = `${dbPath}-wal`;
  }

  /** Resolves once every commit made before this call is on the disk; rejects if the sync fails. */
  durable(): Promise<void> {
    if (!this.running) {
      const run = this.sync().finally(() => {
        if (this.running === run) this.running = null;
      });
      this.running = run;
      return run;
    }
    // A sync is under way, but it may have started before this caller's commit: the next one.
    if (!this.queued) {
      this.queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.durable();
        });
    }
    return this.queued;
  }

  private async sync(): Promise<void> {
    let file: Awaited<ReturnType<SyncFs["open"]>>;
    try {
      file = await this.fs.open(this.walPath, constants.O_RDONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // no WAL: every commit went to the database file under FULL rules
      throw new Error(`cannot open ${this.walPath} to make commits durable: ${(err as Error).message}`, { cause: err });
    }
    try {
      await file.datasync();
      this.syncs++;
    } catch (err) {
      throw new Error(`fdatasync of ${this.walPath} failed; recent changes may not survive a power cut: ${(err as Error).message}`, { cause: err });
    } finally {
      await file.close().catch(() => undefined);
    }
    if (!this.dirSynced) {
      const dir = await this.fs.open(dirname(this.walPath), constants.O_RDONLY);
      try {
        await dir.sync();
        this.dirSynced = true;
      } finally {
        await dir.close().catch(() => undefined);
      }
    }
  }
}
