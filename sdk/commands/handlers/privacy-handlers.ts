/**
 * Notice, consent and deletion commands (L1, L3, L7, L9, L10), each a thin layer over the
 * secure store's services, which enforce the rules and write their own audit entries:
 *
 * - `notice.publish`  -> ConsentRegistry.publishNotice, then the DeviceLink keeps it retained.
 * - `consent.record`  -> ConsentRegistry.give (a separate face consent; L1/L9/L10 refusals
 *                        come back with the registry's codes, e.g. consent_term_too_long).
 * - `consent.withdraw`-> DeletionService.withdrawConsent (ends consent, deletes face data).
 * - `subject.delete`  -> DeletionService.requestDeletion.
 * Both deletions answer with the receipt signed by the device key.
 */
import { FACE_PURPOSE, type Guardian } from "../../consent/consent-policy.js";
import type { ConsentRecord } from "../../consent/consent-registry.js";
import { ConsentError, NotFoundError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import type { CommandBodies } from "../../protocol/index.js";
import { noticeFields } from "../../consent/notice.js";
import type { CommandContext } from "../processor.js";
import type { DeviceHandlerDeps, HandlerRegistry } from "./deps.js";
import type { PersonFlags } from "./person-flags.js";

/** Notice language when the operator names none: the residents' language in this market. */
export const DEFAULT_NOTICE_LANGUAGE = "zh-CN";

export function registerPrivacyHandlers(processor: HandlerRegistry, deps: DeviceHandlerDeps, flags: PersonFlags, log: Logger): void {
  const { store } = deps;

  processor.registerHandler("notice.publish", {
    handle: async (body, ctx) => {
      const notice = store.consents.publishNotice(
        { version: noticeVersion(body.version), language: body.notice.language ?? DEFAULT_NOTICE_LANGUAGE, ...withoutLanguage(body.notice) },
        { actor: ctx.keyId },
      );
      if (deps.publishNotice) {
        // The notice is committed; a link that is down republishes it on connect (L3).
        try {
          await deps.publishNotice(noticeFields(notice));
        } catch (err) {
          log.warn("notice stored but not handed to the link", { version: notice.version, error: err as Error });
        }
      }
      return { version: String(notice.version), hash: notice.hash };
    },
  });

  processor.registerHandler("consent.record", {
    handle: (body, ctx) => recordConsent(deps, flags, body, ctx),
  });

  processor.registerHandler("consent.withdraw", {
    handle: (body, ctx) => {
      if (body.consentId !== undefined) consentOf(deps, body.subjectRef, body.consentId);
      const receipt = store.deletion.withdrawConsent({ subjectId: body.subjectRef, actor: ctx.keyId });
      return { subjectRef: body.subjectRef, withdrawnAt: receipt.at, receipt };
    },
  });

  processor.registerHandler("subject.delete", {
    handle: (body, ctx) => {
      const receipt = store.deletion.requestDeletion({ subjectId: body.subjectRef, actor: ctx.keyId });
      // Why it was deleted (a court order, a ticket) next to the deletion itself (L8).
      store.audit.append({
        type: "deletion.request_details",
        actor: ctx.keyId,
        subject: body.subjectRef,
        details: { commandId: ctx.commandId, receiptId: receipt.receiptId, reason: body.reason, ...(body.reference !== undefined ? { reference: body.reference } : {}) },
      });
      return { subjectRef: body.subjectRef, receipt };
    },
  });
}

/**
 * The device numbers notices with positive integers (sdk/consent), so that "newer" is
 * unambiguous; the contract carries the version as a string.
 */
function noticeVersion(version: string): number {
  const n = /^[1-9][0-9]{0,8}$/.test(version) ? Number(version) : NaN;
  if (!Number.isSafeInteger(n)) throw new ConsentError("notice_invalid", "body.version: this device numbers notices with positive integers (1, 2, 3...)");
  return n;
}

function withoutLanguage(n: CommandBodies["notice.publish"]["notice"]): Omit<CommandBodies["notice.publish"]["notice"], "language"> {
  const { language: _language, ...rest } = n;
  return rest;
}


function recordConsent(deps: DeviceHandlerDeps, flags: PersonFlags, body: CommandBodies["consent.record"], ctx: CommandContext): { consentId: string; subjectRef: string; expiresAt: number } {
  const { store, access } = deps;
  const subjectId = body.subjectRef;
  if (body.personRef !== subjectId) {
    throw new ConsentError("consent_subject_mismatch", "body.subjectRef: must equal personRef on this device (the gate enrolls and deletes a person's face data under their person reference)");
  }
  // Face consent serves entry verification only, so only someone with access rights (L4).
  if (!access.person(body.personRef)) throw new NotFoundError("body.personRef: no such person on this device; send person.upsert first", { personRef: body.personRef });
  const policy = store.consents.policy;
  const gateIds = body.scope.gates ?? (policy.gateIds.length > 0 ? [...policy.gateIds] : [deps.gateId]);
  const evidenceRef = `sha256:${body.evidence.sha256}`;
  // A guardian's consent is a minor's consent: the stricter term applies (L10).
  const minor = flags.isMinor(body.personRef) || body.guardian !== undefined;
  // The contract names the guardian by an opaque reference only, never by name.
  const guardian: Guardian | undefined = body.guardian ? { ref: body.guardian.guardianRef, name: body.guardian.guardianRef, relationship: body.guardian.relation } : undefined;

  // Re-issued after an interruption: the same consent is not recorded twice.
  const same = store.consents
    .list(subjectId)
    .find((c) => c.endedAt === undefined && c.noticeHash === body.noticeHash && c.evidenceRef === evidenceRef && c.givenAt === body.givenAt && c.expiresAt === body.expiresAt);
  if (same) return { consentId: same.id, subjectRef: subjectId, expiresAt: same.expiresAt };

  const record = store.db.transaction((): ConsentRecord => {
    const given = store.consents.give(
      {
        subjectId,
        siteId: policy.siteId,
        processorId: policy.processorId,
        gateIds,
        purpose: body.scope.purpose as typeof FACE_PURPOSE,
        noticeHash: body.noticeHash,
        separate: true,
        method: body.method,
        evidenceRef,
        collectedBy: body.collectedBy,
        givenAt: body.givenAt,
        expiresAt: body.expiresAt,
        minor,
        ...(guardian ? { guardian } : {}),
      },
      { actor: ctx.keyId },
    );
    // What the registry does not keep: the kind and archive reference of the evidence.
    store.audit.append({
      type: "consent.evidence",
      actor: ctx.keyId,
      subject: subjectId,
      details: { consentId: given.id, commandId: ctx.commandId, kind: body.evidence.kind, sha256: body.evidence.sha256, ...(body.evidence.reference !== undefined ? { reference: body.evidence.reference } : {}) },
    });
    return given;
  })();
  return { consentId: record.id, subjectRef: subjectId, expiresAt: record.expiresAt };
}

/** The consent `consentId` of this subject; not_found otherwise (another subject's id included). */
function consentOf(deps: DeviceHandlerDeps, subjectId: string, consentId: string): ConsentRecord {
  const record = deps.store.consents.list(subjectId).find((c) => c.id === consentId);
  if (!record) throw new NotFoundError(`body.consentId: no such consent for subject ${subjectId}`, { subjectId });
  return record;
}

/** A consent valid now at this gate (and, if named, that one): L1 before any face processing. */
export function requireConsentAtGate(deps: DeviceHandlerDeps, subjectId: string, consentId: string | undefined, now: number): ConsentRecord {
  const { consents } = deps.store;
  if (consentId === undefined) return consents.requireValid({ subjectId, gateId: deps.gateId, at: now });
  const record = consentOf(deps, subjectId, consentId);
  const bound = record.siteId === consents.policy.siteId && record.processorId === consents.policy.processorId;
  if (!bound || consents.status(record, now) !== "active" || !record.gateIds.includes(deps.gateId) || record.givenAt > now) {
    throw new ConsentError("consent_missing", `consent ${consentId} is not valid now at gate ${deps.gateId} (L1)`, { subjectId, gateId: deps.gateId });
  }
  return record;
}
