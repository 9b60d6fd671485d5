/**
 * Operators of the office (L12): each with a role, a password and their OWN Ed25519
 * command key, generated here and stored only sealed under the service's data key (the
 * store). The key is sent to every gate as site work (`operator_key`: operator.key_add,
 * signed by the service's admin key), so gates accept what the service signs on the
 * operator's behalf and each gate's audit log names the operator who acted.
 */
import { type Ed25519KeyPair, generateEd25519KeyPair, keyIdFor } from "../../crypto/keys.js";
import { fromBase64, toBase64 } from "../../protocol/index.js";
import type { SigningKey } from "../../operator/command-builder.js";
import type { Clock } from "../../time/clock.js";
import type { OperatorRole, OperatorRow, SiteStore } from "../store/site-store.js";
import { ApiError } from "./api-error.js";

export interface CreateOperatorInput {
  store: SiteStore;
  clock: Clock;
  name: string;
  role: OperatorRole;
  password: string;
  /** The operator's id (opaque). */
  id: string;
  /** Key generation port; default libsodium's. */
  newKey?: () => Promise<Ed25519KeyPair>;
}

/** Creates the operator with a fresh command key (refused when the name is taken). Does not send the key: see queueOperatorKey / SiteService.enrollOperatorKey. */
export async function createOperator(input: CreateOperatorInput): Promise<OperatorRow> {
  const name = input.name.trim();
  if ((await input.store.listOperators()).some((o) => o.name === name && o.disabledAt === null)) {
    throw new ApiError("operator_name_taken", `an operator named ${JSON.stringify(name)} already exists`);
  }
  const key = await (input.newKey ?? generateEd25519KeyPair)();
  return input.store.addOperator({ id: input.id, name, role: input.role, password: input.password, commandSecretKey: key.secretKey, commandPublicKey: toBase64(key.publicKey), createdAt: input.clock.now() });
}

/** Queues the operator's key for every gate in the store (for a program that has no running service: the service sends it on its next round). */
export async function queueOperatorKey(store: SiteStore, operatorId: string, at: number): Promise<string[]> {
  const gates = (await store.listGates()).map((g) => g.gateId);
  for (const gateId of gates) await store.queueWork({ subjectRef: operatorId, gateId, kind: "operator_key", ref: operatorId, at });
  return gates;
}

export function operatorKeyId(op: OperatorRow): string {
  return keyIdFor(fromBase64(op.commandPublicKey)!);
}

/** The operator's signing key, opened from the store. */
export async function operatorSigningKey(store: SiteStore, op: OperatorRow): Promise<SigningKey> {
  return { keyId: operatorKeyId(op), secretKey: await store.operatorCommandKey(op.id) };
}

/** Where an operator may be found by the name they log in with (the first active one). */
export async function operatorByName(store: SiteStore, name: string): Promise<OperatorRow | undefined> {
  return (await store.listOperators()).find((o) => o.name === name && o.disabledAt === null);
}
