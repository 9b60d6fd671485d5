/**
 * Operators of the office (issue 13 item 6, L12): a role, an Argon2id password hash
 * (libsodium's crypto_pwhash_str), and their own Ed25519 command key, held sealed under
 * the service key so the service can sign on their behalf and a gate's audit log names
 * the person who acted. Sessions are stored by the sha256 of their token only.
 */
import { sha256Hex } from "../../crypto/hash.js";
import { checkId, checkMs, checkOneOf, checkPublicKey, checkText } from "./input-checks.js";
import type { OperatorsTable } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import { type AddOperatorInput, OPERATOR_ROLES, type OperatorRow, type SessionRow } from "./site-store.js";
import { nowOr, type StoreContext } from "./store-context.js";

const MIN_PASSWORD = 8;
const MIN_TOKEN = 16;

export async function addOperator(ctx: StoreContext, input: AddOperatorInput): Promise<OperatorRow> {
  const id = checkId(input.id, "id");
  const name = checkText(input.name, "name");
  const role = checkOneOf(input.role, OPERATOR_ROLES, "role");
  if (typeof input.password !== "string" || input.password.length < MIN_PASSWORD || input.password.length > 1024) {
    throw new SiteStoreError("site_input_invalid", `password: must be ${MIN_PASSWORD}-1024 characters`, { path: "password" });
  }
  if (!(input.commandSecretKey instanceof Uint8Array) || input.commandSecretKey.length !== ctx.sodium.crypto_sign_SECRETKEYBYTES) {
    throw new SiteStoreError("site_input_invalid", `commandSecretKey: must be an Ed25519 secret key of ${ctx.sodium.crypto_sign_SECRETKEYBYTES} bytes`, { path: "commandSecretKey" });
  }
  const commandPublicKey = checkPublicKey(input.commandPublicKey, "commandPublicKey");
  // libsodium's secret key is seed || public key: the key pair is rebuilt from the seed to check both halves.
  const rebuilt = ctx.sodium.crypto_sign_seed_keypair(input.commandSecretKey.subarray(0, ctx.sodium.crypto_sign_SEEDBYTES));
  const derived = Buffer.from(rebuilt.publicKey).toString("base64");
  if (!Buffer.from(rebuilt.privateKey).equals(Buffer.from(input.commandSecretKey))) {
    throw new SiteStoreError("site_input_invalid", "commandSecretKey: is not a consistent Ed25519 secret key", { path: "commandSecretKey" });
  }
  if (derived !== commandPublicKey) throw new SiteStoreError("site_input_invalid", "commandPublicKey: does not belong to commandSecretKey", { path: "commandPublicKey" });
  const createdAt = checkMs(nowOr(ctx, input.createdAt), "createdAt");
  const passwordHash = ctx.passwords.crypto_pwhash_str(input.password, ctx.passwordLimits.opsLimit, ctx.passwordLimits.memLimit);
  const sealed = ctx.seal.seal("operator", id, input.commandSecretKey);
  return ctx.tx(async (t) => {
    const dup = await t.db.selectFrom("site_operators").select("id").where("id", "=", id).executeTakeFirst();
    if (dup) throw new SiteStoreError("site_duplicate", `operator ${id} already exists`, { operatorId: id });
    await t.db
      .insertInto("site_operators")
      .values({ id, name, role, password_hash: passwordHash, command_public_key: commandPublicKey, command_key_sealed: sealed.sealed, command_key_nonce: sealed.nonce, created_at: createdAt, disabled_at: null })
      .execute();
    return (await getOperator(t, id))!;
  });
}

export async function getOperator(ctx: StoreContext, id: string): Promise<OperatorRow | null> {
  const row = await ctx.db.selectFrom("site_operators").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toOperator(row) : null;
}

export async function listOperators(ctx: StoreContext): Promise<OperatorRow[]> {
  return (await ctx.db.selectFrom("site_operators").selectAll().orderBy("id").execute()).map(toOperator);
}

