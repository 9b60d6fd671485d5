/**
 * Start-up on two cores: a worker thread (decrypt-worker.mjs) reads and decrypts the
 * templates while this thread unwraps the data keys and fills the sink; the same result
 * as vault-loader.ts's main-thread path, template for template and in the same order
 * (test/sdk/vault/vault-loader.test.ts compares them, tampering included).
 *
 * Why: at 100,000 templates the main thread alone needs ~3.5 s of CPU to load (~0.2 s
 * reading and ~0.3 s unwrapping keys, ~0.6 s reading template rows, ~1.1 s decrypting,
 * ~0.9 s indexing), over SPEC section 5's 3 s. Rows and decryption on the worker,
 * keys and indexing here: the load takes ~2-2.3 s (facegate bench startup).
 *
 * Protocol (all in shared memory, so this thread can stay synchronous):
 * - The main thread unwraps every key in slot order through KeyHierarchy (the KEK never
 *   leaves it), copies it into `keyBytes`, marks `keyStatus` and publishes `keysReady`.
 *   A template of a slot not yet published waits for it.
 * - The worker sends batches of opened templates over a MessagePort (the plaintext
 *   buffer is transferred, not copied) and counts them in `batchesSent`; this thread
 *   takes them with receiveMessageOnPort, hands them to the LoadTally, wipes the buffer
 *   and counts `batchesTaken`. At most MAX_BATCHES_IN_FLIGHT wait at any time.
 * - Either side may stop: `stop` is set by this thread when it gives up; `state` tells
 *   whether the worker is running, finished or failed.
 *
 * The caller falls back to the main-thread path whenever this returns `ok: false`: the
 * worker could not start (no file, an in-memory database, an open transaction whose
 * rows another connection would not see), failed, or made no progress for
 * STALL_LIMIT_MS. Every key copy and every plaintext buffer is wiped in all cases.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import type { KeyHierarchy } from "../crypto/key-hierarchy.js";
import { IntegrityError } from "../errors.js";
import type { Db } from "../store/database.js";
import type { LoadTally } from "./load-tally.js";
import { DATA_KEY_BYTES, type SubjectKeyTable, noKeyError } from "./subject-key-table.js";
import { TEMPLATE_DIM } from "./template-codec.js";

const WORKER_FILE = fileURLToPath(new URL("./decrypt-worker.mjs", import.meta.url));

/** Indices into the control Int32Array. */
const FIELDS = { state: 0, stop: 1, keysReady: 2, batchesSent: 3, batchesTaken: 4 } as const;
const STATE = { starting: 0, running: 1, finished: 2, failed: 3 } as const;
const OUTCOME = { ok: 0, templateFailed: 1, skipped: 2, noKey: 3 } as const;
const KEY_STATE = { pending: 0, ok: 1, failed: 2 } as const;
const BATCH_SIZE = 256;
const MAX_BATCHES_IN_FLIGHT = 32;
/** Keys are published (and waiting batches taken) every this many slots. */
const KEY_CHUNK = 256;
const WAIT_MS = 100;
/**
 * Give up on a worker that has sent nothing for this long: it could not start (a broken
 * worker file ends the thread with an 'error' event this synchronous load cannot see) or
 * it hangs. It normally starts in ~0.15 s and sends a batch every few milliseconds.
 */
const STALL_LIMIT_MS = 5_000;

interface Batch {
  subjectIds: string[];
  templateIds: string[];
  outcomes: Uint8Array;
  plain: Float32Array;
  count: number;
}

type WorkerMessage = Batch | { error: string };

export interface WorkerLoadInput {
  keys: KeyHierarchy;
  table: SubjectKeyTable;
  quarantined: ReadonlySet<string>;
  tally: LoadTally;
}

export type WorkerLoadResult = { ok: true } | { ok: false; problem: string };

/**
 * A decrypt worker, started before the key table is read so that its own start-up
 * (loading SQLite and libsodium, ~0.1-0.2 s) overlaps with the main thread's.
 */
