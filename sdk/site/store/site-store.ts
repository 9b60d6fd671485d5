/**
 * The site service's database (issue 13): what one estate office knows about its gates,
 * operators, residents, consents, the work still owed to each gate, deletions and their
 * receipts, the events the gates sent and how far each gate's audit log has been checked.
 *
 * One contract, two engines: an embedded SQLite file (the default) and PostgreSQL (when
 * the configuration names a `postgres://` URL), with one schema and one set of
 * migrations (open-site-store.ts). Obligations every implementation keeps:
 *
 * - Times are integer milliseconds since the Unix epoch, read back as numbers; ids are
 *   opaque text chosen by the caller (the store reads no randomness for ids).
 * - A gate's public keys are pinned when it is added: adding it again with the same keys
 *   is a no-op, with any other key it is refused (`site_gate_key_mismatch`), so nothing
 *   signed by another key is ever accepted for that gate (issue 13 item 2).
 * - Cards and PIN never reach the database in the clear: they are sealed under the
 *   service's data key (XChaCha20-Poly1305, bound to the subject) and read back only
 *   through `personSecrets` (L4). The same holds for operators' Ed25519 command keys.
 * - Nothing here matches a person by name: the label is for people reading a screen.
 * - `nextWork(gate)` returns a gate's pending work with deletions before anything else,
 *   then oldest first, so a gate that was offline receives its deletions first (L7).
 * - `requestDeletion` writes the tombstone, the request, the gates expected to answer and
 *   a `delete` work item per gate in one transaction; while a subject is tombstoned,
 *   `queueWork` refuses `enroll` and `consent` work (cards and PIN, `rights`, stay: there is
 *   always another way in), until a consent recorded after the tombstone clears it (the
 *   tombstone stays, as history).
 * - `insertEvent` stores an event exactly once by its id and returns false for a
 *   duplicate, also when two service instances on one PostgreSQL race (ON CONFLICT).
 * - Bad input is refused with a SiteStoreError naming what was wrong, and changes nothing.
 */

export type SiteEngine = "sqlite" | "postgres";

export type OperatorRole = "admin" | "operator" | "auditor";
export const OPERATOR_ROLES: readonly OperatorRole[] = ["admin", "operator", "auditor"];

/**
 * Template sync (issue 14) adds: `gates` (the site's gate list, `site.gates`, subject
 * SITE_GATES_SUBJECT), `export` (sealing a subject's templates at the gate that enrolled
 * them) and `template` (installing one sealed package at its gate).
 */
export type WorkKind = "rights" | "consent" | "enroll" | "delete" | "end_access" | "gates" | "export" | "template";
export const WORK_KINDS: readonly WorkKind[] = ["rights", "consent", "enroll", "delete", "end_access", "gates", "export", "template"];

/** Deletions first (L7), then what takes access away, then consent before the enrollment it allows; the gate list before any sync. */
export const WORK_PRIORITY: Readonly<Record<WorkKind, number>> = { delete: 0, end_access: 1, gates: 2, consent: 2, rights: 3, enroll: 4, export: 5, template: 5 };

/** Work a tombstone blocks until a new consent (face data must not come back, L7). */
export const TOMBSTONE_BLOCKS: readonly WorkKind[] = ["enroll", "consent", "export", "template"];

/** The subject reference of `gates` work: the list concerns no resident, and no resident can have it (a ":" is never in an opaque id). */
export const SITE_GATES_SUBJECT = "site:gates";

export type WorkState = "pending" | "sent" | "applied" | "failed";
export const WORK_STATES: readonly WorkState[] = ["pending", "sent", "applied", "failed"];

export type DeletionReason = "resident_request" | "consent_withdrawn" | "court_order" | "end_of_tenancy";
export const DELETION_REASONS: readonly DeletionReason[] = ["resident_request", "consent_withdrawn", "court_order", "end_of_tenancy"];

/** SPEC section 1, the court case: delete within five days. */
export const DEFAULT_DELETION_DEADLINE_MS = 5 * 24 * 60 * 60 * 1000;

