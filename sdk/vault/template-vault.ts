/**
 * The encrypted template vault (L1, L5, L6). Templates are sealed under a random
 * per-subject data key that exists only wrapped by the device KEK. There is no method
 * that returns a template or a key (L6): decrypted templates go only into a
 * TemplateSink (the matcher's gallery), at start-up (`loadInto`) and on `enroll`.
 *
 * A template or wrapped key that fails authentication quarantines its subject (an
 * integrity event and audit entry are raised); the rest of the vault keeps working.
 * Deleting a subject is DeletionService's job (the one deletion path, L7); it calls
 * `destroyRows` inside its transaction.
 */
import { randomUUID } from "node:crypto";
import type { AuditLog } from "../audit/audit-log.js";
import type { ConsentRegistry } from "../consent/consent-registry.js";
import type { KeyHierarchy } from "../crypto/key-hierarchy.js";
import { IntegrityError } from "../errors.js";
import type { EventRecorder } from "../events/event.js";
import type { Logger } from "../log/logger.js";
import type { TemplateSink } from "../matcher/template-sink.js";
import type { Db } from "../store/database.js";
import { type StatementCache, statementCache } from "../store/statement-cache.js";
import { recordEvent } from "../store/record-event.js";
import type { Clock } from "../time/clock.js";
import { normalizedCopy, sealTemplate } from "./template-codec.js";
import { type DecryptionPlace, type LoadProgress, type LoadSummary, loadVault } from "./vault-loader.js";
import { VaultError } from "./vault-error.js";
import { type SealPackageInput, sealTemplatePackage } from "./template-package-seal.js";
import { SyncError } from "./sync-error.js";
import type { TemplatePackage } from "../protocol/template-package.js";
import { openTemplate } from "./template-codec.js";

export const MAX_TEMPLATES_PER_SUBJECT = 10;

export interface TemplateVaultOptions {
  db: Db;
  keys: KeyHierarchy;
  consents: ConsentRegistry;
  audit: AuditLog;
  /** The in-memory gallery that receives newly enrolled templates. */
  sink: TemplateSink;
  clock: Clock;
  logger: Logger;
  events?: EventRecorder;
}

export interface EnrollInput {
  subjectId: string;
  /** The gate enrolling; a consent valid now for this gate is required (L1). */
  gateId: string;
  /** One or more embeddings (Float32Array(512)); stored in one transaction. */
  embeddings: readonly Float32Array[];
  actor?: string;
  /**
   * Set when the embeddings came in a sealed template package from another gate of the
   * site (issue 14): audited as `vault.installed` naming the sending gate, and announced
   * as `privacy.template_installed` (not `privacy.enrollment`, which starts a sync).
   */
  installedFrom?: { gateId: string; packageId: string };
}

/** One package to make for another gate (everything but the templates, which the vault adds). */
export type PackageOrder = Omit<SealPackageInput, "sodium" | "templates" | "subjectRef">;

export interface EnrollResult {
  subjectId: string;
  templateIds: string[];
  consentId: string;
  auditSeq: number;
}

export class TemplateVault {
  private readonly db: Db;
  private readonly keys: KeyHierarchy;
  private readonly consents: ConsentRegistry;
  private readonly audit: AuditLog;
  private readonly sink: TemplateSink;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly events: EventRecorder | undefined;
  private readonly sql: StatementCache;

  constructor(options: TemplateVaultOptions) {
    this.db = options.db;
    this.sql = statementCache(options.db);
    this.keys = options.keys;
    this.consents = options.consents;
    this.audit = options.audit;
    this.sink = options.sink;
    this.clock = options.clock;
    this.logger = options.logger;
    this.events = options.events;
  }

