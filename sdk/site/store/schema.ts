/**
 * The tables as Kysely sees them. Portable types only: text ids, integer milliseconds
 * (bigint on PostgreSQL, read back as numbers: see open-site-store.ts), booleans as 0/1
 * integers, JSON as text.
 */
import type { Kysely } from "kysely";

export interface GatesTable {
  gate_id: string;
  site_id: string;
  name: string;
  sign_public_key: string;
  box_public_key: string;
  topic_prefix: string;
  added_at: number;
  online: number;
  last_seen_at: number | null;
  software_version: string | null;
  template_count: number | null;
  pending_count: number | null;
  status_at: number | null;
}

export interface GroupsTable {
  name: string;
  created_at: number;
}

export interface GroupMembersTable {
  group_name: string;
  gate_id: string;
}

export interface OperatorsTable {
  id: string;
  name: string;
  role: string;
  password_hash: string;
  command_public_key: string;
  command_key_sealed: string;
  command_key_nonce: string;
  created_at: number;
  disabled_at: number | null;
}

export interface SessionsTable {
  token_hash: string;
  operator_id: string;
  created_at: number;
  expires_at: number;
}

export interface PeopleTable {
  subject_ref: string;
  label: string;
  secrets_sealed: string;
  secrets_nonce: string;
  card_count: number;
  has_pin: number;
  schedule: string | null;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

/** kind: "gate" | "group". */
export interface ScopeRowTable {
  owner: string;
  kind: string;
  target: string;
}

export interface ConsentsTable {
  id: string;
  subject_ref: string;
  notice_version: string;
  evidence_hash: string;
  recorded_at: number;
  expires_at: number;
  withdrawn_at: number | null;
}

export interface WorkTable {
  subject_ref: string;
  gate_id: string;
  kind: string;
  state: string;
  priority: number;
  ref: string | null;
  command_id: string | null;
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  claimed_by: string | null;
  claimed_until: number | null;
}

export interface TombstonesTable {
  request_id: string;
  subject_ref: string;
  created_at: number;
  cleared_at: number | null;
  cleared_by_consent: string | null;
}

export interface DeletionRequestsTable {
  id: string;
  subject_ref: string;
  reason: string;
  requested_at: number;
  deadline_at: number;
  certificate: string | null;
  completed_at: number | null;
}

export interface DeletionGatesTable {
  request_id: string;
  gate_id: string;
  receipt: string | null;
  verified_at: number | null;
}

export interface EventsTable {
  id: string;
  gate_id: string;
  subject_ref: string | null;
  type: string;
  at: number;
  body: string;
  stored_at: number;
}

export interface AuditCursorsTable {
  gate_id: string;
  last_sequence: number;
  last_entry_hash: string | null;
  verified_at: number | null;
  broken: number;
  broken_detail: string | null;
  broken_at: number | null;
  acknowledged_at: number | null;
}

export interface AuditEntriesTable {
  gate_id: string;
  seq: number;
  at: number;
  subject_ref: string | null;
  /** The entry as the gate sent it (JSON). */
  entry: string;
}

export interface AuditCheckpointsTable {
  gate_id: string;
  seq: number;
  /** The signed checkpoint as the gate sent it (JSON). */
  checkpoint: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface SiteSchema {
  site_gates: GatesTable;
  site_groups: GroupsTable;
  site_group_members: GroupMembersTable;
  site_operators: OperatorsTable;
  site_sessions: SessionsTable;
  site_people: PeopleTable;
  site_person_rights: ScopeRowTable;
  site_consents: ConsentsTable;
  site_consent_scope: ScopeRowTable;
  site_work: WorkTable;
  site_tombstones: TombstonesTable;
  site_deletion_requests: DeletionRequestsTable;
  site_deletion_gates: DeletionGatesTable;
  site_events: EventsTable;
  site_audit_cursors: AuditCursorsTable;
  site_audit_entries: AuditEntriesTable;
  site_audit_checkpoints: AuditCheckpointsTable;
  site_meta: MetaTable;
}

export type SiteDb = Kysely<SiteSchema>;
