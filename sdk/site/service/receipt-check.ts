/**
 * Whether a gate's deletion receipt proves what the site asked of THAT gate (L7): signed
 * by the gate's pinned device key (so a receipt signed by another gate, or forged, is
 * refused), for this site and this subject, for a deletion request, and not older than
 * the request (an old receipt replayed from an earlier deletion of the same subject).
 */
import { verifyReceipt } from "../../crypto/signatures.js";
import type { DeletionReceipt } from "../../protocol/index.js";

export interface ReceiptExpectation {
  siteId: string;
  subjectRef: string;
  /** The gate's signing public key as pinned in the site's records. */
  gateKey: Uint8Array;
  /** When the site request was made (site clock). */
  requestedAt: number;
  /** How far the gate's clock may lag the site's. Default 5 minutes. */
  skewMs?: number;
}

export type ReceiptCheck = { ok: true; receipt: DeletionReceipt } | { ok: false; reason: string };

export async function checkReceipt(receipt: unknown, e: ReceiptExpectation): Promise<ReceiptCheck> {
  const v = await verifyReceipt(receipt, e.gateKey);
  if (!v.ok) return { ok: false, reason: `the receipt does not verify against the gate's pinned key: ${v.reason ?? "invalid"}` };
  const r = receipt as DeletionReceipt;
  if (r.siteId !== e.siteId) return { ok: false, reason: "the receipt names another site" };
  if (r.subjectRef !== e.subjectRef) return { ok: false, reason: "the receipt names another subject" };
  if (r.trigger !== "deletion_request") return { ok: false, reason: `the receipt is for a ${r.trigger}, not a deletion request` };
  if (r.at < e.requestedAt - (e.skewMs ?? 5 * 60_000)) return { ok: false, reason: "the receipt is older than the request" };
  return { ok: true, receipt: r };
}
