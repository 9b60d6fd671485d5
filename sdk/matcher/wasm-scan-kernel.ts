/**
 * The coarse scan (contract in scan-kernel.ts) as a WebAssembly SIMD function, emitted
 * by wasm-encoder.ts. Per template, 16 loads of 16 bytes each hold 32 four-bit codes.
 * Read as eight 16-bit lanes, lane i of chunk j holds the codes of dimensions
 * 32j + 8g + i in bits 4g..4g+3 (g = 0..3; layout in template-codes.ts), so:
 *
 *   v     = load(coarse + 16j)
 *   c_g   = v & (0x000F << 4g)   (g = 0..2),  c_3 = v >>u 12      = u * 16^g, u * 16^g, u * 256^0
 *   acc  += i32x4.dot_i16x8_s(c_g, query[32j + 8g .. +7])         for g = 0..3
 *
 * The query arrives pre-scaled by (256, 16, 1, 256) per group (quantizeQuery), so every
 * product is 256 * q_d * u_d and one accumulator collects 256 D without any shift but the
 * last. `dot_i16x8_s` multiplies 16-bit lanes and adds adjacent pairs into 32-bit lanes
 * (x64 pmaddwd): nothing needs widening and nothing can overflow (see the contract). The
 * four 32-bit lanes are summed at the end, scaled, and stored as a float32.
 *
 * Plain WebAssembly SIMD (no relaxed-simd: Node 20's V8 does not ship it by default).
 */
import { COARSE_BYTES, DIMS } from "./template-codes.js";
import { encodeModule, I32, V128, op, simdOp, type FunctionDef } from "./wasm-encoder.js";
import { wasmApi, type WasmMemory } from "./wasm-api.js";
import type { ScanKernel } from "./scan-kernel.js";

// Parameters, then locals, by index.
const QUERY = 0;
const COARSE = 1;
const SCALES = 2;
const OUT = 3;
const COUNT = 4;
const BIAS = 5;
const END = 6;
const MASKS = [7, 8, 9] as const;
const V = 10;
/** Two accumulators, alternated, so consecutive adds do not wait on each other. */
const ACC = [11, 12] as const;

const splat16 = (value: number) => simdOp.v128Const(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? value & 0xff : value >> 8)));
const zero = splat16(0);

/** acc[g % 2] += dot(codes of group g of chunk j, query). */
function group(j: number, g: number): number[] {
  const codes = [...op.localGet(V), ...(g < 3 ? [...op.localGet(MASKS[g]!), ...simdOp.v128And] : [...op.i32Const(12), ...simdOp.i16x8ShrU])];
  const acc = ACC[g % 2]!;
  return [
    ...op.localGet(acc),
    ...codes,
    ...op.localGet(QUERY), ...simdOp.v128Load(2 * (32 * j + 8 * g)),
    ...simdOp.i32x4DotI16x8S,
    ...simdOp.i32x4Add,
    ...op.localSet(acc),
  ];
}

function scanBody(): number[] {
  const perTemplate: number[] = [...zero, ...op.localSet(ACC[0]), ...zero, ...op.localSet(ACC[1])];
  for (let j = 0; j < COARSE_BYTES / 16; j++) {
    perTemplate.push(...op.localGet(COARSE), ...simdOp.v128Load(16 * j), ...op.localSet(V));
    for (let g = 0; g < 4; g++) perTemplate.push(...group(j, g));
  }
  // D = sum of the four 32-bit lanes of acc0 + acc1
  const laneSum = [
    ...op.localGet(ACC[0]), ...op.localGet(ACC[1]), ...simdOp.i32x4Add, ...op.localSet(ACC[0]),
    ...[0, 1, 2, 3].flatMap((lane) => [...op.localGet(ACC[0]), ...simdOp.i32x4ExtractLane(lane), ...(lane > 0 ? op.i32Add : [])]),
  ];
  return [
    // if (count == 0) return; end = out + 4 * count; masks 0x000F, 0x00F0, 0x0F00 in every 16-bit lane
    ...op.block,
    ...op.localGet(COUNT), ...op.i32Eqz, ...op.brIf(0),
    ...op.localGet(OUT), ...op.localGet(COUNT), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.localSet(END),
    ...MASKS.flatMap((local, g) => [...splat16(0x000f << (4 * g)), ...op.localSet(local)]),
    ...op.loop,
    ...perTemplate,
    // out[i] = scales[i] * f32(256 D - bias)
    ...op.localGet(OUT),
    ...op.localGet(SCALES), ...op.f32Load(),
    ...laneSum, ...op.localGet(BIAS), ...op.i32Sub, ...op.f32ConvertI32S,
    ...op.f32Mul,
    ...op.f32Store(),
    // advance; loop while out < end
    ...op.localGet(COARSE), ...op.i32Const(COARSE_BYTES), ...op.i32Add, ...op.localSet(COARSE),
    ...op.localGet(SCALES), ...op.i32Const(4), ...op.i32Add, ...op.localSet(SCALES),
    ...op.localGet(OUT), ...op.i32Const(4), ...op.i32Add, ...op.localTee(OUT),
    ...op.localGet(END), ...op.i32LtU, ...op.brIf(0),
    ...op.end, // loop
    ...op.end, // block
  ];
}

/** The module's bytes: one export, `scan(query, coarse, scales, out, count, bias)`. */
export function scanModuleBytes(): Uint8Array {
  if (DIMS % 32 !== 0) throw new Error("scan kernel: DIMS must be a multiple of 32");
  const scan: FunctionDef = {
    name: "scan",
    params: [I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, V128, V128, V128, V128, V128, V128],
    body: scanBody(),
  };
  return encodeModule([scan]);
}

let compiled: object | null | undefined;

/** The compiled module (compiled once: it is immutable code), or null without WebAssembly SIMD. */
function compiledModule(): object | null {
  if (compiled !== undefined) return compiled;
  const api = wasmApi();
  const bytes = scanModuleBytes();
  compiled = api && api.validate(bytes) ? new api.Module(bytes) : null;
  return compiled;
}

export function wasmSimdAvailable(): boolean {
  return compiledModule() !== null;
}

/** A SIMD kernel bound to `memory`, or undefined where WebAssembly SIMD is unavailable. */
export function createWasmKernel(memory: WasmMemory): ScanKernel | undefined {
  const api = wasmApi();
  const module = compiledModule();
  if (!api || !module) return undefined;
  const instance = new api.Instance(module, { env: { memory } });
  const scan = instance.exports["scan"] as (q: number, c: number, s: number, o: number, n: number, b: number) => void;
  return { name: "wasm-simd", scan: (q, c, s, o, n, b) => scan(q, c, s, o, n, b) };
}
