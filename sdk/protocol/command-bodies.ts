/**
 * Command types of contract v2 and the body each takes: one TypeBox schema per body, which
 * gives the TypeScript type, the device's runtime check (`validateBody`) and the published
 * JSON Schema. Cross-field rules JSON Schema cannot state are `BODY_RULES`.
 *
 * Bodies may carry personal data the device needs (card numbers, a PIN, a sealed photo);
 * results never do (command-results.ts). All times are milliseconds since the epoch; all
 * references are opaque ids.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { type Rule, compileChecker, type Checker } from "../schema/schema-check.js";
import { Base64, IdList, KeyId, OneOf, OpaqueId, Sha256Hex, Strict, Text, Timestamp, VersionLabel } from "./common-schemas.js";
import { CommandError } from "./command-error.js";
import { ScheduleWindowSchema } from "./schedule-window.js";
import { TemplatePackageSchema } from "./template-package.js";

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
  "site.gates",
  "template.export",
  "template.install",
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

export function isCommandType(type: string): type is CommandType {
  return (COMMAND_TYPES as readonly string[]).includes(type);
}

export const OPERATOR_ROLES = ["admin", "operator", "auditor"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Largest sealed photo accepted (decoded bytes): a 640x480 JPEG fits many times over. */
export const MAX_SEALED_PHOTO_BYTES = 1_500_000;
/** crypto_box_seal adds 48 bytes (ephemeral key + MAC) to what it seals. */
export const SEALED_BOX_OVERHEAD = 48;
export const MAX_AUDIT_EXPORT_LIMIT = 500;

const CardNumber = Type.String({ minLength: 4, maxLength: 32, pattern: "^[0-9A-Fa-f]+$", hint: "must be 4-32 hex digits" });
const Pin = Type.String({ minLength: 4, maxLength: 12, pattern: "^[0-9]+$", hint: "must be 4-12 digits" });
const Between = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });

export const PersonUpsertBody = Strict(
  {
    personRef: OpaqueId(),
    cards: Type.Optional(Type.Array(CardNumber, { maxItems: 8, uniqueItems: true, description: "Card numbers (secret)." })),
    pin: Type.Optional(Pin),
    validFrom: Type.Optional(Timestamp()),
    validUntil: Type.Optional(Timestamp()),
    schedule: Type.Optional(Type.Array(ScheduleWindowSchema, { minItems: 1, maxItems: 16 })),
    gates: Type.Optional(IdList("Gates of this site the person may use; absent means all gates of the site.")),
    minor: Type.Optional(Type.Boolean({ description: "Under 14: stricter defaults apply and face consent needs a guardian (L10)." })),
  },
  "Replaces a person's access rights. At least one card or a PIN is required: face is never the only way in, and access never depends on face enrollment (L2).",
);

export const PersonEndAccessBody = Strict(
  { personRef: OpaqueId(), at: Type.Optional(Timestamp()), reason: Type.Optional(Text(200)) },
  "Ends access now (or at `at`); the subject's template is deleted with it (L7).",
);

/** The processing notice's content on the wire (L3): what, how, scope, retention, contact, rights. */
export const NoticeContentSchema = Strict({
  purpose: Text(2000),
  method: Text(2000),
  scope: Text(2000),
  retention: Text(2000),
  contact: Text(500),
  rights: Text(4000),
  language: Type.Optional(Type.String({ maxLength: 35, pattern: "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", hint: "must be a BCP 47 tag" })),
});
export type NoticeContent = Static<typeof NoticeContentSchema>;

export const NoticePublishBody = Strict({ version: VersionLabel(), notice: NoticeContentSchema }, "Publishes a new processing notice (L3); the device computes and returns its hash.");

export const ConsentEvidenceSchema = Strict(
  {
    kind: OneOf(["paper_form", "electronic_form", "electronic_signature", "recording"] as const),
    sha256: Sha256Hex("SHA-256 (hex) of the evidence document; the document stays at the office."),
    reference: Type.Optional(Text(200, "Where the evidence is kept (archive reference), opaque.")),
  },
  "Proof that consent was given: a hash of the signed form or record, and where it is.",
);
export type ConsentEvidence = Static<typeof ConsentEvidenceSchema>;

