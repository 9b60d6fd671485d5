/**
 * Slot storage of template codes (layout in template-codes.ts), grown in fixed segments.
 *
 * Memory: one WebAssembly memory holds the query and, per segment of 1,024 slots, the
 * scales, the coarse scores of the last scan and the coarse plane (the part the kernel
 * reads); the fine plane lives in one plain Uint8Array per segment. Segments instead of
 * capacity doubling: doubling at 100,000 templates would hold up to 2x the memory
 * (over the 80 MB budget) and copy everything on each growth; segments grow in place
 * (WebAssembly memory grows at its end) and waste less than one segment (~0.8 MB).
 *
 * Wiping: `wipe` zeroes a slot's coarse codes, fine codes, scale and score; the index
 * calls it on every slot it frees (L6: a removed template must not linger in memory).
 */
import { createJsKernel, type ScanKernel } from "./scan-kernel.js";
import { CODE_OFFSET, COARSE_BIAS_PER_UNIT, COARSE_BYTES, DIMS, FINE_BYTES, QUERY_GROUP_WEIGHT, encodeTemplate, fineDot, quantizeQuery } from "./template-codes.js";
import { MatcherError } from "./matcher-error.js";
import { createMemory, WASM_PAGE, type WasmMemory } from "./wasm-api.js";
import { createWasmKernel } from "./wasm-scan-kernel.js";

export const SEGMENT_SLOTS = 1024;
const QUERY_BYTES = DIMS * 2;
const SCALES_AT = 0;
const SCORES_AT = 4 * SEGMENT_SLOTS;
const COARSE_AT = 8 * SEGMENT_SLOTS;
const SEGMENT_BYTES = COARSE_AT + COARSE_BYTES * SEGMENT_SLOTS;

export type KernelChoice = "auto" | "wasm-simd" | "js";

export interface CodeStoreOptions {
  /** "auto" (default) uses WebAssembly SIMD where available, else the JS reference. */
  kernel?: KernelChoice;
}

export class CodeStore {
  readonly kernel: ScanKernel;
  private readonly memory: WasmMemory;
  private u8: Uint8Array;
  private f32: Float32Array;
  private readonly fine: Uint8Array[] = [];

  constructor(options: CodeStoreOptions = {}) {
    this.memory = createMemory(Math.ceil(QUERY_BYTES / WASM_PAGE));
    const choice = options.kernel ?? "auto";
    const wasm = choice === "js" ? undefined : createWasmKernel(this.memory);
    if (choice === "wasm-simd" && !wasm) {
      throw new MatcherError("matcher_kernel_unavailable", "WebAssembly SIMD is not available on this platform");
    }
    this.kernel = wasm ?? createJsKernel(this.memory);
    this.u8 = new Uint8Array(this.memory.buffer);
    this.f32 = new Float32Array(this.memory.buffer);
  }

  get capacity(): number {
    return this.fine.length * SEGMENT_SLOTS;
  }

  /** Makes room for at least `slots` slots. Memory is only ever added (WebAssembly memory cannot shrink). */
  reserve(slots: number): void {
    const segments = Math.ceil(slots / SEGMENT_SLOTS);
    if (segments <= this.fine.length) return;
    const needed = Math.ceil((QUERY_BYTES + segments * SEGMENT_BYTES) / WASM_PAGE);
    const have = this.memory.buffer.byteLength / WASM_PAGE;
    if (needed > have) this.memory.grow(needed - have);
    this.u8 = new Uint8Array(this.memory.buffer);
    this.f32 = new Float32Array(this.memory.buffer);
    while (this.fine.length < segments) this.fine.push(new Uint8Array(SEGMENT_SLOTS * FINE_BYTES));
  }

  /** Encodes a unit vector into a slot (which must be below `capacity`). */
  write(slot: number, unit: Float64Array): void {
    const seg = this.segmentBase(slot);
    const at = slot % SEGMENT_SLOTS;
    const scale = encodeTemplate(unit, this.u8, seg + COARSE_AT + at * COARSE_BYTES, this.fine[Math.floor(slot / SEGMENT_SLOTS)]!, at * FINE_BYTES);
    this.f32[(seg + SCALES_AT) / 4 + at] = scale;
  }

  /** Copies slot `from` over slot `to` (codes and scale). */
  move(from: number, to: number): void {
    const fromSeg = this.segmentBase(from);
    const toSeg = this.segmentBase(to);
    const fromAt = from % SEGMENT_SLOTS;
    const toAt = to % SEGMENT_SLOTS;
    const src = fromSeg + COARSE_AT + fromAt * COARSE_BYTES;
    this.u8.copyWithin(toSeg + COARSE_AT + toAt * COARSE_BYTES, src, src + COARSE_BYTES);
    const fineFrom = this.fine[Math.floor(from / SEGMENT_SLOTS)]!;
    this.fine[Math.floor(to / SEGMENT_SLOTS)]!.set(fineFrom.subarray(fromAt * FINE_BYTES, (fromAt + 1) * FINE_BYTES), toAt * FINE_BYTES);
    this.f32[(toSeg + SCALES_AT) / 4 + toAt] = this.f32[(fromSeg + SCALES_AT) / 4 + fromAt]!;
  }

