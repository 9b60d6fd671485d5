import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../device/cli/cli-io.js";
import { main } from "../../device/cli/main.js";
import { consentInput, embedding, openFixture } from "../support/secure-store-fixture.js";

function io(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
}

async function deviceWithDeletion() {
  const f = await openFixture();
  f.store.consents.give(consentInput(f, "s1"));
  f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1)] });
  const receipt = f.store.deletion.withdrawConsent({ subjectId: "s1", actor: "resident" });
  const key = Buffer.from(f.store.publicKeys.signingPublicKey).toString("base64");
  f.store.close();
  writeFileSync(join(f.dir, "receipt.json"), JSON.stringify(receipt));
  writeFileSync(join(f.dir, "device.pub"), `${key}\n`);
  return { f, receipt, key };
}

describe("facegate receipt / audit", () => {
  it("L7 receipt verify accepts a genuine receipt (key as base64 or file) and rejects an altered one", async () => {
    const { f, receipt, key } = await deviceWithDeletion();
    const a = io(f.dir);
    expect(await main(["receipt", "verify", "receipt.json", "--device-key", key], a)).toBe(0);
    expect(a.stdout.join("\n")).toMatch(/verified: subject s1, consent_withdrawn, 1 template/);
    const b = io(f.dir);
    expect(await main(["receipt", "verify", "receipt.json", "--device-key", "device.pub", "--json"], b)).toBe(0);
    expect(JSON.parse(b.stdout[0]!)).toMatchObject({ ok: true, receiptId: receipt.receiptId });
    writeFileSync(join(f.dir, "forged.json"), JSON.stringify({ ...receipt, trigger: "deletion_request" }));
    const c = io(f.dir);
    expect(await main(["receipt", "verify", "forged.json", "--device-key", key], c)).toBe(5);
    expect(c.stderr.join("\n")).toMatch(/does NOT verify/);
    const d = io(f.dir);
    expect(await main(["receipt", "verify", "receipt.json", "--device-key", "not-a-key"], d)).toBe(6);
    expect(await main(["receipt", "verify", "receipt.json"], io(f.dir))).toBe(2);
  });

  it("L8 audit export from the device, then verify offline; an edited or removed entry is named", async () => {
    const { f, key } = await deviceWithDeletion();
    const a = io(f.dir);
    expect(await main(["audit", "export", "--db", "device.db", "--key-file", "keys/master.key", "--out", "audit.json", "--json"], a)).toBe(0);
    const k = io(f.dir);
    expect(await main(["audit", "device-key", "--key-file", "keys/master.key", "--json"], k)).toBe(0);
    expect(JSON.parse(k.stdout[0]!).signingPublicKey).toBe(key);
    const b = io(f.dir);
    expect(await main(["audit", "verify", "audit.json", "--device-key", key], b)).toBe(0);
    expect(b.stdout.join("\n")).toMatch(/audit log verified: \d+ entries/);
    const parsed = JSON.parse(readFileSync(join(f.dir, "audit.json"), "utf8")) as { entries: Array<{ seq: number; type: string; details: Record<string, unknown> }> };
    expect(parsed.entries.map((e) => e.type)).toEqual(expect.arrayContaining(["consent.given", "vault.enrolled", "consent.withdrawn", "deletion.completed"]));
    const edited = structuredClone(parsed);
    edited.entries[3]!.details = { edited: true };
    writeFileSync(join(f.dir, "edited.json"), JSON.stringify(edited));
    const c = io(f.dir);
    expect(await main(["audit", "verify", "edited.json", "--device-key", key, "--json"], c)).toBe(5);
    expect(JSON.parse(c.stdout[0]!).firstBroken).toMatchObject({ seq: 4 });
    const removed = structuredClone(parsed);
    removed.entries.splice(2, 1);
    writeFileSync(join(f.dir, "removed.json"), JSON.stringify(removed));
    const d = io(f.dir);
    expect(await main(["audit", "verify", "removed.json", "--device-key", key], d)).toBe(5);
    expect(d.stderr.join("\n")).toMatch(/first broken entry 3: entry 3 is missing/);
  });
});
