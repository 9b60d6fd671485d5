/**
 * The one set of migrations, for SQLite and PostgreSQL alike, defined in code (Kysely's
 * Migrator reads them from here, never from files at run time). Add a new entry for any
 * change; never edit one that has shipped. Names sort in the order they run.
 */
import type { Kysely, Migration } from "kysely";

/** bigint: INTEGER affinity on SQLite, int8 on PostgreSQL; read back as a number. */
const MS = "bigint";

async function initial(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("site_meta")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("site_gates")
    .addColumn("gate_id", "text", (c) => c.primaryKey())
    .addColumn("site_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("sign_public_key", "text", (c) => c.notNull())
    .addColumn("box_public_key", "text", (c) => c.notNull())
    .addColumn("topic_prefix", "text", (c) => c.notNull())
    .addColumn("added_at", MS, (c) => c.notNull())
    .addColumn("online", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_seen_at", MS)
    .addColumn("software_version", "text")
    .addColumn("template_count", "integer")
    .addColumn("pending_count", "integer")
    .addColumn("status_at", MS)
    .execute();

  await db.schema
    .createTable("site_groups")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("created_at", MS, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("site_group_members")
    .addColumn("group_name", "text", (c) => c.notNull().references("site_groups.name").onDelete("cascade"))
    .addColumn("gate_id", "text", (c) => c.notNull().references("site_gates.gate_id").onDelete("cascade"))
    .addPrimaryKeyConstraint("site_group_members_pk", ["group_name", "gate_id"])
    .execute();
  await db.schema.createIndex("site_group_members_gate").on("site_group_members").column("gate_id").execute();

  await db.schema
    .createTable("site_operators")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("command_public_key", "text", (c) => c.notNull())
    .addColumn("command_key_sealed", "text", (c) => c.notNull())
    .addColumn("command_key_nonce", "text", (c) => c.notNull())
    .addColumn("created_at", MS, (c) => c.notNull())
    .addColumn("disabled_at", MS)
    .execute();
  await db.schema
    .createTable("site_sessions")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("operator_id", "text", (c) => c.notNull().references("site_operators.id").onDelete("cascade"))
    .addColumn("created_at", MS, (c) => c.notNull())
    .addColumn("expires_at", MS, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("site_sessions_expiry").on("site_sessions").column("expires_at").execute();

  await db.schema
    .createTable("site_people")
    .addColumn("subject_ref", "text", (c) => c.primaryKey())
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("secrets_sealed", "text", (c) => c.notNull())
    .addColumn("secrets_nonce", "text", (c) => c.notNull())
    .addColumn("card_count", "integer", (c) => c.notNull())
    .addColumn("has_pin", "integer", (c) => c.notNull())
    .addColumn("schedule", "text")
    .addColumn("created_at", MS, (c) => c.notNull())
    .addColumn("updated_at", MS, (c) => c.notNull())
    .addColumn("ended_at", MS)
    .execute();
  await db.schema
    .createTable("site_person_rights")
    .addColumn("owner", "text", (c) => c.notNull().references("site_people.subject_ref").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("site_person_rights_pk", ["owner", "kind", "target"])
    .execute();
  await db.schema.createIndex("site_person_rights_target").on("site_person_rights").columns(["kind", "target"]).execute();

  await db.schema
    .createTable("site_consents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("subject_ref", "text", (c) => c.notNull().references("site_people.subject_ref"))
    .addColumn("notice_version", "text", (c) => c.notNull())
    .addColumn("evidence_hash", "text", (c) => c.notNull())
    .addColumn("recorded_at", MS, (c) => c.notNull())
    .addColumn("expires_at", MS, (c) => c.notNull())
    .addColumn("withdrawn_at", MS)
    .execute();
  await db.schema.createIndex("site_consents_subject").on("site_consents").columns(["subject_ref", "recorded_at"]).execute();
  await db.schema
    .createTable("site_consent_scope")
    .addColumn("owner", "text", (c) => c.notNull().references("site_consents.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("target", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("site_consent_scope_pk", ["owner", "kind", "target"])
    .execute();

  await db.schema
    .createTable("site_work")
    .addColumn("subject_ref", "text", (c) => c.notNull())
    .addColumn("gate_id", "text", (c) => c.notNull().references("site_gates.gate_id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("priority", "integer", (c) => c.notNull())
    .addColumn("ref", "text")
    .addColumn("command_id", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("created_at", MS, (c) => c.notNull())
    .addColumn("updated_at", MS, (c) => c.notNull())
    .addColumn("sent_at", MS)
    .addPrimaryKeyConstraint("site_work_pk", ["subject_ref", "gate_id", "kind"])
    .execute();
  await db.schema.createIndex("site_work_next").on("site_work").columns(["gate_id", "state", "priority", "created_at"]).execute();
  await db.schema.createIndex("site_work_command").on("site_work").column("command_id").execute();

  await db.schema
    .createTable("site_deletion_requests")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("subject_ref", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("requested_at", MS, (c) => c.notNull())
    .addColumn("deadline_at", MS, (c) => c.notNull())
    .addColumn("certificate", "text")
    .addColumn("completed_at", MS)
    .execute();
  await db.schema.createIndex("site_deletion_requests_subject").on("site_deletion_requests").column("subject_ref").execute();
  await db.schema.createIndex("site_deletion_requests_open").on("site_deletion_requests").columns(["completed_at", "deadline_at"]).execute();
  await db.schema
    .createTable("site_deletion_gates")
    .addColumn("request_id", "text", (c) => c.notNull().references("site_deletion_requests.id").onDelete("cascade"))
    .addColumn("gate_id", "text", (c) => c.notNull().references("site_gates.gate_id"))
    .addColumn("receipt", "text")
    .addColumn("verified_at", MS)
    .addPrimaryKeyConstraint("site_deletion_gates_pk", ["request_id", "gate_id"])
    .execute();

  await db.schema
    .createTable("site_tombstones")
    .addColumn("request_id", "text", (c) => c.primaryKey().references("site_deletion_requests.id"))
    .addColumn("subject_ref", "text", (c) => c.notNull())
    .addColumn("created_at", MS, (c) => c.notNull())
    .addColumn("cleared_at", MS)
    .addColumn("cleared_by_consent", "text")
    .execute();
  await db.schema.createIndex("site_tombstones_subject").on("site_tombstones").columns(["subject_ref", "cleared_at"]).execute();

  await db.schema
    .createTable("site_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("gate_id", "text", (c) => c.notNull().references("site_gates.gate_id"))
    .addColumn("subject_ref", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("at", MS, (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("stored_at", MS, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("site_events_gate").on("site_events").columns(["gate_id", "at"]).execute();
  await db.schema.createIndex("site_events_subject").on("site_events").columns(["subject_ref", "at"]).execute();
  await db.schema.createIndex("site_events_type").on("site_events").columns(["type", "at"]).execute();
  await db.schema.createIndex("site_events_at").on("site_events").column("at").execute();

  await db.schema
    .createTable("site_audit_cursors")
    .addColumn("gate_id", "text", (c) => c.primaryKey().references("site_gates.gate_id"))
    .addColumn("last_sequence", MS, (c) => c.notNull().defaultTo(0))
    .addColumn("last_entry_hash", "text")
    .addColumn("verified_at", MS)
    .addColumn("broken", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("broken_detail", "text")
    .addColumn("broken_at", MS)
    .execute();
}

/** Work claims: two service instances on one PostgreSQL do not send the same work twice. */
async function workClaims(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("site_work").addColumn("claimed_by", "text").execute();
  await db.schema.alterTable("site_work").addColumn("claimed_until", MS).execute();
}

/** The gates' audit entries and signed checkpoints as collected and checked (evidence bundles), and the acknowledgement of a broken chain. */
async function auditEntries(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("site_audit_entries")
    .addColumn("gate_id", "text", (c) => c.notNull().references("site_gates.gate_id"))
    .addColumn("seq", MS, (c) => c.notNull())
    .addColumn("at", MS, (c) => c.notNull())
    .addColumn("subject_ref", "text")
    .addColumn("entry", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("site_audit_entries_pk", ["gate_id", "seq"])
    .execute();
  await db.schema.createIndex("site_audit_entries_subject").on("site_audit_entries").columns(["subject_ref", "gate_id", "seq"]).execute();
  await db.schema
    .createTable("site_audit_checkpoints")
    .addColumn("gate_id", "text", (c) => c.notNull().references("site_gates.gate_id"))
    .addColumn("seq", MS, (c) => c.notNull())
    .addColumn("checkpoint", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("site_audit_checkpoints_pk", ["gate_id", "seq"])
    .execute();
  await db.schema.alterTable("site_audit_cursors").addColumn("acknowledged_at", MS).execute();
}

/** The migrations by name, in order. */
export const SITE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  "0001_initial": { up: initial },
  "0002_work_claims": { up: workClaims },
  "0003_audit_entries": { up: auditEntries },
};

/** Names of the migrations this build knows; a database that ran others is from a newer build. */
export const SITE_MIGRATION_NAMES: readonly string[] = Object.keys(SITE_MIGRATIONS).sort();

