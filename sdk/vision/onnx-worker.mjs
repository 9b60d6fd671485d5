/**
 * ONNX inference worker (onnx-session.ts): holds the sessions of one lane and runs them
 * here, so onnxruntime-node's synchronous `session.run` does not hold the gate's event
 * loop. Same runtime, same options, same bytes: the same outputs as on the main thread.
 *
 * Plain JavaScript on purpose: a worker thread does not inherit the TypeScript loader (see
 * sdk/vault/decrypt-worker.mjs). Messages:
 *   { id, op: "create", key, bytes, options }  -> { id, inputNames, outputNames } | { id, error }
 *   { id, op: "run", key, input: { name, type, dims, data } } -> { id, outputs: { name: { type, dims, data } } } | { id, error }
 *   { id, op: "release", key } -> { id }
 * Inputs (face crops) are wiped here once run; outputs (embeddings) are transferred, not
 * copied, so no copy stays in this thread. Nothing here logs; errors name no data.
 */
import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";

// Inference yields to the gate's event loop: this thread (only this one: on Linux the nice
// value is per thread) runs at nice 5, so on a 2-core terminal the main thread, which
// serves the card reader, the keypad, the door sensors and MQTT, is scheduled ahead of it
// whenever both want a core (issue 18: at equal priority the event loop waited up to tens
// of milliseconds behind inference). Where lowering it is refused, it stays as it is.
try {
  setPriority(0, 5);
} catch {
  // not permitted or not supported here
}
import * as ort from "onnxruntime-node";

const sessions = new Map();

parentPort.on("message", async (m) => {
  try {
    if (m.op === "create") {
      const session = await ort.InferenceSession.create(m.bytes, m.options);
      sessions.set(m.key, session);
      parentPort.postMessage({ id: m.id, inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
    } else if (m.op === "run") {
      const session = sessions.get(m.key);
      if (!session) throw new Error("no such session");
      const { name, type, dims, data } = m.input;
      let out;
      try {
        out = await session.run({ [name]: new ort.Tensor(type, data, dims) });
      } finally {
        data.fill(0);
      }
      const outputs = {};
      const transfer = [];
      for (const [k, t] of Object.entries(out)) {
        const copy = t.data.slice();
        t.data.fill(0);
        outputs[k] = { type: t.type, dims: [...t.dims], data: copy };
        transfer.push(copy.buffer);
      }
      parentPort.postMessage({ id: m.id, outputs }, transfer);
    } else if (m.op === "release") {
      const session = sessions.get(m.key);
      sessions.delete(m.key);
      if (session) await session.release();
      parentPort.postMessage({ id: m.id });
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.message : "inference failed" });
  }
});
