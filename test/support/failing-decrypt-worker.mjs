/**
 * A decrypt worker that fails half-way on purpose (vault-loader tests): it speaks the
 * protocol of sdk/vault/decrypt-worker.mjs, sends one batch with a made-up template for
 * the first subject, then reports an error. The loader must take that template out of
 * the sink again and load everything on the main thread.
 */
import { workerData } from "node:worker_threads";

const { control, port, fields: F, state: S, outcome: O, batchSize, dims } = workerData;
const ctl = new Int32Array(control);
port.once("message", (setup) => {
  Atomics.store(ctl, F.state, S.running);
  const plain = new Float32Array(batchSize * dims);
  plain.fill(0.05, 0, dims);
  const outcomes = new Uint8Array(batchSize);
  outcomes[0] = O.ok;
  port.postMessage({ subjectIds: [setup.subjectIds[0]], templateIds: ["made-up"], outcomes, plain, count: 1 }, [plain.buffer, outcomes.buffer]);
  Atomics.add(ctl, F.batchesSent, 1);
  port.postMessage({ error: "Error: failing on purpose" });
  Atomics.store(ctl, F.state, S.failed);
  Atomics.notify(ctl, F.batchesSent);
});