export const ConsentRecordBody = Strict(
  {
    subjectRef: OpaqueId(),
    personRef: OpaqueId(),
    noticeHash: Sha256Hex("Hash of the notice shown (L3)."),
    scope: Strict({ purpose: Text(500), gates: Type.Optional(IdList()) }),
    method: OneOf(["written", "electronic"] as const),
    collectedBy: OpaqueId("Opaque reference of the staff member who collected it."),
    givenAt: Timestamp(),
    expiresAt: Timestamp(),
    evidence: ConsentEvidenceSchema,
    guardian: Type.Optional(Strict({ guardianRef: OpaqueId(), relation: Text(50) }, "Required when the person is a minor (L10).")),
  },
  "A separate face-recognition consent (L1, L9, L10).",
);

export const ConsentWithdrawBody = Strict({ subjectRef: OpaqueId(), consentId: Type.Optional(OpaqueId()), reason: Type.Optional(Text(200)) });

export const DELETION_REASONS = ["operator_request", "resident_request", "court_order", "consent_withdrawn", "access_ended", "other"] as const;
export const SubjectDeleteBody = Strict({
  subjectRef: OpaqueId(),
  reason: OneOf(DELETION_REASONS),
  reference: Type.Optional(Text(200, "e.g. a court case number or ticket id; no personal data.")),
});

export const EnrollPhotoBody = Strict(
  {
    subjectRef: OpaqueId(),
    consentId: Type.Optional(OpaqueId()),
    sealedPhoto: Base64({ max: MAX_SEALED_PHOTO_BYTES + SEALED_BOX_OVERHEAD }),
  },
  "A face photo for enrollment, sealed with crypto_box_seal to the device's X25519 public key. The device discards the photo once the template is made (L4, L5).",
);

export const EnrollAtGateBody = Strict(
  { subjectRef: OpaqueId(), consentId: Type.Optional(OpaqueId()), windowSeconds: Type.Optional(Between(10, 600)) },
  "Asks the gate to enroll the subject from its own camera within a time window (at most 600 s).",
);

export const PolicySetBody = Strict(
  {
    version: VersionLabel("must be a version label"),
    policy: Type.Record(Type.String(), Type.Unknown(), {
      maxJsonBytes: 64 * 1024,
      description: "A gate policy; its schema belongs to sdk/policy, which refuses face-only policies (L2).",
    }),
  },
);

export const GateStatusBody = Strict({});

export const AuditExportBody = Strict(
  { offset: Between(0, Number.MAX_SAFE_INTEGER), limit: Between(1, MAX_AUDIT_EXPORT_LIMIT) },
  "One chunk of the audit log: entries [offset, offset + limit).",
);

export const OperatorKeyAddBody = Strict({
  publicKey: Base64({ max: 32, exact: 32 }, "Ed25519 public key, base64 (32 bytes)."),
  role: OneOf(OPERATOR_ROLES),
  label: Text(100, 'Who holds the key, e.g. "Estate office, duty manager"; appears in the audit log (L12).'),
});

export const OperatorKeyRemoveBody = Strict({ keyId: KeyId() });

const PublicKey32 = (description: string) => Base64({ max: 32, exact: 32 }, description);

export const SiteGatesBody = Strict(
  {
    version: Timestamp("Version of the list (the time the office made it); a gate keeps the newest and refuses older ones."),
    gates: Type.Array(
      Strict({
        gateId: OpaqueId(),
        signingPublicKey: PublicKey32("The gate's Ed25519 device signing key, base64: packages from it verify against it."),
        boxPublicKey: PublicKey32("The gate's X25519 box key, base64: packages for it are sealed to it."),
      }),
      { minItems: 1, maxItems: 256 },
    ),
  },
  "The site's gates and their pinned keys (issue 14), signed by an admin key: the only gates this gate seals templates for and accepts templates from. Replaces the list the gate held.",
);

