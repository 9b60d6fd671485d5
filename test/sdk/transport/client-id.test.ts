/**
 * Finding 2: the device's client id was `fg-<site>-<gate>`, so anyone could take its
 * persistent session. It is now a keyed hash under a key derived from the device master
 * key: stable across restarts (the session and its queued commands survive), different
 * per device key and per prefix, site and gate, and it names neither site nor gate.
 */
import { describe, expect, it } from "vitest";
import { KeyHierarchy } from "../../../sdk/crypto/key-hierarchy.js";
import { deviceClientId } from "../../../sdk/transport/client-id.js";
import { MemoryKeyProvider } from "../../support/memory-key-provider.js";

const open = async (key: Uint8Array) => KeyHierarchy.fromProvider({ provider: new MemoryKeyProvider({ key }), create: false });

describe("the device's MQTT client id", () => {
  it("is the same on every start of one device, and cannot be derived from public names", async () => {
    const master = new Uint8Array(32).fill(3);
    const [a, b, other] = await Promise.all([open(master), open(master), open(new Uint8Array(32).fill(4))]);
    const at = { prefix: "facegate", site: "estate-01", gate: "lobby" };
    const id = (k: KeyHierarchy, where = at) => deviceClientId((p, i) => k.keyedIdentifier(p, i), where);
    expect(id(a)).toMatch(/^fg-[0-9a-f]{32}$/);
    expect(id(a)).toBe(id(b));
    expect(id(a)).not.toBe(id(other));
    expect(id(a)).not.toBe(id(a, { ...at, gate: "garage" }));
    expect(id(a)).not.toBe(id(a, { ...at, site: "estate-02" }));
    expect(id(a)).not.toBe(id(a, { ...at, prefix: "acme" }));
    expect(id(a)).not.toContain("estate");
    expect(id(a)).not.toContain("lobby");
    a.close();
    expect(() => id(a)).toThrow(/closed/);
    b.close();
    other.close();
  });
});
