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
import type {
  AddGateInput,
  AddOperatorInput,
  AdvanceAuditInput,
  AppendAuditInput,
  AuditCursorRow,
  ClaimWorkInput,
  ConsentRow,
  DeletionRequestRow,
  EventQuery,
  GateRow,
  GateStatus,
  GroupRow,
  OperatorRow,
  PersonRow,
  PersonSecrets,
  PutPersonInput,
  QueueWorkInput,
  RecordConsentInput,
  RecordReceiptInput,
  RequestDeletionInput,
  Scope,
  SessionRow,
  SiteEventInput,
  SiteEventRow,
  TombstoneRow,
  WorkKey,
  WorkRow,
} from "./site-store-records.js";

import type { AuditCheckpoint, AuditEntry } from "../../protocol/index.js";

export type * from "./site-store-records.js";

export type SiteEngine = "sqlite" | "postgres";

export type OperatorRole = "admin" | "operator" | "auditor";
export const OPERATOR_ROLES: readonly OperatorRole[] = ["admin", "operator", "auditor"];

/**
 * `operator_key`: an operator's own command key sent to a gate (operator.key_add); its
 * subjectRef and ref are the operator id. Template sync (issue 14) adds: `gates` (the
 * site's gate list, `site.gates`, subject SITE_GATES_SUBJECT), `export` (sealing a
 * subject's templates at the gate that enrolled them) and `template` (installing one
 * sealed package at its gate).
 */
export type WorkKind = "rights" | "consent" | "enroll" | "delete" | "end_access" | "operator_key" | "gates" | "export" | "template";
export const WORK_KINDS: readonly WorkKind[] = ["rights", "consent", "enroll", "delete", "end_access", "operator_key", "gates", "export", "template"];

/**
 * Deletions first (L7), then what takes access away, then consent before the enrollment it
 * allows; the gate list before any sync. An operator's key goes before all of them: a
 * deletion signed with that key is refused by a gate that does not know it yet (L12).
 */
export const WORK_PRIORITY: Readonly<Record<WorkKind, number>> = { operator_key: -1, delete: 0, end_access: 1, gates: 2, consent: 2, rights: 3, enroll: 4, export: 5, template: 5 };

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

// ---------------------------------------------------------------- the store

export interface SiteStore {
  readonly engine: SiteEngine;

  /**
   * Runs `fn` in one transaction (nested calls join the outer one). Inside `fn`, use only
   * the store it is given: the outer store's calls wait for the transaction to end (on
   * SQLite, one connection, they would wait for ever).
   */
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
  /** The registered gate ids a scope covers (its gates plus the members of its groups), sorted, unique. */
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
  /**
   * Claims a gate's pending work for one service instance, in nextWork's order, skipping
   * items another holder claimed until after `at`. Of two instances claiming at once, each
   * item goes to one of them. The claim ends when the lease runs out or the item moves on.
   */
  claimWork(gateId: string, input: ClaimWorkInput): Promise<WorkRow[]>;
  workOf(subjectRef: string): Promise<WorkRow[]>;
  workOfGate(gateId: string, states?: WorkState[]): Promise<WorkRow[]>;
  workByCommand(commandId: string): Promise<WorkRow | null>;
  markWorkSent(key: WorkKey, commandId: string, at?: number): Promise<void>;
  markWorkApplied(key: WorkKey, at?: number): Promise<void>;
  markWorkFailed(key: WorkKey, error: { code: string; message: string }, at?: number): Promise<void>;
  /**
   * Sent but unanswered work of a gate goes back to pending (to be re-signed); returns how
   * many. With a holder, items another holder claimed until after `at` stay as they are.
   */
  requeueSent(gateId: string, at?: number, options?: { holder?: string }): Promise<number>;
  /** Extends the holder's claim on a pending or sent item to at + leaseMs; false when it is not the holder's any more. */
  renewClaim(key: WorkKey, input: { holder: string; leaseMs: number; at?: number }): Promise<boolean>;
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
  /** Stores a checked chunk of a gate's audit log and moves its cursor, in one transaction; false (nothing stored) when the cursor was not at `fromSequence`. */
  appendAuditEntries(gateId: string, input: AppendAuditInput): Promise<boolean>;
  auditEntries(gateId: string, range?: { fromSeq?: number; toSeq?: number }): Promise<AuditEntry[]>;
  auditEntriesOf(subjectRef: string): Promise<Array<{ gateId: string; entry: AuditEntry }>>;
  auditCheckpoints(gateId: string): Promise<AuditCheckpoint[]>;
  acknowledgeAuditBroken(gateId: string, at?: number): Promise<void>;

  // small settings of the service (site id, key ids...): no secrets
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  close(): Promise<void>;
}
