/**
 * The KeyProvider port (sdk/crypto/key-provider.ts) as a suite, over the device's key
 * file and the tests' in-memory key: a 32-byte master key, created only when asked and
 * never replaced, handed out as a copy the caller wipes.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { FileKeyProvider, type KeyProvider, MASTER_KEY_BYTES } from "../../sdk/crypto/key-provider.js";
import { KeyError } from "../../sdk/errors.js";
import { toBase64 } from "../../sdk/protocol/index.js";
import { type Closable, type Obligation, registerContract, rejectionOf } from "../../sdk/testing/contract-kit.js";
import { MemoryKeyProvider } from "../support/memory-key-provider.js";
import { tempDir } from "../support/secure-store-fixture.js";

interface KeyProviderFixture extends Closable {
  provider: KeyProvider;
}

const hex = (k: Uint8Array) => Buffer.from(k).toString("hex");

const obligations: ReadonlyArray<Obligation<KeyProviderFixture>> = [
  {
    name: "without a key, exists() is false and a load that may not create refuses (KeyError key_missing), creating nothing",
    async check({ provider }) {
      expect(provider.exists()).toBe(false);
      const err = await rejectionOf(() => provider.loadMasterKey({ create: false }), "loading a missing key");
      expect(err).toBeInstanceOf(KeyError);
      expect((err as KeyError).code).toBe("key_missing");
      expect(provider.exists()).toBe(false);
    },
  },
  {
    name: `a load that may create makes a ${MASTER_KEY_BYTES}-byte key, and exists() is true from then on`,
    async check({ provider }) {
      const key = await provider.loadMasterKey({ create: true });
      expect(key).toBeInstanceOf(Uint8Array);
      expect(key.length).toBe(MASTER_KEY_BYTES);
      expect(key.some((b) => b !== 0)).toBe(true);
      expect(provider.exists()).toBe(true);
    },
  },
  {
    name: "every load gives the same key as a fresh copy: the caller wipes it and the next load is whole",
    async check({ provider }) {
      const first = await provider.loadMasterKey({ create: true });
      const kept = hex(first);
      first.fill(0);
      const second = await provider.loadMasterKey({ create: false });
      expect(hex(second)).toBe(kept);
      expect(second).not.toBe(first);
    },
  },
  {
    name: "an existing key is never replaced, even by a load that may create",
    async check({ provider }) {
      const kept = hex(await provider.loadMasterKey({ create: true }));
      expect(hex(await provider.loadMasterKey({ create: true }))).toBe(kept);
    },
  },
  {
    name: "its description names where the key is, never the key",
    async check({ provider }) {
      const key = await provider.loadMasterKey({ create: true });
      expect(provider.description.length).toBeGreaterThan(0);
      expect(provider.description).not.toContain(hex(key));
      expect(provider.description).not.toContain(toBase64(key));
    },
  },
];

registerContract("KeyProvider contract (sdk/crypto/key-provider.ts)", {
  name: "FileKeyProvider",
  create: async () => {
    const dir = tempDir("fg-key-contract-");
    return { provider: new FileKeyProvider({ path: join(dir, "keys", "master.key") }), close: () => rmSync(dir, { recursive: true, force: true }) };
  },
}, obligations);

registerContract("KeyProvider contract (sdk/crypto/key-provider.ts)", { name: "MemoryKeyProvider (test/support)", create: async () => ({ provider: new MemoryKeyProvider(), close() {} }) }, obligations);
