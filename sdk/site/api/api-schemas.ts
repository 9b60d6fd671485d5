/**
 * The wire shapes of the site's HTTP API (TypeBox: one source for the validation fastify
 * runs on every request, the serialization of every response, and the OpenAPI document).
 *
 * Response shapes name only what a screen may show: a person's cards and PIN appear as a
 * count and a flag, never as values; no template, photo or secret key has a field anywhere,
 * and fastify's serializer drops any property a schema does not name.
 */
import { type TSchema, Type } from "@sinclair/typebox";

const ID = "^[A-Za-z0-9_-]{1,64}$";
export const Id = (description: string) => Type.String({ pattern: ID, description });
const Ms = (description: string) => Type.Integer({ minimum: 0, description });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }, { $id: "Error", description: "Every failure: a stable code and a message for people." });

export const Scope = Type.Object(
  { gates: Type.Optional(Type.Array(Id("a gate id"), { maxItems: 10_000 })), groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 })) },
  { additionalProperties: false, description: "Gates and groups of gates (\"Building 3\")." },
);
const ScopeOut = Type.Object({ gates: Type.Array(Type.String()), groups: Type.Array(Type.String()) });

/** Which command an action made the service sign, with whose key (L12). */
export const Signed = Type.Object({
  commandType: Type.String({ description: "e.g. person.upsert, consent.record, subject.delete" }),
  keyId: Type.String({ description: "The key id the gates' audit logs will name." }),
  operatorId: Nullable(Type.String({ description: "The operator whose key it is; null for the service's own admin key." })),
  gates: Type.Array(Type.String()),
});
export const SignedList = Type.Array(Signed);

// ------------------------------------------------------------------ session and operators

export const Role = Type.Union([Type.Literal("admin"), Type.Literal("operator"), Type.Literal("auditor")]);
export const LoginBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
export const OperatorOut = Type.Object({ id: Type.String(), name: Type.String(), role: Role, keyId: Type.String(), createdAt: Type.Integer(), disabledAt: Nullable(Type.Integer()) });
export const SessionOut = Type.Object({ token: Type.String(), expiresAt: Type.Integer(), operator: OperatorOut });
export const SiteInfo = Type.Object({
  siteId: Type.String(),
  siteKey: Nullable(Type.Object({ keyId: Type.String(), publicKey: Type.String({ description: "Ed25519, base64: what deletion certificates verify against" }) })),
});
export const WhoAmI = Type.Object({ expiresAt: Type.Integer(), operator: OperatorOut });
export const Ok = Type.Object({ ok: Type.Boolean() });
export const AddOperatorBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), role: Role, password: Type.String({ minLength: 8, maxLength: 1024 }) },
  { additionalProperties: false },
);
export const OperatorList = Type.Object({ operators: Type.Array(OperatorOut) });
export const AddOperatorOut = Type.Object({ operator: OperatorOut, signed: SignedList });

// ------------------------------------------------------------------ gates

export const GateIdParams = Type.Object({ gateId: Id("a gate id") });
export const AddGateBody = Type.Object(
  {
    gateId: Id("the gate's id, as in its own configuration"),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
    signingPublicKey: Type.String({ pattern: "^[A-Za-z0-9+/]{43}=$", description: "Ed25519 device key, base64" }),
    boxPublicKey: Type.String({ pattern: "^[A-Za-z0-9+/]{43}=$", description: "X25519 box key, base64" }),
  },
  { additionalProperties: false },
);
const WorkError = Type.Object({ kind: Type.String(), subjectRef: Type.String(), code: Type.String(), message: Type.String(), at: Type.Integer() });
export const GateOut = Type.Object({
  gateId: Type.String(),
  name: Type.String(),
  groups: Type.Array(Type.String()),
  signPublicKey: Type.String({ description: "public: what the gate's receipts and audit exports verify against" }),
  boxPublicKey: Type.String({ description: "public" }),
  addedAt: Type.Integer(),
  online: Type.Boolean(),
  lastSeenAt: Nullable(Type.Integer()),
  softwareVersion: Nullable(Type.String()),
  templateCount: Nullable(Type.Integer()),
  gatePendingCount: Nullable(Type.Integer({ description: "what the gate itself reports as pending (its outbox)" })),
  pendingWork: Type.Integer({ description: "work the site still owes this gate" }),
  failedWork: Type.Integer(),
  lastError: Nullable(WorkError),
  audit: Type.Object({ lastSequence: Type.Integer(), verifiedAt: Nullable(Type.Integer()), broken: Type.Boolean(), brokenDetail: Nullable(Type.String()) }),
  notice: Nullable(Type.Object({ version: Type.String(), hash: Type.String() }, { description: "the processing notice the gate last announced" })),
});
export const GateList = Type.Object({ gates: Type.Array(GateOut) });
export const AddGateOut = Type.Object({ gate: GateOut, signed: SignedList });

