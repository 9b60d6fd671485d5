/**
 * person.upsert and person.end_access through the real processor, secure store and access
 * store: L2 (face never the only way in), L7 (access ends -> face data deleted), and no
 * card number or PIN in results, logs, events or the audit log.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PersonUpsertResult } from "../../../../sdk/commands/handlers/index.js";
import { verifyReceipt } from "../../../../sdk/crypto/signatures.js";
import type { CommandResultMessage } from "../../../../sdk/protocol/index.js";
import { embedding } from "../../../support/secure-store-fixture.js";
import { type HandlerHarness, consentBody, makeHandlerHarness } from "./handler-harness.js";
import { scheduleAllows } from "../../../../sdk/policy/schedule.js";

const CARD = "DEADBEEF9876";
const CARD_2 = "FACE0FF1CE42";
const PIN = "97531864";

/** The keypad user code the device allocated for a new PIN. */
const keypadCode = (r: CommandResultMessage<"person.upsert">): string => (r.result as PersonUpsertResult).keypadCode!;

let h: HandlerHarness;
beforeEach(async () => {
  h = await makeHandlerHarness();
});
afterEach(async () => {
  await h.close();
});

describe("person.upsert (L2)", () => {
  it("stores rights, a card and a PIN that work at the gate, and answers counts only", async () => {
    const r = await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN, validUntil: Date.UTC(2027, 0, 1) });
    expect(r.status).toBe("ok");
    expect(r.result).toEqual({ personRef: "p-1", credentials: { cardCount: 1, hasPin: true }, keypadCode: expect.stringMatching(/^\d{6}$/) });
    expect(h.access.person("p-1")?.rights).toEqual({ gates: ["gate-a", "gate-b"], validFrom: null, validUntil: Date.UTC(2027, 0, 1), schedule: null });
    expect(h.access.lookupCard(CARD)?.person.personRef).toBe("p-1");
    // The keypad user code the device answered identifies the PIN, which verifies.
    const byCode = h.access.lookupPinCode(keypadCode(r))!;
    expect(byCode.person.personRef).toBe("p-1");
    expect(await h.access.verifyPin(byCode.credential.id, PIN)).toBe(true);
    const audit = h.store.audit.entries().find((e) => e.type === "access.person_set")!;
    expect(audit).toMatchObject({ actor: h.operator.keyId, subject: "p-1", details: { credentials: { cardsAdded: 1, pinAdded: true, revoked: 0 } } });
  });

  it("never lets a card number or PIN reach the result, the audit log, logs or events", async () => {
    const r = await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    const refused = await h.send("person.upsert", { personRef: "p-2", cards: [CARD] }); // card already issued
    expect(refused.status).toBe("error");
    const everything = [JSON.stringify(r), JSON.stringify(refused), h.everythingRecorded()].join("\n");
    expect(everything).not.toContain(CARD);
    expect(everything).not.toContain(PIN);
  });

  it("refuses a person face would be the only way in for, changing nothing (L2)", async () => {
    // gate-b wants card AND PIN: a card alone leaves face (or nothing) there.
    const r = await h.send("person.upsert", { personRef: "p-1", cards: [CARD] });
    expect(r.status).toBe("error");
    expect(r.error).toMatchObject({ code: "access_face_only", message: expect.stringMatching(/gate-b.*\(L2\)/) });
    expect(h.access.person("p-1")).toBeNull();
    expect(h.access.lookupCard(CARD)).toBeNull();
    // The same card at the gate that takes a card alone is fine.
    expect((await h.send("person.upsert", { personRef: "p-1", cards: [CARD], gates: ["gate-a"] })).status).toBe("ok");
  });

  it("refuses rights at a gate this device has no policy for", async () => {
    const r = await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN, gates: ["gate-a", "gate-x"] });
    expect(r.error).toMatchObject({ code: "config_invalid", message: expect.stringMatching(/gate-x/) });
    expect(h.access.person("p-1")).toBeNull();
  });

  it("a body without card or PIN is an invalid body (face alone is never a credential)", async () => {
    const r = await h.send("person.upsert", { personRef: "p-1", gates: ["gate-a"] });
    expect(r.error).toMatchObject({ code: "command_invalid_body", message: expect.stringMatching(/L2/) });
  });

  it("replaces credentials: an unchanged PIN and card are kept, a dropped card is revoked", async () => {
    const first = await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    const code = keypadCode(first);
    const second = await h.send("person.upsert", { personRef: "p-1", cards: [CARD_2], pin: PIN });
    expect(second.result).toEqual({ personRef: "p-1", credentials: { cardCount: 1, hasPin: true } });
    expect(h.access.lookupCard(CARD)?.credential.revoked).toBe(true);
    expect(h.access.lookupCard(CARD_2)?.credential.revoked).toBe(false);
    expect(h.access.lookupPinCode(code)?.credential.revoked).toBe(false);
    // Same body again: nothing changes (safe to re-issue after an interruption).
    const before = h.access.credentialsOf("p-1");
    await h.send("person.upsert", { personRef: "p-1", cards: [CARD_2], pin: PIN });
    expect(h.access.credentialsOf("p-1")).toEqual(before);
  });

  it("a new PIN replaces the old one under a new keypad code", async () => {
    const first = await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    const second = await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: "1234567" });
    const [oldCode, newCode] = [keypadCode(first), keypadCode(second)];
    expect(newCode).not.toBe(oldCode);
    expect(h.access.lookupPinCode(oldCode)?.credential.revoked).toBe(true);
    const live = h.access.lookupPinCode(newCode)!;
    expect(await h.access.verifyPin(live.credential.id, "1234567")).toBe(true);
  });

  it("refuses dropping the PIN where a gate needs it, keeping the old credentials (L2)", async () => {
    await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    const r = await h.send("person.upsert", { personRef: "p-1", cards: [CARD] });
    expect(r.error?.code).toBe("access_face_only");
    expect(h.access.credentialsOf("p-1").filter((c) => !c.revoked).map((c) => c.kind).sort()).toEqual(["card", "pin"]);
  });

  it("keeps the contract's weekly schedule as sent: one ScheduleWindow from the wire to the decision (0 = Sunday, overnight windows)", async () => {
    await h.send("person.upsert", { personRef: "p-1", cards: [CARD], gates: ["gate-a"], schedule: [{ days: [0, 6], from: "22:00", to: "06:00" }] });
    const schedule = h.access.person("p-1")?.rights.schedule ?? null;
    expect(schedule?.windows).toEqual([{ days: [0, 6], from: "22:00", to: "06:00" }]);
    // Saturday and Sunday nights, into the next mornings, in China Standard Time.
    expect(scheduleAllows(schedule, Date.parse("2026-01-10T23:00:00+08:00"))).toBe(true); // Saturday night
    expect(scheduleAllows(schedule, Date.parse("2026-01-11T05:59:00+08:00"))).toBe(true); // Sunday early
    expect(scheduleAllows(schedule, Date.parse("2026-01-12T05:00:00+08:00"))).toBe(true); // Monday early, after Sunday night
    expect(scheduleAllows(schedule, Date.parse("2026-01-12T06:00:00+08:00"))).toBe(false);
    expect(scheduleAllows(schedule, Date.parse("2026-01-13T05:00:00+08:00"))).toBe(false); // Tuesday early: Monday night is not in
  });

});

