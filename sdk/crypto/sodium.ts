/**
 * libsodium is loaded once (it is WebAssembly and initialises asynchronously); every
 * crypto module awaits `loadSodium()` in its async factory and then uses the instance
 * synchronously.
 *
 * Freed memory is wiped. libsodium-wrappers copies every argument (keys, plaintexts,
 * opened boxes) into the WebAssembly heap and frees it after the call, without clearing
 * it: a data key or an opened photo stayed readable in the heap until something else
 * happened to be allocated there (found by test/device/runtime/memory-after-deletion.test.ts).
 * So the module's allocator is wrapped once at load: every block is zero-filled when it
 * is freed (L5, L7).
 */
import sodiumModule from "libsodium-wrappers";

export type Sodium = typeof sodiumModule;

/** The parts of the emscripten module under libsodium-wrappers that its functions allocate through. */
interface SodiumHeap {
  _malloc(size: number): number;
  _free(address: number): void;
  HEAPU8: Uint8Array;
}

let ready: Promise<Sodium> | undefined;

export function loadSodium(): Promise<Sodium> {
  ready ??= sodiumModule.ready.then(() => {
    wipeOnFree((sodiumModule as unknown as { libsodium: SodiumHeap }).libsodium);
    return sodiumModule;
  });
  return ready;
}

const WRAPPED = Symbol.for("facegate.sodium.wipeOnFree");

/** Wraps `_malloc` and `_free` so that each block is zero-filled before it goes back to the allocator. Idempotent. */
export function wipeOnFree(heap: SodiumHeap): void {
  const marked = heap as SodiumHeap & { [WRAPPED]?: true };
  if (marked[WRAPPED]) return;
  const sizes = new Map<number, number>();
  const malloc = heap._malloc.bind(heap);
  const free = heap._free.bind(heap);
  heap._malloc = (size: number): number => {
    const address = malloc(size);
    if (address !== 0) sizes.set(address, size);
    return address;
  };
  heap._free = (address: number): void => {
    const size = sizes.get(address);
    if (size !== undefined) {
      // HEAPU8 is read at each call: it is a new view whenever the memory grows.
      heap.HEAPU8.fill(0, address, address + size);
      sizes.delete(address);
    }
    free(address);
  };
  marked[WRAPPED] = true;
}
