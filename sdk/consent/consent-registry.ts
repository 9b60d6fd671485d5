/**
 * The consent registry (L1, L3, L9, L10): processing notices and the separate face
 * consent records given under them. Recording a consent, its audit entry and its event
 * happen in one transaction.
 *
 * Withdrawal is not done here: it goes through `DeletionService.withdrawConsent`, the
 * one deletion path (L7), which calls `endConsents` inside its own transaction.
 */
import { randomUUID } from "node:crypto";
import type { AuditLog } from "../audit/audit-log.js";
import { ConsentError, NotFoundError } from "../errors.js";
import type { EventRecorder } from "../events/event.js";
import type { Db } from "../store/database.js";
import { type StatementCache, statementCache } from "../store/statement-cache.js";
import { recordEvent } from "../store/record-event.js";
import type { Clock } from "../time/clock.js";
import { type ConsentInput, type ConsentPolicy, type Guardian, checkConsent, resolvePolicy } from "./consent-policy.js";
import { type ProcessingNotice, type ProcessingNoticeContent, noticeHash, validateNotice } from "./notice.js";

export type ConsentStatus = "active" | "expired" | "withdrawn" | "ended";
export type ConsentEndReason = "withdrawn" | "access_ended" | "deletion_request";

export interface ConsentRecord {
  id: string;
  subjectId: string;
  siteId: string;
  processorId: string;
  purpose: string;
  gateIds: string[];
  noticeHash: string;
  method: "written" | "electronic";
  evidenceRef: string;
  collectedBy: string;
  givenAt: number;
  expiresAt: number;
  minor: boolean;
  guardian?: Guardian;
  endedAt?: number;
  endedReason?: string;
}

interface Row {
  id: string; subject_id: string; site_id: string; processor_id: string; purpose: string; gate_ids: string; notice_hash: string;
  method: "written" | "electronic"; evidence_ref: string; collected_by: string; given_at: number; expires_at: number;
  is_minor: number; guardian: string | null; ended_at: number | null; ended_reason: string | null;
}

export interface ConsentRegistryOptions {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  policy: ConsentPolicy;
  events?: EventRecorder;
}

export class ConsentRegistry {
  readonly policy: Required<ConsentPolicy>;
  private readonly db: Db;
  private readonly audit: AuditLog;
  private readonly sql: StatementCache;
  private readonly expiryListeners = new Set<(expiresAt: number) => void>();
  private readonly clock: Clock;
  private readonly events: EventRecorder | undefined;

  constructor(options: ConsentRegistryOptions) {
    this.db = options.db;
    this.audit = options.audit;
    this.clock = options.clock;
    this.events = options.events;
    this.policy = resolvePolicy(options.policy);
    this.sql = statementCache(options.db);
  }

  /** Publishes a new notice version (L3). Publishing identical content again returns the existing one. */
  publishNotice(content: ProcessingNoticeContent, options: { actor?: string } = {}): ProcessingNotice {
    const clean = validateNotice(content);
    const hash = noticeHash(clean);
    return this.db.transaction(() => {
      const existing = this.notice(hash);
      if (existing) return existing;
      const current = this.currentNotice();
      if (current && clean.version <= current.version) throw new ConsentError("notice_invalid", `notice.version: must be above the current version ${current.version}`);
      const at = this.clock.now();
      this.db.prepare("INSERT INTO notices (hash, version, content, published_at) VALUES (?, ?, ?, ?)").run(hash, clean.version, JSON.stringify(clean), at);
      this.audit.append({ type: "notice.published", actor: options.actor, details: { noticeHash: hash, version: clean.version } });
      recordEvent(this.events, this.clock, { type: "privacy.notice_published", category: "privacy", data: { noticeHash: hash, version: clean.version } });
      return { ...clean, hash, publishedAt: at };
    })();
  }