  /** Overwrites a slot's codes, scale and last coarse score with zeros. */
  wipe(slot: number): void {
    const seg = this.segmentBase(slot);
    const at = slot % SEGMENT_SLOTS;
    this.u8.fill(0, seg + COARSE_AT + at * COARSE_BYTES, seg + COARSE_AT + (at + 1) * COARSE_BYTES);
    this.fine[Math.floor(slot / SEGMENT_SLOTS)]!.fill(0, at * FINE_BYTES, (at + 1) * FINE_BYTES);
    this.f32[(seg + SCALES_AT) / 4 + at] = 0;
    this.f32[(seg + SCORES_AT) / 4 + at] = 0;
  }

  /** Zeroes every byte the store holds (codes, scales, scores, query area). */
  wipeAll(): void {
    this.u8.fill(0);
    for (const plane of this.fine) plane.fill(0);
  }

  /**
   * Coarse scan of slots [0, count): quantises the unit query into the kernel's query
   * area, scans segment by segment, and hands each segment's coarse scores to `visit`
   * (a view, valid only during the call). The query area is zeroed afterwards: a probe
   * is biometric data too and is not left in memory.
   */
  scan(unitQuery: Float64Array, count: number, visit: (scores: Float32Array, firstSlot: number) => void): void {
    this.scanFrom(quantizeQuery(unitQuery, new Int16Array(this.memory.buffer, 0, DIMS)), count, visit);
  }

  /** `scan` with a query already quantised (by `slotQuery` of another store). */
  scanQuantized(query: Int16Array, bias: number, count: number, visit: (scores: Float32Array, firstSlot: number) => void): void {
    new Int16Array(this.memory.buffer, 0, DIMS).set(query);
    this.scanFrom(bias, count, visit);
  }

  /**
   * Quantises the slot's vector as a query (what quantizeQuery does with its float
   * values: q_d = round(127 c_d / max|c|) from the codes c_d = U_d - 2048 directly, no
   * float decoding) into `out`, and returns the bias. For assigning templates to
   * centroids: ~1 us instead of ~10 us. The caller zeroes `out` when done.
   */
  slotQuery(slot: number, out: Int16Array): number {
    const seg = this.segmentBase(slot);
    const at = slot % SEGMENT_SLOTS;
    const coarseAt = seg + COARSE_AT + at * COARSE_BYTES;
    const fine = this.fine[Math.floor(slot / SEGMENT_SLOTS)]!;
    const fineAt = at * FINE_BYTES;
    const u8 = this.u8;
    let max = 1;
    for (let j = 0; j < DIMS / 32; j++) {
      for (let i = 0; i < 8; i++) {
        const d = 32 * j + i;
        const even = u8[coarseAt + 16 * j + 2 * i]!;
        const odd = u8[coarseAt + 16 * j + 2 * i + 1]!;
        const c0 = (((even & 15) << 8) | fine[fineAt + d]!) - CODE_OFFSET;
        const c1 = ((even >> 4 << 8) | fine[fineAt + d + 8]!) - CODE_OFFSET;
        const c2 = (((odd & 15) << 8) | fine[fineAt + d + 16]!) - CODE_OFFSET;
        const c3 = ((odd >> 4 << 8) | fine[fineAt + d + 24]!) - CODE_OFFSET;
        out[d] = c0;
        out[d + 8] = c1;
        out[d + 16] = c2;
        out[d + 24] = c3;
        max = Math.max(max, c0 < 0 ? -c0 : c0, c1 < 0 ? -c1 : c1, c2 < 0 ? -c2 : c2, c3 < 0 ? -c3 : c3);
      }
    }
    const inv = 127 / max;
    let sum = 0;
    for (let d = 0; d < DIMS; d++) {
      // round half up of c * inv, |c * inv| <= 127: floor(x + 0.5) via a positive offset and truncation
      const q = ((out[d]! * inv + 128.5) | 0) - 128;
      out[d] = q * QUERY_GROUP_WEIGHT[(d >> 3) & 3]!;
      sum += q;
    }
    return COARSE_BIAS_PER_UNIT * sum;
  }