/** Gates and gate groups a right or a consent covers. Either list may be empty. */
export interface Scope {
  gates: string[];
  groups: string[];
}

// ---------------------------------------------------------------- gates

export interface AddGateInput {
  siteId: string;
  gateId: string;
  name: string;
  /** The gate's Ed25519 signing public key, base64 (32 bytes). */
  signPublicKey: string;
  /** The gate's X25519 box public key, base64 (32 bytes): command secrets are sealed to it. */
  boxPublicKey: string;
  topicPrefix: string;
  /** Groups to put the gate in; created when missing. */
  groups?: string[];
  addedAt?: number;
}

/** What the gate's retained state says (issue 13 item 2). */
export interface GateStatus {
  online: boolean;
  lastSeenAt: number | null;
  softwareVersion: string | null;
  templateCount: number | null;
  /** Work the gate itself reports as pending (its outbox), as last seen. */
  pendingCount: number | null;
  /** When this status was written. */
  updatedAt: number | null;
}

export interface GateRow {
  siteId: string;
  gateId: string;
  name: string;
  signPublicKey: string;
  boxPublicKey: string;
  topicPrefix: string;
  addedAt: number;
  /** Group names, sorted. */
  groups: string[];
  status: GateStatus;
}

export interface GroupRow {
  name: string;
  /** Gate ids, sorted. */
  gateIds: string[];
  createdAt: number;
}

// ---------------------------------------------------------------- operators

export interface AddOperatorInput {
  id: string;
  name: string;
  role: OperatorRole;
  password: string;
  /** The operator's Ed25519 secret key (64 bytes); stored only sealed under the service key. */
  commandSecretKey: Uint8Array;
  /** Its public key, base64; what gates know the operator by. */
  commandPublicKey: string;
  createdAt?: number;
}

export interface OperatorRow {
  id: string;
  name: string;
  role: OperatorRole;
  commandPublicKey: string;
  createdAt: number;
  disabledAt: number | null;
}

export interface SessionRow {
  operatorId: string;
  createdAt: number;
  expiresAt: number;
}

// ---------------------------------------------------------------- people

/** Card numbers and PIN of a person: held only sealed (L4). */
export interface PersonSecrets {
  cards: string[];
  pin: string | null;
}

export interface PutPersonInput {
  subjectRef: string;
  /** For people reading a screen; never used for matching. */
  label: string;
  cards: string[];
  pin?: string | null;
  rights: Scope;
  /** An access schedule as the gates take it (JSON), or null for always. */
  schedule?: unknown;
  at?: number;
}

export interface PersonRow {
  subjectRef: string;
  label: string;
  rights: Scope;
  schedule: unknown;
  /** How many cards are held (the numbers themselves only through personSecrets). */
  cardCount: number;
  hasPin: boolean;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
}

// ---------------------------------------------------------------- consents

export interface RecordConsentInput {
  id: string;
  subjectRef: string;
  scope: Scope;
  noticeVersion: string;
  /** sha256 hex of the signed written form (the form stays in the office). */
  evidenceHash: string;
  recordedAt?: number;
  expiresAt: number;
}

export interface ConsentRow {
  id: string;
  subjectRef: string;
  scope: Scope;
  noticeVersion: string;
  evidenceHash: string;
  recordedAt: number;
  expiresAt: number;
  withdrawnAt: number | null;
}

// ---------------------------------------------------------------- work

export interface WorkKey {
  subjectRef: string;
  gateId: string;
  kind: WorkKind;
}

export interface QueueWorkInput extends WorkKey {
  /** What the work refers to: a consent id, a deletion request id... (no secrets). */
  ref?: string | null;
  at?: number;
}

export interface WorkRow extends WorkKey {
  state: WorkState;
  /** Lower first (WORK_PRIORITY): deletions 0, ending access 1, consent 2, rights 3, enrollment 4. */
  priority: number;
  ref: string | null;
  commandId: string | null;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: number;
  updatedAt: number;
  sentAt: number | null;
}

