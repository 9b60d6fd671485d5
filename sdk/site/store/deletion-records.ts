/**
 * Deletion requests (issue 13 item 4, L7): one request writes, in one transaction, the
 * tombstone, the request with its deadline, the gates expected to answer and a `delete`
 * work item for each of them, and fails any enrollment or consent work still queued for
 * the subject. Each gate's verified receipt is recorded against the request; the site
 * certificate closes it. Requests past their deadline are what the alarm reads.
 */
import { unknownGate } from "./gate-records.js";
import { checkId, checkMs, checkOneOf } from "./input-checks.js";
import { unknownSubject } from "./people-records.js";
import type { DeletionGatesTable, DeletionRequestsTable } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import { DELETION_REASONS, type DeletionRequestRow, type RecordReceiptInput, type RequestDeletionInput, TOMBSTONE_BLOCKS, WORK_PRIORITY } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";

export async function requestDeletion(ctx: StoreContext, input: RequestDeletionInput): Promise<DeletionRequestRow> {
  const id = checkId(input.id, "id");
  const subjectRef = checkId(input.subjectRef, "subjectRef");
  const reason = checkOneOf(input.reason, DELETION_REASONS, "reason");
  const at = checkMs(nowOr(ctx, input.requestedAt), "requestedAt");
  const deadlineMs = checkMs(input.deadlineMs ?? ctx.deletionDeadlineMs, "deadlineMs");
  const asked = input.gateIds?.map((g, i) => checkId(g, `gateIds[${i}]`));
  return ctx.tx(async (t) => {
    const person = await t.db.selectFrom("site_people").select("subject_ref").where("subject_ref", "=", subjectRef).executeTakeFirst();
    if (!person) throw unknownSubject(subjectRef);
    const dup = await t.db.selectFrom("site_deletion_requests").select("id").where("id", "=", id).executeTakeFirst();
    if (dup) throw new SiteStoreError("site_duplicate", `deletion request ${id} already exists`, { requestId: id });
    const all = (await t.db.selectFrom("site_gates").select("gate_id").orderBy("gate_id").execute()).map((g) => g.gate_id);
    let gateIds = all;
    if (asked) {
      const known = new Set(all);
      const missing = asked.find((g) => !known.has(g));
      if (missing !== undefined) throw unknownGate(missing);
      gateIds = [...new Set(asked)].sort();
    }
    await t.db.insertInto("site_deletion_requests").values({ id, subject_ref: subjectRef, reason, requested_at: at, deadline_at: at + deadlineMs, certificate: null, completed_at: null }).execute();
    await t.db.insertInto("site_tombstones").values({ request_id: id, subject_ref: subjectRef, created_at: at, cleared_at: null, cleared_by_consent: null }).execute();
    if (gateIds.length > 0) {
      await t.db.insertInto("site_deletion_gates").values(gateIds.map((g) => ({ request_id: id, gate_id: g, receipt: null, verified_at: null }))).execute();
      await t.db
        .insertInto("site_work")
        .values(
          gateIds.map((g) => ({ subject_ref: subjectRef, gate_id: g, kind: "delete", state: "pending", priority: WORK_PRIORITY.delete, ref: id, command_id: null, attempts: 0, error_code: null, error_message: null, created_at: at, updated_at: at, sent_at: null, claimed_by: null, claimed_until: null })),
        )
        .onConflict((oc) =>
          oc.columns(["subject_ref", "gate_id", "kind"]).doUpdateSet({ state: "pending", ref: id, command_id: null, error_code: null, error_message: null, sent_at: null, claimed_by: null, claimed_until: null, created_at: at, updated_at: at }),
        )
        .execute();
    }
    // Face data must not come back through work queued before the request (L7).
    await t.db
      .updateTable("site_work")
      .set({ state: "failed", error_code: "site_subject_tombstoned", error_message: `cancelled by deletion request ${id}`, updated_at: at })
      .where("subject_ref", "=", subjectRef)
      .where("kind", "in", [...TOMBSTONE_BLOCKS])
      .where("state", "in", ["pending", "sent"])
      .execute();
    return (await getDeletionRequest(t, id))!;
  });
}

export async function getDeletionRequest(ctx: StoreContext, id: string): Promise<DeletionRequestRow | null> {
  const row = await ctx.db.selectFrom("site_deletion_requests").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return null;
  return (await withGates(ctx, [row]))[0]!;
}

async function requireRequest(ctx: StoreContext, id: string): Promise<DeletionRequestRow> {
  const r = await getDeletionRequest(ctx, id);
  if (!r) throw new SiteStoreError("site_unknown_request", `deletion request ${id} does not exist`, { requestId: id });
  return r;
}

export async function deletionRequestsOf(ctx: StoreContext, subjectRef: string): Promise<DeletionRequestRow[]> {
  const rows = await ctx.db.selectFrom("site_deletion_requests").selectAll().where("subject_ref", "=", subjectRef).orderBy("requested_at").orderBy("id").execute();
  return withGates(ctx, rows);
}

