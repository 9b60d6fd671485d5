/**
 * Work owed to gates, one item per (subject, gate, kind), with its state (pending, sent,
 * applied, failed), the last error and the command that carries it. `nextWork` hands a
 * gate its deletions before anything else (L7: a gate back from offline deletes first),
 * then by WORK_PRIORITY, oldest first within a priority.
 */
import { unknownGate } from "./gate-records.js";
import { checkId, checkMs, checkOneOf, checkText } from "./input-checks.js";
import type { WorkTable } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import { type ClaimWorkInput, type QueueWorkInput, TOMBSTONE_BLOCKS, WORK_KINDS, WORK_PRIORITY, WORK_STATES, type WorkKey, type WorkRow, type WorkState } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";
import { isTombstoned } from "./tombstone-records.js";

export async function queueWork(ctx: StoreContext, input: QueueWorkInput): Promise<WorkRow> {
  const key = checkKey(input);
  const ref = input.ref === undefined || input.ref === null ? null : checkId(input.ref, "ref");
  const at = checkMs(nowOr(ctx, input.at), "at");
  return ctx.tx(async (t) => {
    const gate = await t.db.selectFrom("site_gates").select("gate_id").where("gate_id", "=", key.gateId).executeTakeFirst();
    if (!gate) throw unknownGate(key.gateId);
    if (TOMBSTONE_BLOCKS.includes(key.kind) && (await isTombstoned(t, key.subjectRef))) {
      throw new SiteStoreError(
        "site_subject_tombstoned",
        `subject ${key.subjectRef} was deleted: no ${key.kind} work until a new consent is recorded`,
        { subjectRef: key.subjectRef, kind: key.kind, gateId: key.gateId },
      );
    }
    await t.db
      .insertInto("site_work")
      .values({
        subject_ref: key.subjectRef,
        gate_id: key.gateId,
        kind: key.kind,
        state: "pending",
        priority: WORK_PRIORITY[key.kind],
        ref,
        command_id: null,
        attempts: 0,
        error_code: null,
        error_message: null,
        created_at: at,
        updated_at: at,
        sent_at: null,
        claimed_by: null,
        claimed_until: null,
      })
      .onConflict((oc) =>
        oc.columns(["subject_ref", "gate_id", "kind"]).doUpdateSet({
          state: "pending",
          ref,
          command_id: null,
          error_code: null,
          error_message: null,
          sent_at: null,
          claimed_by: null,
          claimed_until: null,
          // Queued again: it waits its turn again, behind what was queued before it.
          created_at: at,
          updated_at: at,
        }),
      )
      .execute();
    return (await getWork(t, key))!;
  });
}

function checkKey(key: WorkKey): WorkKey {
  return {
    subjectRef: checkId(key.subjectRef, "subjectRef"),
    gateId: checkId(key.gateId, "gateId"),
    kind: checkOneOf(key.kind, WORK_KINDS, "kind"),
  };
}

function keyColumns(key: WorkKey): { subject_ref: string; gate_id: string; kind: string } {
  return { subject_ref: key.subjectRef, gate_id: key.gateId, kind: key.kind };
}

export async function getWork(ctx: StoreContext, key: WorkKey): Promise<WorkRow | null> {
  const row = await ctx.db.selectFrom("site_work").selectAll().where((eb) => eb.and(keyColumns(key))).executeTakeFirst();
  return row ? toWork(row) : null;
}

export async function nextWork(ctx: StoreContext, gateId: string, limit = 100): Promise<WorkRow[]> {
  const rows = await ctx.db
    .selectFrom("site_work")
    .selectAll()
    .where("gate_id", "=", gateId)
    .where("state", "=", "pending")
    .orderBy("priority")
    .orderBy("created_at")
    .orderBy("subject_ref")
    .limit(Math.max(1, Math.min(limit, 10_000)))
    .execute();
  return rows.map(toWork);
}

export async function claimWork(ctx: StoreContext, gateId: string, input: ClaimWorkInput): Promise<WorkRow[]> {
  const holder = checkId(input.holder, "holder");
  const leaseMs = checkMs(input.leaseMs, "leaseMs");
  if (leaseMs === 0) throw new SiteStoreError("site_input_invalid", "leaseMs: must be more than 0", { path: "leaseMs" });
  const at = checkMs(nowOr(ctx, input.at), "at");
  const limit = Math.max(1, Math.min(input.limit ?? 100, 10_000));
  return ctx.tx(async (t) => {
    let q = t.db
      .selectFrom("site_work")
      .selectAll()
      .where("gate_id", "=", gateId)
      .where("state", "=", "pending")
      .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<=", at), eb("claimed_by", "=", holder)]))
      .orderBy("priority")
      .orderBy("created_at")
      .orderBy("subject_ref")
      .limit(limit);
    // PostgreSQL: rows another instance is claiming right now are skipped, not waited for.
    // SQLite has one writer at a time, so the transaction alone keeps claims apart.
    if (t.engine === "postgres") q = q.forUpdate().skipLocked();
    const rows = await q.execute();
    const claimed: WorkRow[] = [];
    for (const r of rows) {
      const u = await t.db
        .updateTable("site_work")
        .set({ claimed_by: holder, claimed_until: at + leaseMs })
        .where((eb) => eb.and(keyColumns({ subjectRef: r.subject_ref, gateId: r.gate_id, kind: r.kind as WorkKey["kind"] })))
        .where("state", "=", "pending")
        .executeTakeFirst();
      if (Number(u.numUpdatedRows) === 1) claimed.push(toWork({ ...r, claimed_by: holder, claimed_until: at + leaseMs }));
    }
    return claimed;
  });
}