export async function checkOperatorPassword(ctx: StoreContext, id: string, password: string): Promise<OperatorRow | null> {
  const row = await ctx.db.selectFrom("site_operators").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row || row.disabled_at !== null || typeof password !== "string") return null;
  return ctx.passwords.crypto_pwhash_str_verify(row.password_hash, password) ? toOperator(row) : null;
}

export async function operatorCommandKey(ctx: StoreContext, id: string): Promise<Uint8Array> {
  const row = await ctx.db.selectFrom("site_operators").select(["command_key_sealed", "command_key_nonce", "disabled_at"]).where("id", "=", id).executeTakeFirst();
  if (!row) throw unknownOperator(id);
  return ctx.seal.open("operator", id, { sealed: row.command_key_sealed, nonce: row.command_key_nonce });
}

export async function disableOperator(ctx: StoreContext, id: string, at?: number): Promise<void> {
  const when = checkMs(nowOr(ctx, at), "at");
  await ctx.tx(async (t) => {
    const r = await t.db.updateTable("site_operators").set({ disabled_at: when }).where("id", "=", id).where("disabled_at", "is", null).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0 && !(await getOperator(t, id))) throw unknownOperator(id);
    await t.db.deleteFrom("site_sessions").where("operator_id", "=", id).execute();
  });
}

function unknownOperator(id: string): SiteStoreError {
  return new SiteStoreError("site_unknown_operator", `operator ${id} does not exist`, { operatorId: id });
}

function tokenHash(token: string): string {
  if (typeof token !== "string" || token.length < MIN_TOKEN) throw new SiteStoreError("site_input_invalid", `token: must be at least ${MIN_TOKEN} characters`, { path: "token" });
  return sha256Hex(token);
}

export async function createSession(ctx: StoreContext, input: { token: string; operatorId: string; expiresAt: number; createdAt?: number }): Promise<void> {
  const hash = tokenHash(input.token);
  const createdAt = checkMs(nowOr(ctx, input.createdAt), "createdAt");
  const expiresAt = checkMs(input.expiresAt, "expiresAt");
  if (expiresAt <= createdAt) throw new SiteStoreError("site_input_invalid", "expiresAt: must be after createdAt", { path: "expiresAt" });
  await ctx.tx(async (t) => {
    const op = await getOperator(t, input.operatorId);
    if (!op) throw unknownOperator(input.operatorId);
    if (op.disabledAt !== null) throw new SiteStoreError("site_input_invalid", `operatorId: operator ${op.id} is disabled`, { path: "operatorId", operatorId: op.id });
    await t.db.insertInto("site_sessions").values({ token_hash: hash, operator_id: op.id, created_at: createdAt, expires_at: expiresAt }).execute();
  });
}

export async function findSession(ctx: StoreContext, token: string, now?: number): Promise<SessionRow | null> {
  if (typeof token !== "string" || token.length < MIN_TOKEN) return null;
  const at = nowOr(ctx, now);
  const row = await ctx.db
    .selectFrom("site_sessions")
    .innerJoin("site_operators", "site_operators.id", "site_sessions.operator_id")
    .select(["site_sessions.operator_id", "site_sessions.created_at", "site_sessions.expires_at"])
    .where("site_sessions.token_hash", "=", sha256Hex(token))
    .where("site_sessions.expires_at", ">", at)
    .where("site_operators.disabled_at", "is", null)
    .executeTakeFirst();
  return row ? { operatorId: row.operator_id, createdAt: row.created_at, expiresAt: row.expires_at } : null;
}

export async function deleteSession(ctx: StoreContext, token: string): Promise<void> {
  await ctx.db.deleteFrom("site_sessions").where("token_hash", "=", tokenHash(token)).execute();
}

export async function deleteExpiredSessions(ctx: StoreContext, now?: number): Promise<number> {
  const r = await ctx.db.deleteFrom("site_sessions").where("expires_at", "<=", nowOr(ctx, now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}

function toOperator(r: OperatorsTable): OperatorRow {
  return { id: r.id, name: r.name, role: r.role as OperatorRow["role"], commandPublicKey: r.command_public_key, createdAt: r.created_at, disabledAt: r.disabled_at };
}
