/** policy.set through the real processor and access store (L2, L8, L12). */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HandlerHarness, makeHandlerHarness } from "./handler-harness.js";

let h: HandlerHarness;
beforeEach(async () => {
  h = await makeHandlerHarness();
});
afterEach(async () => {
  await h.close();
});

describe("policy.set", () => {
  it("replaces this gate's policy, keeps the others, and audits the change under the admin key", async () => {
    const r = await h.send("policy.set", { version: "2026-03", policy: { mode: "card_then_face", unlockMs: 4000 } });
    expect(r.status).toBe("ok");
    expect(r.result).toEqual({ version: "2026-03" });
    expect(h.access.policyFor("gate-a")).toMatchObject({ mode: "card_then_face", unlockMs: 4000 });
    expect(h.access.policyFor("gate-b")?.mode).toBe("card_and_pin");
    const audit = h.store.audit.entries().find((e) => e.type === "policy.changed")!;
    expect(audit).toMatchObject({ actor: h.admin.keyId, details: { version: "2026-03", replaced: "gate-a", gates: [{ gateId: "gate-a", mode: "card_then_face" }, { gateId: "gate-b", mode: "card_and_pin" }] } });
  });

  it("replaces every gate's policy with { gates: [...] }", async () => {
    const r = await h.send("policy.set", { version: "4", policy: { gates: [{ gateId: "gate-a", mode: "card_or_pin" }, { gateId: "gate-c", mode: "face_or_card" }] } });
    expect(r.status).toBe("ok");
    expect(h.access.policies().map((p) => [p.gateId, p.mode])).toEqual([
      ["gate-a", "card_or_pin"],
      ["gate-c", "face_or_card"],
    ]);
  });

  it("refuses a face-only mode with access_face_only, changing nothing (L2)", async () => {
    const r = await h.send("policy.set", { version: "5", policy: { mode: "face_only" } });
    expect(r.status).toBe("error");
    expect(r.error).toMatchObject({ code: "access_face_only", message: expect.stringMatching(/only way in.*L2/) });
    expect(h.access.policyFor("gate-a")?.mode).toBe("face_or_card_or_pin");
    expect(h.store.audit.entries().filter((e) => e.type === "policy.changed")).toEqual([]);
  });

  it("refuses a policy that would leave a resident with face as the only way in (L2)", async () => {
    // A resident with a card only at gate-a; gate-a switching to PIN-only would strand them.
    expect((await h.send("person.upsert", { personRef: "p-1", cards: ["A1B2C3D4"], gates: ["gate-a"] })).status).toBe("ok");
    const r = await h.send("policy.set", { version: "6", policy: { mode: "face_or_pin" } });
    expect(r.error).toMatchObject({ code: "access_face_only", message: expect.stringMatching(/p-1.*gate-a/) });
    expect(h.access.policyFor("gate-a")?.mode).toBe("face_or_card_or_pin");
  });

  it("answers other schema problems as invalid bodies, and is admin-only", async () => {
    const bad = await h.send("policy.set", { version: "7", policy: { mode: "card", doorHeldOpenMs: -1 } });
    expect(bad.error).toMatchObject({ code: "command_invalid_body", message: expect.stringMatching(/doorHeldOpenMs/) });
    const unknown = await h.send("policy.set", { version: "7", policy: { mode: "card", colour: "red" } });
    expect(unknown.error?.code).toBe("command_invalid_body");
    const withoutThisGate = await h.send("policy.set", { version: "7", policy: { gates: [{ gateId: "gate-b", mode: "card" }] } });
    expect(withoutThisGate.error).toMatchObject({ code: "command_invalid_body", message: expect.stringMatching(/must include this gate/) });
    const byOperator = await h.send("policy.set", { version: "7", policy: { mode: "card" } }, { key: h.operator });
    expect(byOperator.error?.code).toBe("command_forbidden");
  });
});
