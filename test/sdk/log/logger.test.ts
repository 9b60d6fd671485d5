import { describe, expect, it } from "vitest";
import { MemoryLogSink, REDACTED, createLogger } from "../../../sdk/log/logger.js";

describe("logger", () => {
  it("never writes binary values, vectors or secret-named fields (L4)", () => {
    const mem = new MemoryLogSink();
    const log = createLogger({ sink: mem.sink, namespace: "vault", level: "debug" });
    log.info("enrolled", {
      subject: "s-1",
      embedding: new Float32Array([0.1, 0.2]),
      vector: [0.1, 0.2],
      cardNumber: "12345678",
      pin: "4321",
      masterKey: "abc",
      image: Buffer.from([1, 2, 3]),
      anything: new Uint8Array([9, 9]),
      nested: { a: 1 },
      count: 3,
    });
    const rec = mem.records[0]!;
    expect(rec.namespace).toBe("vault");
    expect(rec.fields).toEqual({
      subject: "s-1",
      embedding: REDACTED,
      vector: REDACTED,
      cardNumber: REDACTED,
      pin: REDACTED,
      masterKey: REDACTED,
      image: REDACTED,
      anything: REDACTED,
      nested: REDACTED,
      count: 3,
    });
    expect(mem.text()).not.toMatch(/12345678|4321|0\.1/);
  });

  it("children are namespaced and levels filter", () => {
    const mem = new MemoryLogSink();
    const log = createLogger({ sink: mem.sink, namespace: "gate", level: "info" }).child("camera");
    log.debug("hidden");
    log.warn("shown");
    expect(mem.records.map((r) => [r.namespace, r.message])).toEqual([["gate.camera", "shown"]]);
  });
});