export class DecryptWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly ctl: Int32Array;
  private used = false;

  private constructor(worker: Worker, port: MessagePort, ctl: Int32Array) {
    this.worker = worker;
    this.port = port;
    this.ctl = ctl;
  }

  /**
   * Starts a worker reading `db`'s file, or says why it cannot. `file` is a test hook (a
   * worker that fails on purpose); it defaults to decrypt-worker.mjs.
   */
  static start(db: Db, file: string = WORKER_FILE): DecryptWorker | { problem: string } {
    if (db.memory) return { problem: "an in-memory database cannot be opened by a worker" };
    if (db.inTransaction) return { problem: "a transaction is open; a worker would not see its rows" };
    if (!existsSync(file)) return { problem: "the decrypt worker file is missing" };
    const ctl = new Int32Array(new SharedArrayBuffer(Object.keys(FIELDS).length * 4));
    const { port1, port2 } = new MessageChannel();
    try {
      const worker = new Worker(file, {
        workerData: {
          dbPath: db.name,
          control: ctl.buffer,
          port: port2,
          fields: FIELDS,
          state: STATE,
          outcome: OUTCOME,
          keyState: KEY_STATE,
          batchSize: BATCH_SIZE,
          maxBatchesInFlight: MAX_BATCHES_IN_FLIGHT,
          dims: TEMPLATE_DIM,
          waitMs: WAIT_MS,
        },
        transferList: [port2],
        // Plain JavaScript: not the parent's flags (`--import tsx` would load the TypeScript loader there for nothing).
        execArgv: [],
      });
      // The worker reports through shared memory; its events would arrive only after this
      // synchronous load, and an unhandled 'error' event would end the process.
      worker.on("error", () => {});
      worker.unref();
      return new DecryptWorker(worker, port1, ctl);
    } catch (err) {
      port1.close();
      return { problem: `the decrypt worker could not start: ${(err as Error).message}` };
    }
  }

  /** Stops a worker that will not be used (or not any more). */
  dispose(): void {
    const { ctl } = this;
    Atomics.store(ctl, FIELDS.stop, 1);
    Atomics.notify(ctl, FIELDS.keysReady);
    Atomics.notify(ctl, FIELDS.batchesTaken);
    // A running worker sees `stop` at its next row and wipes its key copy and its heap
    // region on the way out: give it that chance rather than end it mid-row.
    for (let waited = 0; Atomics.load(ctl, FIELDS.state) === STATE.running && waited < STALL_LIMIT_MS; waited += WAIT_MS) {
      Atomics.wait(ctl, FIELDS.state, STATE.running, WAIT_MS);
    }
    const state = Atomics.load(ctl, FIELDS.state);
    if (state !== STATE.finished && state !== STATE.failed) void this.worker.terminate();
    // Plaintext still queued (after a failure) is wiped unread.
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const message = m.message as WorkerMessage;
      if (!("error" in message)) message.plain.fill(0);
    }
    this.port.close();
  }

  /** Loads every template through the worker into `tally`; once. The worker is disposed afterwards. */
  load(input: WorkerLoadInput): WorkerLoadResult {
    if (this.used) throw new Error("a decrypt worker loads once");
    this.used = true;
    const { keys, table, tally } = input;
    const { ctl, port } = this;
    const slots = table.size;
    const keyBytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, slots) * DATA_KEY_BYTES));
    const keyStatus = new Int32Array(new SharedArrayBuffer(Math.max(1, slots) * 4));
    let problem: string | undefined;
    let taken = 0;
    const take = (): boolean => {
      const received = receiveMessageOnPort(port);
      if (!received) return false;
      const message = received.message as WorkerMessage;
      if ("error" in message) problem = `the decrypt worker failed: ${message.error}`;
      else {
        try {
          applyBatch(message, tally);
        } finally {
          message.plain.fill(0);
        }
        taken++;
        Atomics.store(ctl, FIELDS.batchesTaken, taken);
        Atomics.notify(ctl, FIELDS.batchesTaken);
      }
      return true;
    };

    try {
      port.postMessage({ subjectIds: table.subjectIds, keyVersions: table.keyVersions, quarantined: [...input.quarantined], keyBytes: keyBytes.buffer, keyStatus: keyStatus.buffer });
      for (let slot = 0; slot < slots; slot++) {
        try {
          const key = table.unwrap(keys, slot);
          keyBytes.set(key, slot * DATA_KEY_BYTES);
          keys.crypto.memzero(key);
          Atomics.store(keyStatus, slot, KEY_STATE.ok);
        } catch (err) {
          Atomics.store(keyStatus, slot, KEY_STATE.failed);
          tally.fail(table.subjectIds[slot]!, err);
        }
        if ((slot + 1) % KEY_CHUNK === 0 || slot === slots - 1) {
          Atomics.store(ctl, FIELDS.keysReady, slot + 1);
          Atomics.notify(ctl, FIELDS.keysReady);
          while (take());
        }
      }
      let idleMs = 0;
      for (;;) {
        while (take()) idleMs = 0;
        const state = Atomics.load(ctl, FIELDS.state);
        if (state === STATE.finished || state === STATE.failed) {
          // Every message was posted before the state changed: drain, then decide.
          while (take());
          if (state === STATE.failed || problem !== undefined) return { ok: false, problem: problem ?? "the decrypt worker failed" };
          return { ok: true };
        }
        const sent = Atomics.load(ctl, FIELDS.batchesSent);
        if (sent > taken) continue;
        if (Atomics.wait(ctl, FIELDS.batchesSent, sent, WAIT_MS) === "timed-out") {
          idleMs += WAIT_MS;
          if (idleMs >= STALL_LIMIT_MS) return { ok: false, problem: state === STATE.starting ? "the decrypt worker did not start" : "the decrypt worker stopped making progress" };
        } else idleMs = 0;
      }
    } catch (err) {
      return { ok: false, problem: `loading from the decrypt worker failed: ${(err as Error).message}` };
    } finally {
      this.dispose();
      keyBytes.fill(0);
    }
  }
}

/** One batch, in storage order, with the same decisions as the main-thread path. */
function applyBatch(batch: Batch, tally: LoadTally): void {
  for (let i = 0; i < batch.count; i++) {
    const subjectId = batch.subjectIds[i]!;
    switch (batch.outcomes[i]) {
      case OUTCOME.ok:
        tally.add(subjectId, batch.templateIds[i]!, batch.plain.subarray(i * TEMPLATE_DIM, (i + 1) * TEMPLATE_DIM));
        break;
      case OUTCOME.templateFailed:
        tally.fail(subjectId, new IntegrityError("integrity_template", "a template ciphertext failed authentication", { subjectId }));
        tally.countUnloaded();
        break;
      case OUTCOME.noKey:
        tally.fail(subjectId, noKeyError(subjectId));
        tally.countUnloaded();
        break;
      default:
        tally.countUnloaded();
    }
  }
}
