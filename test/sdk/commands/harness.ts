/** A device-side command stack on an in-memory database, with a manual clock and real keys. */
import { registerBuiltinHandlers } from "../../../sdk/commands/builtin-handlers.js";
import { type Ed25519KeyPair, ed25519Signer, generateEd25519KeyPair, verifyDetached } from "../../../sdk/crypto/keys.js";
import { type AuditEntry, toBase64 } from "../../../sdk/protocol/index.js";
import { commandsMigrations } from "../../../sdk/commands/migrations.js";
import { OperatorRegistry } from "../../../sdk/commands/operator-registry.js";
import { AuditLog } from "../../../sdk/audit/audit-log.js";
import { auditMigrations } from "../../../sdk/audit/audit-migrations.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import type { DeviceSigner } from "../../../sdk/crypto/key-hierarchy.js";
import { CommandProcessor } from "../../../sdk/commands/processor.js";
import { openDatabase, type Db } from "../../../sdk/store/database.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { outboxMigrations } from "../../../sdk/transport/outbox.js";

export const identity = { site: "estate-7", gate: "north" };

/** The real audit log, with a helper to find entries by type. */
export class InspectableAuditLog extends AuditLog {
  ofType(type: string): AuditEntry[] {
    return this.entries().filter((e) => e.type === type);
  }
}

/** A device signer on an Ed25519 key pair of the test's (the device's own comes from its key hierarchy). */
export async function deviceSignerFor(secretKey: Uint8Array): Promise<DeviceSigner> {
  const sodium = await loadSodium();
  const base = await ed25519Signer(secretKey);
  return { ...base, verify: (m, s, pk) => verifyDetached(sodium, s, m, pk ?? base.publicKey) };
}

export interface Harness {
  db: Db;
  clock: ManualClock;
  audit: InspectableAuditLog;
  registry: OperatorRegistry;
  processor: CommandProcessor;
  deviceKey: Ed25519KeyPair;
  signer: DeviceSigner;
  admin: Ed25519KeyPair;
  operator: Ed25519KeyPair;
  auditor: Ed25519KeyPair;
  /** The gate's box public key: what operators seal command bodies to. */
  boxPublicKey: Uint8Array;
  /** The gate's box key as the processor's port. */
  boxKey: { publicKey: Uint8Array; openSealed(ciphertext: Uint8Array): Uint8Array };
}

/** A gate box key pair of the test's (the device's own comes from its key hierarchy), as the processor's port. */
export async function gateBoxKey(): Promise<{ publicKey: Uint8Array; openSealed(ciphertext: Uint8Array): Uint8Array }> {
  const sodium = await loadSodium();
  const pair = sodium.crypto_box_keypair();
  return { publicKey: pair.publicKey, openSealed: (c) => sodium.crypto_box_seal_open(c, pair.publicKey, pair.privateKey) };
}

export async function makeHarness(opts: { path?: string; clock?: ManualClock; keys?: Pick<Harness, "deviceKey" | "admin" | "operator" | "auditor">; boxKey?: Harness["boxKey"] & { publicKey: Uint8Array } } = {}): Promise<Harness> {
  const db = openDatabase({ path: opts.path ?? ":memory:", migrations: [auditMigrations, outboxMigrations, commandsMigrations] });
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 2, 1, 9));
  const keys = opts.keys ?? {
    deviceKey: await generateEd25519KeyPair(),
    admin: await generateEd25519KeyPair(),
    operator: await generateEd25519KeyPair(),
    auditor: await generateEd25519KeyPair(),
  };
  const signer = await deviceSignerFor(keys.deviceKey.secretKey);
  const audit = new InspectableAuditLog({ db, signer, clock });
  const registry = new OperatorRegistry({ db, clock, audit });
  registry.enrollFromConfig([
    { publicKey: toBase64(keys.admin.publicKey), role: "admin", label: "estate office" },
    { publicKey: toBase64(keys.operator.publicKey), role: "operator", label: "front desk" },
    { publicKey: toBase64(keys.auditor.publicKey), role: "auditor", label: "external auditor" },
  ]);
  const boxKey = opts.boxKey ?? (await gateBoxKey());
  const processor = await CommandProcessor.create({ db, clock, audit, signer, boxKey, registry, identity, limits: { maxBytes: 64 * 1024 } });
  registerBuiltinHandlers({ processor, registry, audit, clock, identity, software: "test" });
  return { db, clock, audit, registry, processor, signer, ...keys, boxPublicKey: boxKey.publicKey, boxKey };
}

/**
 * Every refusal the audit log records, as codes (sorted): authenticated ones one entry each
 * (`command.rejected`), unauthenticated ones from the per-source summaries, flushed first.
 */
export function auditedRefusalCodes(h: Pick<Harness, "audit" | "processor">): string[] {
  h.processor.flushRefusals();
  const one = h.audit.ofType("command.rejected").map((e) => String(e.details["code"]));
  const counted = h.audit
    .ofType("command.rejected_summary")
    .flatMap((e) => Object.entries(e.details["codes"] as Record<string, number>).flatMap(([code, n]) => Array.from({ length: n }, () => code)));
  return [...one, ...counted].sort();
}
