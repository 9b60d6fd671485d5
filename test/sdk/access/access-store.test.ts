import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccessStore, accessMigrations, createAccessStore, minimalPinHashing } from "../../../sdk/access/index.js";
import { ConfigError } from "../../../sdk/errors.js";
import { MemoryEventRecorder } from "../../../sdk/events/event.js";
import { type Db, openDatabase } from "../../../sdk/store/database.js";
import { ManualClock } from "../../../sdk/time/clock.js";

const CARD_KEY = new Uint8Array(32).fill(7);
const GATES = [
  { gateId: "lobby", mode: "face_or_card_or_pin" },
  { gateId: "garage", mode: "card_and_pin" },
];

describe("access store (real SQLite file, real libsodium)", () => {
  let dir: string;
  let path: string;
  let db: Db;
  let store: AccessStore;
  let events: MemoryEventRecorder;
  const clock = new ManualClock(Date.parse("2026-01-05T09:00:00+08:00"));

  const open = async (): Promise<void> => {
    db = openDatabase({ path, migrations: [accessMigrations] });
    events = new MemoryEventRecorder();
    store = await createAccessStore({ db, cardKey: CARD_KEY, clock, recorder: events, pinHashing: minimalPinHashing() });
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "facegate-access-"));
    path = join(dir, "device.db");
    await open();
    store.loadPolicies(GATES);
  });

  afterEach(() => {
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("persists people, credentials and policies across a reopen", async () => {
    await store.putPerson({ personRef: "p-1", rights: { gates: ["lobby", "garage"], validUntil: "2027-01-01T00:00:00+08:00" }, cards: [{ cardNumber: "a1b2c3d4" }], pins: [{ code: "101", pin: "482913" }] });
    store.close();
    db.close();
    await open();
    expect(store.policyFor("garage")?.mode).toBe("card_and_pin");
    expect(store.person("p-1")?.rights).toEqual({ gates: ["lobby", "garage"], validFrom: null, validUntil: Date.parse("2027-01-01T00:00:00+08:00"), schedule: null });
    const byCard = store.lookupCard(" A1B2C3D4 ");
    expect(byCard?.person.personRef).toBe("p-1");
    expect(byCard?.credential.kind).toBe("card");
    expect(store.lookupCard("a1b2c3d5")).toBeNull();
    const byCode = store.lookupPinCode("101")!;
    expect(await store.verifyPin(byCode.credential.id, "482913")).toBe(true);
    expect(await store.verifyPin(byCode.credential.id, "482914")).toBe(false);
  });

  it("stores neither card numbers nor PINs in clear (nor in the WAL)", async () => {
    await store.putPerson({ personRef: "p-1", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "DEADBEEF9876" }], pins: [{ code: "102", pin: "97531864" }] });
    db.pragma("wal_checkpoint(TRUNCATE)");
    const bytes = readFileSync(path).toString("latin1");
    expect(bytes).not.toContain("DEADBEEF9876");
    expect(bytes).not.toContain("97531864");
    const row = db.prepare("SELECT card_hash FROM access_credentials WHERE kind = 'card'").get() as { card_hash: string };
    expect(row.card_hash).toMatch(/^[0-9a-f]{64}$/);
    // A different device key gives a different hash: the database alone does not confirm a card.
    const other = await createAccessStore({ db, cardKey: new Uint8Array(32).fill(8), clock, pinHashing: minimalPinHashing() });
    expect(other.lookupCard("DEADBEEF9876")).toBeNull();
  });

  it("keeps PINs as libsodium Argon2id hashes with a salt each, at the device's limits unless told otherwise", async () => {
    await store.putPerson({ personRef: "p-1", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "C1" }], pins: [{ code: "201", pin: "482913" }] });
    await store.putPerson({ personRef: "p-2", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "C2" }], pins: [{ code: "202", pin: "482913" }] });
    const hashes = db.prepare("SELECT pin_hash FROM access_credentials WHERE kind = 'pin' ORDER BY pin_code").pluck().all() as string[];
    for (const h of hashes) expect(h).toMatch(/^pepper1\$argon2id\$v=19\$m=8,t=1,p=1\$/);
    expect(hashes[0]).not.toBe(hashes[1]); // the same PIN, a different salt
    // The device default (no pinHashing given): OWASP's Argon2id baseline, 19 MiB and 2 passes.
    const device = await createAccessStore({ db, cardKey: CARD_KEY, clock });
    await device.putPerson({ personRef: "p-3", rights: { gates: ["lobby"] }, pins: [{ code: "203", pin: "739104" }] });
    expect(db.prepare("SELECT pin_hash FROM access_credentials WHERE pin_code = '203'").pluck().get()).toMatch(/^pepper1\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await device.verifyPin(device.lookupPinCode("203")!.credential.id, "739104")).toBe(true);
    expect(await device.verifyPin(device.lookupPinCode("203")!.credential.id, "739105")).toBe(false);
    device.close();
  });

  it("refuses a person face would be the only way in for, leaving nothing behind (L2)", async () => {
    await expect(store.putPerson({ personRef: "p-2", rights: { gates: ["lobby"] } })).rejects.toThrow(ConfigError);
    await expect(store.putPerson({ personRef: "p-2", rights: { gates: ["lobby", "garage"] }, cards: [{ cardNumber: "C2" }] })).rejects.toThrow(/^people\.p-2: no card and pin usable at gate "garage".*\(L2\)/);
    expect(store.person("p-2")).toBeNull();
    expect(store.lookupCard("C2")).toBeNull();
    expect(events.events.filter((e) => e.type === "access.person_updated")).toEqual([]);
  });

  it("refuses revoking the last card/PIN path and policy changes that would strand someone (L2)", async () => {
    await store.putPerson({ personRef: "p-3", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "C3" }] });
    const card = store.credentialsOf("p-3")[0]!;
    expect(() => store.revokeCredential(card.id)).toThrow(/L2/);
    expect(store.credentialsOf("p-3")[0]!.revoked).toBe(false);
    expect(() => store.loadPolicies([{ gateId: "lobby", mode: "card_and_pin" }, { gateId: "garage", mode: "card_and_pin" }])).toThrow(/people\.p-3/);
    expect(store.policyFor("lobby")?.mode).toBe("face_or_card_or_pin");
    await store.putPerson({ personRef: "p-3", rights: { gates: ["lobby"] }, pins: [{ code: "303", pin: "559173" }] });
    store.revokeCredential(card.id);
    expect(store.lookupCard("C3")?.credential.revoked).toBe(true);
    // People with no rights need no credentials.
    await store.putPerson({ personRef: "p-4", rights: { gates: [] } });
  });

  it("validates input without echoing secrets, and refuses duplicates", async () => {
    const err = await store.putPerson({ personRef: "p-5", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "12 34" }], pins: [{ code: "105", pin: "12" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain("12 34");
    const pinErr = await store.putPerson({ personRef: "p-5", rights: { gates: ["lobby"] }, pins: [{ code: "105", pin: "12" }] }).catch((e: unknown) => e);
    expect((pinErr as Error).message).toBe("people.p-5.pins[0].pin: a PIN must be 4-12 digits");
    await store.putPerson({ personRef: "p-6", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "C6" }] });
    await expect(store.putPerson({ personRef: "p-7", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "c6" }] })).rejects.toThrow(/already issued/);
    await expect(store.putPerson({ personRef: "p-7", rights: { gates: ["nowhere"] }, cards: [{ cardNumber: "C7" }] })).rejects.toThrow(/unknown gate "nowhere"/);
    for (const e of events.events) expect(JSON.stringify(e.data)).not.toMatch(/"C6"|"C7"|12 34/i);
  });

  it("records audit-relevant access events inside the change's transaction", async () => {
    await store.putPerson({ personRef: "p-8", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "C8" }] });
    store.removePerson("p-8");
    expect(events.events.map((e) => e.type)).toEqual(["access.policy_changed", "access.person_updated", "access.person_removed"]);
    expect(events.events.every((e) => e.auditRelevant && e.category === "access")).toBe(true);
    expect(store.lookupCard("C8")).toBeNull();
    // The event and the change commit together: a recorder that fails rolls the change back.
    const failing = await createAccessStore({ db, cardKey: CARD_KEY, clock, pinHashing: minimalPinHashing(), recorder: { record: () => { throw new Error("outbox full"); } } });
    await expect(failing.putPerson({ personRef: "p-9", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "C9" }] })).rejects.toThrow("outbox full");
    expect(store.person("p-9")).toBeNull();
  });
});
