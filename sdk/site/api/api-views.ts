/**
 * What the API shows of the site's records: built field by field from store rows, so a
 * new secret column can never leak by accident (cards and PIN only as a count and a flag).
 */
import type { DeletionStatus } from "../service/deletion-desk.js";
import type { ConsentRow, GateRow, OperatorRow, PersonRow, SiteStore, WorkRow } from "../store/site-store.js";
import { operatorKeyId } from "./operator-accounts.js";

export function operatorView(op: OperatorRow) {
  return { id: op.id, name: op.name, role: op.role, keyId: operatorKeyId(op), createdAt: op.createdAt, disabledAt: op.disabledAt };
}

export async function gateView(store: SiteStore, g: GateRow, notice: { version: string; hash: string } | null = null) {
  const [pending, sent, failed, cursor] = await Promise.all([store.countWork(g.gateId, "pending"), store.countWork(g.gateId, "sent"), store.workOfGate(g.gateId, ["failed"]), store.getAuditCursor(g.gateId)]);
  const last = failed.sort((a, b) => b.updatedAt - a.updatedAt)[0];
  return {
    gateId: g.gateId,
    name: g.name,
    groups: g.groups,
    signPublicKey: g.signPublicKey,
    boxPublicKey: g.boxPublicKey,
    addedAt: g.addedAt,
    online: g.status.online,
    lastSeenAt: g.status.lastSeenAt,
    softwareVersion: g.status.softwareVersion,
    templateCount: g.status.templateCount,
    gatePendingCount: g.status.pendingCount,
    pendingWork: pending + sent,
    failedWork: failed.length,
    lastError: last ? { kind: last.kind, subjectRef: last.subjectRef, code: last.errorCode ?? "unknown", message: last.errorMessage ?? "", at: last.updatedAt } : null,
    audit: { lastSequence: cursor.lastSequence, verifiedAt: cursor.verifiedAt, broken: cursor.broken, brokenDetail: cursor.brokenDetail },
    notice: notice ? { version: notice.version, hash: notice.hash } : null,
  };
}

export async function personView(store: SiteStore, p: PersonRow) {
  return {
    subjectRef: p.subjectRef,
    label: p.label,
    rights: { gates: p.rights.gates, groups: p.rights.groups },
    cardCount: p.cardCount,
    hasPin: p.hasPin,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    endedAt: p.endedAt,
    tombstoned: await store.isTombstoned(p.subjectRef),
  };
}

function workState(w: WorkRow | undefined) {
  if (!w) return null;
  return { state: w.state, error: w.errorCode ? { code: w.errorCode, message: w.errorMessage ?? "" } : null, updatedAt: w.updatedAt };
}

/** The per-gate column a work kind fills: a template arrives by enrollment or, synced from another gate, by installation. */
const COLUMN: Partial<Record<WorkRow["kind"], string>> = { rights: "rights", end_access: "endAccess", consent: "consent", enroll: "template", template: "template", delete: "deletion" };

/** Per gate, what is applied, pending or failed for this person: rights, end of access, consent, template, deletion. */
export function perGate(work: readonly WorkRow[], scopeGates: readonly string[]) {
  const gates = new Map<string, Record<string, WorkRow>>();
  for (const g of scopeGates) gates.set(g, {});
  for (const w of work) {
    const column = COLUMN[w.kind];
    if (!column) continue; // operator keys, the gate list, exports: not a person's state at a gate
    (gates.get(w.gateId) ?? gates.set(w.gateId, {}).get(w.gateId)!)[column] = w;
  }
  return [...gates.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([gateId, cols]) => ({ gateId, rights: workState(cols["rights"]), endAccess: workState(cols["endAccess"]), consent: workState(cols["consent"]), template: workState(cols["template"]), deletion: workState(cols["deletion"]) }));
}

export function consentView(c: ConsentRow) {
  return { id: c.id, scope: { gates: c.scope.gates, groups: c.scope.groups }, noticeVersion: c.noticeVersion, evidenceHash: c.evidenceHash, recordedAt: c.recordedAt, expiresAt: c.expiresAt, withdrawnAt: c.withdrawnAt };
}

export function deletionView(s: DeletionStatus) {
  const r = s.request;
  return {
    id: r.id,
    subjectRef: r.subjectRef,
    reason: r.reason,
    requestedAt: r.requestedAt,
    deadlineAt: r.deadlineAt,
    ageMs: s.ageMs,
    overdue: s.overdue,
    state: s.state,
    receipts: s.receipts,
    expected: s.expected,
    missingGates: s.missingGates,
    completedAt: r.completedAt,
    hasCertificate: r.certificate !== null,
  };
}

export function deletionDetail(s: DeletionStatus) {
  return { ...deletionView(s), gates: s.request.gates.map((g) => ({ gateId: g.gateId, verifiedAt: g.verifiedAt, receipt: g.receipt === null ? null : (JSON.parse(g.receipt) as unknown) })) };
}
