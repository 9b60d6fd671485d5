import { describe, expect, it } from "vitest";
import type { FacegateEvent } from "../../../sdk/events/event.js";
import { openDatabase } from "../../../sdk/store/database.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { DROP_NOTICE_TYPE, Outbox, outboxMigrations } from "../../../sdk/transport/outbox.js";
import { testDeviceSigner } from "../../support/device-signer.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { verifyDeviceMessage } from "../../../sdk/crypto/signatures.js";

const identity = { site: "estate-7", gate: "north" };
const signer = await testDeviceSigner();

function setup(maxRows?: number) {
  const db = openDatabase({ path: ":memory:", migrations: [outboxMigrations] });
  const outbox = new Outbox({ db, identity, clock: new ManualClock(), signer, ...(maxRows ? { maxRows } : {}) });
  return { db, outbox };
}

const ev = (id: string, auditRelevant = false): FacegateEvent => ({ id, type: "access.granted", category: "access", at: 1, data: { personRef: "p-1" }, auditRelevant });

describe("Outbox", () => {
  it("commits an event with the change that reports it, and not at all when the change rolls back", () => {
    const { db, outbox } = setup();
    db.exec("CREATE TABLE change (x INTEGER)");
    db.transaction(() => {
      db.prepare("INSERT INTO change VALUES (1)").run();
      outbox.record(ev("e1"));
    })();
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO change VALUES (2)").run();
        outbox.record(ev("e2"));
        throw new Error("the change failed");
      })(),
    ).toThrow("the change failed");
    expect(outbox.pendingAfter(0, 10).map((r) => r.id)).toEqual(["e1"]);
    expect(outbox.stats()).toEqual({ pending: 1, dropped: 0 });
  });

  it("stores the signed wire message of the contract and ignores a repeated event id", async () => {
    const { outbox } = setup();
    outbox.record(ev("e1"));
    outbox.record(ev("e1"));
    const rows = outbox.pendingAfter(0, 10);
    expect(rows).toHaveLength(1);
    const message = JSON.parse(rows[0]!.payload);
    expect(message).toEqual({ v: 2, id: "e1", type: "access.granted", category: "access", at: 1, site: "estate-7", gate: "north", data: { personRef: "p-1" }, auditRelevant: false, deviceKeyId: signer.keyId, signature: expect.any(String) });
    expect(verifyDeviceMessage(await loadSodium(), "event", message, signer.publicKey), "signed by the device key as stored").toBe(true);
  });

  it("refuses events that carry biometric or binary data (L4)", () => {
    const { outbox } = setup();
    expect(() => outbox.record({ ...ev("e1"), data: { embedding: [0.1] } })).toThrow(/L4/);
    expect(() => outbox.record({ ...ev("e2"), data: { x: new Float32Array(4) } })).toThrow(/L4/);
    expect(() => outbox.record({ ...ev("e3"), data: { x: Array.from({ length: 512 }, () => 0.5) } })).toThrow(/L4/);
    expect(outbox.count()).toBe(0);
  });

  it("when full, drops the oldest events that are not audit-relevant and counts the drops", () => {
    const { outbox } = setup(3);
    outbox.record(ev("a1", true));
    outbox.record(ev("n1"));
    outbox.record(ev("n2"));
    outbox.record(ev("n3"));
    expect(outbox.pendingAfter(0, 10).map((r) => r.id)).toEqual(["a1", "n2", "n3"]);
    expect(outbox.stats()).toEqual({ pending: 3, dropped: 1 });
  });

  it("never drops audit-relevant events: they are kept beyond the bound, new ordinary events are dropped instead", () => {
    const { outbox } = setup(2);
    outbox.record(ev("a1", true));
    outbox.record(ev("a2", true));
    outbox.record(ev("a3", true));
    outbox.record(ev("n1"));
    expect(outbox.pendingAfter(0, 10).map((r) => r.id)).toEqual(["a1", "a2", "a3"]);
    expect(outbox.stats().dropped).toBe(1);
  });

  it("announces drops with one audit-relevant system.events_dropped event at a time", () => {
    const { outbox } = setup(2);
    for (let i = 0; i < 5; i++) outbox.record(ev(`n${i}`));
    expect(outbox.recordDropNoticeIfNeeded()).toBe(true);
    expect(outbox.recordDropNoticeIfNeeded()).toBe(false);
    const notice = outbox.pendingAfter(0, 10).find((r) => JSON.parse(r.payload).type === DROP_NOTICE_TYPE)!;
    const msg = JSON.parse(notice.payload);
    expect(msg).toMatchObject({ category: "system", auditRelevant: true, data: { dropped: 3, totalDropped: 3, maxRows: 2 } });
  });
});
