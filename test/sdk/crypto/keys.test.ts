import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeyHierarchy } from "../../../sdk/crypto/key-hierarchy.js";
import { keyIdFor, verifyDetached } from "../../../sdk/crypto/keys.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { FileKeyProvider, type KeyProvider } from "../../../sdk/crypto/key-provider.js";
import { MemoryKeyProvider } from "../../support/memory-key-provider.js";
import { KeyError } from "../../../sdk/errors.js";
import { tempDir } from "../../support/secure-store-fixture.js";

describe("device keys", () => {
  it("L5 the key file is created once with mode 0600 in a private directory and reloads to the same keys", async () => {
    const dir = tempDir();
    const path = join(dir, "k", "master.key");
    const a = await KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path }), create: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "k")).mode & 0o077).toBe(0);
    expect(statSync(path).size).toBe(32);
    const bytes = readFileSync(path);
    const b = await KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path }), create: true });
    expect(readFileSync(path).equals(bytes)).toBe(true); // never overwritten
    expect(b.publicKeys.keyId).toBe(a.publicKeys.keyId);
    expect(a.publicKeys.keyId).toBe(keyIdFor(a.publicKeys.signingPublicKey));
    expect(Buffer.from(a.publicKeys.boxPublicKey).equals(Buffer.from(b.publicKeys.boxPublicKey))).toBe(true);
    a.close();
    b.close();
  });

  it("L5 a key file readable by others, of the wrong size, or missing is refused with a clear error", async () => {
    const dir = tempDir();
    const path = join(dir, "master.key");
    writeFileSync(path, Buffer.alloc(32, 1), { mode: 0o600 });
    chmodSync(path, 0o644);
    await expect(KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path }), create: true })).rejects.toMatchObject({ code: "key_permissions", message: expect.stringMatching(/0644.*chmod 600/) });
    chmodSync(path, 0o600);
    writeFileSync(path, Buffer.alloc(31, 1));
    await expect(KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path }), create: true })).rejects.toMatchObject({ code: "key_invalid" });
    expect(readFileSync(path).length).toBe(31); // left untouched
    await expect(KeyHierarchy.fromProvider({ provider: new FileKeyProvider({ path: join(dir, "none.key") }), create: false })).rejects.toThrow(KeyError);
    expect(existsSync(join(dir, "none.key"))).toBe(false);
  });

  it("L5 the master key is wiped after derivation and secrets are wiped on close", async () => {
    const handed: Uint8Array[] = [];
    const inner = new MemoryKeyProvider();
    const provider: KeyProvider = {
      description: "spy",
      exists: () => true,
      loadMasterKey: async (o) => {
        const k = await inner.loadMasterKey(o);
        handed.push(k);
        return k;
      },
    };
    const keys = await KeyHierarchy.fromProvider({ provider, create: true });
    expect(handed[0]!.every((b) => b === 0)).toBe(true);
    const sig = keys.signer.sign("hello");
    expect(keys.signer.verify("hello", sig)).toBe(true);
    expect(verifyDetached(await loadSodium(), sig, "hello", keys.publicKeys.signingPublicKey)).toBe(true);
    expect(keys.signer.verify("hellO", sig)).toBe(false);
    keys.close();
    expect(() => keys.signer.sign("x")).toThrow(/closed/);
  });

  it("L5 data keys are random, wrapped, and bound to their subject and version", async () => {
    const keys = await KeyHierarchy.fromProvider({ provider: new MemoryKeyProvider(), create: true });
    const k1 = keys.newDataKey();
    const k2 = keys.newDataKey();
    expect(Buffer.from(k1).equals(Buffer.from(k2))).toBe(false);
    const w = keys.wrapDataKey({ subjectId: "s1", keyVersion: 1 }, k1);
    expect(Buffer.from(keys.unwrapDataKey({ subjectId: "s1", keyVersion: 1 }, w)).equals(Buffer.from(k1))).toBe(true);
    expect(() => keys.unwrapDataKey({ subjectId: "s2", keyVersion: 1 }, w)).toThrow(/failed authentication/);
    expect(() => keys.unwrapDataKey({ subjectId: "s1", keyVersion: 2 }, w)).toThrow(/failed authentication/);
    keys.close();
  });

  it("opens sealed boxes addressed to the device X25519 key", async () => {
    const sodium = await loadSodium();
    const keys = await KeyHierarchy.fromProvider({ provider: new MemoryKeyProvider(), create: true });
    const sealed = sodium.crypto_box_seal(new Uint8Array([1, 2, 3]), keys.publicKeys.boxPublicKey);
    expect([...keys.openSealed(sealed)]).toEqual([1, 2, 3]);
    sealed[sealed.length - 1]! ^= 1;
    expect(() => keys.openSealed(sealed)).toThrow(/sealed box/);
    keys.close();
  });
});
