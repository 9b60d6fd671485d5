/**
 * Adapts the secure store (consent registry, template vault, deletion service) to the
 * gate's PrivacyDesk port, so a resident can act at the gate with card and PIN (L11).
 *
 * Person references and vault subject ids are the same opaque string.
 *
 * - A consent given at the gate is electronic, separate, for entry verification only,
 *   scoped to this site's gates and to the current notice, with the longest term the
 *   configuration allows (L1, L9). Its evidence reference is the SHA-256 of the
 *   canonical record of what happened at the gate (who, which notice, when, where).
 * - Minors cannot consent at the gate: a guardian consent has to be collected by staff
 *   (L10). The gate refuses with a clear reason.
 * - "Delete my template" ends the consent too (one deletion path, L7); the resident may
 *   consent and enroll again at any time.
 */
import { canonicalJson, type DeletionReceipt } from "../../sdk/protocol/index.js";
import { sha256Hex } from "../../sdk/crypto/hash.js";
import { DAY_MS, FACE_PURPOSE } from "../../sdk/consent/consent-policy.js";
import { ConsentError } from "../../sdk/errors.js";
import type {
  ConsentSummary,
  DeletionReceiptSummary,
  EnrollmentSummary,
  GateConsentDetails,
  PrivacyDesk,
  ProcessingNotice,
} from "../../sdk/gate/ports.js";
import type { SecureStore } from "../../sdk/privacy/secure-store.js";

export interface StorePrivacyDeskOptions {
  store: SecureStore;
  /** Whether the person is under 14 (the runtime passes PersonFlags, set by person.upsert `minor`); minors need a guardian consent (L10). */
  isMinor?: (personRef: string) => boolean;
}

export function noticeText(n: { version: number; purpose: string; method: string; scope: string; retention: string; contact: string; rights: string }): string {
  return [
    `Processing notice v${n.version}`,
    `Purpose: ${n.purpose}`,
    `Method: ${n.method}`,
    `Scope: ${n.scope}`,
    `Retention: ${n.retention}`,
    `Contact: ${n.contact}`,
    `Your rights: ${n.rights}`,
  ].join("\n");
}

export function receiptSummary(receipt: DeletionReceipt, reason: DeletionReceiptSummary["reason"]): DeletionReceiptSummary {
  return {
    receiptId: receipt.receiptId,
    personRef: receipt.subjectRef,
    issuedAt: receipt.at,
    reason,
    templatesDeleted: receipt.deleted.templates,
    verificationCode: Buffer.from(receipt.signature, "base64").subarray(0, 8).toString("hex"),
  };
}

export class StorePrivacyDesk implements PrivacyDesk {
  constructor(private readonly options: StorePrivacyDeskOptions) {}

  private get store(): SecureStore {
    return this.options.store;
  }

  currentNotice(): ProcessingNotice {
    const notice = this.store.consents.currentNotice();
    if (!notice) throw new ConsentError("notice_missing", "no processing notice has been published on this device");
    return { version: String(notice.version), hash: notice.hash, text: noticeText(notice) };
  }

  hasValidConsent(personRef: string, gateId: string, at: number): boolean {
    return this.store.consents.validConsent({ subjectId: personRef, gateId, at }) !== undefined;
  }

  giveConsent(personRef: string, details: GateConsentDetails): ConsentSummary {
    const notice = this.store.consents.currentNotice();
    if (!notice || notice.hash !== details.noticeHash) {
      throw new ConsentError("notice_not_current", "the notice shown is not the current processing notice; read the notice again");
    }
    if (this.options.isMinor?.(personRef)) {
      throw new ConsentError("consent_guardian_required", "a guardian must give consent for a child under 14; ask the property office");
    }
    const policy = this.store.consents.policy;
    const gateIds = policy.gateIds.length > 0 ? [...policy.gateIds] : [details.gateId];
    const evidence = canonicalJson({ at: details.at, gateId: details.gateId, method: details.method, noticeHash: details.noticeHash, personRef, via: "gate-keypad" });
    const record = this.store.consents.give(
      {
        subjectId: personRef,
        siteId: policy.siteId,
        processorId: policy.processorId,
        gateIds,
        purpose: FACE_PURPOSE,
        noticeHash: details.noticeHash,
        separate: true,
        method: "electronic",
        evidenceRef: `sha256:${sha256Hex(evidence)}`,
        collectedBy: details.collectedBy,
        givenAt: details.at,
        expiresAt: details.at + policy.maxConsentDays * DAY_MS,
      },
      { actor: details.collectedBy },
    );
    return { consentId: record.id, expiresAt: record.expiresAt };
  }

  enrollFromEmbedding(personRef: string, embedding: Float32Array, gateId: string): EnrollmentSummary {
    const result = this.store.vault.enroll({ subjectId: personRef, gateId, embeddings: [embedding], actor: `gate:${gateId}` });
    return { templateId: result.templateIds[0]! };
  }

  withdrawConsent(personRef: string): DeletionReceiptSummary {
    return receiptSummary(this.store.deletion.withdrawConsent({ subjectId: personRef, actor: "resident" }), "consent_withdrawn");
  }

  deleteTemplates(personRef: string): DeletionReceiptSummary {
    return receiptSummary(this.store.deletion.requestDeletion({ subjectId: personRef, actor: "resident" }), "deletion_request");
  }
}