  private scanFrom(bias: number, count: number, visit: (scores: Float32Array, firstSlot: number) => void): void {
    try {
      for (let first = 0, seg = 0; first < count; first += SEGMENT_SLOTS, seg++) {
        const n = Math.min(SEGMENT_SLOTS, count - first);
        const base = QUERY_BYTES + seg * SEGMENT_BYTES;
        this.kernel.scan(0, base + COARSE_AT, base + SCALES_AT, base + SCORES_AT, n, bias);
        visit(this.f32.subarray((base + SCORES_AT) / 4, (base + SCORES_AT) / 4 + n), first);
      }
    } finally {
      this.u8.fill(0, 0, QUERY_BYTES);
    }
  }

  /**
   * Coarse scan of chosen runs of slots: `ranges` holds `rangeCount` pairs [first, end)
   * (the inverted lists of coarse-partition.ts). Same contract as `scan` otherwise: one
   * quantised query, `visit` per piece (a run is cut at segment boundaries), the query
   * area zeroed afterwards.
   */
  scanRanges(unitQuery: Float64Array, ranges: Int32Array, rangeCount: number, visit: (scores: Float32Array, firstSlot: number) => void): void {
    const bias = quantizeQuery(unitQuery, new Int16Array(this.memory.buffer, 0, DIMS));
    try {
      for (let r = 0; r < rangeCount; r++) {
        const end = ranges[2 * r + 1]!;
        for (let first = ranges[2 * r]!; first < end; ) {
          const seg = Math.floor(first / SEGMENT_SLOTS);
          const at = first - seg * SEGMENT_SLOTS;
          const n = Math.min(SEGMENT_SLOTS - at, end - first);
          const base = QUERY_BYTES + seg * SEGMENT_BYTES;
          this.kernel.scan(0, base + COARSE_AT + at * COARSE_BYTES, base + SCALES_AT + 4 * at, base + SCORES_AT + 4 * at, n, bias);
          visit(this.f32.subarray((base + SCORES_AT) / 4 + at, (base + SCORES_AT) / 4 + at + n), first);
          first += n;
        }
      }
    } finally {
      this.u8.fill(0, 0, QUERY_BYTES);
    }
  }

  /**
   * Writes the slot's dequantised vector (scale * (code - 2048), unit length within the
   * quantisation error) into `out`. For building the coarse partition only; the caller
   * zeroes `out` when done (it is a template).
   */
  decode(slot: number, out: Float64Array): void {
    const seg = this.segmentBase(slot);
    const at = slot % SEGMENT_SLOTS;
    const scale = this.f32[(seg + SCALES_AT) / 4 + at]!;
    const coarseAt = seg + COARSE_AT + at * COARSE_BYTES;
    const fine = this.fine[Math.floor(slot / SEGMENT_SLOTS)]!;
    const fineAt = at * FINE_BYTES;
    const u8 = this.u8;
    for (let j = 0; j < DIMS / 32; j++) {
      for (let i = 0; i < 8; i++) {
        const d = 32 * j + i;
        const even = u8[coarseAt + 16 * j + 2 * i]!;
        const odd = u8[coarseAt + 16 * j + 2 * i + 1]!;
        out[d] = scale * ((((even & 15) << 8) | fine[fineAt + d]!) - CODE_OFFSET);
        out[d + 8] = scale * (((even >> 4 << 8) | fine[fineAt + d + 8]!) - CODE_OFFSET);
        out[d + 16] = scale * ((((odd & 15) << 8) | fine[fineAt + d + 16]!) - CODE_OFFSET);
        out[d + 24] = scale * (((odd >> 4 << 8) | fine[fineAt + d + 24]!) - CODE_OFFSET);
      }
    }
  }

  /** The score returned to callers: the unit query against the slot's 12-bit codes. */
  fineScore(slot: number, unitQuery: Float64Array): number {
    const seg = this.segmentBase(slot);
    const at = slot % SEGMENT_SLOTS;
    const scale = this.f32[(seg + SCALES_AT) / 4 + at]!;
    return fineDot(unitQuery, this.u8, seg + COARSE_AT + at * COARSE_BYTES, this.fine[Math.floor(slot / SEGMENT_SLOTS)]!, at * FINE_BYTES, scale);
  }

  /** Bytes held: the WebAssembly memory plus the fine planes. */
  memoryBytes(): number {
    return this.memory.buffer.byteLength + this.fine.length * SEGMENT_SLOTS * FINE_BYTES;
  }

  /**
   * Test hook for wipe verification: live views of every byte the store holds. Not
   * reachable through GalleryIndex (which never exposes its store); only a caller that
   * created the store and passed it in can look.
   */
  rawBytes(): Uint8Array[] {
    return [new Uint8Array(this.memory.buffer), ...this.fine];
  }

  private segmentBase(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) throw new RangeError(`slot ${slot} outside capacity ${this.capacity}`);
    return QUERY_BYTES + Math.floor(slot / SEGMENT_SLOTS) * SEGMENT_BYTES;
  }
}
