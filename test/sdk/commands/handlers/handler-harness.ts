/**
 * A device command stack over the real secure store (SQLite file, key file, libsodium),
 * the real access store on the same database, the real CommandProcessor and the device
 * handlers. Commands are built and signed as an operator would (buildCommand) and fed to
 * `processor.process` as raw bytes; no broker is involved.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type AccessStore, accessMigrations, createAccessStore, minimalPinHashing } from "../../../../sdk/access/index.js";
import { registerBuiltinHandlers } from "../../../../sdk/commands/builtin-handlers.js";
import { type DeviceHandlerDeps, type PhotoAnalyzer, deviceHandlerMigrations, registerDeviceHandlers } from "../../../../sdk/commands/handlers/index.js";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../../../sdk/crypto/keys.js";
import { type CommandBodies, type CommandResultMessage, type CommandType, type NoticeFields, toBase64 } from "../../../../sdk/protocol/index.js";
import { commandsMigrations } from "../../../../sdk/commands/migrations.js";
import { OperatorRegistry } from "../../../../sdk/commands/operator-registry.js";
import { CommandProcessor } from "../../../../sdk/commands/processor.js";
import { FileKeyProvider } from "../../../../sdk/crypto/key-provider.js";
import { MemoryEventRecorder } from "../../../../sdk/events/event.js";
import { MemoryLogSink, createLogger } from "../../../../sdk/log/logger.js";
import { buildCommand } from "../../../../sdk/operator/command-builder.js";
import { type SecureStore, openSecureStore } from "../../../../sdk/privacy/secure-store.js";
import { ManualClock } from "../../../../sdk/time/clock.js";
import { DAY, RecordingSink, START, sampleNotice, tempDir, testConfig } from "../../../support/secure-store-fixture.js";

export { DAY, START };
export const SITE = "site-1";
export const GATE = "gate-a";
/** gate-a takes face, card or PIN; gate-b wants card and PIN together. */
export const POLICIES = [
  { gateId: "gate-a", mode: "face_or_card_or_pin" },
  { gateId: "gate-b", mode: "card_and_pin" },
];
const CARD_KEY = new Uint8Array(32).fill(9);

export interface HandlerHarness {
  dir: string;
  dbPath: string;
  clock: ManualClock;
  sink: RecordingSink;
  events: MemoryEventRecorder;
  logs: MemoryLogSink;
  store: SecureStore;
  access: AccessStore;
  processor: CommandProcessor;
  admin: Ed25519KeyPair;
  operator: Ed25519KeyPair;
  /** Hash of notice version 1, published at set-up. */
  noticeHash: string;
  /** What the handlers handed to the DeviceLink. */
  published: NoticeFields[];
  /** At-gate enrollment invitations the gate received. */
  invitations: Array<{ personRef: string; validForMs: number }>;
  send<T extends CommandType>(type: T, body: CommandBodies[T], options?: { key?: Ed25519KeyPair; id?: string }): Promise<CommandResultMessage<T>>;
  /** Every audit entry, log record and event as one string (for "never appears" checks). */
  everythingRecorded(): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  pipeline?: PhotoAnalyzer;
  atGate?: boolean;
}

export async function makeHandlerHarness(options: HarnessOptions = {}): Promise<HandlerHarness> {
  const dir = tempDir("fg-handlers-");
  const dbPath = join(dir, "device.db");
  const clock = new ManualClock(START);
  const sink = new RecordingSink();
  const events = new MemoryEventRecorder();
  const logs = new MemoryLogSink();
  const logger = createLogger({ sink: logs.sink, level: "debug" });
  const store = await openSecureStore({
    dbPath,
    keyProvider: new FileKeyProvider({ path: join(dir, "keys", "master.key") }),
    clock,
    logger,
    sink,
    events,
    config: testConfig,
    migrations: [commandsMigrations, accessMigrations, deviceHandlerMigrations],
  });
  const noticeHash = store.consents.publishNotice(sampleNotice(1)).hash;
  const access = await createAccessStore({ db: store.db, cardKey: CARD_KEY, clock, recorder: events, pinHashing: minimalPinHashing() });
  access.loadPolicies(POLICIES);

  const [admin, operator] = [await generateEd25519KeyPair(), await generateEd25519KeyPair()];
  const registry = new OperatorRegistry({ db: store.db, clock, audit: store.audit });
  registry.enrollFromConfig([
    { publicKey: toBase64(admin.publicKey), role: "admin", label: "estate office" },
    { publicKey: toBase64(operator.publicKey), role: "operator", label: "front desk" },
  ]);
  const identity = { site: SITE, gate: GATE };
  const processor = await CommandProcessor.create({ db: store.db, clock, audit: store.audit, signer: store.signer, boxKey: store.keys, registry, identity, logger });
  registerBuiltinHandlers({ processor, registry, audit: store.audit, clock, identity });

  const published: NoticeFields[] = [];
  const invitations: HandlerHarness["invitations"] = [];
  const deps: DeviceHandlerDeps = {
    store,
    access,
    gateId: GATE,
    siteId: SITE,
    logger,
    publishNotice: (n) => {
      published.push(n);
    },
    ...(options.pipeline ? { pipeline: options.pipeline } : {}),
    ...(options.atGate
      ? {
          requestAtGateEnrollment: (personRef: string, validForMs: number) => {
            invitations.push({ personRef, validForMs });
            return { invitedUntil: clock.now() + validForMs };
          },
        }
      : {}),
  };
  registerDeviceHandlers(processor, deps);

  return {
    dir,
    dbPath,
    clock,
    sink,
    events,
    logs,
    store,
    access,
    processor,
    admin,
    operator,
    noticeHash,
    published,
    invitations,
    async send(type, body, o = {}) {
      const key = o.key ?? (type === "notice.publish" || type === "policy.set" ? admin : operator);
      const env = await buildCommand({ site: SITE, gate: GATE, type, body, key: { keyId: key.keyId, secretKey: key.secretKey }, sealTo: store.publicKeys.boxPublicKey, clock, ...(o.id ? { id: o.id } : {}) });
      return (await processor.process(Buffer.from(JSON.stringify(env), "utf8"))) as CommandResultMessage<typeof type>;
    },
    everythingRecorded() {
      const audit = store.audit.entries().map((e) => JSON.stringify(e));
      return [...audit, logs.text(), JSON.stringify(events.events)].join("\n");
    },
    async close() {
      access.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A consent.record body for `personRef` (= subjectRef) under notice 1, 30 days. */
export function consentBody(h: Pick<HandlerHarness, "clock" | "noticeHash">, personRef: string, over: Partial<CommandBodies["consent.record"]> = {}): CommandBodies["consent.record"] {
  return {
    subjectRef: personRef,
    personRef,
    noticeHash: h.noticeHash,
    scope: { purpose: "entry_verification", gates: ["gate-a"] },
    method: "written",
    collectedBy: "staff-7",
    givenAt: h.clock.now(),
    expiresAt: h.clock.now() + 30 * DAY,
    evidence: { kind: "paper_form", sha256: "ab".repeat(32), reference: "archive-2026-box-3" },
    ...over,
  };
}

/** Puts a person with a card and a PIN at both gates (L2 holds everywhere). */
export async function addResident(h: HandlerHarness, personRef: string, card = "A1B2C3D4", pin = "482913"): Promise<CommandResultMessage<"person.upsert">> {
  const r = await h.send("person.upsert", { personRef, cards: [card], pin });
  if (r.status !== "ok") throw new Error(`person.upsert failed: ${r.error?.code}: ${r.error?.message}`);
  return r;
}
