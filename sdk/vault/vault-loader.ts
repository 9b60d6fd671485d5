/**
 * Start-up decryption of the whole vault into a TemplateSink (L5, L6), with progress.
 *
 * Every subject's data key is unwrapped once (SubjectKeyTable), then templates are read
 * in storage order (one sequential scan), opened, handed to the sink (which copies them)
 * and wiped. A subject whose key or any template fails authentication gets nothing more
 * into the sink, whatever it had is removed again, and it is reported in `failures`; the
 * vault then quarantines it. Every data key is wiped at the end.
 *
 * Large vaults are decrypted on a worker thread (worker-load.ts) while this thread
 * unwraps keys and indexes: the same templates in the same order with the same
 * decisions, ~1.6x faster on two cores (100,000 templates: ~2.3 s from open to a full
 * gallery instead of ~3.7 s; SPEC section 5 asks for at most 3 s). Small vaults, and any
 * case where the worker cannot be used, load on this thread (the reference path).
 */
import type { KeyHierarchy } from "../crypto/key-hierarchy.js";
import { IntegrityError } from "../errors.js";
import type { TemplateSink } from "../matcher/template-sink.js";
import type { Db } from "../store/database.js";
import { type LoadProgress, type LoadSummary, LoadTally } from "./load-tally.js";
import { SubjectKeyTable, noKeyError } from "./subject-key-table.js";
import { openTemplate } from "./template-codec.js";
import { DecryptWorker } from "./worker-load.js";

export type { LoadProgress, LoadSummary } from "./load-tally.js";

/**
 * Below this many templates the main thread alone is as quick: both threads' code is
 * still warming up, and starting the worker (SQLite and libsodium loaded again there)
 * costs ~0.1-0.2 s. Measured (facegate bench startup): 5,000 templates ~0.3 s either
 * way or slower with the worker, 10,000 about even (~0.5 s), 30,000 ~1.2 s with the
 * worker against ~1.4-1.8 s without.
 */
export const WORKER_MIN_TEMPLATES = 10_000;

/** "auto": a worker for WORKER_MIN_TEMPLATES or more; "worker" and "main-thread" force a path (tests, benchmarks). */
export type DecryptionPlace = "auto" | "worker" | "main-thread";

export interface LoadVaultOptions {
  db: Db;
  keys: KeyHierarchy;
  sink: TemplateSink;
  onProgress?: ((p: LoadProgress) => void) | undefined;
  decryptIn?: DecryptionPlace | undefined;
  /** Test hook: another worker file (one that fails on purpose). */
  workerFile?: string | undefined;
}

export function loadVault(options: LoadVaultOptions): LoadSummary {
  const { db, keys, sink } = options;
  const quarantined = new Set(db.prepare("SELECT subject_id FROM quarantine").pluck().all() as string[]);
  const total = db.prepare("SELECT COUNT(*) FROM templates WHERE subject_id NOT IN (SELECT subject_id FROM quarantine)").pluck().get() as number;
  const place = options.decryptIn ?? "auto";
  let worker: DecryptWorker | undefined;
  let workerProblem: string | undefined;
  if (place === "worker" || (place === "auto" && total >= WORKER_MIN_TEMPLATES)) {
    const started = DecryptWorker.start(db, options.workerFile);
    if (started instanceof DecryptWorker) worker = started;
    else workerProblem = started.problem;
  }
  const tally = new LoadTally({ sink, total, onProgress: options.onProgress });
  let table: SubjectKeyTable;
  try {
    table = new SubjectKeyTable(db, quarantined);
  } catch (err) {
    worker?.dispose();
    throw err;
  }
  if (worker) {
    const result = worker.load({ keys, table, quarantined, tally });
    if (result.ok) return tally.finish(quarantined, "worker");
    workerProblem = result.problem;
    tally.reset();
  }
  loadInThisThread({ db, keys, table, quarantined, tally });
  return tally.finish(quarantined, "main-thread", workerProblem);
}

/** The reference path: the same decisions as the worker path, on the calling thread. */
function loadInThisThread(input: { db: Db; keys: KeyHierarchy; table: SubjectKeyTable; quarantined: ReadonlySet<string>; tally: LoadTally }): void {
  const { db, keys, table, quarantined, tally } = input;
  const sodium = keys.crypto;
  const dataKeys: Array<Uint8Array | null> = [];
  try {
    for (let slot = 0; slot < table.size; slot++) {
      try {
        dataKeys.push(table.unwrap(keys, slot));
      } catch (err) {
        dataKeys.push(null);
        tally.fail(table.subjectIds[slot]!, err);
      }
    }
    const rows = db.prepare("SELECT subject_id, id, key_version, nonce, ciphertext FROM templates").raw().iterate() as Iterable<[string, string, number, Buffer, Buffer]>;
    for (const [subjectId, templateId, keyVersion, nonce, ciphertext] of rows) {
      if (quarantined.has(subjectId)) continue;
      const slot = table.slotOf(subjectId);
      if (slot === undefined) {
        tally.fail(subjectId, noKeyError(subjectId));
        tally.countUnloaded();
        continue;
      }
      const key = dataKeys[slot];
      if (!key || tally.hasFailed(subjectId)) {
        tally.countUnloaded();
        continue;
      }
      let embedding: Float32Array;
      try {
        // The template's key_version is in its associated data: a row claiming another
        // version than its subject's key fails to open.
        if (keyVersion !== table.keyVersions[slot]) throw new IntegrityError("integrity_template", "template key version does not match its subject key", { subjectId });
        embedding = openTemplate(sodium, key, { subjectId, templateId, keyVersion }, { nonce, ciphertext });
      } catch (err) {
        tally.fail(subjectId, err);
        tally.countUnloaded();
        continue;
      }
      tally.add(subjectId, templateId, embedding);
      embedding.fill(0);
    }
  } finally {
    for (const key of dataKeys) if (key) sodium.memzero(key);
  }
}