describe("person.end_access (L7)", () => {
  it("removes the person and their credentials, and deletes their face data with a verifiable receipt", async () => {
    await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    await h.send("consent.record", consentBody(h, "p-1"));
    h.store.vault.enroll({ subjectId: "p-1", gateId: "gate-a", embeddings: [embedding(3)], actor: "test" });

    const r = await h.send("person.end_access", { personRef: "p-1", reason: "moved out" });
    expect(r.status).toBe("ok");
    const result = r.result as { personRef: string; endedAt: number; receipt: Record<string, unknown> & { signature: string } };
    expect(result.personRef).toBe("p-1");
    expect(result.endedAt).toBe(h.clock.now());
    expect(await verifyReceipt(result.receipt, h.store.publicKeys.signingPublicKey)).toEqual({ ok: true });
    expect(result.receipt).toMatchObject({ trigger: "access_ended", subjectRef: "p-1", deleted: { templates: 1, dataKeys: 1, consentsEnded: 1 } });
    expect(h.access.person("p-1")).toBeNull();
    expect(h.access.lookupCard(CARD)).toBeNull();
    expect(h.store.vault.counts("p-1")).toEqual({ templates: 0, dataKey: false, quarantined: false });
    expect(h.sink.templates.has("p-1")).toBe(false);
    expect(h.store.consents.validConsent({ subjectId: "p-1" })).toBeUndefined();
  });

  it("answers without a receipt when the person had no face data", async () => {
    await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    const r = await h.send("person.end_access", { personRef: "p-1" });
    expect(r.result).toEqual({ personRef: "p-1", endedAt: h.clock.now() });
    expect(h.access.person("p-1")).toBeNull();
  });

  it("still deletes face data left behind when the person is already gone (re-issued after a crash)", async () => {
    await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    await h.send("consent.record", consentBody(h, "p-1"));
    h.store.vault.enroll({ subjectId: "p-1", gateId: "gate-a", embeddings: [embedding(4)], actor: "test" });
    h.access.removePerson("p-1"); // as if the device died between the two steps
    const r = await h.send("person.end_access", { personRef: "p-1" });
    expect(r.status).toBe("ok");
    expect((r.result as { receipt?: unknown }).receipt).toBeDefined();
    expect(h.store.vault.subjectsWithData()).toEqual([]);
  });

  it("refuses an unknown person and a future end date", async () => {
    expect((await h.send("person.end_access", { personRef: "ghost" })).error?.code).toBe("not_found");
    await h.send("person.upsert", { personRef: "p-1", cards: [CARD], pin: PIN });
    const later = await h.send("person.end_access", { personRef: "p-1", at: h.clock.now() + 86_400_000 });
    expect(later.error?.code).toBe("end_access_scheduled_unsupported");
    expect(h.access.person("p-1")).not.toBeNull();
  });
});
