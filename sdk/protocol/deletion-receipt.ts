/**
 * Deletion receipts (L7): a statement signed by a gate's Ed25519 key that a subject's face
 * data was destroyed there, why, when, and where in its audit log the deletion is
 * recorded. Residents, operators and the site service verify it offline with the gate's
 * public key (`facegate receipt verify FILE --device-key KEY`; crypto's `verifyReceipt`).
 * The format is a public document: a change is a new `format`, never an edit.
 */
import { type Static, Type } from "@sinclair/typebox";
import { canonicalJson } from "./canonical-json.js";
import { KeyId, OneOf, OpaqueId, Sha256Hex, Strict } from "./common-schemas.js";


export const RECEIPT_FORMAT = "facegate-deletion-receipt/1";

/** Every reason a device deletes face data; all go through the same code path (L7). */
export const DELETION_TRIGGERS = ["deletion_request", "consent_withdrawn", "consent_expired", "access_ended"] as const;
export type DeletionTrigger = (typeof DELETION_TRIGGERS)[number];

const Count = Type.Integer({ minimum: 0 });

export const DeletionReceiptSchema = Strict({
  format: Type.Literal(RECEIPT_FORMAT),
  receiptId: OpaqueId(),
  siteId: OpaqueId(),
  processorId: OpaqueId(),
  subjectRef: Type.String({ minLength: 1, maxLength: 128, description: "Opaque subject reference (never a name or biometric data)." }),
  trigger: OneOf(DELETION_TRIGGERS),
  requestedBy: Type.String({ minLength: 1, maxLength: 128, description: "Who asked: an operator key id, `resident`, or `device` for expiry." }),
  deleted: Strict({ templates: Count, dataKeys: Count, consentsEnded: Count }),
  at: Type.Integer(),
  audit: Strict({ seq: Type.Integer({ minimum: 1 }), hash: Sha256Hex() }, "Position and hash of the `deletion.completed` audit entry."),
  deviceKeyId: KeyId("Id of the device signing key."),
  signature: Type.String({ maxLength: 100, description: "Base64 Ed25519 signature over receiptMessage(...)." }),
});

export type DeletionReceipt = Static<typeof DeletionReceiptSchema>;
export type DeletionReceiptBody = Omit<DeletionReceipt, "signature">;

/** The exact text a receipt signature covers: the canonical JSON of every other field. */
export function receiptMessage(body: DeletionReceiptBody): string {
  const { format, receiptId, siteId, processorId, subjectRef, trigger, requestedBy, deleted, at, audit, deviceKeyId } = body;
  return canonicalJson({ format, receiptId, siteId, processorId, subjectRef, trigger, requestedBy, deleted, at, audit, deviceKeyId });
}
