import { describe, expect, it } from "vitest";
import { createJsKernel } from "../../../sdk/matcher/scan-kernel.js";
import { mulberry32 } from "../../../sdk/matcher/synthetic-embeddings.js";
import { createMemory, wasmApi } from "../../../sdk/matcher/wasm-api.js";
import { createWasmKernel, scanModuleBytes, wasmSimdAvailable } from "../../../sdk/matcher/wasm-scan-kernel.js";

const N = 1500;
const QUERY = 0;
const SCALES = 1024;
const OUT_WASM = SCALES + 4 * N;
const OUT_JS = OUT_WASM + 4 * N;
const CODES = OUT_JS + 4 * N;
const WEIGHT = [256, 16, 1, 256];

function setup(fill: (codes: Uint8Array, query: Int16Array, scales: Float32Array) => void) {
  const memory = createMemory(Math.ceil((CODES + 256 * N) / 65536));
  const u8 = new Uint8Array(memory.buffer);
  fill(u8.subarray(CODES, CODES + 256 * N), new Int16Array(memory.buffer, QUERY, 512), new Float32Array(memory.buffer, SCALES, N));
  const wasm = createWasmKernel(memory)!;
  const js = createJsKernel(memory);
  const run = (count: number, bias: number) => {
    wasm.scan(QUERY, CODES, SCALES, OUT_WASM, count, bias);
    js.scan(QUERY, CODES, SCALES, OUT_JS, count, bias);
    return [new Float32Array(memory.buffer, OUT_WASM, count), new Float32Array(memory.buffer, OUT_JS, count)] as const;
  };
  return { run, u8 };
}

describe("scan kernels", () => {
  it("the generated module is valid WebAssembly SIMD on this Node", () => {
    expect(wasmApi()!.validate(scanModuleBytes())).toBe(true);
    expect(wasmSimdAvailable()).toBe(true);
  });

  it("WebAssembly SIMD and the JS reference agree bit for bit on random codes", () => {
    const random = mulberry32(21);
    const { run } = setup((codes, query, scales) => {
      for (let i = 0; i < codes.length; i++) codes[i] = Math.floor(random() * 256);
      for (let d = 0; d < 512; d++) query[d] = (Math.floor(random() * 255) - 127) * WEIGHT[(d >> 3) & 3]!;
      for (let i = 0; i < N; i++) scales[i] = random() / 2047;
    });
    for (const count of [N, 1, 7]) {
      const [wasm, js] = run(count, 123_456);
      expect(Array.from(wasm)).toEqual(Array.from(js));
    }
  });

  it("agree at the extremes (all nibbles 15, query +-127) without overflow", () => {
    for (const sign of [1, -1]) {
      const { run } = setup((codes, query, scales) => {
        codes.fill(0xff);
        for (let d = 0; d < 512; d++) query[d] = sign * 127 * WEIGHT[(d >> 3) & 3]!;
        scales.fill(1);
      });
      const bias = 1920 * 512 * 127 * sign;
      const [wasm, js] = run(N, bias);
      // 256 * sum(q * 15) - bias, exactly
      const expected = Math.fround(256 * 512 * 127 * 15 * sign - bias);
      expect(wasm[0]).toBe(expected);
      expect(Array.from(wasm)).toEqual(Array.from(js));
    }
  });

  it("computes the documented contract on a hand-made template", () => {
    const { run } = setup((codes, query, scales) => {
      // dimension 0 -> lane 0 low nibble; dimension 8 -> lane 0 bits 4..7;
      // dimension 16 -> lane 0 bits 8..11; dimension 24 -> lane 0 bits 12..15
      codes[0] = 0x21; // u0 = 1, u8 = 2
      codes[1] = 0x43; // u16 = 3, u24 = 4
      query[0] = 10 * 256;
      query[8] = 20 * 16;
      query[16] = 30 * 1;
      query[24] = 40 * 256;
      scales[0] = 0.5;
    });
    const [wasm, js] = run(1, 100);
    const d = 1 * 10 + 2 * 20 + 3 * 30 + 4 * 40;
    expect(wasm[0]).toBe(0.5 * (256 * d - 100));
    expect(js[0]).toBe(wasm[0]);
  });

  it("does nothing for count 0", () => {
    const { run, u8 } = setup(() => {});
    u8.fill(7, OUT_WASM, OUT_WASM + 16);
    run(0, 0);
    expect(Array.from(u8.subarray(OUT_WASM, OUT_WASM + 16))).toEqual(new Array(16).fill(7));
  });
});
