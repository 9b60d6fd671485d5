/**
 * Residents, registered once for the site (issue 13 item 3): an opaque subject ref, a
 * label for screens (never matched on), rights over gates and groups, an optional
 * schedule. Cards and PIN are kept only sealed under the service key (L4): the service
 * needs them to push to gates, and a copy of the database must not give them away.
 */
import { checkPin, normalizeCardNumber } from "../../access/secrets.js";
import { FacegateError } from "../../errors.js";
import { checkScopeExists } from "./gate-records.js";
import { checkId, checkMs, checkText, toJson } from "./input-checks.js";
import type { PeopleTable } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import type { PersonRow, PersonSecrets, PutPersonInput, Scope } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";

export async function putPerson(ctx: StoreContext, input: PutPersonInput): Promise<PersonRow> {
  const subjectRef = checkId(input.subjectRef, "subjectRef");
  const label = checkText(input.label, "label");
  const secrets = checkSecrets(input);
  const schedule = input.schedule === undefined || input.schedule === null ? null : toJson(input.schedule, "schedule");
  const at = checkMs(nowOr(ctx, input.at), "at");
  const sealed = ctx.seal.seal("person", subjectRef, new TextEncoder().encode(JSON.stringify(secrets)));
  return ctx.tx(async (t) => {
    const rights = await checkScopeExists(t, input.rights, "rights");
    const existing = await t.db.selectFrom("site_people").select(["created_at"]).where("subject_ref", "=", subjectRef).executeTakeFirst();
    const row = {
      label,
      secrets_sealed: sealed.sealed,
      secrets_nonce: sealed.nonce,
      card_count: secrets.cards.length,
      has_pin: secrets.pin === null ? 0 : 1,
      schedule,
      updated_at: at,
      // Registering a person again brings them back if they had ended.
      ended_at: null,
    };
    if (existing) await t.db.updateTable("site_people").set(row).where("subject_ref", "=", subjectRef).execute();
    else await t.db.insertInto("site_people").values({ subject_ref: subjectRef, created_at: at, ...row }).execute();
    await t.db.deleteFrom("site_person_rights").where("owner", "=", subjectRef).execute();
    const scopeRows = [...rights.gates.map((g) => ({ owner: subjectRef, kind: "gate", target: g })), ...rights.groups.map((g) => ({ owner: subjectRef, kind: "group", target: g }))];
    if (scopeRows.length > 0) await t.db.insertInto("site_person_rights").values(scopeRows).execute();
    return requirePerson(t, subjectRef);
  });
}

function checkSecrets(input: PutPersonInput): PersonSecrets {
  if (!Array.isArray(input.cards)) throw new SiteStoreError("site_input_invalid", "cards: must be a list of card numbers", { path: "cards" });
  try {
    const cards = [...new Set(input.cards.map((c, i) => normalizeCardNumber(String(c), `cards[${i}]`)))];
    const pin = input.pin ?? null;
    if (pin !== null) checkPin(String(pin), "pin");
    return { cards, pin: pin === null ? null : String(pin) };
  } catch (err) {
    // The access module's checks say what is wrong without quoting the value.
    if (err instanceof FacegateError) throw new SiteStoreError("site_input_invalid", err.message, { ...err.details });
    throw err;
  }
}

export async function getPerson(ctx: StoreContext, subjectRef: string): Promise<PersonRow | null> {
  const row = await ctx.db.selectFrom("site_people").selectAll().where("subject_ref", "=", subjectRef).executeTakeFirst();
  if (!row) return null;
  const rights = await ctx.db.selectFrom("site_person_rights").selectAll().where("owner", "=", subjectRef).execute();
  return toPerson(row, scopeOf(rights));
}

export async function requirePerson(ctx: StoreContext, subjectRef: string): Promise<PersonRow> {
  const p = await getPerson(ctx, subjectRef);
  if (!p) throw unknownSubject(subjectRef);
  return p;
}

export function unknownSubject(subjectRef: string): SiteStoreError {
  return new SiteStoreError("site_unknown_subject", `subject ${subjectRef} is not registered at this site`, { subjectRef });
}

export async function listPeople(ctx: StoreContext, options: { includeEnded?: boolean } = {}): Promise<PersonRow[]> {
  let q = ctx.db.selectFrom("site_people").selectAll().orderBy("subject_ref");
  if (!options.includeEnded) q = q.where("ended_at", "is", null);
  const rows = await q.execute();
  return attachRights(ctx, rows);
}

export async function peopleForGate(ctx: StoreContext, gateId: string): Promise<PersonRow[]> {
  const groups = ctx.db.selectFrom("site_group_members").select("group_name").where("gate_id", "=", gateId);
  const owners = ctx.db
    .selectFrom("site_person_rights")
    .select("owner")
    .where((eb) => eb.or([eb.and([eb("kind", "=", "gate"), eb("target", "=", gateId)]), eb.and([eb("kind", "=", "group"), eb("target", "in", groups)])]));
  const rows = await ctx.db.selectFrom("site_people").selectAll().where("ended_at", "is", null).where("subject_ref", "in", owners).orderBy("subject_ref").execute();
  return attachRights(ctx, rows);
}

async function attachRights(ctx: StoreContext, rows: PeopleTable[]): Promise<PersonRow[]> {
  if (rows.length === 0) return [];
  const byOwner = new Map<string, { kind: string; target: string }[]>();
  const ids = rows.map((r) => r.subject_ref);
  for (let i = 0; i < ids.length; i += 500) {
    const rights = await ctx.db.selectFrom("site_person_rights").selectAll().where("owner", "in", ids.slice(i, i + 500)).execute();
    for (const r of rights) byOwner.set(r.owner, [...(byOwner.get(r.owner) ?? []), r]);
  }
  return rows.map((r) => toPerson(r, scopeOf(byOwner.get(r.subject_ref) ?? [])));
}

export async function personSecrets(ctx: StoreContext, subjectRef: string): Promise<PersonSecrets> {
  const row = await ctx.db.selectFrom("site_people").select(["secrets_sealed", "secrets_nonce"]).where("subject_ref", "=", subjectRef).executeTakeFirst();
  if (!row) throw unknownSubject(subjectRef);
  const plain = ctx.seal.open("person", subjectRef, { sealed: row.secrets_sealed, nonce: row.secrets_nonce });
  return JSON.parse(new TextDecoder().decode(plain)) as PersonSecrets;
}

export async function endPerson(ctx: StoreContext, subjectRef: string, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  const r = await ctx.db.updateTable("site_people").set({ ended_at: when, updated_at: when }).where("subject_ref", "=", subjectRef).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw unknownSubject(subjectRef);
}

export function scopeOf(rows: readonly { kind: string; target: string }[]): Scope {
  return {
    gates: rows.filter((r) => r.kind === "gate").map((r) => r.target).sort(),
    groups: rows.filter((r) => r.kind === "group").map((r) => r.target).sort(),
  };
}

function toPerson(r: PeopleTable, rights: Scope): PersonRow {
  return {
    subjectRef: r.subject_ref,
    label: r.label,
    rights,
    schedule: r.schedule === null ? null : (JSON.parse(r.schedule) as unknown),
    cardCount: r.card_count,
    hasPin: r.has_pin === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
  };
}
