/** A device-side command stack on an in-memory database, with a manual clock and real keys. */
import { registerBuiltinHandlers } from "../../../sdk/commands/builtin-handlers.js";
import { type Ed25519KeyPair, ed25519Signer, generateEd25519KeyPair, toBase64 } from "../../../sdk/commands/keys.js";
import { commandsMigrations } from "../../../sdk/commands/migrations.js";
import { OperatorRegistry } from "../../../sdk/commands/operator-registry.js";
import { MemoryAuditSink, type DeviceSigner } from "../../../sdk/commands/ports.js";
import { CommandProcessor } from "../../../sdk/commands/processor.js";
import { openDatabase, type Db } from "../../../sdk/store/database.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { outboxMigrations } from "../../../sdk/transport/outbox.js";

export const identity = { site: "estate-7", gate: "north" };

export interface Harness {
  db: Db;
  clock: ManualClock;
  audit: MemoryAuditSink;
  registry: OperatorRegistry;
  processor: CommandProcessor;
  deviceKey: Ed25519KeyPair;
  signer: DeviceSigner;
  admin: Ed25519KeyPair;
  operator: Ed25519KeyPair;
  auditor: Ed25519KeyPair;
}

export async function makeHarness(opts: { path?: string; clock?: ManualClock; keys?: Pick<Harness, "deviceKey" | "admin" | "operator" | "auditor"> } = {}): Promise<Harness> {
  const db = openDatabase({ path: opts.path ?? ":memory:", migrations: [outboxMigrations, commandsMigrations] });
  const clock = opts.clock ?? new ManualClock(Date.UTC(2026, 2, 1, 9));
  const audit = new MemoryAuditSink();
  const keys = opts.keys ?? {
    deviceKey: await generateEd25519KeyPair(),
    admin: await generateEd25519KeyPair(),
    operator: await generateEd25519KeyPair(),
    auditor: await generateEd25519KeyPair(),
  };
  const signer = await ed25519Signer(keys.deviceKey.secretKey);
  const registry = new OperatorRegistry({ db, clock, audit });
  registry.enrollFromConfig([
    { publicKey: toBase64(keys.admin.publicKey), role: "admin", label: "estate office" },
    { publicKey: toBase64(keys.operator.publicKey), role: "operator", label: "front desk" },
    { publicKey: toBase64(keys.auditor.publicKey), role: "auditor", label: "external auditor" },
  ]);
  const processor = await CommandProcessor.create({ db, clock, audit, signer, registry, identity, limits: { maxBytes: 64 * 1024 } });
  registerBuiltinHandlers({ processor, registry, audit, clock, identity, software: "test" });
  return { db, clock, audit, registry, processor, signer, ...keys };
}
