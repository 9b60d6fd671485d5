/**
 * The few WebAssembly JS API members the matcher uses, typed here because the project's
 * TypeScript libs (ES2023 + node) do not declare the `WebAssembly` global.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Grows by `pages` of 64 KiB; detaches the previous `buffer`. */
  grow(pages: number): number;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

export const WASM_PAGE = 65536;

/** The platform's WebAssembly API, or undefined where there is none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

/** A memory for the code store; a plain ArrayBuffer stand-in where WebAssembly is missing. */
export function createMemory(pages: number): WasmMemory {
  const api = wasmApi();
  if (api) return new api.Memory({ initial: pages });
  let buffer = new ArrayBuffer(pages * WASM_PAGE);
  return {
    get buffer() {
      return buffer;
    },
    grow(more: number): number {
      const old = buffer;
      buffer = new ArrayBuffer(old.byteLength + more * WASM_PAGE);
      new Uint8Array(buffer).set(new Uint8Array(old));
      new Uint8Array(old).fill(0);
      return old.byteLength / WASM_PAGE;
    },
  };
}