  /** Seals and stores templates, then adds them to the sink. Refused without valid consent (L1). */
  enroll(input: EnrollInput): EnrollResult {
    if (input.embeddings.length === 0) throw new VaultError("template_invalid", "enroll needs at least one embedding");
    const sodium = this.keys.crypto;
    const copies = input.embeddings.map((e) => normalizedCopy(e));
    let dataKey: Uint8Array | undefined;
    try {
      const result = this.db.transaction((): EnrollResult => {
        const consent = this.consents.requireValid({ subjectId: input.subjectId, gateId: input.gateId });
        if (this.isQuarantined(input.subjectId)) {
          throw new IntegrityError("integrity_quarantined", "this subject is quarantined after failed integrity checks; delete and re-enroll", { subjectId: input.subjectId });
        }
        const existing = this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM templates WHERE subject_id = ?").get(input.subjectId)!.n;
        if (existing + copies.length > MAX_TEMPLATES_PER_SUBJECT) {
          throw new VaultError("template_limit", `a subject may hold at most ${MAX_TEMPLATES_PER_SUBJECT} templates`, { subjectId: input.subjectId });
        }
        const now = this.clock.now();
        const { key, keyVersion } = this.#dataKeyFor(input.subjectId, now);
        dataKey = key;
        const insert = this.db.prepare("INSERT INTO templates (id, subject_id, key_version, nonce, ciphertext, gate_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
        const templateIds = copies.map((embedding) => {
          const templateId = randomUUID();
          const sealed = sealTemplate(sodium, key, { subjectId: input.subjectId, templateId, keyVersion }, embedding);
          // Buffer.from copies a small array into Node's shared buffer pool, which outlives
          // this call: the copy is wiped once SQLite has its own (L7: no sealed template
          // lingers in memory after a deletion).
          const ciphertext = Buffer.from(sealed.ciphertext);
          try {
            insert.run(templateId, input.subjectId, keyVersion, Buffer.from(sealed.nonce), ciphertext, input.gateId, now);
          } finally {
            ciphertext.fill(0);
            sealed.ciphertext.fill(0);
          }
          return templateId;
        });
        const from = input.installedFrom;
        const auditSeq = this.audit.append({
          type: from ? "vault.installed" : "vault.enrolled",
          actor: input.actor,
          subject: input.subjectId,
          details: { templateIds, gateId: input.gateId, consentId: consent.id, keyVersion, ...(from ? { fromGate: from.gateId, packageId: from.packageId } : {}) },
        });
        recordEvent(this.events, this.clock, {
          type: from ? "privacy.template_installed" : "privacy.enrollment",
          category: "privacy",
          gateId: input.gateId,
          data: { subjectId: input.subjectId, templates: templateIds.length, consentId: consent.id, ...(from ? { fromGate: from.gateId, packageId: from.packageId } : {}) },
        });
        return { subjectId: input.subjectId, templateIds, consentId: consent.id, auditSeq };
      })();
      // Only after the commit: the gallery never holds a template the database lost.
      result.templateIds.forEach((id, i) => this.sink.add(input.subjectId, id, copies[i]!));
      this.logger.info("enrolled", { subjectId: input.subjectId, count: result.templateIds.length });
      return result;
    } catch (err) {
      if (err instanceof IntegrityError && err.code === "integrity_wrapped_key") this.quarantine(input.subjectId, err.code);
      throw err;
    } finally {
      copies.forEach((c) => c.fill(0));
      if (dataKey) sodium.memzero(dataKey);
    }
  }

  /**
   * Seals the subject's templates into one package per order (issue 14): each template is
   * decrypted, encoded into the package's sealed plaintext for that receiver and wiped at
   * once; only the sealed, signed packages leave the vault (L6). Audited as
   * `vault.packaged` with the receiving gates and package ids.
   */
  sealForGates(subjectId: string, orders: readonly PackageOrder[], actor?: string): TemplatePackage[] {
    if (orders.length === 0) return [];
    if (this.isQuarantined(subjectId)) throw new IntegrityError("integrity_quarantined", "this subject is quarantined after failed integrity checks; delete and re-enroll", { subjectId });
    const sodium = this.keys.crypto;
    const keyRow = this.db.prepare<[string], { key_version: number; wrapped_key: Buffer; nonce: Buffer }>("SELECT key_version, wrapped_key, nonce FROM subject_keys WHERE subject_id = ?").get(subjectId);
    const rows = this.db.prepare<[string], { id: string; key_version: number; nonce: Buffer; ciphertext: Buffer }>("SELECT id, key_version, nonce, ciphertext FROM templates WHERE subject_id = ? ORDER BY created_at, id").all(subjectId);
    if (!keyRow || rows.length === 0) throw new SyncError("sync_no_templates", `subject ${subjectId} holds no template at this gate`, { subjectId });
    let dataKey: Uint8Array | undefined;
    const plain: Float32Array[] = [];
    try {
      try {
        dataKey = this.keys.unwrapDataKey({ subjectId, keyVersion: keyRow.key_version }, { wrapped: new Uint8Array(keyRow.wrapped_key), nonce: new Uint8Array(keyRow.nonce) });
        for (const r of rows) plain.push(openTemplate(sodium, dataKey, { subjectId, templateId: r.id, keyVersion: r.key_version }, { nonce: new Uint8Array(r.nonce), ciphertext: new Uint8Array(r.ciphertext) }));
      } catch (err) {
        if (err instanceof IntegrityError) this.quarantine(subjectId, err.code);
        throw err;
      }
      const packages = orders.map((o) => sealTemplatePackage({ ...o, sodium, subjectRef: subjectId, templates: plain }));
      this.audit.append({ type: "vault.packaged", actor, subject: subjectId, details: { templates: rows.length, packages: packages.map((p) => ({ to: p.to, packageId: p.packageId })) } });
      return packages;
    } finally {
      for (const p of plain) p.fill(0);
      if (dataKey) sodium.memzero(dataKey);
    }
  }

  /**
   * Decrypts every template into `sink` (start-up). Tampered subjects are quarantined and
   * skipped. Large vaults are decrypted on a worker thread (`decryptIn`, default "auto").
   */
  loadInto(sink: TemplateSink, options: { onProgress?: (p: LoadProgress) => void; decryptIn?: DecryptionPlace } = {}): LoadSummary {
    const summary = loadVault({ db: this.db, keys: this.keys, sink, onProgress: options.onProgress, decryptIn: options.decryptIn });
    if (summary.workerProblem !== undefined) this.logger.warn("decrypt worker not used; the vault was loaded on the main thread", { problem: summary.workerProblem });
    for (const [subjectId, reason] of summary.failures) this.quarantine(subjectId, reason);
    this.logger.info("vault loaded", { subjects: summary.subjects, templates: summary.templates, quarantined: summary.quarantined.length, decryptedIn: summary.decryptedIn });
    return summary;
  }

  /** Marks a subject as tampered: excluded from matching, integrity event and audit entry (L5). */
  quarantine(subjectId: string, reason: string): void {
    this.sink.remove(subjectId);
    this.db.transaction(() => {
      const added = this.db.prepare("INSERT OR IGNORE INTO quarantine (subject_id, reason, at) VALUES (?, ?, ?)").run(subjectId, reason, this.clock.now()).changes;
      if (added === 0) return;
      this.audit.append({ type: "vault.quarantined", actor: "device", subject: subjectId, details: { reason } });
      recordEvent(this.events, this.clock, { type: "integrity.quarantine", category: "integrity", data: { subjectId, reason } });
    })();
    this.logger.warn("subject quarantined after an integrity failure", { subjectId, reason });
  }

  isQuarantined(subjectId: string): boolean {
    return this.db.prepare("SELECT 1 FROM quarantine WHERE subject_id = ?").get(subjectId) !== undefined;
  }

  /** Counts only, no biometric data. */
  counts(subjectId: string): { templates: number; dataKey: boolean; quarantined: boolean } {
    const templates = this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM templates WHERE subject_id = ?").get(subjectId)!.n;
    const dataKey = this.db.prepare("SELECT 1 FROM subject_keys WHERE subject_id = ?").get(subjectId) !== undefined;
    return { templates, dataKey, quarantined: this.isQuarantined(subjectId) };
  }

  /** Subjects holding face data (a data key). */
  subjectsWithData(): string[] {
    return this.db.prepare<[], { subject_id: string }>("SELECT subject_id FROM subject_keys ORDER BY subject_id").all().map((r) => r.subject_id);
  }

  /** Up to `limit` subjects holding face data, in id order after `after` (a page of `subjectsWithData`, by key). */
  subjectsWithDataAfter(after: string, limit: number): string[] {
    return this.sql<[string, number], { subject_id: string }>("SELECT subject_id FROM subject_keys WHERE subject_id > ? ORDER BY subject_id LIMIT ?")
      .all(after, limit)
      .map((r) => r.subject_id);
  }

  /** Whether the subject holds face data (a data key). */
  hasData(subjectId: string): boolean {
    return this.sql<[string]>("SELECT 1 FROM subject_keys WHERE subject_id = ?").get(subjectId) !== undefined;
  }

  /**
   * Destroys a subject's templates, wrapped data key and quarantine mark. Must run inside
   * DeletionService's transaction (L7): once the wrapped key row is gone (secure_delete
   * zeroes the page), no copy of the data key remains anywhere.
   */
  destroyRows(subjectId: string): { templates: number; dataKeys: number } {
    if (!this.db.inTransaction) throw new VaultError("vault_misuse", "destroyRows must run inside the deletion transaction");
    const templates = this.db.prepare("DELETE FROM templates WHERE subject_id = ?").run(subjectId).changes;
    const dataKeys = this.db.prepare("DELETE FROM subject_keys WHERE subject_id = ?").run(subjectId).changes;
    this.db.prepare("DELETE FROM quarantine WHERE subject_id = ?").run(subjectId);
    return { templates, dataKeys };
  }

  /** Removes a subject from the gallery given at construction (after a deletion commits). */
  removeFromSink(subjectId: string): void {
    this.sink.remove(subjectId);
  }

  #dataKeyFor(subjectId: string, now: number): { key: Uint8Array; keyVersion: number } {
    const row = this.db.prepare<[string], { key_version: number; wrapped_key: Buffer; nonce: Buffer }>("SELECT key_version, wrapped_key, nonce FROM subject_keys WHERE subject_id = ?").get(subjectId);
    if (row) {
      const key = this.keys.unwrapDataKey({ subjectId, keyVersion: row.key_version }, { wrapped: new Uint8Array(row.wrapped_key), nonce: new Uint8Array(row.nonce) });
      return { key, keyVersion: row.key_version };
    }
    // L5/L7: a fresh random key per subject, never derived, stored only wrapped.
    const key = this.keys.newDataKey();
    const keyVersion = 1;
    const wrapped = this.keys.wrapDataKey({ subjectId, keyVersion }, key);
    this.db.prepare("INSERT INTO subject_keys (subject_id, key_version, wrapped_key, nonce, created_at) VALUES (?, ?, ?, ?, ?)").run(subjectId, keyVersion, Buffer.from(wrapped.wrapped), Buffer.from(wrapped.nonce), now);
    return { key, keyVersion };
  }
}