// ---------------------------------------------------------------- deletion

export interface TombstoneRow {
  subjectRef: string;
  requestId: string;
  createdAt: number;
  clearedAt: number | null;
  clearedByConsent: string | null;
}

export interface RequestDeletionInput {
  id: string;
  subjectRef: string;
  reason: DeletionReason;
  requestedAt?: number;
  /** Default DEFAULT_DELETION_DEADLINE_MS (or the store's `deletionDeadlineMs`). */
  deadlineMs?: number;
  /** The gates expected to answer; default every gate of the site. */
  gateIds?: string[];
}

export interface DeletionGateRow {
  gateId: string;
  /** The gate's signed receipt as JSON text, once verified. */
  receipt: string | null;
  verifiedAt: number | null;
}

export interface DeletionRequestRow {
  id: string;
  subjectRef: string;
  reason: DeletionReason;
  requestedAt: number;
  deadlineAt: number;
  gates: DeletionGateRow[];
  /** The site deletion certificate as JSON text, once issued. */
  certificate: string | null;
  completedAt: number | null;
}

export interface RecordReceiptInput {
  requestId: string;
  gateId: string;
  /** The signed receipt JSON, already verified against the gate's pinned key by the caller. */
  receipt: string;
  verifiedAt?: number;
}

// ---------------------------------------------------------------- events and audit

export interface SiteEventInput {
  id: string;
  gateId: string;
  subjectRef?: string | null;
  type: string;
  at: number;
  body: unknown;
}

export interface SiteEventRow {
  id: string;
  gateId: string;
  subjectRef: string | null;
  type: string;
  at: number;
  body: unknown;
  storedAt: number;
}

export interface EventQuery {
  gateId?: string;
  subjectRef?: string;
  type?: string;
  /** Inclusive. */
  from?: number;
  /** Exclusive. */
  to?: number;
  /** Default 100, at most 10,000. */
  limit?: number;
}

export interface AuditCursorRow {
  gateId: string;
  lastSequence: number;
  lastEntryHash: string | null;
  verifiedAt: number | null;
  broken: boolean;
  brokenDetail: string | null;
  brokenAt: number | null;
}

export interface AdvanceAuditInput {
  /** The sequence the caller read from; the advance is refused (false) if another instance moved it. */
  fromSequence: number;
  lastSequence: number;
  lastEntryHash: string;
  verifiedAt?: number;
}

// ---------------------------------------------------------------- the store

export interface SiteStore {
  readonly engine: SiteEngine;

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  transaction<T>(fn: (store: SiteStore) => Promise<T>): Promise<T>;

  // gates and groups
  addGate(input: AddGateInput): Promise<GateRow>;
  getGate(gateId: string): Promise<GateRow | null>;
  /** Like getGate, but an unknown gate is a `site_unknown_gate` error. */
  requireGate(gateId: string): Promise<GateRow>;
  listGates(): Promise<GateRow[]>;
  updateGateStatus(gateId: string, status: Partial<Omit<GateStatus, "updatedAt">>, at?: number): Promise<void>;
  addGroup(name: string, at?: number): Promise<void>;
  addToGroup(group: string, gateIds: string[]): Promise<void>;
  removeFromGroup(group: string, gateIds: string[]): Promise<void>;
  listGroups(): Promise<GroupRow[]>;
  /** The gate ids a scope covers (its gates plus the members of its groups), sorted, unique. */
  resolveScope(scope: Scope): Promise<string[]>;

  // operators and sessions
  addOperator(input: AddOperatorInput): Promise<OperatorRow>;
  getOperator(id: string): Promise<OperatorRow | null>;
  listOperators(): Promise<OperatorRow[]>;
  /** The operator if the password is theirs and they are not disabled, else null. */
  checkOperatorPassword(id: string, password: string): Promise<OperatorRow | null>;
  operatorCommandKey(id: string): Promise<Uint8Array>;
  disableOperator(id: string, at?: number): Promise<void>;
  /** Stores only the sha256 of `token`. */
  createSession(input: { token: string; operatorId: string; expiresAt: number; createdAt?: number }): Promise<void>;
  /** The session of `token` if it has not expired at `now` (default the clock). */
  findSession(token: string, now?: number): Promise<SessionRow | null>;
  deleteSession(token: string): Promise<void>;
  deleteExpiredSessions(now?: number): Promise<number>;

