/**
 * The command a work item becomes at the moment it is sent: its type and body, built from
 * the site's records (the person's cards and PIN read through the store's data key, the
 * consent, the deletion request) and what the gate last published (its notice). Built
 * fresh each time, so a re-signed command carries the current state, and nothing but the
 * store keeps a secret (the sealed photo of an enrollment lives only in memory).
 */
import type { CommandBodies, CommandType, TemplatePackage } from "../../protocol/index.js";
import type { DeletionReason, SiteStore, WorkRow } from "../store/site-store.js";
import { SiteServiceError } from "./site-service-error.js";

export interface GateView {
  gateId: string;
  /** The gate's current processing notice (retained notice topic), when seen. */
  notice?: { version: string; hash: string };
}

export interface WorkCommand<T extends CommandType = CommandType> {
  type: T;
  body: CommandBodies[T];
}

export interface WorkCommandContext {
  store: SiteStore;
  gate: GateView;
  /** Opaque reference of the staff member recorded with consents. */
  collectedBy: string;
  /** The enrollment photo sealed to this gate, if the service still holds it. */
  sealedPhoto(item: WorkRow): string | undefined;
  /** Template sync (template-relay.ts): the gate list, an export's receivers, a held package. */
  sync?: {
    gateList(): Promise<CommandBodies["site.gates"]>;
    exportBody(item: WorkRow): Promise<CommandBodies["template.export"]>;
    packageFor(item: WorkRow): TemplatePackage | undefined;
  };
}

/** What the protocol calls each of the site's deletion reasons. */
export const DELETE_REASON: { readonly [R in DeletionReason]: CommandBodies["subject.delete"]["reason"] } = {
  resident_request: "resident_request",
  consent_withdrawn: "consent_withdrawn",
  court_order: "court_order",
  end_of_tenancy: "access_ended",
};

/** Builds the command; throws SiteServiceError when the work can no longer be done (the item fails with its code). */
export async function workCommand(item: WorkRow, ctx: WorkCommandContext): Promise<WorkCommand> {
  const { store, gate } = ctx;
  const subject = item.subjectRef;
  switch (item.kind) {
    case "rights": {
      const person = await store.requirePerson(subject);
      const secrets = await store.personSecrets(subject);
      const body: CommandBodies["person.upsert"] = { personRef: subject, gates: [gate.gateId] };
      if (secrets.cards.length > 0) body.cards = secrets.cards;
      if (secrets.pin) body.pin = secrets.pin;
      if (Array.isArray(person.schedule) && person.schedule.length > 0) body.schedule = person.schedule as NonNullable<CommandBodies["person.upsert"]["schedule"]>;
      return { type: "person.upsert", body };
    }
    case "end_access":
      return { type: "person.end_access", body: { personRef: subject, reason: "rights at this gate ended by the site" } };
    case "consent": {
      if (await store.isTombstoned(subject)) throw new SiteServiceError("site_subject_deleted", `consent for ${subject}: the subject was deleted after this consent was queued`);
      const consent = item.ref ? await store.getConsent(item.ref) : null;
      if (!consent) throw new SiteServiceError("site_no_consent", `consent work for ${subject} names no consent the site holds`);
      if (!gate.notice) throw new SiteServiceError("site_notice_unknown", `gate ${gate.gateId} has published no processing notice yet`);
      if (gate.notice.version !== consent.noticeVersion) {
        throw new SiteServiceError("site_notice_mismatch", `the consent was given under notice version ${consent.noticeVersion}; gate ${gate.gateId} shows version ${gate.notice.version}`);
      }
      return {
        type: "consent.record",
        body: {
          subjectRef: subject,
          personRef: subject,
          noticeHash: gate.notice.hash,
          scope: { purpose: "entry_verification", gates: [gate.gateId] },
          method: "written",
          collectedBy: ctx.collectedBy,
          givenAt: consent.recordedAt,
          expiresAt: consent.expiresAt,
          evidence: { kind: "paper_form", sha256: consent.evidenceHash, reference: consent.id },
        },
      };
    }
    case "enroll": {
      if (await store.isTombstoned(subject)) throw new SiteServiceError("site_subject_deleted", `enrollment of ${subject}: the subject was deleted after it was queued`);
      const sealedPhoto = ctx.sealedPhoto(item);
      if (sealedPhoto === undefined) throw new SiteServiceError("site_photo_gone", `enrollment of ${subject} at ${gate.gateId}: the photo is not kept by the site; enroll again`);
      return { type: "enroll.photo", body: { subjectRef: subject, sealedPhoto } };
    }
    case "operator_key": {
      const operator = item.ref ? await store.getOperator(item.ref) : null;
      if (!operator || operator.disabledAt !== null) throw new SiteServiceError("site_service_input_invalid", `operator ${item.ref ?? item.subjectRef} is unknown or disabled`);
      return { type: "operator.key_add", body: { publicKey: operator.commandPublicKey, role: operator.role, label: `site operator ${operator.id}` } };
    }
    case "gates":
    case "export":
    case "template": {
      if (!ctx.sync) throw new SiteServiceError("site_service_not_started", `${item.kind} work needs the template relay`);
      if (item.kind === "gates") return { type: "site.gates", body: await ctx.sync.gateList() };
      if (await store.isTombstoned(subject)) throw new SiteServiceError("site_subject_deleted", `template sync of ${subject}: the subject was deleted after it was queued`);
      if (item.kind === "export") return { type: "template.export", body: await ctx.sync.exportBody(item) };
      const pkg = ctx.sync.packageFor(item);
      if (!pkg) throw new SiteServiceError("site_package_gone", `the package for ${subject} at ${gate.gateId} is no longer held; sync again from the enrolling gate`);
      return { type: "template.install", body: { package: pkg } };
    }
    case "delete": {
      const request = item.ref ? await store.getDeletionRequest(item.ref) : null;
      const reason = request ? DELETE_REASON[request.reason] : "operator_request";
      return { type: "subject.delete", body: { subjectRef: subject, reason, ...(item.ref ? { reference: item.ref } : {}) } };
    }
  }
}
