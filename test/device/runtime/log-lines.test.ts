/**
 * What the real modules log: the figures of start-up, deletion and command handling are
 * written (key id, template counts, receipt ids, durations), and access decisions are
 * events, never log lines naming the person (logs are no movement record, SPEC section 6).
 */
import { afterEach, describe, expect, it } from "vitest";
import { buildSimulatedGate, type SimulatedGate } from "../../../device/scenario/simulated-gate.js";
import type { LogRecord } from "../../../sdk/log/logger.js";
import { consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";
import { type HandlerHarness, consentBody, makeHandlerHarness } from "../../sdk/commands/handlers/handler-harness.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ID = /^[0-9a-f]{32}$/;

function fieldsOf(records: readonly LogRecord[], message: string): LogRecord["fields"][] {
  return records.filter((r) => r.message === message).map((r) => r.fields);
}

describe("the secure store logs its figures", () => {
  it("start-up, enrollment, deletion and reload: key id, counts and trigger, never [redacted]", async () => {
    const f = await openFixture();
    f.store.consents.give(consentInput(f, "s1"));
    f.store.consents.give(consentInput(f, "s2"));
    f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1), embedding(2)] });
    f.store.vault.enroll({ subjectId: "s2", gateId: "gate-a", embeddings: [embedding(3)] });
    f.store.deletion.withdrawConsent({ subjectId: "s1", actor: "resident" });
    f.store.close();
    const again = await f.reopen();
    again.vault.loadInto(f.sink);
    again.close();

    const records = f.logs.records;
    const keyId = fieldsOf(records, "secure store open").map((x) => x["keyId"]);
    expect(keyId).toHaveLength(2);
    expect(keyId[0]).toMatch(KEY_ID);
    expect(keyId[1]).toBe(keyId[0]);
    expect(fieldsOf(records, "enrolled")).toEqual([
      { subjectId: "s1", count: 2 },
      { subjectId: "s2", count: 1 },
    ]);
    expect(fieldsOf(records, "subject deleted")).toEqual([{ subjectId: "s1", trigger: "consent_withdrawn", templates: 2 }]);
    expect(fieldsOf(records, "vault loaded").at(-1)).toMatchObject({ subjects: 1, templates: 1, quarantined: 0 });
    expect(f.logs.text()).not.toContain("[redacted]");
  });
});

describe("command handling logs its figures", () => {
  let h: HandlerHarness;
  afterEach(async () => {
    await h.close();
  });

  it("person set and ended, with counts and the receipt id; rejected commands with their code; no card or PIN", async () => {
    h = await makeHandlerHarness();
    const card = "DEADBEEF9876";
    const pin = "97531864";
    expect((await h.send("person.upsert", { personRef: "p-1", cards: [card], pin })).status).toBe("ok");
    await h.send("consent.record", consentBody(h, "p-1"));
    h.store.vault.enroll({ subjectId: "p-1", gateId: "gate-a", embeddings: [embedding(5)] });
    const ended = await h.send("person.end_access", { personRef: "p-1" });
    expect(ended.status).toBe("ok");
    await h.send("gate.status", {}, { id: "not an id" });

    const records = h.logs.records;
    expect(fieldsOf(records, "person set")).toEqual([{ personRef: "p-1", credentialCount: 2 }]);
    const receiptId = (ended.result as { receipt: { receiptId: string } }).receipt.receiptId;
    expect(receiptId).toMatch(UUID);
    expect(fieldsOf(records, "access ended")).toEqual([{ personRef: "p-1", receiptId }]);
    expect(fieldsOf(records, "subject deleted")).toEqual([{ subjectId: "p-1", trigger: "access_ended", templates: 1 }]);
    const rejected = fieldsOf(records, "command rejected");
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0]).toMatchObject({ code: expect.stringMatching(/^command_/) });
    const text = h.logs.text();
    expect(text).not.toContain(card);
    expect(text).not.toContain(pin);
  });
});

describe("the gate runtime logs what the device did, not who went through", () => {
  let sim: SimulatedGate | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("start-up lines carry the key id, vault figures and duration; a decision is an event, its log line names no one", async () => {
    sim = await buildSimulatedGate({ gates: [{ gateId: "lobby", mode: "card_or_pin" }], pipeline: null });
    const startup = sim.logs.records;
    expect(fieldsOf(startup, "secure store open")[0]!["keyId"]).toMatch(KEY_ID);
    expect(fieldsOf(startup, "vault loaded").at(-1)).toEqual({ subjects: 0, templates: 0, quarantined: 0, ms: expect.any(Number) });
    expect(fieldsOf(startup, "gate started").at(-1)).toMatchObject({ gate: "lobby", mqtt: "off" });

    const personRef = "p-res-7";
    const card = "C0FFEE0707";
    await sim.access.putPerson({ personRef, rights: { gates: ["lobby"] }, cards: [{ cardNumber: card }] });
    const fromEvent = sim.events.events.length;
    const fromLog = sim.logs.records.length;
    sim.hardware.swipe(card);
    await sim.settle();
    sim.hardware.swipe("NOT-A-CARD-1");
    await sim.settle();
    // Positive control: the events name the person and the logs record what the door did.
    expect(sim.events.events.slice(fromEvent).map((e) => [e.type, e.data["personRef"] ?? null])).toEqual([
      ["access.granted", personRef],
      ["access.denied", null],
    ]);
    const decisions = sim.logs.records.slice(fromLog);
    expect(decisions.map((r) => [r.level, r.message, r.fields])).toEqual([
      ["debug", "door unlocked", { method: "card", reason: "ok" }],
      ["debug", "door kept locked", { method: "card", reason: "unknown_card" }],
    ]);
    expect(JSON.stringify(decisions)).not.toContain(personRef);
    expect(sim.logs.records.some((r) => r.level === "info" && /access (granted|denied)/.test(r.message))).toBe(false);
  });
});
