/**
 * A very small WebAssembly binary encoder: just enough to emit one module that imports a
 * memory and exports functions written as instruction bytes. No toolchain (wat2wasm,
 * emscripten) is needed at build or run time; the bytes are produced in TypeScript and
 * checked by `WebAssembly.validate` and by the tests against a JS reference.
 *
 * References: WebAssembly core spec 2.0, "Binary Format" (sections, LEB128, types) and
 * the fixed-width SIMD opcodes (prefix 0xFD, then a LEB128 sub-opcode).
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`uleb: ${value} is not a non-negative integer`);
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value)) throw new RangeError(`sleb: ${value} is not an integer`);
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Instructions used by the kernels, as byte sequences. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  f32Load: (offset = 0) => [0x2a, 0x02, ...uleb(offset)],
  f32Store: (offset = 0) => [0x38, 0x02, ...uleb(offset)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Shl: [0x74],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32ConvertI32S: [0xb2],
} as const;

/** A SIMD instruction: prefix 0xFD, sub-opcode as LEB128, then immediates. */
function simd(sub: number, ...immediates: number[]): number[] {
  return [0xfd, ...uleb(sub), ...immediates];
}

export const simdOp = {
  /** memarg alignment is a hint (log2 bytes); 0 says "may be unaligned". */
  v128Load: (offset = 0) => simd(0x00, 0x00, ...uleb(offset)),
  v128Const: (bytes: readonly number[]) => {
    if (bytes.length !== 16) throw new RangeError("v128.const needs 16 bytes");
    return simd(0x0c, ...bytes);
  },
  i32x4ExtractLane: (lane: number) => simd(0x1b, lane),
  v128And: simd(0x4e),
  i16x8ShrU: simd(0x8d),
  i32x4Add: simd(0xae),
  i32x4DotI16x8S: simd(0xba),
  f32x4ExtractLane: (lane: number) => simd(0x1f, lane),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
} as const;

export interface FunctionDef {
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
  /** Extra locals after the parameters, in order. */
  locals: readonly ValType[];
  /** The body, without the final `end`. */
  body: readonly number[];
}

function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/**
 * Encodes a module that imports `env.memory` (at least `minPages` pages of 64 KiB) and
 * exports the given functions. Each function gets its own type entry: simple, and the
 * modules here have only a handful of functions.
 */
export function encodeModule(functions: readonly FunctionDef[], minPages = 1): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const imports = [[...name("env"), ...name("memory"), 0x02, 0x00, ...uleb(minPages)]];
  const funcs = functions.map((_, i) => uleb(i));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]);
  const codes = functions.map((f) => {
    // Locals are run-length encoded as (count, type); one entry per local is valid too.
    const body = [...vec(f.locals.map((t) => [1, t])), ...f.body, ...op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs)),
    ...section(7, vec(exports)),
    ...section(10, vec(codes)),
  ]);
}
