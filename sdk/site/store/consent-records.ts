/**
 * Consents, recorded once for the site with their scope and evidence (issue 13 item 3,
 * L1): the sha256 of the signed written form, which stays in the office. A consent
 * recorded after a tombstone clears it (a new consent is what allows face data again).
 */
import { checkScopeExists } from "./gate-records.js";
import { checkId, checkMs, checkSha256Hex, checkText } from "./input-checks.js";
import { scopeOf, unknownSubject } from "./people-records.js";
import type { ConsentsTable } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import type { ConsentRow, RecordConsentInput, Scope } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";
import { clearTombstones } from "./tombstone-records.js";

export async function recordConsent(ctx: StoreContext, input: RecordConsentInput): Promise<ConsentRow> {
  const id = checkId(input.id, "id");
  const subjectRef = checkId(input.subjectRef, "subjectRef");
  const noticeVersion = checkText(input.noticeVersion, "noticeVersion", 100);
  const evidenceHash = checkSha256Hex(input.evidenceHash, "evidenceHash");
  const recordedAt = checkMs(nowOr(ctx, input.recordedAt), "recordedAt");
  const expiresAt = checkMs(input.expiresAt, "expiresAt");
  if (expiresAt <= recordedAt) throw new SiteStoreError("site_input_invalid", "expiresAt: must be after recordedAt", { path: "expiresAt" });
  return ctx.tx(async (t) => {
    const person = await t.db.selectFrom("site_people").select("subject_ref").where("subject_ref", "=", subjectRef).executeTakeFirst();
    if (!person) throw unknownSubject(subjectRef);
    const scope = await checkScopeExists(t, input.scope, "scope");
    if (scope.gates.length === 0 && scope.groups.length === 0) throw new SiteStoreError("site_input_invalid", "scope: a consent must cover at least one gate or group", { path: "scope" });
    const dup = await t.db.selectFrom("site_consents").select("id").where("id", "=", id).executeTakeFirst();
    if (dup) throw new SiteStoreError("site_duplicate", `consent ${id} already exists`, { consentId: id });
    await t.db.insertInto("site_consents").values({ id, subject_ref: subjectRef, notice_version: noticeVersion, evidence_hash: evidenceHash, recorded_at: recordedAt, expires_at: expiresAt, withdrawn_at: null }).execute();
    const rows = [...scope.gates.map((g) => ({ owner: id, kind: "gate", target: g })), ...scope.groups.map((g) => ({ owner: id, kind: "group", target: g }))];
    await t.db.insertInto("site_consent_scope").values(rows).execute();
    await clearTombstones(t, subjectRef, id, recordedAt);
    return toConsent(await t.db.selectFrom("site_consents").selectAll().where("id", "=", id).executeTakeFirstOrThrow(), scope);
  });
}

export async function getConsent(ctx: StoreContext, id: string): Promise<ConsentRow | null> {
  const row = await ctx.db.selectFrom("site_consents").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return null;
  const scope = await ctx.db.selectFrom("site_consent_scope").selectAll().where("owner", "=", id).execute();
  return toConsent(row, scopeOf(scope));
}

export async function consentsOf(ctx: StoreContext, subjectRef: string): Promise<ConsentRow[]> {
  const rows = await ctx.db.selectFrom("site_consents").selectAll().where("subject_ref", "=", subjectRef).orderBy("recorded_at").orderBy("id").execute();
  if (rows.length === 0) return [];
  const scope = await ctx.db.selectFrom("site_consent_scope").selectAll().where("owner", "in", rows.map((r) => r.id)).execute();
  return rows.map((r) => toConsent(r, scopeOf(scope.filter((s) => s.owner === r.id))));
}

export async function withdrawConsent(ctx: StoreContext, id: string, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  await ctx.tx(async (t) => {
    const row = await t.db.selectFrom("site_consents").select(["id", "withdrawn_at"]).where("id", "=", id).executeTakeFirst();
    if (!row) throw new SiteStoreError("site_unknown_consent", `consent ${id} does not exist`, { consentId: id });
    if (row.withdrawn_at === null) await t.db.updateTable("site_consents").set({ withdrawn_at: when }).where("id", "=", id).execute();
  });
}

function toConsent(r: ConsentsTable, scope: Scope): ConsentRow {
  return {
    id: r.id,
    subjectRef: r.subject_ref,
    scope,
    noticeVersion: r.notice_version,
    evidenceHash: r.evidence_hash,
    recordedAt: r.recorded_at,
    expiresAt: r.expires_at,
    withdrawnAt: r.withdrawn_at,
  };
}
