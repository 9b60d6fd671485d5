/**
 * libsodium is loaded once (it is WebAssembly and initialises asynchronously); every
 * crypto module awaits `loadSodium()` in its async factory and then uses the instance
 * synchronously.
 */
import sodiumModule from "libsodium-wrappers";

export type Sodium = typeof sodiumModule;

let ready: Promise<Sodium> | undefined;

export function loadSodium(): Promise<Sodium> {
  ready ??= sodiumModule.ready.then(() => sodiumModule);
  return ready;
}
