/**
 * The processor as the shell of admission: facts it cannot establish change no answer
 * that an earlier check already gives. Here the operator key lookup fails (as a database
 * that went away would), so the key of an addressed command cannot be known.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { type Harness, identity, makeHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

async function withFailingKeyLookup(gate: string): Promise<string> {
  const c = await buildCommand({ ...identity, gate, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey, clock: h.clock });
  h.registry.get = () => {
    throw new Error("disk I/O error");
  };
  return JSON.stringify(c);
}

describe("admission facts", () => {
  it("answers command_failed when the key of an addressed command cannot be looked up at all", async () => {
    const r = await h.processor.process(await withFailingKeyLookup(identity.gate));
    expect(r.error).toEqual({ code: "command_failed", message: "the command could not be processed" });
  });

  it("still answers command_misaddressed for such a command sent to another gate: the address is checked first", async () => {
    const r = await h.processor.process(await withFailingKeyLookup("south"));
    expect(r.error?.code).toBe("command_misaddressed");
    h.processor.flushRefusals();
    expect(h.audit.ofType("command.rejected_summary").at(-1)?.details).toMatchObject({ source: h.admin.keyId, codes: { command_misaddressed: 1 } });
  });
});
