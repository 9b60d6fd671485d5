/**
 * Port stand-ins for unit tests of the gate orchestrator (test/sdk/gate): an in-memory
 * gallery (FaceMatcher) and privacy desk (PrivacyDesk) whose internals a test can inspect.
 * The shipped implementations are exercised by the scenario and runtime tests.
 */
import { createHash } from "node:crypto";
import { ConsentError } from "../../sdk/errors.js";
import type { ConsentSummary, DeletionReceiptSummary, EnrollmentSummary, FaceCandidate, FaceMatcher, GateConsentDetails, PrivacyDesk, ProcessingNotice } from "../../sdk/gate/ports.js";

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export class InMemoryGallery implements FaceMatcher {
  private readonly templates = new Map<string, Array<{ templateId: string; embedding: Float32Array }>>();
  private next = 1;

  add(personRef: string, embedding: Float32Array): string {
    const templateId = `t-${this.next++}`;
    const list = this.templates.get(personRef) ?? [];
    list.push({ templateId, embedding: Float32Array.from(embedding) });
    this.templates.set(personRef, list);
    return templateId;
  }

  remove(personRef: string): number {
    const list = this.templates.get(personRef) ?? [];
    for (const t of list) t.embedding.fill(0);
    this.templates.delete(personRef);
    return list.length;
  }

  size(): number {
    return [...this.templates.values()].reduce((n, l) => n + l.length, 0);
  }

  search(embedding: Float32Array, k: number): FaceCandidate[] {
    const all: FaceCandidate[] = [];
    for (const [personRef, list] of this.templates) for (const t of list) all.push({ personRef, templateId: t.templateId, score: cosine(embedding, t.embedding) });
    return all.sort((a, b) => b.score - a.score).slice(0, k);
  }

  verify(personRef: string, embedding: Float32Array): number | null {
    const list = this.templates.get(personRef);
    if (!list || list.length === 0) return null;
    return Math.max(...list.map((t) => cosine(embedding, t.embedding)));
  }
}

export const NOTICE_TEXT =
  "Face recognition at the doors of this building, for entry verification only. Templates are encrypted on the door terminal, never images. Kept until you withdraw or for 12 months. Contact: property office. You may read, withdraw and delete at the gate.";

/** Consent registry + vault + deletion, in memory, with the obligations of the PrivacyDesk port. */
export class InMemoryPrivacyDesk implements PrivacyDesk {
  readonly notice: ProcessingNotice = { version: "v1", hash: createHash("sha256").update(NOTICE_TEXT).digest("hex"), text: NOTICE_TEXT };
  readonly consents = new Map<string, { consentId: string; expiresAt: number; details: GateConsentDetails }>();
  private n = 0;

  constructor(
    readonly gallery: InMemoryGallery,
    private readonly now: () => number = () => 0,
    private readonly termMs = 365 * 24 * 3600_000,
  ) {}

  currentNotice(): ProcessingNotice {
    return this.notice;
  }

  hasValidConsent(personRef: string, _gateId: string, at: number): boolean {
    const c = this.consents.get(personRef);
    return c !== undefined && at < c.expiresAt;
  }

  giveConsent(personRef: string, details: GateConsentDetails): ConsentSummary {
    if (details.noticeHash !== this.notice.hash) throw new ConsentError("notice_not_current", "consent must reference the current notice");

    const consent = { consentId: `c-${++this.n}`, expiresAt: details.at + this.termMs, details };
    this.consents.set(personRef, consent);
    return { consentId: consent.consentId, expiresAt: consent.expiresAt };
  }

  enrollFromEmbedding(personRef: string, embedding: Float32Array): EnrollmentSummary {
    if (!this.consents.has(personRef)) throw new ConsentError("consent_missing", "no valid face consent");
    return { templateId: this.gallery.add(personRef, embedding) };
  }

  withdrawConsent(personRef: string): DeletionReceiptSummary {
    this.consents.delete(personRef);
    return this.receipt(personRef, "consent_withdrawn", this.gallery.remove(personRef));
  }

  deleteTemplates(personRef: string): DeletionReceiptSummary {
    return this.receipt(personRef, "deletion_request", this.gallery.remove(personRef));
  }

  private receipt(personRef: string, reason: DeletionReceiptSummary["reason"], templatesDeleted: number): DeletionReceiptSummary {
    const receiptId = `r-${++this.n}`;
    return { receiptId, personRef, issuedAt: this.now(), reason, templatesDeleted, verificationCode: createHash("sha256").update(receiptId).digest("hex").slice(0, 16) };
  }
}

/** The stand-in face components, wired as buildSimulatedGate expects them. */
