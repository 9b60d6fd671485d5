/**
 * What each command returns in `result` when its status is "ok". Results never carry a
 * template, an image, a card number or a PIN (L6): the device's result guard refuses any
 * that would.
 */
import type { AuditCheckpoint, AuditEntry } from "./audit-document.js";
import type { OperatorRole } from "./command-bodies.js";
import type { DeletionReceipt } from "./deletion-receipt.js";
import type { TemplatePackage } from "./template-package.js";

export interface GateStatusResult {
  site: string;
  gate: string;
  at: number;
  deviceKeyId: string;
  contractVersion: 2;
  software?: string;
  outbox?: { pending: number; dropped: number };
  operatorKeys: { active: number; admins: number };
  /** Extra, non-personal status from the gate orchestrator. */
  gateState?: Record<string, unknown>;
}

export interface AuditExportResult {
  offset: number;
  total: number;
  entries: AuditEntry[];
  /** Where the next chunk starts, or null when this was the last. */
  nextOffset: number | null;
  /**
   * In the last chunk, when the device keeps a signed log: its signed checkpoints up to the
   * last entry returned (the device signs that head first). With them, the entries form a
   * `facegate-audit/1` export that verifies offline against the device key.
   */
  checkpoints?: AuditCheckpoint[];
}

export interface CommandResults {
  "person.upsert": { personRef: string; credentials: { cardCount: number; hasPin: boolean }; keypadCode?: string };
  "person.end_access": { personRef: string; endedAt: number; receipt?: DeletionReceipt };
  "notice.publish": { version: string; hash: string };
  "consent.record": { consentId: string; subjectRef: string; expiresAt: number };
  "consent.withdraw": { subjectRef: string; withdrawnAt: number; receipt?: DeletionReceipt };
  "subject.delete": { subjectRef: string; receipt: DeletionReceipt };
  "enroll.photo": { subjectRef: string; enrolled: boolean; templateCount?: number };
  "enroll.at_gate": { subjectRef: string; windowEndsAt: number };
  "policy.set": { version: string };
  "gate.status": GateStatusResult;
  "audit.export": AuditExportResult;
  "operator.key_add": { keyId: string; role: OperatorRole };
  "operator.key_remove": { keyId: string; removed: true };
  "site.gates": { version: number; gates: number };
  /** Packages only their receivers can open; `skipped` names gates sealed for no package and why (no key in the list, this gate). */
  "template.export": { subjectRef: string; packages: TemplatePackage[]; skipped: Array<{ gateId: string; reason: string }> };
  "template.install": { subjectRef: string; packageId: string; from: string; installed: true; templateCount: number };
}
