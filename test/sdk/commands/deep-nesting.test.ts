/**
 * A request nested deeper than any command needs is malformed, refused before it is
 * parsed: neither JSON.parse nor the canonical form nor the schema check recurses into it
 * (issue 12, finding 10: 10,000 levels were answered command_failed, a stack overflow).
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { CommandResultMessage } from "../../../sdk/protocol/index.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { type Harness, identity, makeHarness } from "./harness.js";

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

const send = (text: string): Promise<CommandResultMessage> => h.processor.process(text);

/** A signed gate.status request whose body holds `depth` nested objects (as text: no recursion here either). */
async function nestedRequest(depth: number, open = '{"a":', close = "}"): Promise<string> {
  const c = await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, clock: h.clock });
  const text = JSON.stringify(c);
  const nested = open.repeat(depth) + "1" + close.repeat(depth);
  return text.replace('"body":{}', `"body":{"x":${nested}}`);
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
    const c = await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, clock: h.clock });
    const text = JSON.stringify({ ...c, id: c.id }).replace('"body":{}', `"body":{"note":"${"{[".repeat(5_000)}"}`);
    const r = await send(text);
    // Not refused for depth: it parses and gets as far as the signature (which no longer covers the body).
    expect(r.error?.code).toBe("command_bad_signature");
  });

  it("still accepts a request at the nesting a real command needs", async () => {
    const c = await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, clock: h.clock });
    const r = await send(JSON.stringify(c));
    expect(r.status).toBe("ok");
  });
});
