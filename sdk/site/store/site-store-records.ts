/**
 * The records the site store takes and returns (site-store.ts has the contract): inputs
 * as callers give them, rows as the store reads them back. Times are integer milliseconds
 * since the Unix epoch; ids are opaque text.
 */
import type { AuditCheckpoint, AuditEntry } from "../../protocol/index.js";
import type { DeletionReason, OperatorRole, WorkKind, WorkState } from "./site-store.js";

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
  /** The service instance that claimed the item (claimWork) and until when; null when unclaimed. */
  claimedBy: string | null;
  claimedUntil: number | null;
}

export interface ClaimWorkInput {
  /** Who claims: one id per service instance. */
  holder: string;
  /** How long the claim holds if the holder neither sends the work nor comes back. */
  leaseMs: number;
  /** Default 100. */
  limit?: number;
  at?: number;
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
  /** When an operator acknowledged the broken chain (the alarm ends; the chain stays broken). */
  acknowledgedAt: number | null;
}

export interface AppendAuditInput {
  /** The cursor's sequence the chunk continues from (compare-and-set). */
  fromSequence: number;
  /** Entries fromSequence + 1, + 2, ..., already checked against the gate's pinned key. */
  entries: readonly AuditEntry[];
  /** The gate's signed checkpoints that came with them (those after fromSequence are stored). */
  checkpoints: readonly AuditCheckpoint[];
  verifiedAt?: number;
}

export interface AdvanceAuditInput {
  /** The sequence the caller read from; the advance is refused (false) if another instance moved it. */
  fromSequence: number;
  lastSequence: number;
  lastEntryHash: string;
  verifiedAt?: number;
}
