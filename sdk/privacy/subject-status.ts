/**
 * Non-biometric metadata about subjects, for operators and the gate display (L11):
 * template counts, whether a data key exists, quarantine, consent state. Never a
 * template, a key or anything derived from a face (L6).
 */
import type { ConsentRecord, ConsentRegistry, ConsentStatus } from "../consent/consent-registry.js";
import type { Db } from "../store/database.js";
import type { TemplateVault } from "../vault/template-vault.js";

export interface SubjectStatus {
  subjectId: string;
  templates: number;
  dataKey: boolean;
  quarantined: boolean;
  /** The consent that currently allows processing, if any. */
  consent: { status: ConsentStatus; consentId: string; expiresAt: number; gateIds: string[]; minor: boolean } | undefined;
}

export function subjectStatus(options: { vault: TemplateVault; consents: ConsentRegistry; subjectId: string; at: number }): SubjectStatus {
  const { vault, consents, subjectId, at } = options;
  const counts = vault.counts(subjectId);
  const valid = consents.validConsent({ subjectId, at });
  const latest: ConsentRecord | undefined = valid ?? consents.list(subjectId).at(-1);
  return {
    subjectId,
    templates: counts.templates,
    dataKey: counts.dataKey,
    quarantined: counts.quarantined,
    consent: latest ? { status: consents.status(latest, at), consentId: latest.id, expiresAt: latest.expiresAt, gateIds: latest.gateIds, minor: latest.minor } : undefined,
  };
}

/** Every subject known to the vault or the consent registry. */
export function listSubjectIds(db: Db): string[] {
  return db
    .prepare<[], { s: string }>("SELECT subject_id AS s FROM subject_keys UNION SELECT subject_id FROM consents ORDER BY s")
    .all()
    .map((r) => r.s);
}
