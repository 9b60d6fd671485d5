/**
 * Creates ONNX Runtime sessions from verified model bytes only: a ModelSource returns
 * bytes whose SHA-256 matches the pinned manifest, so an altered or missing file throws
 * ModelError before it can run.
 *
 * Off the event loop (issue 18): onnxruntime-node runs `session.run` synchronously on the
 * calling thread, 2-15 ms a model, during which cards, PINs, MQTT and door sensors wait.
 * Sessions therefore run on worker threads (onnx-worker.mjs) by default: the detector,
 * landmarks and embedding model on one ("main" lane), liveness on another, so that on a
 * two-core terminal liveness can run beside the embedding. The worker runs the same
 * runtime with the same options on the same bytes. A session that cannot start on a
 * worker (no worker threads, a broken worker file) is created on this thread instead;
 * `sessionPlace` tells which.
 *
 * The session object has the shape of the `ort.InferenceSession` members the models use
 * (inputNames, outputNames, run, release) and is typed as one for them.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as ort from "onnxruntime-node";
import { ModelError } from "../errors.js";
import type { ModelSource, VisionModelName } from "./model-source.js";

export interface SessionOptions {
  /**
   * Threads inside one operator. Default: 1 on a worker (the two lanes already use the two
   * cores of a terminal: measured 30/40 ms p50/p95 a frame against 39/49 ms with 2 each),
   * 2 on the calling thread.
   */
  intraOpNumThreads?: number;
  /** Let idle ONNX worker threads busy-wait for the next operator (default false). */
  allowSpinning?: boolean;
  /** Run on a worker thread (default true); false: on the calling thread, as before. */
  worker?: boolean;
}

const WORKER_FILE = fileURLToPath(new URL("./onnx-worker.mjs", import.meta.url));

function sessionConfig(options: SessionOptions, onWorker: boolean): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: options.intraOpNumThreads ?? (onWorker ? 1 : 2),
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
    extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? "1" : "0" } } },
  };
}

export async function createVerifiedSession(models: ModelSource, name: VisionModelName, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const bytes = models.read(name);
  if (options.worker !== false) {
    try {
      const session = await WorkerSession.create(name === "liveness" ? "liveness" : "main", name, bytes, sessionConfig(options, true));
      // The members the models use, on a worker (see the file comment).
      return session as unknown as ort.InferenceSession;
    } catch (err) {
      if (err instanceof ModelError) throw err;
      // The worker could not run: the same session on this thread.
    }
  }
  try {
    return await ort.InferenceSession.create(bytes, sessionConfig(options, false));
  } catch (err) {
    throw new ModelError(`model ${name} could not be loaded by ONNX Runtime`, { model: name }, { cause: err });
  }
}

/** Where a session from createVerifiedSession runs. */
export function sessionPlace(session: unknown): "worker" | "main-thread" {
  return session instanceof WorkerSession ? "worker" : "main-thread";
}

/** Runs a single-input session and returns its named outputs. */
export async function runSession(session: ort.InferenceSession, input: ort.Tensor): Promise<ort.InferenceSession.OnnxValueMapType> {
  const name = session.inputNames[0]!;
  return session.run({ [name]: input });
}

type Answer = { id: number; error?: string; inputNames?: string[]; outputNames?: string[]; outputs?: Record<string, { type: ort.Tensor.Type; dims: number[]; data: Float32Array }> };

/** One worker thread holding the sessions of a lane; ends when its last session is released. */
class Lane {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  sessions = 0;
  private dead: Error | undefined;

  constructor(private readonly onEnd: () => void) {
    this.worker = new Worker(WORKER_FILE);
    this.worker.unref();
    this.worker.on("message", (a: Answer) => {
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      if (this.pending.size === 0) this.worker.unref();
      p.resolve(a);
    });
    const fail = (why: string): void => {
      this.dead ??= new Error(`inference worker stopped (${why})`);
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
      this.onEnd();
    };
    this.worker.on("error", (err) => fail(err.name));
    this.worker.on("exit", (code) => fail(`exit code ${code}`));
  }

  request(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Answer> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, ...message }, transfer);
    });
  }

  async end(): Promise<void> {
    this.onEnd();
    await this.worker.terminate();
  }
}

const lanes = new Map<string, Lane>();
let nextKey = 1;

function lane(name: string): Lane {
  let l = lanes.get(name);
  if (!l) {
    const created: Lane = new Lane(() => {
      if (lanes.get(name) === created) lanes.delete(name);
    });
    l = created;
    lanes.set(name, l);
  }
  return l;
}

class WorkerSession {
  private released = false;

  private constructor(
    private readonly lane: Lane,
    private readonly key: number,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  static async create(laneName: string, model: VisionModelName, bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const l = lane(laneName);
    const key = nextKey++;
    l.sessions++;
    let a: Answer;
    try {
      a = await l.request({ op: "create", key, bytes, options });
    } catch (err) {
      l.sessions--;
      if (l.sessions === 0) await l.end();
      throw err;
    }
    if (a.error !== undefined) {
      l.sessions--;
      if (l.sessions === 0) await l.end();
      throw new ModelError(`model ${model} could not be loaded by ONNX Runtime`, { model }, { cause: new Error(a.error) });
    }
    return new WorkerSession(l, key, a.inputNames ?? [], a.outputNames ?? []);
  }

  async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const [name, tensor] = Object.entries(feeds)[0]!;
    // A copy travels (the model keeps its own input buffer); the worker wipes it once run.
    const data = (tensor.data as Float32Array).slice();
    const a = await this.lane.request({ op: "run", key: this.key, input: { name, type: tensor.type, dims: [...tensor.dims], data } }, [data.buffer]);
    if (a.error !== undefined) throw new Error(`inference failed: ${a.error}`);
    const out: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(a.outputs ?? {})) out[k] = new ort.Tensor(t.type, t.data, t.dims);
    return out;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await this.lane.request({ op: "release", key: this.key });
    } finally {
      this.lane.sessions--;
      if (this.lane.sessions === 0) await this.lane.end();
    }
  }
}

export { ort };
