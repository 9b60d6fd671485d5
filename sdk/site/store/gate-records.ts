/**
 * Gates, their pinned keys, their groups and their status (issue 13 item 2). A gate's keys
 * are pinned when it is added: anything signed by another key is refused, so adding the
 * same gate id with another key is refused here too, loudly.
 */
import { checkCount, checkId, checkMs, checkPublicKey, checkScope, checkText } from "./input-checks.js";
import type { GatesTable } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import type { AddGateInput, GateRow, GateStatus, GroupRow, Scope } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";

export async function addGate(ctx: StoreContext, input: AddGateInput): Promise<GateRow> {
  const gateId = checkId(input.gateId, "gateId");
  const siteId = checkId(input.siteId, "siteId");
  const name = checkText(input.name, "name");
  const signPublicKey = checkPublicKey(input.signPublicKey, "signPublicKey");
  const boxPublicKey = checkPublicKey(input.boxPublicKey, "boxPublicKey");
  const topicPrefix = checkText(input.topicPrefix, "topicPrefix");
  const groups = (input.groups ?? []).map((g, i) => checkText(g, `groups[${i}]`));
  const at = checkMs(nowOr(ctx, input.addedAt), "addedAt");
  return ctx.tx(async (t) => {
    const existing = await t.db.selectFrom("site_gates").selectAll().where("gate_id", "=", gateId).executeTakeFirst();
    if (existing) {
      if (existing.sign_public_key !== signPublicKey || existing.box_public_key !== boxPublicKey) {
        const which = existing.sign_public_key !== signPublicKey ? "signing" : "box";
        throw new SiteStoreError(
          "site_gate_key_mismatch",
          `gate ${gateId} is already pinned to another ${which} key; remove and re-install the gate deliberately to change it`,
          { gateId, key: which },
        );
      }
      if (existing.site_id !== siteId) throw new SiteStoreError("site_input_invalid", `siteId: gate ${gateId} belongs to site ${existing.site_id}`, { gateId, path: "siteId" });
    } else {
      await t.db
        .insertInto("site_gates")
        .values({ gate_id: gateId, site_id: siteId, name, sign_public_key: signPublicKey, box_public_key: boxPublicKey, topic_prefix: topicPrefix, added_at: at, online: 0 })
        .execute();
      await t.db.insertInto("site_audit_cursors").values({ gate_id: gateId, last_sequence: 0, broken: 0 }).execute();
    }
    for (const g of groups) {
      await ensureGroup(t, g, at);
      await t.db.insertInto("site_group_members").values({ group_name: g, gate_id: gateId }).onConflict((oc) => oc.columns(["group_name", "gate_id"]).doNothing()).execute();
    }
    return requireGate(t, gateId);
  });
}

export async function getGate(ctx: StoreContext, gateId: string): Promise<GateRow | null> {
  const row = await ctx.db.selectFrom("site_gates").selectAll().where("gate_id", "=", gateId).executeTakeFirst();
  if (!row) return null;
  const groups = await ctx.db.selectFrom("site_group_members").select("group_name").where("gate_id", "=", gateId).orderBy("group_name").execute();
  return toGate(row, groups.map((g) => g.group_name));
}

export async function requireGate(ctx: StoreContext, gateId: string): Promise<GateRow> {
  const gate = await getGate(ctx, gateId);
  if (!gate) throw unknownGate(gateId);
  return gate;
}

export function unknownGate(gateId: string): SiteStoreError {
  return new SiteStoreError("site_unknown_gate", `gate ${gateId} is not registered at this site`, { gateId });
}

export async function listGates(ctx: StoreContext): Promise<GateRow[]> {
  const rows = await ctx.db.selectFrom("site_gates").selectAll().orderBy("gate_id").execute();
  const members = await ctx.db.selectFrom("site_group_members").selectAll().orderBy("group_name").execute();
  const byGate = new Map<string, string[]>();
  for (const m of members) byGate.set(m.gate_id, [...(byGate.get(m.gate_id) ?? []), m.group_name]);
  return rows.map((r) => toGate(r, byGate.get(r.gate_id) ?? []));
}

export async function updateGateStatus(ctx: StoreContext, gateId: string, status: Partial<Omit<GateStatus, "updatedAt">>, at?: number): Promise<void> {
  const patch: Partial<GatesTable> = { status_at: checkMs(nowOr(ctx, at), "at") };
  if (status.online !== undefined) {
    if (typeof status.online !== "boolean") throw new SiteStoreError("site_input_invalid", "online: must be true or false", { path: "online" });
    patch.online = status.online ? 1 : 0;
  }
  if (status.lastSeenAt !== undefined) patch.last_seen_at = status.lastSeenAt === null ? null : checkMs(status.lastSeenAt, "lastSeenAt");
  if (status.softwareVersion !== undefined) patch.software_version = status.softwareVersion === null ? null : checkText(status.softwareVersion, "softwareVersion", 100);
  if (status.templateCount !== undefined) patch.template_count = status.templateCount === null ? null : checkCount(status.templateCount, "templateCount");
  if (status.pendingCount !== undefined) patch.pending_count = status.pendingCount === null ? null : checkCount(status.pendingCount, "pendingCount");
  const result = await ctx.db.updateTable("site_gates").set(patch).where("gate_id", "=", gateId).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw unknownGate(gateId);
}