export const TemplateExportBody = Strict(
  {
    subjectRef: OpaqueId(),
    gates: IdList("Receiving gates (the other gates of the consent's scope); each must be in the site's gate list."),
  },
  "Asks the gate that enrolled the subject to seal the subject's templates for other gates of the site: one package per gate, sealed to that gate's box key and signed by this gate's device key. The result holds the packages, which only their receivers can open.",
);

export const TemplateInstallBody = Strict(
  { package: TemplatePackageSchema },
  "A sealed template package from another gate of the site, relayed by the office (which cannot open it). Installed only if every check of issue 14 item 3 passes.",
);

export const COMMAND_BODY_SCHEMAS = {
  "person.upsert": PersonUpsertBody,
  "person.end_access": PersonEndAccessBody,
  "notice.publish": NoticePublishBody,
  "consent.record": ConsentRecordBody,
  "consent.withdraw": ConsentWithdrawBody,
  "subject.delete": SubjectDeleteBody,
  "enroll.photo": EnrollPhotoBody,
  "enroll.at_gate": EnrollAtGateBody,
  "policy.set": PolicySetBody,
  "gate.status": GateStatusBody,
  "audit.export": AuditExportBody,
  "operator.key_add": OperatorKeyAddBody,
  "operator.key_remove": OperatorKeyRemoveBody,
  "site.gates": SiteGatesBody,
  "template.export": TemplateExportBody,
  "template.install": TemplateInstallBody,
} as const satisfies { [T in CommandType]: TSchema };

export type CommandBodies = { [T in CommandType]: Static<(typeof COMMAND_BODY_SCHEMAS)[T]> };

export type PersonUpsertBody = CommandBodies["person.upsert"];
export type ConsentRecordBody = CommandBodies["consent.record"];
export type NoticePublishBody = CommandBodies["notice.publish"];

/** Rules across fields, run after the schema passes. */
export const BODY_RULES: { readonly [T in CommandType]?: ReadonlyArray<Rule<CommandBodies[T]>> } = {
  "person.upsert": [
    (b, path, fail) => {
      // L2: every person with access rights has a non-biometric credential.
      if ((b.cards?.length ?? 0) === 0 && b.pin === undefined) fail(path, "needs at least one card or a PIN (face is never the only way in, L2)");
      if (b.validFrom !== undefined && b.validUntil !== undefined && b.validUntil <= b.validFrom) fail(`${path}.validUntil`, "must be after validFrom");
    },
  ],
  "consent.record": [
    // L9: a finite term; the consent registry bounds it further by configuration.
    (b, path, fail) => {
      if (b.expiresAt <= b.givenAt) fail(`${path}.expiresAt`, "must be after givenAt (consent has a finite term, L9)");
    },
  ],
  "site.gates": [
    (b, path, fail) => {
      const seen = new Set<string>();
      b.gates.forEach((g, i) => {
        if (seen.has(g.gateId)) fail(`${path}.gates[${i}].gateId`, "appears twice");
        seen.add(g.gateId);
      });
    },
  ],
  "enroll.photo": [
    (b, path, fail) => {
      if (b.sealedPhoto.length <= Math.ceil(SEALED_BOX_OVERHEAD / 3) * 4) fail(`${path}.sealedPhoto`, "is too short to be a sealed photo");
    },
  ],
};

const checkers = new Map<CommandType, Checker<unknown>>();

/** Checks a command body against its type's schema and rules; throws CommandError `path: problem`. */
export function validateBody<T extends CommandType>(type: T, body: unknown): CommandBodies[T] {
  let check = checkers.get(type);
  if (!check) {
    check = compileChecker(COMMAND_BODY_SCHEMAS[type] as TSchema, {
      error: (message, d) => new CommandError(d.keyword === "additionalProperties" ? "command_unknown_field" : "command_invalid_body", message, { path: d.path }),
      rules: (BODY_RULES[type] ?? []) as ReadonlyArray<Rule<unknown>>,
    });
    checkers.set(type, check);
  }
  return check(body, "body") as CommandBodies[T];
}