export async function openDeletionRequests(ctx: StoreContext): Promise<DeletionRequestRow[]> {
  const rows = await ctx.db.selectFrom("site_deletion_requests").selectAll().where("completed_at", "is", null).orderBy("requested_at").orderBy("id").execute();
  return withGates(ctx, rows);
}

export async function overdueDeletionRequests(ctx: StoreContext, now?: number): Promise<DeletionRequestRow[]> {
  const at = checkMs(nowOr(ctx, now), "now");
  const rows = await ctx.db
    .selectFrom("site_deletion_requests")
    .selectAll()
    .where("completed_at", "is", null)
    .where("deadline_at", "<=", at)
    .orderBy("deadline_at")
    .orderBy("id")
    .execute();
  return withGates(ctx, rows);
}

/**
 * Records a gate's verified receipt and marks that gate's `delete` work for the request
 * applied. The same receipt again is a no-op; another receipt for a gate that answered is
 * refused, as is a gate the request does not expect.
 */
export async function recordReceipt(ctx: StoreContext, input: RecordReceiptInput): Promise<DeletionRequestRow> {
  const requestId = checkId(input.requestId, "requestId");
  const gateId = checkId(input.gateId, "gateId");
  if (typeof input.receipt !== "string" || input.receipt.length === 0) throw new SiteStoreError("site_input_invalid", "receipt: must be the signed receipt as JSON text", { path: "receipt" });
  const at = checkMs(nowOr(ctx, input.verifiedAt), "verifiedAt");
  return ctx.tx(async (t) => {
    const request = await requireRequest(t, requestId);
    const slot = request.gates.find((g) => g.gateId === gateId);
    if (!slot) throw new SiteStoreError("site_receipt_unexpected", `deletion request ${requestId} does not expect a receipt from gate ${gateId}`, { requestId, gateId });
    if (slot.receipt !== null) {
      if (slot.receipt === input.receipt) return request;
      throw new SiteStoreError("site_duplicate", `gate ${gateId} already answered deletion request ${requestId} with another receipt`, { requestId, gateId });
    }
    await t.db.updateTable("site_deletion_gates").set({ receipt: input.receipt, verified_at: at }).where("request_id", "=", requestId).where("gate_id", "=", gateId).execute();
    await t.db
      .updateTable("site_work")
      .set({ state: "applied", error_code: null, error_message: null, updated_at: at })
      .where("subject_ref", "=", request.subjectRef)
      .where("gate_id", "=", gateId)
      .where("kind", "=", "delete")
      .where("ref", "=", requestId)
      .execute();
    return (await getDeletionRequest(t, requestId))!;
  });
}

export async function completeDeletion(ctx: StoreContext, id: string, certificate: string, at?: number): Promise<DeletionRequestRow> {
  const when = checkMs(nowOr(ctx, at), "at");
  if (typeof certificate !== "string" || certificate.length === 0) throw new SiteStoreError("site_input_invalid", "certificate: must be the signed certificate as JSON text", { path: "certificate" });
  return ctx.tx(async (t) => {
    const request = await requireRequest(t, id);
    if (request.completedAt !== null) throw new SiteStoreError("site_duplicate", `deletion request ${id} already has its certificate`, { requestId: id });
    const missing = request.gates.filter((g) => g.receipt === null).map((g) => g.gateId);
    if (missing.length > 0) {
      throw new SiteStoreError("site_deletion_incomplete", `deletion request ${id} still waits for ${missing.length} gate(s): ${missing.join(", ")}`, { requestId: id, missing });
    }
    await t.db.updateTable("site_deletion_requests").set({ certificate, completed_at: when }).where("id", "=", id).execute();
    return (await getDeletionRequest(t, id))!;
  });
}

async function withGates(ctx: StoreContext, rows: DeletionRequestsTable[]): Promise<DeletionRequestRow[]> {
  if (rows.length === 0) return [];
  const byRequest = new Map<string, DeletionGatesTable[]>();
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500) {
    const gates = await ctx.db.selectFrom("site_deletion_gates").selectAll().where("request_id", "in", ids.slice(i, i + 500)).orderBy("gate_id").execute();
    for (const g of gates) byRequest.set(g.request_id, [...(byRequest.get(g.request_id) ?? []), g]);
  }
  return rows.map((r) => ({
    id: r.id,
    subjectRef: r.subject_ref,
    reason: r.reason as DeletionRequestRow["reason"],
    requestedAt: r.requested_at,
    deadlineAt: r.deadline_at,
    certificate: r.certificate,
    completedAt: r.completed_at,
    gates: (byRequest.get(r.id) ?? []).map((g) => ({ gateId: g.gate_id, receipt: g.receipt, verifiedAt: g.verified_at })),
  }));
}
