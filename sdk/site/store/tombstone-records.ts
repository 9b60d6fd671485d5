/**
 * Tombstones: a deleted subject stays deleted (L7). While one is open, no enrollment or
 * consent work is queued for the subject; a consent recorded after it clears it, and the
 * tombstone stays as history (cleared at, by which consent).
 */
import type { TombstonesTable } from "./schema.js";
import type { TombstoneRow } from "./site-store.js";
import type { StoreContext } from "./store-context.js";

export async function isTombstoned(ctx: StoreContext, subjectRef: string): Promise<boolean> {
  const row = await ctx.db.selectFrom("site_tombstones").select("request_id").where("subject_ref", "=", subjectRef).where("cleared_at", "is", null).executeTakeFirst();
  return row !== undefined;
}

export async function tombstonesOf(ctx: StoreContext, subjectRef: string): Promise<TombstoneRow[]> {
  const rows = await ctx.db.selectFrom("site_tombstones").selectAll().where("subject_ref", "=", subjectRef).orderBy("created_at").orderBy("request_id").execute();
  return rows.map(toTombstone);
}

/** Clears the subject's open tombstones written at or before `at` (the consent's time); returns how many. */
export async function clearTombstones(ctx: StoreContext, subjectRef: string, consentId: string, at: number): Promise<number> {
  const r = await ctx.db
    .updateTable("site_tombstones")
    .set({ cleared_at: at, cleared_by_consent: consentId })
    .where("subject_ref", "=", subjectRef)
    .where("cleared_at", "is", null)
    .where("created_at", "<=", at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

function toTombstone(r: TombstonesTable): TombstoneRow {
  return { subjectRef: r.subject_ref, requestId: r.request_id, createdAt: r.created_at, clearedAt: r.cleared_at, clearedByConsent: r.cleared_by_consent };
}
