/**
 * How far each gate's audit log has been fetched and checked (issue 13 item 5, L8): the
 * last sequence and entry hash, when, and whether the chain was found broken. Advancing is
 * a compare-and-set on the sequence, so of two instances fetching the same gate only one
 * moves the cursor.
 */
import { unknownGate } from "./gate-records.js";
import { checkCount, checkMs, checkText } from "./input-checks.js";
import type { AdvanceAuditInput, AuditCursorRow } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";

export async function getAuditCursor(ctx: StoreContext, gateId: string): Promise<AuditCursorRow> {
  const r = await ctx.db.selectFrom("site_audit_cursors").selectAll().where("gate_id", "=", gateId).executeTakeFirst();
  if (!r) throw unknownGate(gateId);
  return { gateId: r.gate_id, lastSequence: r.last_sequence, lastEntryHash: r.last_entry_hash, verifiedAt: r.verified_at, broken: r.broken === 1, brokenDetail: r.broken_detail, brokenAt: r.broken_at, acknowledgedAt: r.acknowledged_at };
}

export async function advanceAuditCursor(ctx: StoreContext, gateId: string, input: AdvanceAuditInput): Promise<boolean> {
  const from = checkCount(input.fromSequence, "fromSequence");
  const to = checkCount(input.lastSequence, "lastSequence");
  const hash = checkText(input.lastEntryHash, "lastEntryHash", 200);
  const at = checkMs(nowOr(ctx, input.verifiedAt), "verifiedAt");
  await getAuditCursor(ctx, gateId);
  const r = await ctx.db
    .updateTable("site_audit_cursors")
    .set({ last_sequence: to, last_entry_hash: hash, verified_at: at })
    .where("gate_id", "=", gateId)
    .where("last_sequence", "=", from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markAuditBroken(ctx: StoreContext, gateId: string, detail: string, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  const text = checkText(detail, "detail", 2000);
  const r = await ctx.db.updateTable("site_audit_cursors").set({ broken: 1, broken_detail: text, broken_at: when, acknowledged_at: null }).where("gate_id", "=", gateId).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw unknownGate(gateId);
}
