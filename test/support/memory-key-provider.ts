/**
 * A master key held in memory, for tests: a KeyProvider like the device's key file
 * (sdk/crypto/key-provider.ts), without the file. Moved out of the SDK, which keeps no
 * test double; both pass the KeyProvider suite (test/contracts/key-provider.test.ts).
 */
import { KeyError } from "../../sdk/errors.js";
import { type KeyProvider, MASTER_KEY_BYTES } from "../../sdk/crypto/key-provider.js";
import { loadSodium } from "../../sdk/crypto/sodium.js";

export class MemoryKeyProvider implements KeyProvider {
  readonly description = "in-memory key";
  private key: Uint8Array | undefined;

  constructor(options: { key?: Uint8Array } = {}) {
    this.key = options.key ? new Uint8Array(options.key) : undefined;
  }

  exists(): boolean {
    return this.key !== undefined;
  }

  async loadMasterKey(options: { create: boolean }): Promise<Uint8Array> {
    if (!this.key) {
      if (!options.create) throw new KeyError("key_missing", "in-memory master key does not exist");
      this.key = (await loadSodium()).randombytes_buf(MASTER_KEY_BYTES);
    }
    return new Uint8Array(this.key);
  }
}
