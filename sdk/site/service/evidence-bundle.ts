/**
 * The evidence bundle for one subject (issue 13 item 5, L7, L8, L12): one JSON document
 * with everything the office holds about what was done with the subject's face data, and
 * the public keys needed to check it offline:
 *
 * - consents (scope, evidence hash of the signed form, notice version, term, withdrawal);
 * - per gate, the consent and enrollment work and how it ended (applied, failed + code);
 * - deletion requests with every gate's signed receipt and the site certificate;
 * - the gates' audit entries about the subject, from the collected (already checked)
 *   audit, as one chain segment per gate: from the subject's first entry up to the gate's
 *   signed checkpoint that covers the last one, so each entry is checked against a head
 *   the gate signed. The entries in between are carried whole (a hash covers the content),
 *   and they hold only opaque references (L8: no names, no biometric data).
 * - keys: each gate's signing key as pinned at installation, and the site key.
 *
 * The whole document is signed by the site key (when the service has one). Nothing in it
 * is a card number, a PIN, a template or a photo: work rows are reduced to their states,
 * and secrets never reach the store's plain columns or a gate's audit log.
 */
import { canonicalJson, type AuditCheckpoint, type AuditEntry, type DeletionReceipt, type SiteDeletionCertificate, fromBase64, toBase64 } from "../../protocol/index.js";
import { keyIdFor, type Signer } from "../../crypto/keys.js";
import type { Scope, SiteStore } from "../store/site-store.js";

export const EVIDENCE_BUNDLE_FORMAT = "facegate-evidence-bundle/1";
/** What the site signature covers: this context, then the canonical JSON of every other field. */
export const EVIDENCE_BUNDLE_CONTEXT = "facegate/evidence-bundle/1\n";

export interface EvidenceGateKey {
  gateId: string;
  keyId: string;
  signingPublicKey: string;
  pinnedAt: number;
}

export interface EvidenceConsent {
  id: string;
  scope: Scope;
  evidenceHash: string;
  noticeVersion: string;
  recordedAt: number;
  expiresAt: number;
  withdrawnAt: number | null;
}

export interface EvidenceWork {
  gateId: string;
  kind: string;
  state: string;
  ref: string | null;
  attempts: number;
  errorCode: string | null;
  updatedAt: number;
}

export interface EvidenceDeletion {
  id: string;
  reason: string;
  requestedAt: number;
  deadlineAt: number;
  completedAt: number | null;
  receipts: Array<{ gateId: string; verifiedAt: number | null; receipt: DeletionReceipt | null }>;
  certificate: SiteDeletionCertificate | null;
}

export interface EvidenceAuditSegment {
  gateId: string;
  /** Positions of the entries in `entries` that name the subject. */
  subjectSeqs: number[];
  /** Entries from the subject's first one to `checkpoint.seq`, in order. */
  entries: AuditEntry[];
  /** The gate's signed head over the last entry. */
  checkpoint: AuditCheckpoint;
}

export interface EvidenceBundle {
  format: typeof EVIDENCE_BUNDLE_FORMAT;
  siteId: string;
  subjectRef: string;
  generatedAt: number;
  keys: { site: { keyId: string; publicKey: string } | null; gates: EvidenceGateKey[] };
  consents: EvidenceConsent[];
  work: EvidenceWork[];
  deletions: EvidenceDeletion[];
  audit: EvidenceAuditSegment[];
  /** Base64 Ed25519 signature by the site key over evidenceSigningBytes(...); null when the office has no site key. */
  signature: string | null;
}

export function evidenceSigningBytes(doc: Omit<EvidenceBundle, "signature"> | EvidenceBundle): Uint8Array {
  const { signature: _omit, ...body } = doc as EvidenceBundle;
  return new TextEncoder().encode(EVIDENCE_BUNDLE_CONTEXT + canonicalJson(body));
}

export async function buildEvidenceBundle(o: { store: SiteStore; siteId: string; subjectRef: string; now: number; siteKey?: Signer }): Promise<EvidenceBundle> {
  const { store, subjectRef } = o;
  const gates = await store.listGates();
  const consents = (await store.consentsOf(subjectRef)).map((c) => ({ id: c.id, scope: c.scope, evidenceHash: c.evidenceHash, noticeVersion: c.noticeVersion, recordedAt: c.recordedAt, expiresAt: c.expiresAt, withdrawnAt: c.withdrawnAt }));
  const work = (await store.workOf(subjectRef))
    .filter((w) => w.kind === "consent" || w.kind === "enroll" || w.kind === "delete")
    .map((w) => ({ gateId: w.gateId, kind: w.kind, state: w.state, ref: w.ref, attempts: w.attempts, errorCode: w.errorCode, updatedAt: w.updatedAt }));
  const deletions = (await store.deletionRequestsOf(subjectRef)).map((r) => ({
    id: r.id,
    reason: r.reason,
    requestedAt: r.requestedAt,
    deadlineAt: r.deadlineAt,
    completedAt: r.completedAt,
    receipts: r.gates.map((g) => ({ gateId: g.gateId, verifiedAt: g.verifiedAt, receipt: g.receipt === null ? null : (JSON.parse(g.receipt) as DeletionReceipt) })),
    certificate: r.certificate === null ? null : (JSON.parse(r.certificate) as SiteDeletionCertificate),
  }));
  const audit: EvidenceAuditSegment[] = [];
  const byGate = new Map<string, number[]>();
  for (const { gateId, entry } of await store.auditEntriesOf(subjectRef)) byGate.set(gateId, [...(byGate.get(gateId) ?? []), entry.seq]);
  for (const [gateId, seqs] of byGate) {
    const last = Math.max(...seqs);
    const checkpoint = (await store.auditCheckpoints(gateId)).find((c) => c.seq >= last);
    if (!checkpoint) continue; // collected entries always end under a signed head; nothing to prove without one
    audit.push({ gateId, subjectSeqs: seqs, entries: await store.auditEntries(gateId, { fromSeq: Math.min(...seqs), toSeq: checkpoint.seq }), checkpoint });
  }
  const body: Omit<EvidenceBundle, "signature"> = {
    format: EVIDENCE_BUNDLE_FORMAT,
    siteId: o.siteId,
    subjectRef,
    generatedAt: o.now,
    keys: {
      site: o.siteKey ? { keyId: o.siteKey.keyId, publicKey: toBase64(o.siteKey.publicKey) } : null,
      gates: gates.map((g) => ({ gateId: g.gateId, keyId: keyIdFor(fromBase64(g.signPublicKey) ?? new Uint8Array(0)), signingPublicKey: g.signPublicKey, pinnedAt: g.addedAt })),
    },
    consents,
    work,
    deletions,
    audit,
  };
  return { ...body, signature: o.siteKey ? toBase64(o.siteKey.sign(evidenceSigningBytes(body))) : null };
}