async function ensureGroup(ctx: StoreContext, name: string, at: number): Promise<void> {
  await ctx.db.insertInto("site_groups").values({ name, created_at: at }).onConflict((oc) => oc.column("name").doNothing()).execute();
}

export async function addGroup(ctx: StoreContext, name: string, at?: number): Promise<void> {
  await ensureGroup(ctx, checkText(name, "group"), checkMs(nowOr(ctx, at), "at"));
}

async function requireGroup(ctx: StoreContext, name: string): Promise<void> {
  const row = await ctx.db.selectFrom("site_groups").select("name").where("name", "=", name).executeTakeFirst();
  if (!row) throw new SiteStoreError("site_unknown_group", `gate group "${name}" does not exist at this site`, { group: name });
}

export async function addToGroup(ctx: StoreContext, group: string, gateIds: string[]): Promise<void> {
  await ctx.tx(async (t) => {
    await requireGroup(t, group);
    for (const id of gateIds) {
      await requireGate(t, id);
      await t.db.insertInto("site_group_members").values({ group_name: group, gate_id: id }).onConflict((oc) => oc.columns(["group_name", "gate_id"]).doNothing()).execute();
    }
  });
}

export async function removeFromGroup(ctx: StoreContext, group: string, gateIds: string[]): Promise<void> {
  await ctx.tx(async (t) => {
    await requireGroup(t, group);
    if (gateIds.length > 0) await t.db.deleteFrom("site_group_members").where("group_name", "=", group).where("gate_id", "in", gateIds).execute();
  });
}

export async function listGroups(ctx: StoreContext): Promise<GroupRow[]> {
  const groups = await ctx.db.selectFrom("site_groups").selectAll().orderBy("name").execute();
  const members = await ctx.db.selectFrom("site_group_members").selectAll().orderBy("gate_id").execute();
  return groups.map((g) => ({ name: g.name, createdAt: g.created_at, gateIds: members.filter((m) => m.group_name === g.name).map((m) => m.gate_id) }));
}

/** Checks that every gate and group of a scope exists; returns the normalised scope. */
export async function checkScopeExists(ctx: StoreContext, scope: Scope, path: string): Promise<Scope> {
  const s = checkScope(scope, path);
  if (s.gates.length > 0) {
    const found = new Set((await ctx.db.selectFrom("site_gates").select("gate_id").where("gate_id", "in", s.gates).execute()).map((r) => r.gate_id));
    const missing = s.gates.find((g) => !found.has(g));
    if (missing !== undefined) throw unknownGate(missing);
  }
  if (s.groups.length > 0) {
    const found = new Set((await ctx.db.selectFrom("site_groups").select("name").where("name", "in", s.groups).execute()).map((r) => r.name));
    const missing = s.groups.find((g) => !found.has(g));
    if (missing !== undefined) throw new SiteStoreError("site_unknown_group", `${path}: gate group "${missing}" does not exist at this site`, { group: missing, path });
  }
  return s;
}

export async function resolveScope(ctx: StoreContext, scope: Scope): Promise<string[]> {
  const s = checkScope(scope, "scope");
  const out = new Set<string>();
  // Registered gates only: a scope naming a gate that is not (or no longer) here covers nothing there.
  if (s.gates.length > 0) for (const g of await ctx.db.selectFrom("site_gates").select("gate_id").where("gate_id", "in", s.gates).execute()) out.add(g.gate_id);
  if (s.groups.length > 0) {
    const members = await ctx.db.selectFrom("site_group_members").select("gate_id").where("group_name", "in", s.groups).execute();
    for (const m of members) out.add(m.gate_id);
  }
  return [...out].sort();
}

function toGate(r: GatesTable, groups: string[]): GateRow {
  return {
    siteId: r.site_id,
    gateId: r.gate_id,
    name: r.name,
    signPublicKey: r.sign_public_key,
    boxPublicKey: r.box_public_key,
    topicPrefix: r.topic_prefix,
    addedAt: r.added_at,
    groups,
    status: {
      online: r.online === 1,
      lastSeenAt: r.last_seen_at,
      softwareVersion: r.software_version,
      templateCount: r.template_count,
      pendingCount: r.pending_count,
      updatedAt: r.status_at,
    },
  };
}
