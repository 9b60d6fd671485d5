import { describe, expect, it } from "vitest";
import { wasmApi } from "../../../sdk/matcher/wasm-api.js";
import { encodeModule, I32, op, sleb, uleb } from "../../../sdk/matcher/wasm-encoder.js";

describe("wasm encoder", () => {
  it("encodes LEB128 as the spec's examples", () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(() => uleb(-1)).toThrow(RangeError);
  });

  it("emits a module that imports memory and runs its exported function", () => {
    const bytes = encodeModule([
      { name: "add", params: [I32, I32], results: [I32], locals: [], body: [...op.localGet(0), ...op.localGet(1), ...op.i32Add] },
      { name: "store", params: [I32, I32], results: [], locals: [I32], body: [...op.localGet(1), ...op.localSet(2), ...op.localGet(0), ...op.localGet(2), ...op.f32ConvertI32S, ...op.f32Store(4)] },
    ]);
    const api = wasmApi()!;
    expect(api.validate(bytes)).toBe(true);
    const memory = new api.Memory({ initial: 1 });
    const { exports } = new api.Instance(new api.Module(bytes), { env: { memory } }) as unknown as {
      exports: { add: (a: number, b: number) => number; store: (at: number, v: number) => void };
    };
    expect(exports.add(2, -5)).toBe(-3);
    exports.store(8, 42);
    expect(new Float32Array(memory.buffer)[3]).toBe(42);
  });
});
