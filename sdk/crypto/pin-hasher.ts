/**
 * Argon2id PIN hashing off the event loop. libsodium hashes synchronously (~40 ms at the
 * device's limits), which would stall card readers, MQTT and door sensors for as long: a
 * worker thread (pin-hash-worker.mjs) runs the same libsodium calls and answers by message.
 * Hashes are the same `$argon2id$...` strings either way, so hashes made on one path verify
 * on the other.
 *
 * One worker per process, started on first use, unreferenced while idle (it never keeps a
 * process alive). If it cannot start or dies, requests in flight fail and later ones run on
 * the calling thread (`inThreadPinHasher`): slower for the door, never wrong.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { PinHashError } from "../errors.js";
import { type PasswordHashing, loadPasswordHashing } from "./password-hashing.js";

export interface PinHasher {
  /** `$argon2id$v=19$m=...,t=...,p=1$salt$hash` with a fresh random salt. */
  hash(pin: string, opsLimit: number, memLimit: number): Promise<string>;
  /** Constant-time inside libsodium; false (never an exception) for a hash it cannot parse. */
  verify(hash: string, pin: string): Promise<boolean>;
  /** Where the hashing runs now. */
  readonly place: "worker" | "calling-thread";
}

const WORKER_FILE = fileURLToPath(new URL("./pin-hash-worker.mjs", import.meta.url));

/** The same calls on the calling thread (blocks it while hashing). */
export function inThreadPinHasher(pwhash: PasswordHashing): PinHasher {
  return {
    place: "calling-thread",
    hash: async (pin, opsLimit, memLimit) => pwhash.crypto_pwhash_str(pin, opsLimit, memLimit),
    verify: async (hash, pin) => {
      try {
        return pwhash.crypto_pwhash_str_verify(hash, pin);
      } catch {
        return false;
      }
    },
  };
}

type Pending = { resolve: (v: string | boolean) => void; reject: (e: Error) => void };
type Answer = { ready: true } | { id: number; value?: string | boolean; error?: string };

class WorkerPinHasher implements PinHasher {
  private worker: Worker | undefined;
  private failed: PinHasher | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  get place(): "worker" | "calling-thread" {
    return this.failed ? "calling-thread" : "worker";
  }

  hash(pin: string, opsLimit: number, memLimit: number): Promise<string> {
    if (this.failed) return this.failed.hash(pin, opsLimit, memLimit);
    return this.request({ op: "hash", pin, opsLimit, memLimit }) as Promise<string>;
  }

  verify(hash: string, pin: string): Promise<boolean> {
    if (this.failed) return this.failed.verify(hash, pin);
    return this.request({ op: "verify", hash, pin }) as Promise<boolean>;
  }

  private request(body: Record<string, unknown>): Promise<string | boolean> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...body });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_FILE);
    worker.unref();
    worker.on("message", (m: Answer) => {
      if ("ready" in m) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error !== undefined) p.reject(new PinHashError(`PIN hashing failed (${m.error})`));
      else p.resolve(m.value!);
    });
    const fail = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      void loadPasswordHashing().then((pwhash) => (this.failed = inThreadPinHasher(pwhash)));
      for (const p of this.pending.values()) p.reject(new PinHashError(`PIN hashing worker stopped (${why})`));
      this.pending.clear();
    };
    worker.on("error", (err) => fail(err.name));
    worker.on("exit", (code) => fail(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }
}

let shared: WorkerPinHasher | undefined;

/** The process's PIN hasher: the worker, falling back to the calling thread if it fails. */
export function workerPinHasher(): PinHasher {
  shared ??= new WorkerPinHasher();
  return shared;
}
