/**
 * PIN hashing worker (pin-hasher.ts): Argon2id through libsodium's crypto_pwhash_str and
 * crypto_pwhash_str_verify, off the thread that serves the door. Same library, same
 * calls, same hash strings as on the main thread.
 *
 * Plain JavaScript on purpose: a worker thread does not inherit the TypeScript loader
 * (see sdk/vault/decrypt-worker.mjs). Requests `{ id, op: "hash", pin, opsLimit, memLimit }`
 * or `{ id, op: "verify", hash, pin }`; answers `{ id, value }` or `{ id, error }`. An error
 * message never contains the PIN or the hash. Nothing here logs.
 */
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";

// PIN hashing yields to the gate's event loop: this thread (only this one: on Linux the nice
// value is per thread) runs at nice 5, so on a 2-core terminal the main thread, which
// serves the card reader, the keypad, the door sensors and MQTT, is scheduled ahead of it
// whenever both want a core (issue 18: at equal priority the event loop waited up to tens
// of milliseconds behind inference). Where lowering it is refused, it stays as it is.
try {
  setPriority(0, 5);
} catch {
  // not permitted or not supported here
}
import sumo from "libsodium-wrappers-sumo";

await sumo.ready;
parentPort.on("message", (m) => {
  try {
    if (m.op === "hash") parentPort.postMessage({ id: m.id, value: sumo.crypto_pwhash_str(m.pin, m.opsLimit, m.memLimit) });
    else if (m.op === "verify") {
      let ok = false;
      try {
        ok = sumo.crypto_pwhash_str_verify(m.hash, m.pin);
      } catch {
        ok = false;
      }
      parentPort.postMessage({ id: m.id, value: ok });
    } else parentPort.postMessage({ id: m.id, error: "unknown operation" });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.constructor.name : "hashing failed" });
  }
});
parentPort.postMessage({ ready: true });
