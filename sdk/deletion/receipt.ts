/**
 * Deletion receipts (L7): a statement signed by the device's Ed25519 key that a
 * subject's face data was destroyed, why, when, and where in the audit log the deletion
 * is recorded. A resident or operator verifies it offline with the device public key
 * (`facegate receipt verify FILE --device-key KEY`).
 */
import { canonicalJson, fromBase64, toBase64 } from "../crypto/canonical.js";
import { type Signer, keyIdOf, verifySignature } from "../crypto/key-hierarchy.js";
import { loadSodium } from "../crypto/sodium.js";

export const RECEIPT_FORMAT = "facegate-deletion-receipt/1";

/** Every reason the device deletes face data; all go through the same code path (L7). */
export type DeletionTrigger = "deletion_request" | "consent_withdrawn" | "consent_expired" | "access_ended";

export interface DeletionReceiptBody {
  format: typeof RECEIPT_FORMAT;
  receiptId: string;
  siteId: string;
  processorId: string;
  /** Opaque subject reference (never a name or biometric data). */
  subjectRef: string;
  trigger: DeletionTrigger;
  /** Who asked: operator key id, `resident`, or `device` for expiry. */
  requestedBy: string;
  deleted: { templates: number; dataKeys: number; consentsEnded: number };
  at: number;
  /** Position and hash of the `deletion.completed` audit entry. */
  audit: { seq: number; hash: string };
  /** Id of the device signing key (see keyIdOf). */
  deviceKeyId: string;
}

export interface DeletionReceipt extends DeletionReceiptBody {
  /** Base64 Ed25519 signature over the canonical JSON of every other field. */
  signature: string;
}

export function receiptMessage(body: DeletionReceiptBody): string {
  const { format, receiptId, siteId, processorId, subjectRef, trigger, requestedBy, deleted, at, audit, deviceKeyId } = body;
  return canonicalJson({ format, receiptId, siteId, processorId, subjectRef, trigger, requestedBy, deleted, at, audit, deviceKeyId });
}

export function signReceipt(body: DeletionReceiptBody, signer: Signer): DeletionReceipt {
  return { ...body, signature: toBase64(signer.sign(receiptMessage(body))) };
}

export interface ReceiptVerification {
  ok: boolean;
  reason?: string;
}

/** Verifies a parsed receipt against the device public signing key. */
export async function verifyReceipt(receipt: unknown, publicKey: Uint8Array): Promise<ReceiptVerification> {
  const sodium = await loadSodium();
  const r = receipt as Partial<DeletionReceipt> | null;
  if (!r || typeof r !== "object" || r.format !== RECEIPT_FORMAT || typeof r.signature !== "string") {
    return { ok: false, reason: `not a ${RECEIPT_FORMAT} document` };
  }
  if (r.deviceKeyId !== keyIdOf(publicKey)) return { ok: false, reason: `receipt names device key ${String(r.deviceKeyId)}, the key given is ${keyIdOf(publicKey)}` };
  let message: string;
  let signature: Uint8Array;
  try {
    message = receiptMessage(r as DeletionReceipt);
    signature = fromBase64(r.signature);
  } catch {
    return { ok: false, reason: "receipt content is malformed" };
  }
  if (!verifySignature(sodium, message, signature, publicKey)) return { ok: false, reason: "signature does not match the receipt content and device key" };
  return { ok: true };
}
