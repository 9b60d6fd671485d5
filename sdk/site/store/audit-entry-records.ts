/**
 * The gates' audit entries as the site collected and checked them (issue 13 item 5, L8):
 * each entry and signed checkpoint stored as the gate sent it, keyed by gate and position,
 * written in the same transaction as the compare-and-set that moves the gate's cursor, so
 * what is stored is exactly what was checked, and of two instances collecting one gate
 * only one stores the chunk. Entries are found again by subject for evidence bundles.
 */
import type { AuditCheckpoint, AuditEntry } from "../../protocol/index.js";
import { advanceAuditCursor, getAuditCursor } from "./audit-cursor-records.js";
import { checkId, checkMs } from "./input-checks.js";
import { SiteStoreError } from "./site-store-error.js";
import type { AppendAuditInput } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";

/** Stores a checked chunk and moves the cursor to its last entry; false (nothing stored) when the cursor was not at `fromSequence`. */
export async function appendAuditEntries(ctx: StoreContext, gateId: string, input: AppendAuditInput): Promise<boolean> {
  const entries = input.entries;
  const last = entries[entries.length - 1];
  if (!last) throw new SiteStoreError("site_input_invalid", "entries: at least one entry", { path: "entries" });
  entries.forEach((e, i) => {
    if (e.seq !== input.fromSequence + i + 1) throw new SiteStoreError("site_input_invalid", `entries[${i}]: position ${e.seq} does not follow ${input.fromSequence + i}`, { path: `entries[${i}].seq` });
  });
  const at = checkMs(nowOr(ctx, input.verifiedAt), "verifiedAt");
  return ctx.tx(async (t) => {
    const moved = await advanceAuditCursor(t, gateId, { fromSequence: input.fromSequence, lastSequence: last.seq, lastEntryHash: last.hash, verifiedAt: at });
    if (!moved) return false;
    for (let i = 0; i < entries.length; i += 200) {
      await t.db
        .insertInto("site_audit_entries")
        .values(entries.slice(i, i + 200).map((e) => ({ gate_id: gateId, seq: e.seq, at: e.at, subject_ref: e.subject === null ? null : checkId(e.subject, "entries.subject"), entry: JSON.stringify(e) })))
        .execute();
    }
    const checkpoints = input.checkpoints.filter((c) => c.seq > input.fromSequence && c.seq <= last.seq);
    if (checkpoints.length > 0) {
      await t.db
        .insertInto("site_audit_checkpoints")
        .values(checkpoints.map((c) => ({ gate_id: gateId, seq: c.seq, checkpoint: JSON.stringify(c) })))
        .onConflict((oc) => oc.columns(["gate_id", "seq"]).doNothing())
        .execute();
    }
    return true;
  });
}

/** A gate's collected entries with positions in [fromSeq, toSeq] (inclusive), in order. */
export async function auditEntries(ctx: StoreContext, gateId: string, range: { fromSeq?: number; toSeq?: number } = {}): Promise<AuditEntry[]> {
  await getAuditCursor(ctx, gateId);
  let q = ctx.db.selectFrom("site_audit_entries").select("entry").where("gate_id", "=", gateId);
  if (range.fromSeq !== undefined) q = q.where("seq", ">=", range.fromSeq);
  if (range.toSeq !== undefined) q = q.where("seq", "<=", range.toSeq);
  return (await q.orderBy("seq").execute()).map((r) => JSON.parse(r.entry) as AuditEntry);
}

/** Collected entries that name the subject, every gate, by gate then position. */
export async function auditEntriesOf(ctx: StoreContext, subjectRef: string): Promise<Array<{ gateId: string; entry: AuditEntry }>> {
  const rows = await ctx.db.selectFrom("site_audit_entries").select(["gate_id", "entry"]).where("subject_ref", "=", checkId(subjectRef, "subjectRef")).orderBy("gate_id").orderBy("seq").execute();
  return rows.map((r) => ({ gateId: r.gate_id, entry: JSON.parse(r.entry) as AuditEntry }));
}

/** A gate's collected signed checkpoints, in order. */
export async function auditCheckpoints(ctx: StoreContext, gateId: string): Promise<AuditCheckpoint[]> {
  await getAuditCursor(ctx, gateId);
  const rows = await ctx.db.selectFrom("site_audit_checkpoints").select("checkpoint").where("gate_id", "=", gateId).orderBy("seq").execute();
  return rows.map((r) => JSON.parse(r.checkpoint) as AuditCheckpoint);
}

/** An operator saw the broken chain: the alarm ends (the cursor stays broken). */
export async function acknowledgeAuditBroken(ctx: StoreContext, gateId: string, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  const cursor = await getAuditCursor(ctx, gateId);
  if (!cursor.broken) throw new SiteStoreError("site_input_invalid", `the audit chain of gate ${gateId} is not broken; nothing to acknowledge`, { path: "gateId" });
  await ctx.db.updateTable("site_audit_cursors").set({ acknowledged_at: when }).where("gate_id", "=", gateId).execute();
}
