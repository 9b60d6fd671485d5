/**
 * The processor as the shell of admission: facts it cannot establish change no answer
 * that an earlier check already gives. A body holding 1e400 parses to Infinity, which no
 * signature can cover (canonical JSON refuses it), so checking the signature throws.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { type Harness, identity, makeHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

async function withUnsignableBody(gate: string): Promise<string> {
  const c = await buildCommand({ ...identity, gate, type: "gate.status", body: {}, key: h.admin, clock: h.clock });
  const raw = JSON.stringify(c);
  expect(raw).toContain('"body":{}');
  return raw.replace('"body":{}', '"body":{"x":1e400}');
}

describe("admission facts", () => {
  it("answers command_failed when the signature of an addressed command cannot be checked at all", async () => {
    const r = await h.processor.process(await withUnsignableBody(identity.gate));
    expect(r.error).toEqual({ code: "command_failed", message: "the command could not be processed" });
  });

  it("still answers command_misaddressed for such a command sent to another gate: the address is checked first", async () => {
    const r = await h.processor.process(await withUnsignableBody("south"));
    expect(r.error?.code).toBe("command_misaddressed");
    expect(h.audit.ofType("command.rejected").at(-1)?.details).toMatchObject({ code: "command_misaddressed", claimedKeyId: h.admin.keyId });
  });
});