export async function workOf(ctx: StoreContext, subjectRef: string): Promise<WorkRow[]> {
  const rows = await ctx.db.selectFrom("site_work").selectAll().where("subject_ref", "=", subjectRef).orderBy("gate_id").orderBy("priority").execute();
  return rows.map(toWork);
}

export async function workOfGate(ctx: StoreContext, gateId: string, states?: WorkState[]): Promise<WorkRow[]> {
  let q = ctx.db.selectFrom("site_work").selectAll().where("gate_id", "=", gateId);
  if (states && states.length > 0) q = q.where("state", "in", states.map((s, i) => checkOneOf(s, WORK_STATES, `states[${i}]`)));
  const rows = await q.orderBy("priority").orderBy("created_at").orderBy("subject_ref").execute();
  return rows.map(toWork);
}

export async function workByCommand(ctx: StoreContext, commandId: string): Promise<WorkRow | null> {
  const row = await ctx.db.selectFrom("site_work").selectAll().where("command_id", "=", commandId).executeTakeFirst();
  return row ? toWork(row) : null;
}

async function update(ctx: StoreContext, key: WorkKey, patch: Partial<WorkTable>, increment = false): Promise<void> {
  const k = checkKey(key);
  let q = ctx.db.updateTable("site_work").set(patch);
  if (increment) q = q.set((eb) => ({ attempts: eb("attempts", "+", 1) }));
  const r = await q.where((eb) => eb.and(keyColumns(k))).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    throw new SiteStoreError("site_unknown_work", `no ${k.kind} work for subject ${k.subjectRef} at gate ${k.gateId}`, { ...k });
  }
}

export async function markWorkSent(ctx: StoreContext, key: WorkKey, commandId: string, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  await update(ctx, key, { state: "sent", command_id: checkId(commandId, "commandId"), sent_at: when, updated_at: when }, true);
}

export async function markWorkApplied(ctx: StoreContext, key: WorkKey, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  await update(ctx, key, { state: "applied", error_code: null, error_message: null, updated_at: when });
}

export async function markWorkFailed(ctx: StoreContext, key: WorkKey, error: { code: string; message: string }, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  const code = checkId(error.code, "error.code");
  const message = checkText(error.message, "error.message", 2000);
  await update(ctx, key, { state: "failed", error_code: code, error_message: message, updated_at: when });
}

export async function requeueSent(ctx: StoreContext, gateId: string, at?: number, options: { holder?: string } = {}): Promise<number> {
  const when = checkMs(nowOr(ctx, at), "at");
  let q = ctx.db
    .updateTable("site_work")
    .set({ state: "pending", updated_at: when, claimed_by: null, claimed_until: null })
    .where("gate_id", "=", gateId)
    .where("state", "=", "sent");
  // With a holder: what another instance sent under a live claim is still its own (its answer may be on the way).
  if (options.holder !== undefined) {
    const holder = checkId(options.holder, "holder");
    q = q.where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<=", when), eb("claimed_by", "=", holder)]));
  }
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Extends the holder's claim on an item (pending or sent) to at + leaseMs; false when the claim is no longer the holder's. */
export async function renewClaim(ctx: StoreContext, key: WorkKey, input: { holder: string; leaseMs: number; at?: number }): Promise<boolean> {
  const k = checkKey(key);
  const holder = checkId(input.holder, "holder");
  const at = checkMs(nowOr(ctx, input.at), "at");
  const r = await ctx.db
    .updateTable("site_work")
    .set({ claimed_until: at + checkMs(input.leaseMs, "leaseMs") })
    .where((eb) => eb.and(keyColumns(k)))
    .where("claimed_by", "=", holder)
    .where("state", "in", ["pending", "sent"])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countWork(ctx: StoreContext, gateId: string, state: WorkState): Promise<number> {
  const r = await ctx.db
    .selectFrom("site_work")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("gate_id", "=", gateId)
    .where("state", "=", checkOneOf(state, WORK_STATES, "state"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function toWork(r: WorkTable): WorkRow {
  return {
    subjectRef: r.subject_ref,
    gateId: r.gate_id,
    kind: r.kind as WorkRow["kind"],
    state: r.state as WorkState,
    priority: r.priority,
    ref: r.ref,
    commandId: r.command_id,
    attempts: r.attempts,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
    claimedBy: r.claimed_by,
    claimedUntil: r.claimed_until,
  };
}
