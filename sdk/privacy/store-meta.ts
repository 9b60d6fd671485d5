/**
 * Small key/value facts about the store. The consent policy in force is recorded here so
 * that a change of site, processor or consent terms is written to the audit log (L8:
 * policy changes are audited).
 */
import type { AuditLog } from "../audit/audit-log.js";
import { canonicalJson } from "../protocol/index.js";
import type { ConsentPolicy } from "../consent/consent-policy.js";
import type { Db, MigrationSet } from "../store/database.js";

export const storeMetaMigrations: MigrationSet = {
  module: "store_meta",
  steps: ["CREATE TABLE store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"],
};

/** Records the policy; appends `policy.changed` (or `policy.set` the first time) when it differs. Call inside a transaction. */
export function recordPolicy(options: { db: Db; audit: AuditLog; policy: Required<ConsentPolicy> }): void {
  const { db, audit, policy } = options;
  const value = canonicalJson({ ...policy, gateIds: [...policy.gateIds] });
  const row = db.prepare<[], { value: string }>("SELECT value FROM store_meta WHERE name = 'consent_policy'").get();
  if (row?.value === value) return;
  db.prepare("INSERT INTO store_meta (name, value) VALUES ('consent_policy', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(value);
  audit.append({
    type: row ? "policy.changed" : "policy.set",
    actor: "device",
    details: { policy: JSON.parse(value), ...(row ? { previous: JSON.parse(row.value) } : {}) },
  });
}
