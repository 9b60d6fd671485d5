/**
 * WAL checkpoints off the event loop (issue 18). SQLite copies the WAL back into the
 * database file (a checkpoint) on the thread of the commit that crosses 1,000 pages, and
 * a deletion ends with a TRUNCATE checkpoint so that no frame of the deleted data stays in
 * the WAL (deletion-service.ts): with a long WAL that copy and its two syncs held the
 * gate's event loop for 20-30 ms in `facegate bench door`.
 *
 * A worker thread (checkpoint-worker.mjs) with its own connection runs PASSIVE checkpoints
 * whenever asked (`request()`: the store asks after each durable sync, so checkpoints
 * follow the writes): a passive checkpoint never takes the writer's lock, so the gate's
 * writes go on meanwhile, and the WAL stays short, so what is left for the gate's own
 * checkpoints (the deletion's TRUNCATE, the automatic one as a safety net, the one at
 * close) is little. Requests made while one runs are folded into one more.
 *
 * Failures are counted and reported once through `onProblem`; the gate is no less safe
 * without the worker (its own checkpoints do the work, as before), only slower.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

const WORKER_FILE = fileURLToPath(new URL("./checkpoint-worker.mjs", import.meta.url));

type Answer = { ready: true } | { done: true; log: number; checkpointed: number } | { error: string };

export class WalCheckpointer {
  private readonly worker: Worker;
  private running = false;
  private again = false;
  private closed = false;
  private reported = false;
  /** Checkpoints run, those that failed, and the last one's WAL frames and frames copied (SQLite's `log` and `checkpointed`). */
  readonly stats = { checkpoints: 0, failures: 0, lastFrames: 0, lastCopied: 0 };

  constructor(dbPath: string, private readonly onProblem: (message: string) => void = () => {}) {
    this.worker = new Worker(WORKER_FILE, { workerData: { dbPath } });
    this.worker.unref();
    this.worker.on("message", (a: Answer) => this.answered(a));
    this.worker.on("error", (err) => this.problem(`WAL checkpoint worker failed (${err.name})`));
    this.worker.on("exit", (code) => {
      if (!this.closed) this.problem(`WAL checkpoint worker ended (exit code ${code})`);
      this.closed = true;
    });
  }

  /** Asks for a checkpoint soon; at most one runs at a time, and one more after it if asked meanwhile. */
  request(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.worker.postMessage({ op: "checkpoint" });
  }

  /** Ends the worker (its connection closes); no checkpoint runs after this. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const ended = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage({ op: "close" });
    return ended;
  }

  private answered(a: Answer): void {
    if ("ready" in a) return;
    this.running = false;
    if ("error" in a) {
      this.stats.failures++;
      this.problem(`WAL checkpoint failed (${a.error})`);
    } else {
      this.stats.checkpoints++;
      this.stats.lastFrames = a.log;
      this.stats.lastCopied = a.checkpointed;
    }
    if (this.again) {
      this.again = false;
      this.request();
    }
  }

  private problem(message: string): void {
    if (this.reported) return;
    this.reported = true;
    this.onProblem(message);
  }
}
