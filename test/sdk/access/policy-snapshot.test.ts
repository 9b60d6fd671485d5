/**
 * The gate reads its policy on every frame, card and key: the access store answers from a
 * snapshot parsed once per change (sdk/access/policy-table.ts), never from a rolled-back
 * change. Real SQLite, real libsodium.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccessStore, accessMigrations, createAccessStore, minimalPinHashing } from "../../../sdk/access/index.js";
import { type Db, openDatabase } from "../../../sdk/store/database.js";
import { ManualClock } from "../../../sdk/time/clock.js";

const GATES = [
  { gateId: "lobby", mode: "face_or_card_or_pin" },
  { gateId: "garage", mode: "card_and_pin" },
];

let db: Db;
let store: AccessStore;

beforeEach(async () => {
  db = openDatabase({ path: ":memory:", migrations: [accessMigrations] });
  store = await createAccessStore({ db, cardKey: new Uint8Array(32).fill(3), clock: new ManualClock(0), pinHashing: minimalPinHashing() });
  store.loadPolicies(GATES);
});

afterEach(() => {
  store.close();
  db.close();
});

describe("gate policy snapshot", () => {
  it("answers the same parsed policy on every read until the policies change", () => {
    const first = store.policyFor("lobby");
    expect(first?.mode).toBe("face_or_card_or_pin");
    expect(store.policyFor("lobby")).toBe(first);
    expect(store.policies()[1]).toBe(first); // ordered by gate id: garage, lobby
    store.loadPolicies([{ gateId: "lobby", mode: "card_or_pin" }]);
    expect(store.policyFor("lobby")).not.toBe(first);
    expect(store.policyFor("lobby")?.mode).toBe("card_or_pin");
    expect(store.policyFor("garage")).toBeNull();
  });

  it("reads the table once per change, not once per call", async () => {
    store.policyFor("lobby");
    // Written behind the store's back (only loadPolicies may write it): the snapshot does not see it.
    db.prepare("UPDATE access_gates SET policy = json_set(policy, '$.mode', 'card') WHERE gate_id = 'lobby'").run();
    expect(store.policyFor("lobby")?.mode).toBe("face_or_card_or_pin");
    // Positive control: a fresh store reads the table and does see it.
    const fresh = await createAccessStore({ db, cardKey: new Uint8Array(32).fill(3), clock: new ManualClock(0), pinHashing: minimalPinHashing() });
    expect(fresh.policyFor("lobby")?.mode).toBe("card");
    fresh.close();
  });

  it("hands out frozen policies, so no reader can change what the next one reads", () => {
    const policy = store.policyFor("garage")!;
    expect(Object.isFrozen(policy) && Object.isFrozen(policy.lockout)).toBe(true);
    expect(() => {
      (policy as { unlockMs: number }).unlockMs = 1;
    }).toThrow(TypeError);
    expect(store.policyFor("garage")?.unlockMs).toBe(5_000);
  });

  it("keeps the committed policies when the transaction around loadPolicies rolls back", () => {
    store.policyFor("lobby");
    expect(() =>
      db.transaction(() => {
        store.loadPolicies([{ gateId: "lobby", mode: "card" }]);
        // Inside the transaction the change is visible, but not kept as the snapshot.
        expect(store.policyFor("lobby")?.mode).toBe("card");
        throw new Error("audit append failed");
      })(),
    ).toThrow("audit append failed");
    expect(store.policyFor("lobby")?.mode).toBe("face_or_card_or_pin");
  });

  it("takes the new policies once the transaction around loadPolicies commits", () => {
    db.transaction(() => {
      store.loadPolicies([{ gateId: "lobby", mode: "card" }]);
      store.policyFor("lobby");
    })();
    expect(store.policyFor("lobby")?.mode).toBe("card");
  });
});
