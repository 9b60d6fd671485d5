/**
 * Start-up decryption worker (second core): reads the templates table with its own
 * read-only SQLite connection and opens every template, while the main thread unwraps
 * the data keys and fills the gallery. Protocol, layout and every constant arrive in
 * `workerData` from worker-load.ts.
 *
 * Plain JavaScript on purpose: a worker thread does not inherit the TypeScript loader
 * (tsx registers it on the main thread; vitest transforms only its own modules), so this
 * file runs on bare Node. It imports nothing from the SDK; what it must share with
 * template-codec.ts (the associated data, the AEAD) is checked by test/sdk/vault, which
 * compares this path with the main-thread path template by template.
 *
 * Decryption calls libsodium's WebAssembly export directly on one region of its heap
 * allocated once (the wrapper allocates and copies on every call, ~25% slower), after a
 * self-test against the wrapper; without the export, or if the self-test fails, every
 * template goes through the wrapper instead.
 *
 * Security (L5, L6): data keys arrive through shared memory from the main thread and
 * never leave this process; plaintexts are copied into a batch buffer that is
 * transferred (not copied) to the main thread, which wipes it. The heap region (key,
 * plaintext) is wiped when the worker ends; the wrapper's outputs are wiped at once.
 * Nothing here logs; an error message never contains row contents.
 */
import { workerData } from "node:worker_threads";

const { dbPath, control, port, fields: F, state: S, outcome: O, keyState: K, batchSize, maxBatchesInFlight, dims, waitMs } = workerData;
const ctl = new Int32Array(control);
/** The subjects and key slots: posted by the main thread once it has read them (the worker starts before). */
const setupMessage = new Promise((resolve) => port.once("message", resolve));
const KEY_BYTES = 32;
const NONCE_BYTES = 24;
const PLAIN_BYTES = dims * 4;
const CIPHER_BYTES = PLAIN_BYTES + 16;
const AD_MAX = 1024;
const encoder = new TextEncoder();

/** Must equal template-codec.ts `templateAd` byte for byte (the loader tests fail otherwise). */
function adText(subjectId, templateId, keyVersion) {
  return JSON.stringify(["facegate-template", 1, subjectId, templateId, keyVersion]);
}

function stopped() {
  return Atomics.load(ctl, F.stop) === 1;
}

/** Blocks until the main thread has settled the key of `slot` (unwrapped or failed). */
function waitForKey(slot) {
  for (;;) {
    const ready = Atomics.load(ctl, F.keysReady);
    if (ready > slot || stopped()) return;
    Atomics.wait(ctl, F.keysReady, ready, waitMs);
  }
}

/** Blocks while too many batches wait for the main thread (bounds the plaintext in memory). */
function waitForRoom() {
  for (;;) {
    const taken = Atomics.load(ctl, F.batchesTaken);
    if (Atomics.load(ctl, F.batchesSent) - taken < maxBatchesInFlight || stopped()) return;
    Atomics.wait(ctl, F.batchesTaken, taken, waitMs);
  }
}

function newBatch() {
  return { subjectIds: [], templateIds: [], outcomes: new Uint8Array(batchSize), plain: new Float32Array(batchSize * dims), count: 0 };
}

function send(batch) {
  if (batch.count === 0) return;
  waitForRoom();
  if (stopped()) {
    // The main thread no longer takes batches: this one is wiped, not sent.
    batch.plain.fill(0);
    return;
  }
  port.postMessage(batch, [batch.plain.buffer, batch.outcomes.buffer]);
  Atomics.add(ctl, F.batchesSent, 1);
  Atomics.notify(ctl, F.batchesSent);
}

/**
 * An opener: `open(ciphertext, adString, nonce, key, out)` writes the plaintext into
 * `out` (a Uint8Array of PLAIN_BYTES) and returns true, or returns false when the
 * template fails to authenticate; `wipe()` clears what it holds.
 */
function createOpener(sodium) {
  const viaWrapper = {
    open(ciphertext, ad, nonce, key, out) {
      let plain;
      try {
        plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, encoder.encode(ad), nonce, key);
      } catch {
        return false;
      }
      const ok = plain.length === PLAIN_BYTES;
      if (ok) out.set(plain);
      sodium.memzero(plain);
      return ok;
    },
    wipe() {},
  };
  const lib = sodium.libsodium;
  if (!lib || typeof lib._crypto_aead_xchacha20poly1305_ietf_decrypt !== "function" || typeof lib._malloc !== "function" || !(lib.HEAPU8 instanceof Uint8Array)) return viaWrapper;
  const base = lib._malloc(PLAIN_BYTES + CIPHER_BYTES + NONCE_BYTES + KEY_BYTES + AD_MAX);
  if (!base) return viaWrapper;
  const M = base;
  const C = M + PLAIN_BYTES;
  const N = C + CIPHER_BYTES;
  const KEY = N + NONCE_BYTES;
  const AD = KEY + KEY_BYTES;
  const END = AD + AD_MAX;
  const direct = {
    open(ciphertext, ad, nonce, key, out) {
      const heap = lib.HEAPU8;
      const written = encoder.encodeInto(ad, heap.subarray(AD, END));
      if (written.read !== ad.length) return viaWrapper.open(ciphertext, ad, nonce, key, out);
      heap.set(ciphertext, C);
      heap.set(nonce, N);
      heap.set(key, KEY);
      // (m, mlen_p, nsec, c, clen as two 32-bit halves, ad, adlen as two halves, npub, k)
      if (lib._crypto_aead_xchacha20poly1305_ietf_decrypt(M, 0, 0, C, CIPHER_BYTES, 0, AD, written.written, 0, N, KEY) !== 0) return false;
      out.set(heap.subarray(M, M + PLAIN_BYTES));
      return true;
    },
    wipe() {
      lib.HEAPU8.fill(0, base, END);
      lib._free(base);
    },
  };
  return selfTest(sodium, direct) ? direct : (direct.wipe(), viaWrapper);
}

