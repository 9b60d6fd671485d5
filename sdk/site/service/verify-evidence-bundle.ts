/**
 * Offline check of an evidence bundle (evidence-bundle.ts), with only the document and the
 * site's public key from a trusted source. Every problem is listed with its path:
 *
 * - the site key named in the bundle is the one given, and its signature covers the bundle;
 * - every receipt verifies against ITS gate's key as the bundle pins it, and names this
 *   subject and site;
 * - every certificate verifies with sdk/site/certificate under the site key, names this
 *   subject, and pins the same gate keys as the bundle (the certificate is site-signed);
 * - every audit segment verifies with sdk/audit's verifyAuditChain against its gate's key
 *   from its first entry up to the gate's signed checkpoint, and the entries it lists as
 *   the subject's do name the subject.
 */
import { verifyAuditChain } from "../../audit/audit-verify.js";
import { keyIdFor, verifyDetached } from "../../crypto/keys.js";
import { verifyReceipt } from "../../crypto/signatures.js";
import { loadSodium } from "../../crypto/sodium.js";
import { fromBase64, toBase64 } from "../../protocol/index.js";
import { verifyCertificate } from "../certificate/verify-certificate.js";
import { EVIDENCE_BUNDLE_FORMAT, type EvidenceBundle, evidenceSigningBytes } from "./evidence-bundle.js";

export interface EvidenceProblem {
  path: string;
  message: string;
}

export interface EvidenceVerification {
  ok: boolean;
  problems: EvidenceProblem[];
  /** What was checked, when ok or not. */
  checked: { receipts: number; certificates: number; auditEntries: number };
}

export async function verifyEvidenceBundle(doc: unknown, options: { siteKey: Uint8Array }): Promise<EvidenceVerification> {
  const sodium = await loadSodium();
  const problems: EvidenceProblem[] = [];
  const checked = { receipts: 0, certificates: 0, auditEntries: 0 };
  const done = (): EvidenceVerification => ({ ok: problems.length === 0, problems, checked });
  const d = doc as Partial<EvidenceBundle> | null;
  if (!d || typeof d !== "object" || d.format !== EVIDENCE_BUNDLE_FORMAT || !d.keys || !Array.isArray(d.keys.gates) || !Array.isArray(d.deletions) || !Array.isArray(d.audit) || typeof d.subjectRef !== "string") {
    problems.push({ path: "(root)", message: `not a ${EVIDENCE_BUNDLE_FORMAT} document` });
    return done();
  }
  const siteKeyB64 = toBase64(options.siteKey);
  if (!d.keys.site || d.keys.site.publicKey !== siteKeyB64 || d.keys.site.keyId !== keyIdFor(options.siteKey)) problems.push({ path: "keys.site", message: "the bundle names another site key than the one given" });
  const signature = typeof d.signature === "string" ? fromBase64(d.signature) : undefined;
  let signed = false;
  try {
    signed = signature !== undefined && verifyDetached(sodium, signature, evidenceSigningBytes(d as EvidenceBundle), options.siteKey);
  } catch {
    signed = false;
  }
  if (!signed) problems.push({ path: "signature", message: d.signature ? "the site signature does not cover this content under the site key given" : "the bundle is not signed by the site" });

  const gateKeys = new Map<string, Uint8Array>();
  d.keys.gates.forEach((g, i) => {
    const k = typeof g?.signingPublicKey === "string" ? fromBase64(g.signingPublicKey) : undefined;
    if (!k || k.length !== 32 || keyIdFor(k) !== g.keyId) problems.push({ path: `keys.gates[${i}]`, message: `gate ${String(g?.gateId)}: not a signing key, or its key id is wrong` });
    else gateKeys.set(g.gateId, k);
  });

  for (const [i, r] of d.deletions.entries()) {
    for (const [j, rc] of (r.receipts ?? []).entries()) {
      if (rc.receipt === null) continue;
      const path = `deletions[${i}].receipts[${j}]`;
      const key = gateKeys.get(rc.gateId);
      if (!key) {
        problems.push({ path, message: `no key for gate ${rc.gateId} in the bundle` });
        continue;
      }
      const v = await verifyReceipt(rc.receipt, key);
      checked.receipts++;
      if (!v.ok) problems.push({ path, message: `the receipt of gate ${rc.gateId} does not verify against its key: ${v.reason ?? "invalid"}` });
      else if (rc.receipt.subjectRef !== d.subjectRef || rc.receipt.siteId !== d.siteId) problems.push({ path, message: `the receipt of gate ${rc.gateId} names another subject or site` });
    }
    if (r.certificate) {
      const path = `deletions[${i}].certificate`;
      const v = await verifyCertificate(r.certificate, { siteKey: options.siteKey });
      checked.certificates++;
      for (const p of v.problems) problems.push({ path: `${path}.${p.path}`, message: `${p.code}: ${p.message}` });
      if (v.ok) {
        if (r.certificate.subjectRef !== d.subjectRef) problems.push({ path, message: "the certificate names another subject" });
        for (const g of r.certificate.gates) {
          const k = gateKeys.get(g.gateId);
          if (!k || toBase64(k) !== g.signingPublicKey) problems.push({ path, message: `gate ${g.gateId}: the certificate pins another key than the bundle` });
        }
      }
    }
  }

  for (const [i, seg] of d.audit.entries()) {
    const path = `audit[${i}]`;
    const key = gateKeys.get(seg.gateId);
    const first = seg.entries?.[0];
    if (!key || !first || !seg.checkpoint) {
      problems.push({ path, message: `gate ${String(seg.gateId)}: no key, no entries or no signed checkpoint` });
      continue;
    }
    const v = verifyAuditChain({
      entries: seg.entries,
      checkpoints: [seg.checkpoint],
      publicKey: key,
      verify: (m, s, pk) => verifyDetached(sodium, s, m, pk),
      start: { seq: first.seq - 1, hash: first.prevHash },
    });
    checked.auditEntries += seg.entries.length;
    if (!v.ok) problems.push({ path, message: `gate ${seg.gateId}, entry ${v.firstBroken!.seq}: ${v.firstBroken!.reason}` });
    if (seg.entries[seg.entries.length - 1]!.seq !== seg.checkpoint.seq) problems.push({ path, message: `gate ${seg.gateId}: the segment does not end at its signed checkpoint` });
    for (const seq of seg.subjectSeqs ?? []) {
      const e = seg.entries.find((x) => x.seq === seq);
      if (!e || e.subject !== d.subjectRef) problems.push({ path, message: `gate ${seg.gateId}: entry ${seq} is not about the subject` });
    }
  }
  return done();
}
