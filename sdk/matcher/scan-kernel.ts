/**
 * The coarse scan: the only loop that touches every template on every query. Two
 * implementations compute bit-identical results: WebAssembly SIMD (the default) and
 * plain JS (the reference, and the fallback where WebAssembly SIMD is missing).
 *
 * Contract of `scan` (all positions are byte offsets into the store's memory):
 *   for i in 0..count-1:
 *     D_i = sum_d q_d * u_d(i)           (q_d in -127..127; u: the 4-bit codes of template i,
 *                                         256 bytes at `coarse + 256 i`, layout in
 *                                         template-codes.ts)
 *     out[i] = f32(scales[i] * f32(256 D_i - bias))   (float32 at `scales + 4i`, `out + 4i`)
 * The query is 512 int16 at `query`, pre-scaled for the kernel's mask-only unpacking:
 * query[d] = q_d * (256, 16, 1, 256)[(d >> 3) & 3] (see quantizeQuery), so that the
 * masked lane bits (u, 16u, 256u) or the top nibble (u) times query[d] is 256 q_d u_d.
 * 256 D_i - bias stays within int32: |256 D| <= 256 * 512 * 127 * 15 < 2^28, and
 * |bias| = 1920 |sum q| < 2^27.
 */
import { COARSE_BYTES, DIMS } from "./template-codes.js";
import type { WasmMemory } from "./wasm-api.js";

export interface ScanKernel {
  readonly name: "wasm-simd" | "js";
  scan(query: number, coarse: number, scales: number, out: number, count: number, bias: number): void;
}

/** The reference kernel: the contract above, written out in typed-array JS. */
export function createJsKernel(memory: WasmMemory): ScanKernel {
  let buffer: ArrayBuffer | undefined;
  let u8 = new Uint8Array(0);
  let i16 = new Int16Array(0);
  let f32 = new Float32Array(0);
  const refresh = (): void => {
    if (buffer === memory.buffer) return;
    buffer = memory.buffer;
    u8 = new Uint8Array(buffer);
    i16 = new Int16Array(buffer);
    f32 = new Float32Array(buffer);
  };
  return {
    name: "js",
    scan(query, coarse, scales, out, count, bias) {
      refresh();
      for (let i = 0; i < count; i++) {
        const base = coarse + i * COARSE_BYTES;
        let dot = 0; // 256 D_i
        for (let j = 0; j < DIMS / 32; j++) {
          const q = (query >> 1) + 32 * j;
          const c = base + 16 * j;
          for (let i = 0; i < 8; i++) {
            const lane = u8[c + 2 * i]! | (u8[c + 2 * i + 1]! << 8);
            dot += i16[q + i]! * (lane & 0x000f) + i16[q + 8 + i]! * (lane & 0x00f0) + i16[q + 16 + i]! * (lane & 0x0f00) + i16[q + 24 + i]! * (lane >>> 12);
          }
        }
        f32[(out >> 2) + i] = Math.fround(f32[(scales >> 2) + i]! * Math.fround(dot - bias));
      }
    },
  };
}