// ------------------------------------------------------------------ people

export const SubjectParams = Type.Object({ subject: Id("the person's opaque reference") });
export const RegisterBody = Type.Object(
  {
    subject: Id("an opaque reference, never a name"),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    cards: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 16 })),
    pin: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    rights: Scope,
    schedule: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 64 })),
  },
  { additionalProperties: false },
);
export const RightsBody = Type.Object({ rights: Scope, schedule: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 64 })) }, { additionalProperties: false });
const WorkState = Type.Object({
  state: Type.String({ description: "applied | pending | sent | failed" }),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  updatedAt: Type.Integer(),
});
const PerGate = Type.Object({
  gateId: Type.String(),
  rights: Nullable(WorkState),
  endAccess: Nullable(WorkState),
  consent: Nullable(WorkState),
  template: Nullable(WorkState),
  deletion: Nullable(WorkState),
});
const ConsentOut = Type.Object({ id: Type.String(), scope: ScopeOut, noticeVersion: Type.String(), evidenceHash: Type.String(), recordedAt: Type.Integer(), expiresAt: Type.Integer(), withdrawnAt: Nullable(Type.Integer()) });
export const PersonOut = Type.Object({
  subjectRef: Type.String(),
  label: Type.String(),
  rights: ScopeOut,
  cardCount: Type.Integer({ description: "how many cards are held; the numbers are never shown" }),
  hasPin: Type.Boolean(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  endedAt: Nullable(Type.Integer()),
  tombstoned: Type.Boolean(),
});
export const PersonDetail = Type.Object({ person: PersonOut, consents: Type.Array(ConsentOut), gates: Type.Array(PerGate) });
export const PeopleQuery = Type.Object({ ended: Type.Optional(Type.Boolean({ description: "include people whose access ended" })) }, { additionalProperties: false });
export const PeopleList = Type.Object({ people: Type.Array(PersonOut) });
export const PersonActionOut = Type.Object({ person: PersonOut, signed: SignedList });

// ------------------------------------------------------------------ consent and enrollment

export const ConsentBody = Type.Object(
  {
    subject: Id("the person's opaque reference"),
    scope: Scope,
    evidenceHash: Type.String({ pattern: "^[0-9a-f]{64}$", description: "SHA-256 (hex) of the signed written form; the form stays in the office" }),
    noticeVersion: Type.String({ minLength: 1, maxLength: 64 }),
    expiresAt: Ms("when the consent ends (ms since epoch)"),
  },
  { additionalProperties: false },
);
export const ConsentIdParams = Type.Object({ consentId: Id("a consent id") });
export const ConsentOutAction = Type.Object({ consentId: Type.String(), gates: Type.Array(Type.String()), signed: SignedList });
export const WithdrawOut = Type.Object({ consentId: Type.String(), deletionRequestId: Type.String(), signed: SignedList });
export const EnrollJson = Type.Object({ photo: Type.String({ minLength: 4, maxLength: 14_000_000, description: "the photo's bytes, base64; sealed to each gate at once, never stored" }) }, { additionalProperties: false });
/** The photo's bytes as the request body (validated by the service, not by a schema). */
export const PhotoBytes = Type.Unsafe<Uint8Array>({ description: "the photo's bytes (JPEG or PNG)" });
export const EnrollOut = Type.Object({ subjectRef: Type.String(), gates: Type.Array(Type.String()), signed: SignedList });

// ------------------------------------------------------------------ deletions

export const Reason = Type.Union([Type.Literal("resident_request"), Type.Literal("consent_withdrawn"), Type.Literal("court_order"), Type.Literal("end_of_tenancy")]);
export const DeletionBody = Type.Object({ subject: Id("the subject's opaque reference"), reason: Reason }, { additionalProperties: false });
export const RequestIdParams = Type.Object({ requestId: Id("a deletion request id") });
const DeletionSummary = {
  id: Type.String(),
  subjectRef: Type.String(),
  reason: Type.String(),
  requestedAt: Type.Integer(),
  deadlineAt: Type.Integer(),
  ageMs: Type.Integer(),
  overdue: Type.Boolean(),
  state: Type.String({ description: "open | complete_pending_certificate | complete" }),
  receipts: Type.Integer(),
  expected: Type.Integer(),
  missingGates: Type.Array(Type.String()),
  completedAt: Nullable(Type.Integer()),
  hasCertificate: Type.Boolean(),
};
export const DeletionOut = Type.Object(DeletionSummary);
export const DeletionDetail = Type.Object({
  ...DeletionSummary,
  gates: Type.Array(Type.Object({ gateId: Type.String(), verifiedAt: Nullable(Type.Integer()), receipt: Type.Unknown({ description: "the gate's signed receipt (null until it arrives)" }) })),
});
export const DeletionList = Type.Object({ deletions: Type.Array(DeletionOut) });
export const DeletionListQuery = Type.Object({ state: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("all")])) }, { additionalProperties: false });
export const DeletionActionOut = Type.Object({ deletion: DeletionOut, signed: SignedList });
export const EvidenceBundle = Type.Unknown({ description: "the subject's evidence bundle (facegate-evidence-bundle/1), signed by the site key; verifyEvidenceBundle checks it offline" });
export const Certificate = Type.Unknown({ description: "the site deletion certificate (facegate site verify-certificate checks it offline)" });

