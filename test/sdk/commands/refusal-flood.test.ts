/**
 * A flood of unauthenticated requests (issue 12, finding 3): 20,000 junk messages once
 * cost an audit entry (~333 bytes) and a signed answer each. Now each source gets a few
 * answers per window and one summary entry per window; the audit log grows by a bounded
 * amount whatever is sent, and real commands keep working in the middle of it.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { type Harness, identity, makeHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

describe("a flood of unauthenticated requests", () => {
  it("gets 20 answers per source and window, one audit summary per source, and does not stop a real command", async () => {
    const strangers = await Promise.all([generateEd25519KeyPair(), generateEd25519KeyPair()]);
    const forged = await Promise.all(strangers.map((k) => buildCommand({ ...identity, type: "gate.status", body: {}, key: k, sealTo: h.boxPublicKey, clock: h.clock })));
    const before = h.audit.entries().length;
    let answers = 0;
    for (let i = 0; i < 3_000; i++) {
      const junk = i % 3 === 0 ? `{not json ${i}` : JSON.stringify({ ...forged[i % 2]!, id: `f-${i}` });
      if (await h.processor.processForLink(junk)) answers++;
      if (i === 1_500) {
        const real = await h.processor.processForLink(JSON.stringify(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey, clock: h.clock })));
        expect(real?.status).toBe("ok");
      }
    }
    // Three sources (no key claimed, two strangers' keys): 20 answers each in this window.
    expect(answers).toBe(3 * 20);
    // The real command: accepted and completed; the flood: nothing yet, until the window closes.
    expect(h.audit.entries().length - before).toBe(2);
    h.clock.advance(60_000);
    await h.processor.processForLink("{still junk");
    const summaries = h.audit.ofType("command.rejected_summary");
    expect(summaries.map((s) => s.details["source"]).sort()).toEqual(["anonymous", ...strangers.map((k) => k.keyId)].sort());
    expect(summaries.reduce((n, s) => n + (s.details["count"] as number), 0)).toBe(3_000);
    expect(summaries.find((s) => s.details["source"] === "anonymous")?.details).toMatchObject({ count: 1_000, codes: { command_malformed: 1_000 }, unanswered: 980 });
    expect(summaries.find((s) => s.details["source"] === strangers[0]!.keyId)?.details).toMatchObject({ count: 1_000, codes: { command_unknown_key: 1_000 }, unanswered: 980 });
    // The new window answers again, and its count is audited when it closes (or on stop).
    expect(h.processor.flushRefusals()).toBe(1);
    expect(h.audit.ofType("command.rejected_summary").at(-1)?.details).toMatchObject({ source: "anonymous", count: 1 });
  });

  it("keeps at most 32 claimed sources apart per window; more are counted together as other", async () => {
    for (let i = 0; i < 50; i++) {
      const k = await generateEd25519KeyPair();
      await h.processor.processForLink(JSON.stringify(await buildCommand({ ...identity, type: "gate.status", body: {}, key: k, sealTo: h.boxPublicKey, clock: h.clock })));
    }
    expect(h.processor.flushRefusals()).toBe(33);
    expect(h.audit.ofType("command.rejected_summary").find((s) => s.details["source"] === "other")?.details).toMatchObject({ count: 18 });
  });
});
