/**
 * What the expiry sweep asks the access store after its first pass: whose rights ended in a
 * span of time, including rights changed during the span to an end already past.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccessStore, accessMigrations, createAccessStore, minimalPinHashing } from "../../../sdk/access/index.js";
import { type Db, openDatabase } from "../../../sdk/store/database.js";
import { ManualClock } from "../../../sdk/time/clock.js";

const HOUR = 3_600_000;

describe("AccessStore.rightsEndedBetween", () => {
  let dir: string;
  let db: Db;
  let store: AccessStore;
  const clock = new ManualClock(Date.parse("2026-01-05T09:00:00Z"));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "facegate-rights-"));
    db = openDatabase({ path: join(dir, "device.db"), migrations: [accessMigrations] });
    store = await createAccessStore({ db, cardKey: new Uint8Array(32).fill(7), clock, pinHashing: minimalPinHashing() });
    store.loadPolicies([{ gateId: "lobby", mode: "face_or_card_or_pin" }]);
  });
  afterEach(() => {
    store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("names those whose rights ended in the span, and those changed in it to an end already past", async () => {
    const t0 = clock.now();
    const at = (h: number) => new Date(t0 + h * HOUR).toISOString();
    await store.putPerson({ personRef: "ends-in-span", rights: { gates: ["lobby"], validUntil: at(2) }, cards: [{ cardNumber: "CARD1" }] });
    await store.putPerson({ personRef: "ends-later", rights: { gates: ["lobby"], validUntil: at(50) }, cards: [{ cardNumber: "CARD2" }] });
    await store.putPerson({ personRef: "ended-long-ago", rights: { gates: ["lobby"], validUntil: at(-100) }, cards: [{ cardNumber: "CARD3" }] });
    await store.putPerson({ personRef: "moved-out", rights: { gates: ["lobby"], validUntil: at(40) }, cards: [{ cardNumber: "CARD4" }] });
    const swept = t0 + HOUR; // the previous sweep
    clock.set(t0 + 2 * HOUR);
    // After that sweep the office records that a resident moved out yesterday.
    await store.putPerson({ personRef: "moved-out", rights: { gates: ["lobby"], validUntil: at(-24) }, cards: [{ cardNumber: "CARD5" }] });
    expect(store.rightsEndedBetween(swept, clock.now())).toEqual(["ends-in-span", "moved-out"]);
    expect(store.rightsEndedBy(clock.now())).toEqual(["ended-long-ago", "ends-in-span", "moved-out"]);
    expect(store.rightsEndedBetween(clock.now(), clock.now() + HOUR)).toEqual([]);
  });
});
