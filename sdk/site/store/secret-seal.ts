/**
 * Sealing of what the site service must keep but never hold in the clear (L4): a person's
 * cards and PIN (it pushes them to gates) and each operator's Ed25519 command key (it signs
 * with it on their behalf, L12). XChaCha20-Poly1305 under a key derived from the service
 * key for each purpose, with the row it belongs to as associated data, so a sealed blob
 * copied onto another person's row does not open. Only ciphertext and nonce are stored.
 */
import type { Sodium } from "../../crypto/sodium.js";
import { SiteStoreError } from "./site-store-error.js";

export type SealPurpose = "person" | "operator";

/** crypto_kdf subkey ids per purpose (context "fgsite01"). */
const SUBKEY_ID: Record<SealPurpose, number> = { person: 1, operator: 2 };
const CONTEXT = "fgsite01";

export interface Sealed {
  sealed: string;
  nonce: string;
}

export class SecretSeal {
  private readonly keys: Record<SealPurpose, Uint8Array>;

  constructor(private readonly sodium: Sodium, serviceKey: Uint8Array) {
    if (!(serviceKey instanceof Uint8Array) || serviceKey.length !== sodium.crypto_kdf_KEYBYTES) {
      throw new SiteStoreError("site_input_invalid", `the service data key must be ${sodium.crypto_kdf_KEYBYTES} bytes`);
    }
    this.keys = {
      person: sodium.crypto_kdf_derive_from_key(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES, SUBKEY_ID.person, CONTEXT, serviceKey),
      operator: sodium.crypto_kdf_derive_from_key(sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES, SUBKEY_ID.operator, CONTEXT, serviceKey),
    };
  }

  seal(purpose: SealPurpose, owner: string, plain: Uint8Array): Sealed {
    const s = this.sodium;
    const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const box = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad(purpose, owner), null, nonce, this.keys[purpose]);
    return { sealed: s.to_base64(box, s.base64_variants.ORIGINAL), nonce: s.to_base64(nonce, s.base64_variants.ORIGINAL) };
  }

  open(purpose: SealPurpose, owner: string, sealed: Sealed): Uint8Array {
    const s = this.sodium;
    try {
      const box = s.from_base64(sealed.sealed, s.base64_variants.ORIGINAL);
      const nonce = s.from_base64(sealed.nonce, s.base64_variants.ORIGINAL);
      return s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, box, ad(purpose, owner), nonce, this.keys[purpose]);
    } catch (err) {
      throw new SiteStoreError("site_secret_unreadable", `the sealed ${purpose} secrets of ${owner} do not open with this service key`, { purpose, owner }, { cause: err });
    }
  }
}

function ad(purpose: SealPurpose, owner: string): Uint8Array {
  return new TextEncoder().encode(`facegate-site/${purpose}/v1\u0000${owner}`);
}
