/**
 * WAL checkpointer (wal-checkpointer.ts): its own SQLite connection to the gate's
 * database, on this thread, copying committed WAL frames into the database file with
 * PASSIVE checkpoints: they never take the writer's lock, so the gate's thread writes on
 * while this one copies and syncs. Asked by `{ op: "checkpoint" }`; answers
 * `{ done: true, log, checkpointed }` or `{ error }` (no row content, only SQLite's
 * message). Ends on `{ op: "close" }`.
 *
 * Plain JavaScript on purpose: a worker thread does not inherit the TypeScript loader (see
 * sdk/vault/decrypt-worker.mjs). Nothing here logs.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";

// Background work yields to the gate's event loop (see sdk/vision/onnx-worker.mjs).
try {
  setPriority(0, 5);
} catch {
  // not permitted or not supported here
}

const { default: Database } = await import("better-sqlite3");
let db;
try {
  db = new Database(workerData.dbPath, { fileMustExist: true });
  db.pragma("mmap_size = 0");
  db.pragma("busy_timeout = 0");
  // The checkpoint syncs the WAL before it copies and the database file after.
  db.pragma("synchronous = NORMAL");
  db.pragma("wal_autocheckpoint = 0");
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ error: err instanceof Error ? err.message : "cannot open the database" });
  process.exit(1);
}

parentPort.on("message", (m) => {
  if (m.op === "close") {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ done: true, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    // Busy: the gate's own checkpoint (a deletion's TRUNCATE) holds the lock; the next request copies what is left.
    if (err && err.code === "SQLITE_BUSY") parentPort.postMessage({ done: true, log: -1, checkpointed: -1 });
    else parentPort.postMessage({ error: err instanceof Error ? err.message : "checkpoint failed" });
  }
});