  // people
  putPerson(input: PutPersonInput): Promise<PersonRow>;
  getPerson(subjectRef: string): Promise<PersonRow | null>;
  requirePerson(subjectRef: string): Promise<PersonRow>;
  listPeople(options?: { includeEnded?: boolean }): Promise<PersonRow[]>;
  personSecrets(subjectRef: string): Promise<PersonSecrets>;
  endPerson(subjectRef: string, at?: number): Promise<void>;
  /** People whose rights cover the gate (directly or through a group), not ended. */
  peopleForGate(gateId: string): Promise<PersonRow[]>;

  // consents
  /** Also clears the subject's open tombstones (kept as history). */
  recordConsent(input: RecordConsentInput): Promise<ConsentRow>;
  getConsent(id: string): Promise<ConsentRow | null>;
  consentsOf(subjectRef: string): Promise<ConsentRow[]>;
  withdrawConsent(id: string, at?: number): Promise<void>;

  // work
  /** Creates the item or sets it back to pending (attempts kept, error cleared). */
  queueWork(input: QueueWorkInput): Promise<WorkRow>;
  getWork(key: WorkKey): Promise<WorkRow | null>;
  /** Pending work of a gate: deletions first, then by priority, then oldest first. */
  nextWork(gateId: string, limit?: number): Promise<WorkRow[]>;
  workOf(subjectRef: string): Promise<WorkRow[]>;
  workOfGate(gateId: string, states?: WorkState[]): Promise<WorkRow[]>;
  workByCommand(commandId: string): Promise<WorkRow | null>;
  markWorkSent(key: WorkKey, commandId: string, at?: number): Promise<void>;
  markWorkApplied(key: WorkKey, at?: number): Promise<void>;
  markWorkFailed(key: WorkKey, error: { code: string; message: string }, at?: number): Promise<void>;
  /** Sent but unanswered work of a gate goes back to pending (to be re-signed); returns how many. */
  requeueSent(gateId: string, at?: number): Promise<number>;
  countWork(gateId: string, state: WorkState): Promise<number>;

  // tombstones and deletion
  isTombstoned(subjectRef: string): Promise<boolean>;
  tombstonesOf(subjectRef: string): Promise<TombstoneRow[]>;
  requestDeletion(input: RequestDeletionInput): Promise<DeletionRequestRow>;
  getDeletionRequest(id: string): Promise<DeletionRequestRow | null>;
  deletionRequestsOf(subjectRef: string): Promise<DeletionRequestRow[]>;
  openDeletionRequests(): Promise<DeletionRequestRow[]>;
  /** Open requests whose deadline is at or before `now` (default the clock). */
  overdueDeletionRequests(now?: number): Promise<DeletionRequestRow[]>;
  /** Returns the request with the receipt in. Refused for a gate not expected by the request. */
  recordReceipt(input: RecordReceiptInput): Promise<DeletionRequestRow>;
  completeDeletion(id: string, certificate: string, at?: number): Promise<DeletionRequestRow>;

  // events and audit
  insertEvent(event: SiteEventInput): Promise<boolean>;
  /** Stores a batch; returns the ids that were new. Every event is checked before any is written. */
  insertEvents(events: readonly SiteEventInput[]): Promise<string[]>;
  queryEvents(query: EventQuery): Promise<SiteEventRow[]>;
  getAuditCursor(gateId: string): Promise<AuditCursorRow>;
  advanceAuditCursor(gateId: string, input: AdvanceAuditInput): Promise<boolean>;
  markAuditBroken(gateId: string, detail: string, at?: number): Promise<void>;

  // small settings of the service (site id, key ids...): no secrets
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  close(): Promise<void>;
}
