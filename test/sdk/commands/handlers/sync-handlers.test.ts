/**
 * The gate's template sync handlers over the real secure store (SQLite file, key file,
 * libsodium) and the real CommandProcessor, no broker: the site gate list is admin-only,
 * must name the gate with its own keys and never goes back to an older version; a package
 * installed once is refused again after the gate restarts (the replay record is in the
 * database, not in memory); a package of another site is refused.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { accessMigrations, createAccessStore, minimalPinHashing } from "../../../../sdk/access/index.js";
import { deviceHandlerMigrations, registerDeviceHandlers } from "../../../../sdk/commands/handlers/index.js";
import { commandsMigrations } from "../../../../sdk/commands/migrations.js";
import { OperatorRegistry } from "../../../../sdk/commands/operator-registry.js";
import { CommandProcessor } from "../../../../sdk/commands/processor.js";
import { FileKeyProvider } from "../../../../sdk/crypto/key-provider.js";
import { type Ed25519KeyPair, generateEd25519KeyPair } from "../../../../sdk/crypto/keys.js";
import { MemoryEventRecorder } from "../../../../sdk/events/event.js";
import { MemoryLogSink, createLogger } from "../../../../sdk/log/logger.js";
import { buildCommand } from "../../../../sdk/operator/command-builder.js";
import { type SecureStore, openSecureStore } from "../../../../sdk/privacy/secure-store.js";
import { type CommandBodies, type CommandResultMessage, type CommandType, type TemplatePackage, toBase64 } from "../../../../sdk/protocol/index.js";
import { ManualClock } from "../../../../sdk/time/clock.js";
import { DAY, START, RecordingSink, consentInput, embedding, openFixture, sampleNotice, tempDir, testConfig, type Fixture } from "../../../support/secure-store-fixture.js";

const SITE = "site-1";
const MODEL = { id: "fr_feature.onnx", version: "1" };
const EVIDENCE = "ab".repeat(32);

interface Gate {
  store: SecureStore;
  sink: RecordingSink;
  send<T extends CommandType>(type: T, body: CommandBodies[T], key?: Ed25519KeyPair): Promise<CommandResultMessage<T>>;
  close(): void;
}

/** gate-b's command stack on `dir` (opened again on the same files after a restart). */
async function openGate(dir: string, clock: ManualClock, keys: { admin: Ed25519KeyPair; operator: Ed25519KeyPair }): Promise<Gate> {
  const logger = createLogger({ sink: new MemoryLogSink().sink, level: "debug" });
  const sink = new RecordingSink();
  const store = await openSecureStore({
    dbPath: join(dir, "device.db"),
    keyProvider: new FileKeyProvider({ path: join(dir, "keys", "master.key") }),
    clock,
    logger,
    sink,
    events: new MemoryEventRecorder(),
    config: testConfig,
    migrations: [commandsMigrations, accessMigrations, deviceHandlerMigrations],
  });
  store.vault.loadInto(sink, { decryptIn: "main-thread" });
  if (!store.consents.currentNotice()) store.consents.publishNotice(sampleNotice(1));
  const access = await createAccessStore({ db: store.db, cardKey: new Uint8Array(32).fill(9), clock, recorder: new MemoryEventRecorder(), pinHashing: minimalPinHashing() });
  if (access.policies().length === 0) access.loadPolicies([{ gateId: "gate-b", mode: "face_or_card_or_pin" }]);
  const registry = new OperatorRegistry({ db: store.db, clock, audit: store.audit });
  registry.enrollFromConfig([
    { publicKey: toBase64(keys.admin.publicKey), role: "admin", label: "estate office" },
    { publicKey: toBase64(keys.operator.publicKey), role: "operator", label: "front desk" },
  ]);
  const identity = { site: SITE, gate: "gate-b" };
  const processor = await CommandProcessor.create({ db: store.db, clock, audit: store.audit, signer: store.signer, boxKey: store.keys, registry, identity, logger });
  let n = 0;
  registerDeviceHandlers(processor, { store, access, gateId: "gate-b", siteId: SITE, logger, faceModel: MODEL, newId: () => `pkg-${++n}` });
  return {
    store,
    sink,
    async send(type, body, key = keys.operator) {
      const env = await buildCommand({ site: SITE, gate: "gate-b", type, body, key, sealTo: store.publicKeys.boxPublicKey, clock });
      return (await processor.process(Buffer.from(JSON.stringify(env), "utf8"))) as CommandResultMessage<typeof type>;
    },
    close() {
      access.close();
      store.close();
    },
  };
}

const code = (r: CommandResultMessage): string => (r.status === "ok" ? "ok" : r.error!.code);

