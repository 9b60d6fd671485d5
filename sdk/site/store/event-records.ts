/**
 * Events from the gates, each stored exactly once by its id (issue 13 item 5): the insert
 * is `ON CONFLICT (id) DO NOTHING`, so two service instances sharing one PostgreSQL (an
 * MQTT shared subscription hands each event to one of them, a redelivery may hand it to
 * the other) never store one twice. Queryable by gate, subject, type and time.
 */
import { unknownGate } from "./gate-records.js";
import { checkId, checkMs, checkText, toJson } from "./input-checks.js";
import type { EventsTable } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import type { EventQuery, SiteEventInput, SiteEventRow } from "./site-store.js";
import type { StoreContext } from "./store-context.js";

function toRow(e: SiteEventInput, storedAt: number): EventsTable {
  return {
    id: checkId(e.id, "id"),
    gate_id: checkId(e.gateId, "gateId"),
    subject_ref: e.subjectRef === undefined || e.subjectRef === null ? null : checkId(e.subjectRef, "subjectRef"),
    type: checkText(e.type, "type", 100),
    at: checkMs(e.at, "at"),
    body: toJson(e.body ?? null, "body"),
    stored_at: storedAt,
  };
}

/** True when stored, false when an event with this id was stored before. */
export async function insertEvent(ctx: StoreContext, event: SiteEventInput): Promise<boolean> {
  return (await insertEvents(ctx, [event])).length === 1;
}

/**
 * Stores a batch; returns the ids that were new (each stored once, whoever else inserts
 * them at the same moment). Every event is checked before any is written.
 */
export async function insertEvents(ctx: StoreContext, events: readonly SiteEventInput[]): Promise<string[]> {
  if (events.length === 0) return [];
  const storedAt = ctx.clock.now();
  const rows = events.map((e) => toRow(e, storedAt));
  const gates = [...new Set(rows.map((r) => r.gate_id))];
  const known = new Set((await ctx.db.selectFrom("site_gates").select("gate_id").where("gate_id", "in", gates).execute()).map((g) => g.gate_id));
  const missing = gates.find((g) => !known.has(g));
  if (missing !== undefined) throw unknownGate(missing);
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += 200) {
    const inserted = await ctx.db
      .insertInto("site_events")
      .values(rows.slice(i, i + 200))
      .onConflict((oc) => oc.column("id").doNothing())
      .returning("id")
      .execute();
    for (const r of inserted) out.push(r.id);
  }
  return out;
}

export async function queryEvents(ctx: StoreContext, query: EventQuery): Promise<SiteEventRow[]> {
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new SiteStoreError("site_input_invalid", "limit: must be 1-10000", { path: "limit" });
  let q = ctx.db.selectFrom("site_events").selectAll();
  if (query.gateId !== undefined) q = q.where("gate_id", "=", query.gateId);
  if (query.subjectRef !== undefined) q = q.where("subject_ref", "=", query.subjectRef);
  if (query.type !== undefined) q = q.where("type", "=", query.type);
  if (query.from !== undefined) q = q.where("at", ">=", checkMs(query.from, "from"));
  if (query.to !== undefined) q = q.where("at", "<", checkMs(query.to, "to"));
  const rows = await q.orderBy("at").orderBy("id").limit(limit).execute();
  return rows.map((r) => ({ id: r.id, gateId: r.gate_id, subjectRef: r.subject_ref, type: r.type, at: r.at, body: JSON.parse(r.body) as unknown, storedAt: r.stored_at }));
}
