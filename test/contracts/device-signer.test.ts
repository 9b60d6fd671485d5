/**
 * The DeviceSigner port (sdk/commands/ports.ts, sdk/crypto/key-hierarchy.ts) as a suite,
 * over the device's key hierarchy and the command tests' signer (ed25519Signer with a
 * verify): Ed25519 detached signatures under the key it names; the secret key never
 * leaves it.
 */
import { expect } from "vitest";
import type { DeviceSigner } from "../../sdk/crypto/key-hierarchy.js";
import { KeyHierarchy } from "../../sdk/crypto/key-hierarchy.js";
import { ed25519Signer, generateEd25519KeyPair, keyIdFor, verifyDetached } from "../../sdk/crypto/keys.js";
import { loadSodium } from "../../sdk/crypto/sodium.js";
import { type Closable, type Obligation, registerContract } from "../../sdk/testing/contract-kit.js";
import { deviceSignerFor } from "../sdk/commands/harness.js";
import { MemoryKeyProvider } from "../support/memory-key-provider.js";

interface SignerFixture extends Closable {
  signer: DeviceSigner;
}

const obligations: ReadonlyArray<Obligation<SignerFixture>> = [
  {
    name: "names its key: keyId is keyIdFor(publicKey), a 32-byte Ed25519 public key",
    async check({ signer }) {
      expect(signer.publicKey.length).toBe(32);
      expect(signer.keyId).toBe(keyIdFor(signer.publicKey));
    },
  },
  {
    name: "signs bytes and text with a detached Ed25519 signature that verifies with its public key, and with nothing else",
    async check({ signer }) {
      const sodium = await loadSodium();
      const other = await generateEd25519KeyPair();
      for (const message of [new Uint8Array([1, 2, 3]), "receipt r-1"]) {
        const signature = signer.sign(message);
        expect(signature.length).toBe(64);
        expect(verifyDetached(sodium, signature, message, signer.publicKey)).toBe(true);
        expect(verifyDetached(sodium, signature, typeof message === "string" ? `${message}.` : new Uint8Array([1, 2, 4]), signer.publicKey), "another message").toBe(false);
        expect(verifyDetached(sodium, signature, message, other.publicKey), "another key").toBe(false);
      }
    },
  },
  {
    name: "verify checks its own signatures, or another key's when given one, and refuses a tampered signature",
    async check({ signer }) {
      const other = await generateEd25519KeyPair();
      const theirs = (await ed25519Signer(other.secretKey)).sign("hello");
      const mine = signer.sign("hello");
      expect(signer.verify("hello", mine)).toBe(true);
      expect(signer.verify("hello", theirs)).toBe(false);
      expect(signer.verify("hello", theirs, other.publicKey)).toBe(true);
      const tampered = Uint8Array.from(mine);
      tampered[0]! ^= 1;
      expect(signer.verify("hello", tampered)).toBe(false);
    },
  },
  {
    name: "hands out no secret key",
    async check({ signer }) {
      const exposed = Object.entries(signer).filter(([, v]) => v instanceof Uint8Array && v !== signer.publicKey);
      expect(exposed.map(([k]) => k)).toEqual([]);
    },
  },
];

registerContract("DeviceSigner contract (sdk/commands/ports.ts)", {
  name: "KeyHierarchy's signer (the device key)",
  create: async () => {
    const keys = await KeyHierarchy.fromProvider({ provider: new MemoryKeyProvider(), create: true });
    return { signer: keys.signer, close: () => keys.close() };
  },
}, obligations);

registerContract("DeviceSigner contract (sdk/commands/ports.ts)", {
  name: "ed25519Signer with a verify (test/sdk/commands/harness.ts)",
  create: async () => ({ signer: await deviceSignerFor((await generateEd25519KeyPair()).secretKey), close() {} }),
}, obligations);