describe("template sync handlers at the receiving gate", () => {
  const open: Array<{ close(): void }> = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const x of open.splice(0)) x.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function setUp(): Promise<{ dir: string; clock: ManualClock; keys: { admin: Ed25519KeyPair; operator: Ed25519KeyPair }; gate: Gate; sender: Fixture; list: CommandBodies["site.gates"] }> {
    const dir = tempDir("fg-sync-");
    dirs.push(dir);
    const clock = new ManualClock(START);
    const keys = { admin: await generateEd25519KeyPair(), operator: await generateEd25519KeyPair() };
    const gate = await openGate(dir, clock, keys);
    open.push(gate);
    const sender = await openFixture();
    open.push({ close: () => sender.store.close() });
    const list = {
      version: clock.now(),
      gates: [
        { gateId: "gate-a", signingPublicKey: toBase64(sender.store.publicKeys.signingPublicKey), boxPublicKey: toBase64(sender.store.publicKeys.boxPublicKey) },
        { gateId: "gate-b", signingPublicKey: toBase64(gate.store.publicKeys.signingPublicKey), boxPublicKey: toBase64(gate.store.publicKeys.boxPublicKey) },
      ],
    };
    return { dir, clock, keys, gate, sender, list };
  }

  /** gate-a's package for gate-b of subject p1, made by gate-a's real vault. */
  function packageFrom(sender: Fixture, gate: Gate, over: { site?: string; packageId?: string } = {}): TemplatePackage {
    if (sender.store.vault.counts("p1").templates === 0) {
      sender.store.consents.give(consentInput(sender, "p1"));
      sender.store.vault.enroll({ subjectId: "p1", gateId: "gate-a", embeddings: [embedding(3)] });
    }
    const [pkg] = sender.store.vault.sealForGates("p1", [
      {
        signer: sender.store.signer,
        site: over.site ?? SITE,
        from: "gate-a",
        to: { gateId: "gate-b", boxPublicKey: gate.store.publicKeys.boxPublicKey },
        consentId: "c-at-a",
        consentEvidence: `sha256:${EVIDENCE}`,
        model: MODEL,
        issuedAt: sender.clock.now(),
        packageId: over.packageId ?? "pkg-from-a-1",
      },
    ]);
    return pkg!;
  }

  async function consentAtGate(gate: Gate, clock: ManualClock, keys: { admin: Ed25519KeyPair }): Promise<void> {
    expect(code(await gate.send("person.upsert", { personRef: "p1", cards: ["C0FFEE01"] }))).toBe("ok");
    const r = await gate.send("consent.record", {
      subjectRef: "p1",
      personRef: "p1",
      noticeHash: gate.store.consents.currentNotice()!.hash,
      scope: { purpose: "entry_verification", gates: ["gate-b"] },
      method: "written",
      collectedBy: "site-office",
      givenAt: clock.now() - 1_000,
      expiresAt: clock.now() + 30 * DAY,
      evidence: { kind: "paper_form", sha256: EVIDENCE },
    }, keys.admin);
    expect(code(r)).toBe("ok");
  }

  it("takes the site gate list from admin keys only, naming this gate with its own keys, never an older version", async () => {
    const { gate, list, keys } = await setUp();
    expect(code(await gate.send("site.gates", list))).toBe("command_forbidden");
    const swapped = { ...list, gates: list.gates.map((g) => (g.gateId === "gate-b" ? { ...g, boxPublicKey: list.gates[0]!.boxPublicKey } : g)) };
    expect(code(await gate.send("site.gates", swapped, keys.admin))).toBe("command_invalid_body");
    expect(code(await gate.send("site.gates", { ...list, gates: [...list.gates, list.gates[0]!] }, keys.admin))).toBe("command_invalid_body");
    expect(code(await gate.send("site.gates", list, keys.admin))).toBe("ok");
    expect(code(await gate.send("site.gates", { ...list, version: list.version - 1 }, keys.admin))).toBe("sync_list_outdated");
    expect(gate.store.audit.entries().filter((e) => e.type === "sync.site_gates")).toHaveLength(1);
  });

  it("refuses every package before it holds a list, and a package of another site", async () => {
    const { gate, sender, clock, keys, list } = await setUp();
    await consentAtGate(gate, clock, keys);
    expect(code(await gate.send("template.install", { package: packageFrom(sender, gate) }))).toBe("sync_no_site_gates");
    expect(code(await gate.send("site.gates", list, keys.admin))).toBe("ok");
    expect(code(await gate.send("template.install", { package: packageFrom(sender, gate, { site: "site-2", packageId: "other-site" }) }))).toBe("sync_wrong_site");
    expect(gate.store.vault.counts("p1").templates).toBe(0);
  });

  it("installs a package once and refuses its replay after the gate restarts on the same database", async () => {
    const { dir, gate, sender, clock, keys, list } = await setUp();
    await consentAtGate(gate, clock, keys);
    expect(code(await gate.send("site.gates", list, keys.admin))).toBe("ok");
    const pkg = packageFrom(sender, gate);
    const first = await gate.send("template.install", { package: pkg });
    expect(first.result).toMatchObject({ subjectRef: "p1", packageId: pkg.packageId, from: "gate-a", installed: true, templateCount: 1 });
    const audit = gate.store.audit.entries().filter((e) => e.type === "vault.installed");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ fromGate: "gate-a", packageId: pkg.packageId, gateId: "gate-b" });
    expect(gate.sink.count()).toBe(1);
    gate.close();
    open.splice(open.indexOf(gate), 1);

    const again = await openGate(dir, clock, keys);
    open.push(again);
    expect(again.sink.count()).toBe(1); // the installed template is in the vault, under this gate's own key
    expect(code(await again.send("template.install", { package: pkg }))).toBe("sync_replayed");
    expect(again.store.vault.counts("p1").templates).toBe(1);
    // A new package (new id) of the same template is still welcome.
    expect(code(await again.send("template.install", { package: packageFrom(sender, again, { packageId: "pkg-from-a-2" }) }))).toBe("ok");
    expect(again.store.vault.counts("p1").templates).toBe(2);
  });
});