  currentNotice(): ProcessingNotice | undefined {
    const row = this.db.prepare<[], { hash: string; content: string; published_at: number }>("SELECT * FROM notices ORDER BY version DESC LIMIT 1").get();
    return row ? { ...(JSON.parse(row.content) as ProcessingNoticeContent), hash: row.hash, publishedAt: row.published_at } : undefined;
  }

  notice(hash: string): ProcessingNotice | undefined {
    const row = this.db.prepare<[string], { hash: string; content: string; published_at: number }>("SELECT * FROM notices WHERE hash = ?").get(hash);
    return row ? { ...(JSON.parse(row.content) as ProcessingNoticeContent), hash: row.hash, publishedAt: row.published_at } : undefined;
  }

  /** Records a separate face consent (L1) after every check of L1, L3, L9 and L10 passes. */
  give(input: ConsentInput, options: { actor?: string } = {}): ConsentRecord {
    const now = this.clock.now();
    const checked = checkConsent(input, this.policy, now);
    const record = this.db.transaction(() => {
      if (!this.notice(input.noticeHash)) throw new ConsentError("consent_unknown_notice", "noticeHash: no published notice has this hash (L3)", { subjectId: input.subjectId });
      const id = randomUUID();
      const guardian = checked.minor && input.guardian ? { ref: input.guardian.ref, name: input.guardian.name, relationship: input.guardian.relationship } : undefined;
      this.db
        .prepare(
          `INSERT INTO consents (id, subject_id, site_id, processor_id, purpose, gate_ids, notice_hash, method, evidence_ref, collected_by, given_at, expires_at, is_minor, guardian)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.subjectId, input.siteId, input.processorId, input.purpose, JSON.stringify([...input.gateIds]), input.noticeHash, input.method, input.evidenceRef,
          input.collectedBy, checked.givenAt, input.expiresAt, checked.minor ? 1 : 0, guardian ? JSON.stringify(guardian) : null);
      const details = { consentId: id, noticeHash: input.noticeHash, gateIds: [...input.gateIds], method: input.method, evidenceRef: input.evidenceRef, expiresAt: input.expiresAt, minor: checked.minor, ...(guardian ? { guardianRef: guardian.ref } : {}) };
      this.audit.append({ type: "consent.given", actor: options.actor ?? input.collectedBy, subject: input.subjectId, details });
      recordEvent(this.events, this.clock, { type: "privacy.consent_given", category: "privacy", data: { subjectId: input.subjectId, consentId: id, expiresAt: input.expiresAt } });
      return this.get(id);
    })();
    for (const listener of this.expiryListeners) listener(record.expiresAt);
    return record;
  }

  /** Calls `listener` with the expiry of every consent given from now on (the expiry sweep sets its timer by it). */
  onConsentGiven(listener: (expiresAt: number) => void): () => void {
    this.expiryListeners.add(listener);
    return () => this.expiryListeners.delete(listener);
  }

  get(id: string): ConsentRecord {
    const row = this.db.prepare<[string], Row>("SELECT * FROM consents WHERE id = ?").get(id);
    if (!row) throw new NotFoundError(`consent ${id} not found`, { consentId: id });
    return toRecord(row);
  }

  list(subjectId: string): ConsentRecord[] {
    return this.db.prepare<[string], Row>("SELECT * FROM consents WHERE subject_id = ? ORDER BY given_at").all(subjectId).map(toRecord);
  }

  status(record: ConsentRecord, at = this.clock.now()): ConsentStatus {
    if (record.endedAt !== undefined) return record.endedReason === "withdrawn" ? "withdrawn" : "ended";
    return at >= record.expiresAt ? "expired" : "active";
  }

  /** A consent valid at `at` (default now) for this subject at this gate, bound to this site and processor (L1, L9). */
  validConsent(query: { subjectId: string; gateId?: string; at?: number }): ConsentRecord | undefined {
    const at = query.at ?? this.clock.now();
    const rows = this.sql<[string, string, string, number, number], Row>(
      "SELECT * FROM consents WHERE subject_id = ? AND site_id = ? AND processor_id = ? AND ended_at IS NULL AND given_at <= ? AND expires_at > ? ORDER BY expires_at DESC",
    ).all(query.subjectId, this.policy.siteId, this.policy.processorId, at, at);
    return rows.map(toRecord).find((r) => query.gateId === undefined || r.gateIds.includes(query.gateId));
  }

  /** Whether any consent of the subject is valid at `at` (at any gate): `validConsent` without reading the record, for the expiry sweep. */
  hasValidConsent(subjectId: string, at: number): boolean {
    return (
      this.sql<[string, string, string, number, number]>(
        "SELECT 1 FROM consents WHERE subject_id = ? AND site_id = ? AND processor_id = ? AND ended_at IS NULL AND given_at <= ? AND expires_at > ? LIMIT 1",
      ).get(subjectId, this.policy.siteId, this.policy.processorId, at, at) !== undefined
    );
  }

  /** Throws `consent_missing` unless a consent is valid now for this gate (L1). */
  requireValid(query: { subjectId: string; gateId: string; at?: number }): ConsentRecord {
    const found = this.validConsent(query);
    if (!found) throw new ConsentError("consent_missing", `no valid face consent for this subject at gate ${query.gateId} (L1)`, { subjectId: query.subjectId, gateId: query.gateId });
    return found;
  }

  /** Earliest expiry after `at` among consents still open: when the expiry sweep must run next. */
  nextExpiryAfter(at: number): number | undefined {
    const row = this.sql<[number], { t: number | null }>("SELECT MIN(expires_at) AS t FROM consents WHERE ended_at IS NULL AND expires_at > ?").get(at);
    return row?.t ?? undefined;
  }

  /**
   * Subjects with an open consent that expired in (`from`, `to`]: the only ones whose face
   * data a sweep at `to` can newly find without consent, when the previous sweep ran at
   * `from`. A range on the partial expiry index, not a scan.
   */
  expiringBetween(from: number, to: number): string[] {
    return this.sql<[number, number], { subject_id: string }>(
      "SELECT DISTINCT subject_id FROM consents WHERE ended_at IS NULL AND expires_at > ? AND expires_at <= ? ORDER BY subject_id",
    )
      .all(from, to)
      .map((r) => r.subject_id);
  }

  /**
   * Ends every open consent of a subject. Only for DeletionService, inside its
   * transaction, so ending consent and deleting face data commit together (L7).
   */
  endConsents(options: { subjectId: string; reason: ConsentEndReason; by: string }): string[] {
    const at = this.clock.now();
    const ids = this.db.prepare<[string], { id: string }>("SELECT id FROM consents WHERE subject_id = ? AND ended_at IS NULL").all(options.subjectId).map((r) => r.id);
    const end = this.db.prepare("UPDATE consents SET ended_at = ?, ended_reason = ?, ended_by = ? WHERE id = ?");
    for (const id of ids) {
      end.run(at, options.reason, options.by, id);
      const type = options.reason === "withdrawn" ? "consent.withdrawn" : "consent.ended";
      this.audit.append({ type, actor: options.by, subject: options.subjectId, details: { consentId: id, reason: options.reason } });
      recordEvent(this.events, this.clock, { type: `privacy.${type.replace(".", "_")}`, category: "privacy", data: { subjectId: options.subjectId, consentId: id } });
    }
    return ids;
  }
}

function toRecord(r: Row): ConsentRecord {
  return {
    id: r.id, subjectId: r.subject_id, siteId: r.site_id, processorId: r.processor_id, purpose: r.purpose, gateIds: JSON.parse(r.gate_ids) as string[],
    noticeHash: r.notice_hash, method: r.method, evidenceRef: r.evidence_ref, collectedBy: r.collected_by, givenAt: r.given_at, expiresAt: r.expires_at,
    minor: r.is_minor === 1,
    ...(r.guardian ? { guardian: JSON.parse(r.guardian) as Guardian } : {}),
    ...(r.ended_at !== null ? { endedAt: r.ended_at, endedReason: r.ended_reason ?? "ended" } : {}),
  };
}
