/**
 * The site key: the estate office's Ed25519 key that signs site deletion certificates (and
 * nothing else: commands to gates are signed by operator keys, L12). It lives in a key
 * file of kind `facegate-site-key` (sdk/operator/key-file.ts: mode 0600, never
 * overwritten, refused when others can read it), so it cannot be mistaken for an
 * operator's command key. Its public key is what the office hands out to whoever must
 * verify certificates offline.
 */
import { type Ed25519KeyPair, type Signer, ed25519Signer, generateEd25519KeyPair } from "../../crypto/keys.js";
import { loadSodium } from "../../crypto/sodium.js";
import { readOperatorKeyFile, writeOperatorKeyFile } from "../../operator/key-file.js";

export const SITE_KEY_KIND = "facegate-site-key";

/** A new site key written to `path` (0600, refusing to overwrite); returns its public half only. */
export async function createSiteKeyFile(path: string): Promise<{ keyId: string; publicKey: Uint8Array }> {
  const key: Ed25519KeyPair = await generateEd25519KeyPair();
  try {
    writeOperatorKeyFile(path, key, SITE_KEY_KIND);
  } finally {
    (await loadSodium()).memzero(key.secretKey);
  }
  return { keyId: key.keyId, publicKey: key.publicKey };
}

/** The site key from its file, as a Signer (KeyError when missing, readable by others, or not a site key). */
export async function readSiteKeyFile(path: string): Promise<Signer> {
  const key = readOperatorKeyFile(path, SITE_KEY_KIND);
  return ed25519Signer(key.secretKey);
}