/** The direct call must open what the wrapper sealed, and refuse a flipped bit. */
function selfTest(sodium, opener) {
  const key = sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
  const nonce = sodium.randombytes_buf(NONCE_BYTES);
  const plain = sodium.randombytes_buf(PLAIN_BYTES);
  const ad = adText("self-test", "t", 1);
  const out = new Uint8Array(PLAIN_BYTES);
  try {
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, encoder.encode(ad), null, nonce, key);
    if (sealed.length !== CIPHER_BYTES || !opener.open(sealed, ad, nonce, key, out) || !sodium.memcmp(out, plain)) return false;
    sealed[7] ^= 1;
    return !opener.open(sealed, ad, nonce, key, out);
  } catch {
    return false;
  } finally {
    sodium.memzero(key);
    sodium.memzero(out);
  }
}

async function run() {
  const { default: Database } = await import("better-sqlite3");
  const sodiumModule = await import("libsodium-wrappers");
  const sodium = sodiumModule.default ?? sodiumModule;
  await sodium.ready;
  const opener = createOpener(sodium);
  const key = new Uint8Array(KEY_BYTES);
  let db;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    // Plain reads, no memory map: a map of the whole file would count in the process's
    // resident set at start-up (issue 18). 16 KiB pages keep the read() calls few.
    db.pragma("mmap_size = 0");
    const rows = db.prepare("SELECT subject_id, id, key_version, nonce, ciphertext FROM templates").raw();
    const { subjectIds, keyVersions, quarantined, keyBytes, keyStatus } = await setupMessage;
    if (stopped()) return;
    const sharedKeys = new Uint8Array(keyBytes);
    const sharedKeyStatus = new Int32Array(keyStatus);
    const slotOf = new Map(subjectIds.map((id, slot) => [id, slot]));
    const skip = new Set(quarantined);
    /** Subjects with a failed template: their later templates are not opened (the main thread drops them anyway). */
    const failed = new Set();
    Atomics.store(ctl, F.state, S.running);
    Atomics.notify(ctl, F.batchesSent);
    let batch = newBatch();
    for (const [subjectId, templateId, keyVersion, nonce, ciphertext] of rows.iterate()) {
      if (stopped()) break;
      if (skip.has(subjectId)) continue;
      const i = batch.count++;
      batch.subjectIds.push(subjectId);
      batch.templateIds.push(templateId);
      const slot = slotOf.get(subjectId);
      if (slot === undefined) batch.outcomes[i] = O.noKey;
      else if (failed.has(subjectId)) batch.outcomes[i] = O.skipped;
      else {
        waitForKey(slot);
        if (Atomics.load(sharedKeyStatus, slot) !== K.ok) batch.outcomes[i] = O.skipped;
        else if (keyVersion !== keyVersions[slot] || !(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES || !(ciphertext instanceof Uint8Array) || ciphertext.length !== CIPHER_BYTES) {
          batch.outcomes[i] = O.templateFailed;
        } else {
          key.set(sharedKeys.subarray(slot * KEY_BYTES, (slot + 1) * KEY_BYTES));
          const out = new Uint8Array(batch.plain.buffer, i * PLAIN_BYTES, PLAIN_BYTES);
          batch.outcomes[i] = opener.open(ciphertext, adText(subjectId, templateId, keyVersion), nonce, key, out) ? O.ok : O.templateFailed;
        }
        if (batch.outcomes[i] === O.templateFailed) failed.add(subjectId);
      }
      if (batch.count === batchSize) {
        send(batch);
        batch = newBatch();
      }
    }
    send(batch);
  } finally {
    key.fill(0);
    opener.wipe();
    db?.close();
  }
}

run()
  .then(() => Atomics.store(ctl, F.state, S.finished))
  .catch((err) => {
    // Only what went wrong, for the main thread's log; never row contents.
    port.postMessage({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    Atomics.store(ctl, F.state, S.failed);
  })
  .finally(() => {
    Atomics.notify(ctl, F.state);
    Atomics.notify(ctl, F.batchesSent);
  });
