/**
 * Command types of contract v1: the body each takes and the result it returns. Part of
 * the contract (re-exported by contract.ts); validators live in sdk/commands/bodies.ts
 * and are checked against these types by the compiler.
 *
 * Bodies may carry personal data the device needs (card numbers, a PIN, a sealed photo);
 * results never do: no template, image, card number or PIN leaves the device (L6).
 * All times are milliseconds since the epoch; all references are opaque ids.
 */
import type { ProcessingNoticeContent } from "../consent/notice.js";

export const COMMAND_TYPES = [
  "person.upsert",
  "person.end_access",
  "notice.publish",
  "consent.record",
  "consent.withdraw",
  "subject.delete",
  "enroll.photo",
  "enroll.at_gate",
  "policy.set",
  "gate.status",
  "audit.export",
  "operator.key_add",
  "operator.key_remove",
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

export type OperatorRole = "admin" | "operator" | "auditor";
export const OPERATOR_ROLES: readonly OperatorRole[] = ["admin", "operator", "auditor"];

/** A weekly window: days 0 (Sunday) to 6, local `HH:MM` times, `to` exclusive. */
export interface ScheduleWindow {
  days: number[];
  from: string;
  to: string;
}

/**
 * Replaces a person's access rights. At least one card or a PIN is required: face is
 * never the only way in, and access never depends on face enrollment (L2).
 */
export interface PersonUpsertBody {
  personRef: string;
  cards?: string[];
  pin?: string;
  validFrom?: number;
  validUntil?: number;
  schedule?: ScheduleWindow[];
  /** Gates of this site the person may use; absent means all gates of the site. */
  gates?: string[];
  /** Under 14: stricter defaults apply and face consent needs a guardian (L10). */
  minor?: boolean;
}

/** Ends access now (or at `at`); the subject's template is deleted with it (L7). */
export interface PersonEndAccessBody {
  personRef: string;
  at?: number;
  reason?: string;
}

/**
 * The processing notice's content on the wire (L3): what, how, scope, retention, contact,
 * rights, as the consent registry keeps it (sdk/consent/notice.ts), with the language
 * optional and the version carried beside it.
 */
export type NoticeContent = Omit<ProcessingNoticeContent, "version" | "language"> & { language?: string };

/** Publishes a new processing notice (L3); the device computes and returns its hash. */
export interface NoticePublishBody {
  version: string;
  notice: NoticeContent;
}

/** Proof that consent was given: a hash of the signed form or record, and where it is. */
export interface ConsentEvidence {
  kind: "paper_form" | "electronic_form" | "electronic_signature" | "recording";
  /** SHA-256 (hex) of the evidence document. */
  sha256: string;
  /** Where the evidence is kept (archive reference), opaque. */
  reference?: string;
}

/** A separate face-recognition consent (L1, L9, L10). */
export interface ConsentRecordBody {
  subjectRef: string;
  personRef: string;
  /** Hash of the notice shown (L3). */
  noticeHash: string;
  scope: { purpose: string; gates?: string[] };
  method: "written" | "electronic";
  /** Opaque reference of the staff member who collected it. */
  collectedBy: string;
  givenAt: number;
  expiresAt: number;
  evidence: ConsentEvidence;
  /** Required when the person is a minor (L10). */
  guardian?: { guardianRef: string; relation: string };
}

export interface ConsentWithdrawBody {
  subjectRef: string;
  consentId?: string;
  reason?: string;
}

export interface SubjectDeleteBody {
  subjectRef: string;
  reason: "operator_request" | "resident_request" | "court_order" | "consent_withdrawn" | "access_ended" | "other";
  /** e.g. a court case number or ticket id; no personal data. */
  reference?: string;
}

/**
 * A face photo for enrollment, sealed with crypto_box_seal to the device's X25519 public
 * key, base64. The device discards the photo once the template is made (L4, L5).
 */
export interface EnrollPhotoBody {
  subjectRef: string;
  consentId?: string;
  sealedPhoto: string;
}

/** Asks the gate to enroll the subject from its own camera within a time window. */
export interface EnrollAtGateBody {
  subjectRef: string;
  consentId?: string;
  /** How long the gate waits for the person, at most 600 s. */
  windowSeconds?: number;
}

/** A gate policy; its schema belongs to sdk/policy, which refuses face-only policies (L2). */
export interface PolicySetBody {
  version: string;
  policy: Record<string, unknown>;
}

export type GateStatusBody = Record<string, never>;

/** One chunk of the audit log: entries [offset, offset + limit). */
export interface AuditExportBody {
  offset: number;
  limit: number;
}

export interface OperatorKeyAddBody {
  /** Ed25519 public key, base64 (32 bytes). */
  publicKey: string;
  role: OperatorRole;
  /** Who holds the key, e.g. "Estate office, duty manager"; appears in the audit log (L12). */
  label: string;
}

export interface OperatorKeyRemoveBody {
  keyId: string;
}

export interface CommandBodies {
  "person.upsert": PersonUpsertBody;
  "person.end_access": PersonEndAccessBody;
  "notice.publish": NoticePublishBody;
  "consent.record": ConsentRecordBody;
  "consent.withdraw": ConsentWithdrawBody;
  "subject.delete": SubjectDeleteBody;
  "enroll.photo": EnrollPhotoBody;
  "enroll.at_gate": EnrollAtGateBody;
  "policy.set": PolicySetBody;
  "gate.status": GateStatusBody;
  "audit.export": AuditExportBody;
  "operator.key_add": OperatorKeyAddBody;
  "operator.key_remove": OperatorKeyRemoveBody;
}

/** A signed document from the secure store (deletion receipt); its fields belong to sdk/deletion. */
export type SignedDocument = Record<string, unknown> & { signature: string };

export interface GateStatusResult {
  site: string;
  gate: string;
  at: number;
  deviceKeyId: string;
  contractVersion: 1;
  software?: string;
  outbox?: { pending: number; dropped: number };
  operatorKeys: { active: number; admins: number };
  /** Extra, non-personal status from the gate orchestrator. */
  gateState?: Record<string, unknown>;
}

export interface AuditExportResult {
  offset: number;
  total: number;
  entries: unknown[];
  /** Where the next chunk starts, or null when this was the last. */
  nextOffset: number | null;
  /**
   * In the last chunk, when the device keeps a signed log: its signed checkpoints up to the
   * last entry returned (the device signs that head first). With them, the entries form a
   * `facegate-audit/1` export that verifies offline against the device key.
   */
  checkpoints?: unknown[];
}

export interface CommandResults {
  "person.upsert": { personRef: string; credentials: { cardCount: number; hasPin: boolean } };
  "person.end_access": { personRef: string; endedAt: number };
  "notice.publish": { version: string; hash: string };
  "consent.record": { consentId: string; subjectRef: string; expiresAt: number };
  "consent.withdraw": { subjectRef: string; withdrawnAt: number; receipt?: SignedDocument };
  "subject.delete": { subjectRef: string; receipt: SignedDocument };
  "enroll.photo": { subjectRef: string; enrolled: boolean; templateCount?: number };
  "enroll.at_gate": { subjectRef: string; windowEndsAt: number };
  "policy.set": { version: string };
  "gate.status": GateStatusResult;
  "audit.export": AuditExportResult;
  "operator.key_add": { keyId: string; role: OperatorRole };
  "operator.key_remove": { keyId: string; removed: true };
}

/**
 * Which roles may issue which command. Admin keys manage keys, notice and policy;
 * operator keys run day-to-day residents' business; auditor keys read only.
 */
export const COMMAND_ROLES: { readonly [T in CommandType]: readonly OperatorRole[] } = {
  "person.upsert": ["admin", "operator"],
  "person.end_access": ["admin", "operator"],
  "notice.publish": ["admin"],
  "consent.record": ["admin", "operator"],
  "consent.withdraw": ["admin", "operator"],
  "subject.delete": ["admin", "operator"],
  "enroll.photo": ["admin", "operator"],
  "enroll.at_gate": ["admin", "operator"],
  "policy.set": ["admin"],
  "gate.status": ["admin", "operator", "auditor"],
  "audit.export": ["admin", "auditor"],
  "operator.key_add": ["admin"],
  "operator.key_remove": ["admin"],
};
