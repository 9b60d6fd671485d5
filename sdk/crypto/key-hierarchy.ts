/**
 * The device key hierarchy (L5, L7):
 *
 *   master key (KeyProvider, outside the database)
 *     ├─ key-encryption key (KEK)      crypto_kdf id 1   wraps every subject data key
 *     ├─ Ed25519 signing key pair      crypto_kdf id 2   receipts, audit checkpoints, results
 *     ├─ X25519 box key pair           crypto_kdf id 3   opens sealed boxes sent to the device
 *     └─ identifier key                crypto_kdf id 1, context "fgidents": keyed hashes for
 *                                      names that must be stable yet secret (the MQTT client id)
 *
 * Subject data keys are random (never derived): destroying the wrapped copy destroys
 * the key for good, which is what makes crypto-shredding work (L7). The master key is
 * wiped as soon as the children are derived; `close()` wipes the rest.
 */
import { IntegrityError, KeyError } from "../errors.js";
import { canonicalJson } from "../protocol/canonical-json.js";
import { keyIdFor, type Signer, verifyDetached } from "./keys.js";
import { type KeyProvider, MASTER_KEY_BYTES } from "./key-provider.js";
import { type Sodium, loadSodium } from "./sodium.js";

const KDF_CONTEXT = "fgdevkey"; // crypto_kdf contexts are exactly 8 bytes
const KDF_ID = { kek: 1, signing: 2, box: 3 } as const;
/** Its own context, so no other child of the master key can ever collide with it. */
const IDENT_CONTEXT = "fgidents";
/** Bumped when the KEK changes (key rotation); part of every wrapped key's binding. */
export const KEK_VERSION = 1;

export interface DevicePublicKeys {
  /** Id of the signing key: keyIdFor(signingPublicKey). */
  keyId: string;
  signingPublicKey: Uint8Array;
  boxPublicKey: Uint8Array;
}

/** The device's Ed25519 signer; it also checks signatures (its own key when `publicKey` is omitted). */
export interface DeviceSigner extends Signer {
  verify(message: Uint8Array | string, signature: Uint8Array, publicKey?: Uint8Array): boolean;
}

export interface WrappedKey {
  wrapped: Uint8Array;
  nonce: Uint8Array;
}

export interface DataKeyBinding {
  subjectId: string;
  keyVersion: number;
}

interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export class KeyHierarchy {
  readonly publicKeys: DevicePublicKeys;
  readonly signer: DeviceSigner;
  private readonly sodium: Sodium;
  private readonly kek: Uint8Array;
  private readonly signing: KeyPair;
  private readonly box: KeyPair;
  private readonly identKey: Uint8Array;
  private closed = false;

  constructor(options: { sodium: Sodium; kek: Uint8Array; signing: KeyPair; box: KeyPair; identKey: Uint8Array }) {
    this.sodium = options.sodium;
    this.kek = options.kek;
    this.identKey = options.identKey;
    this.signing = options.signing;
    this.box = options.box;
    this.publicKeys = { keyId: keyIdFor(options.signing.publicKey), signingPublicKey: options.signing.publicKey, boxPublicKey: options.box.publicKey };
    this.signer = {
      keyId: this.publicKeys.keyId,
      publicKey: options.signing.publicKey,
      sign: (message) => this.sodium.crypto_sign_detached(message, this.live().signing.privateKey),
      verify: (message, signature, publicKey) => verifyDetached(this.sodium, signature, message, publicKey ?? this.signing.publicKey),
    };
  }

  /** Loads the master key, derives the children, and wipes the master key. */
  static async fromProvider(options: { provider: KeyProvider; create: boolean }): Promise<KeyHierarchy> {
    const sodium = await loadSodium();
    const master = await options.provider.loadMasterKey({ create: options.create });
    try {
      if (master.length !== MASTER_KEY_BYTES) throw new KeyError("key_invalid", `${options.provider.description}: master key has the wrong size`);
      const kek = sodium.crypto_kdf_derive_from_key(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES, KDF_ID.kek, KDF_CONTEXT, master);
      const signSeed = sodium.crypto_kdf_derive_from_key(sodium.crypto_sign_SEEDBYTES, KDF_ID.signing, KDF_CONTEXT, master);
      const boxSeed = sodium.crypto_kdf_derive_from_key(sodium.crypto_box_SEEDBYTES, KDF_ID.box, KDF_CONTEXT, master);
      const signing = sodium.crypto_sign_seed_keypair(signSeed);
      const box = sodium.crypto_box_seed_keypair(boxSeed);
      const identKey = sodium.crypto_kdf_derive_from_key(32, 1, IDENT_CONTEXT, master);
      sodium.memzero(signSeed);
      sodium.memzero(boxSeed);
      return new KeyHierarchy({ sodium, kek, signing, box, identKey });
    } finally {
      sodium.memzero(master);
    }
  }

  /** A fresh random data key for one subject. The caller wipes it after use. */
  newDataKey(): Uint8Array {
    this.live();
    return this.sodium.crypto_aead_xchacha20poly1305_ietf_keygen();
  }

  /** Wraps a data key under the KEK, bound to its subject and key version. */
  wrapDataKey(binding: DataKeyBinding, dataKey: Uint8Array): WrappedKey {
    const nonce = this.sodium.randombytes_buf(this.sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const wrapped = this.sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(dataKey, wrapAd(binding), null, nonce, this.live().kek);
    return { wrapped, nonce };
  }

  /**
   * Unwraps a data key. A wrapped key moved to another subject's row, or altered, fails
   * here with `integrity_wrapped_key` (L5). The caller wipes the returned key.
   */
  unwrapDataKey(binding: DataKeyBinding, key: WrappedKey): Uint8Array {
    try {
      return this.sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, key.wrapped, wrapAd(binding), key.nonce, this.live().kek);
    } catch {
      throw new IntegrityError("integrity_wrapped_key", "a wrapped data key failed authentication", { subjectId: binding.subjectId });
    }
  }

  /** Opens a sealed box (crypto_box_seal) addressed to the device X25519 key. */
  openSealed(ciphertext: Uint8Array): Uint8Array {
    try {
      return this.sodium.crypto_box_seal_open(ciphertext, this.box.publicKey, this.live().box.privateKey);
    } catch {
      throw new IntegrityError("integrity_sealed_box", "a sealed box could not be opened with the device key");
    }
  }

  /**
   * A keyed hash (BLAKE2b, 16 bytes) of `purpose` and `input` under the identifier key:
   * the same on every start of this device, unpredictable to anyone without its master key.
   */
  keyedIdentifier(purpose: string, input: string): Uint8Array {
    return this.sodium.crypto_generichash(16, canonicalJson(["facegate-identifier", 1, purpose, input]), this.live().identKey);
  }

  /** The libsodium instance (already loaded), for modules that seal with data keys. */
  get crypto(): Sodium {
    return this.sodium;
  }

  /** Wipes every secret; the hierarchy is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sodium.memzero(this.kek);
    this.sodium.memzero(this.signing.privateKey);
    this.sodium.memzero(this.box.privateKey);
    this.sodium.memzero(this.identKey);
  }

  private live(): this {
    if (this.closed) throw new KeyError("key_closed", "the device keys were closed");
    return this;
  }
}

function wrapAd(binding: DataKeyBinding): string {
  return canonicalJson(["facegate-data-key", 1, KEK_VERSION, binding.subjectId, binding.keyVersion]);
}
