/**
 * Builds and signs commands on the operator side: the body is sealed to the receiving
 * gate's box public key (sdk/crypto/sealed-body.ts), then the envelope is signed.
 */
import { randomUUID } from "node:crypto";
import { sealBody } from "../crypto/sealed-body.js";
import { signCommand } from "../crypto/signatures.js";
import { loadSodium } from "../crypto/sodium.js";
import { systemClock, type Clock } from "../time/clock.js";
import type { CommandBodies, CommandEnvelope, CommandType } from "../protocol/index.js";

export interface SigningKey {
  keyId: string;
  secretKey: Uint8Array;
}

export interface BuildCommandOptions<T extends CommandType> {
  site: string;
  gate: string;
  type: T;
  body: CommandBodies[T];
  key: SigningKey;
  /** The receiving gate's X25519 box public key (from its device identity: `facegate audit device-key`). */
  sealTo: Uint8Array;
  clock?: Clock;
  /** How long the command stays valid. Default 5 minutes (the device allows at most 24 h). */
  ttlMs?: number;
  /** Default: a random UUID. */
  id?: string;
}

export const DEFAULT_COMMAND_TTL_MS = 5 * 60_000;

export async function buildCommand<T extends CommandType>(o: BuildCommandOptions<T>): Promise<CommandEnvelope<T>> {
  const sodium = await loadSodium();
  const now = (o.clock ?? systemClock).now();
  return signCommand(
    sodium,
    {
      v: 2,
      id: o.id ?? randomUUID(),
      site: o.site,
      gate: o.gate,
      type: o.type,
      sealed: sealBody<T>(sodium, o.body, o.sealTo),
      issuedAt: now,
      expiresAt: now + (o.ttlMs ?? DEFAULT_COMMAND_TTL_MS),
      keyId: o.key.keyId,
    },
    o.key.secretKey,
  );
}