// ------------------------------------------------------------------ events, alarms, audit

export const EventQuery = Type.Object(
  {
    gate: Type.Optional(Id("only this gate")),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    subject: Type.Optional(Id("only this subject")),
    from: Type.Optional(Ms("inclusive, gate time")),
    to: Type.Optional(Ms("exclusive, gate time")),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export const EventOut = Type.Object({ id: Type.String(), gateId: Type.String(), subjectRef: Nullable(Type.String()), type: Type.String(), at: Type.Integer(), body: Type.Unknown({ description: "the gate's signed event message" }) });
export const EventList = Type.Object({ events: Type.Array(EventOut) });
export const AlarmList = Type.Object({
  alarms: Type.Array(
    Type.Object({
      kind: Type.String({ description: "deletion_overdue | certificate_missing | audit_chain_broken" }),
      since: Type.Integer({ description: "when it began" }),
      requestId: Nullable(Type.String()),
      gateId: Nullable(Type.String()),
      ageMs: Nullable(Type.Integer()),
      deadlineAt: Nullable(Type.Integer()),
      missingGates: Type.Array(Type.String()),
      detail: Nullable(Type.String()),
    }),
  ),
});
export const AuditList = Type.Object({
  gates: Type.Array(Type.Object({ gateId: Type.String(), lastSequence: Type.Integer(), lastEntryHash: Nullable(Type.String()), verifiedAt: Nullable(Type.Integer()), broken: Type.Boolean(), brokenDetail: Nullable(Type.String()), brokenAt: Nullable(Type.Integer()) })),
});
