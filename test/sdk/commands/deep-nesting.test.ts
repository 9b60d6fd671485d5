/**
 * A request nested deeper than any command needs is malformed, refused before it is
 * parsed: neither JSON.parse nor the canonical form nor the schema check recurses into it
 * (issue 12, finding 10: 10,000 levels were answered command_failed, a stack overflow).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { type CommandResultMessage, toBase64 } from "../../../sdk/protocol/index.js";
import { signCommand } from "../../../sdk/crypto/signatures.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { type Harness, identity, makeHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

const send = (text: string): Promise<CommandResultMessage> => h.processor.process(text);

const gateStatus = () => buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey, clock: h.clock });

/** A signed gate.status request with a field holding `depth` nested objects (as text: no recursion here either). */
async function nestedRequest(depth: number, open = '{"a":', close = "}"): Promise<string> {
  const text = JSON.stringify(await gateStatus());
  const nested = open.repeat(depth) + "1" + close.repeat(depth);
  return `${text.slice(0, -1)},"x":${nested}}`;
}

describe("deeply nested requests", () => {
  it("answers 10,000 levels of objects command_malformed, naming the depth", async () => {
    const r = await send(await nestedRequest(10_000));
    expect(r.status).toBe("error");
    expect(r.error?.code).toBe("command_malformed");
    expect(r.error?.message).toMatch(/nested deeper than \d+ levels/);
  });

  it("answers 10,000 levels of arrays command_malformed", async () => {
    const r = await send(await nestedRequest(10_000, "[", "]"));
    expect(r.error?.code).toBe("command_malformed");
  });

  it("does not count brackets inside strings", async () => {
    const r = await send(JSON.stringify({ ...(await gateStatus()), note: "{[".repeat(5_000) }));
    // Not refused for depth: it parses and gets as far as the envelope's shape.
    expect(r.error?.code).toBe("command_unknown_field");
  });

  it("answers a signed command whose sealed body nests 5,000 levels command_malformed, once opened", async () => {
    const c = await gateStatus();
    const sodium = await loadSodium();
    const deep = new TextEncoder().encode('{"a":'.repeat(5_000) + "1" + "}".repeat(5_000));
    const { signature: _s, ...unsigned } = { ...c, sealed: toBase64(sodium.crypto_box_seal(deep, h.boxPublicKey)) };
    const r = await send(JSON.stringify(signCommand(sodium, unsigned, h.admin.secretKey)));
    expect(r.error).toEqual({ code: "command_malformed", message: "command body is nested too deeply" });
  });

  it("still accepts a request at the nesting a real command needs", async () => {
    const r = await send(JSON.stringify(await gateStatus()));
    expect(r.status).toBe("ok");
  });
});
