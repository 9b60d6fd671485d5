/**
 * Sealing one template (L5): XChaCha20-Poly1305 under the subject's data key, with
 * associated data binding the ciphertext to its subject, template record and key
 * version. A ciphertext copied into another row, or changed by one bit, fails to open.
 * Embeddings are encoded as 512 little-endian float32 values.
 */
import type { Sodium } from "../crypto/sodium.js";
import { IntegrityError } from "../errors.js";
import { VaultError } from "./vault-error.js";

export const TEMPLATE_DIM = 512;

export interface TemplateBinding {
  subjectId: string;
  templateId: string;
  keyVersion: number;
}

export interface SealedTemplate {
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** Validates an embedding and returns an L2-normalised copy (the caller wipes it). */
export function normalizedCopy(embedding: Float32Array): Float32Array {
  if (!(embedding instanceof Float32Array) || embedding.length !== TEMPLATE_DIM) {
    throw new VaultError("template_invalid", `a template must be a Float32Array of ${TEMPLATE_DIM} values`);
  }
  let sum = 0;
  for (let i = 0; i < TEMPLATE_DIM; i++) {
    const v = embedding[i]!;
    if (!Number.isFinite(v)) throw new VaultError("template_invalid", "a template holds a non-finite value");
    sum += v * v;
  }
  if (sum === 0) throw new VaultError("template_invalid", "a template must not be all zeros");
  const norm = Math.sqrt(sum);
  const out = new Float32Array(TEMPLATE_DIM);
  for (let i = 0; i < TEMPLATE_DIM; i++) out[i] = embedding[i]! / norm;
  return out;
}

const encoder = new TextEncoder();
/** Float32Array views of plaintext are only valid on little-endian hosts (every supported target). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Associated data: an array of strings and integers, for which JSON.stringify is already canonical. */
export function templateAd(b: TemplateBinding): Uint8Array {
  if (!Number.isInteger(b.keyVersion)) throw new VaultError("template_invalid", "keyVersion must be an integer");
  return encoder.encode(JSON.stringify(["facegate-template", 1, b.subjectId, b.templateId, b.keyVersion]));
}

export function sealTemplate(sodium: Sodium, dataKey: Uint8Array, binding: TemplateBinding, embedding: Float32Array): SealedTemplate {
  const plain = new Uint8Array(TEMPLATE_DIM * 4);
  const view = new DataView(plain.buffer);
  for (let i = 0; i < TEMPLATE_DIM; i++) view.setFloat32(i * 4, embedding[i]!, true);
  try {
    const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, templateAd(binding), null, nonce, dataKey);
    return { nonce, ciphertext };
  } finally {
    sodium.memzero(plain);
  }
}

/** Opens a template; throws `integrity_template` on any authentication failure. The caller wipes the result. */
export function openTemplate(sodium: Sodium, dataKey: Uint8Array, binding: TemplateBinding, sealed: SealedTemplate): Float32Array {
  let plain: Uint8Array;
  try {
    plain = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.ciphertext, templateAd(binding), sealed.nonce, dataKey);
  } catch {
    throw new IntegrityError("integrity_template", "a template ciphertext failed authentication", { subjectId: binding.subjectId, templateId: binding.templateId });
  }
  try {
    if (plain.length !== TEMPLATE_DIM * 4) throw new IntegrityError("integrity_template", "a template has the wrong length", { subjectId: binding.subjectId });
    const out = new Float32Array(TEMPLATE_DIM);
    if (LITTLE_ENDIAN && plain.byteOffset % 4 === 0) out.set(new Float32Array(plain.buffer, plain.byteOffset, TEMPLATE_DIM));
    else {
      const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
      for (let i = 0; i < TEMPLATE_DIM; i++) out[i] = view.getFloat32(i * 4, true);
    }
    return out;
  } finally {
    sodium.memzero(plain);
  }
}
