/** `facegate operator ...` in-process, against a real broker and a device command stack. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { toBase64 } from "../../../sdk/protocol/index.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { readOperatorKeyFile } from "../../../sdk/operator/key-file.js";
import { OperatorClient } from "../../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../../sdk/operator/until-answered.js";
import { DeviceLink } from "../../../sdk/transport/device-link.js";
import { clearRetained, startTestBroker, type TestBroker } from "../../support/broker.js";
import { type Harness, identity, makeHarness } from "../commands/harness.js";

let broker: TestBroker;
let h: Harness;
let link: DeviceLink;
const dir = mkdtempSync(join(tmpdir(), "fg-cli-"));
const prefix = `t${Math.random().toString(36).slice(2, 8)}`;

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: dir };
}

beforeAll(async () => {
  broker = await startTestBroker();
  h = await makeHarness();
  h.clock.set(Date.now());
  link = new DeviceLink({ url: broker.url, identity, prefix, protocolVersion: broker.protocolVersion, clock: h.clock, signer: h.signer, commands: h.processor, clientId: `dev-${prefix}` });
  link.start();
  await link.connection.waitConnected(5000);
  // The device subscribes to its command topic just after it connects: ask until it answers.
  const op = new OperatorClient({ url: broker.url, prefix, protocolVersion: broker.protocolVersion });
  await op.start();
  try {
    await untilAnswered(async () => op.send(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey }), { devicePublicKey: h.deviceKey.publicKey, timeoutMs: 500 }));
  } finally {
    await op.stop();
  }
});
afterAll(async () => {
  await link?.stop();
  await clearRetained(broker, [link.topics.state]);
  await broker?.stop();
});

describe("facegate operator", () => {
  it("keygen writes a private key file and prints its public key; an admin enrols it; it then sends commands", async () => {
    const k = io();
    expect(await main(["operator", "keygen", "--out", "ops.key", "--json"], k)).toBe(0);
    const info = JSON.parse(k.stdout[0]!) as { keyId: string; publicKey: string };
    expect(readOperatorKeyFile(join(dir, "ops.key")).keyId).toBe(info.keyId);

    writeFileSync(join(dir, "admin.key"), JSON.stringify({ v: 1, kind: "facegate-operator-key", keyId: h.admin.keyId, publicKey: toBase64(h.admin.publicKey), secretKey: toBase64(h.admin.secretKey) }), { mode: 0o600 });
    const conn = ["--site", identity.site, "--gate", identity.gate, "--broker", broker.url, "--device-key", toBase64(h.deviceKey.publicKey), "--device-box-key", toBase64(h.boxPublicKey), "--prefix", prefix, "--mqtt-version", String(broker.protocolVersion), "--timeout", "5000"];
    const add = io();
    const body = JSON.stringify({ publicKey: info.publicKey, role: "operator", label: "night shift" });
    expect(await main(["operator", "send", "--type", "operator.key_add", "--body", body, "--key", "admin.key", ...conn, "--json"], add), add.stderr.join("\n")).toBe(0);
    expect(JSON.parse(add.stdout[0]!)).toMatchObject({ status: "ok", result: { keyId: info.keyId, role: "operator" } });

    const st = io();
    expect(await main(["operator", "status", "--key", "ops.key", ...conn], st)).toBe(0);
    expect(st.stdout.join("\n")).toMatch(/^ok /);

    const del = io();
    expect(await main(["operator", "delete", "--subject", "s-1", "--reason", "court_order", "--key", "ops.key", ...conn], del)).toBe(1);
    expect(del.stderr.join("\n")).toMatch(/command_unsupported/);

    const denied = io();
    expect(await main(["operator", "audit-export", "--out", "audit.json", "--key", "ops.key", ...conn], denied)).toBe(1);
    expect(denied.stderr.join("\n")).toMatch(/command_forbidden/);
    const exp = io();
    expect(await main(["operator", "audit-export", "--out", "audit.json", "--chunk", "3", "--key", "admin.key", ...conn], exp), exp.stderr.join("\n")).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, "audit.json"), "utf8")) as { format: string; device: { keyId: string }; entries: unknown[]; checkpoints: unknown[] };
    expect(doc.format).toBe("facegate-audit/1");
    expect(doc.device.keyId).toBe(h.deviceKey.keyId);
    expect(doc.entries.length).toBeGreaterThan(5);
    expect(JSON.stringify(doc.entries)).toContain(info.keyId); // the key that acted is named (L12)
    // The command stack keeps the real hash-chained, signed log: the export verifies offline,
    // and the same export with one entry altered does not.
    expect(doc.checkpoints.length).toBeGreaterThan(0);
    const check = io();
    expect(await main(["operator", "verify-audit", "audit.json", "--device-key", toBase64(h.deviceKey.publicKey)], check), check.stderr.join("\n")).toBe(0);
    const altered = { ...doc, entries: doc.entries.map((e, i) => (i === 2 ? { ...(e as object), actor: "someone-else" } : e)) };
    writeFileSync(join(dir, "altered.json"), JSON.stringify(altered));
    const bad = io();
    expect(await main(["operator", "verify-audit", "altered.json", "--device-key", toBase64(h.deviceKey.publicKey)], bad)).toBe(5);
    expect(bad.stderr.join("\n")).toMatch(/does NOT verify/);
  });

  it("takes the gate's identity file (audit device-key --json) for both keys, and refuses to send without the box key", async () => {
    writeFileSync(join(dir, "gate.json"), JSON.stringify({ keyId: h.deviceKey.keyId, signingPublicKey: toBase64(h.deviceKey.publicKey), boxPublicKey: toBase64(h.boxPublicKey) }));
    writeFileSync(join(dir, "admin.key"), JSON.stringify({ v: 1, kind: "facegate-operator-key", keyId: h.admin.keyId, publicKey: toBase64(h.admin.publicKey), secretKey: toBase64(h.admin.secretKey) }), { mode: 0o600 });
    const conn = ["--key", "admin.key", "--site", identity.site, "--gate", identity.gate, "--broker", broker.url, "--prefix", prefix, "--mqtt-version", String(broker.protocolVersion), "--timeout", "5000"];
    const st = io();
    expect(await main(["operator", "status", ...conn, "--device-key", "@gate.json"], st), st.stderr.join("\n")).toBe(0);
    expect(st.stdout.join("\n")).toMatch(/^ok /);
    const noBox = io();
    expect(await main(["operator", "status", ...conn, "--device-key", toBase64(h.deviceKey.publicKey)], noBox)).toBe(2);
    expect(noBox.stderr.join("\n")).toMatch(/sealed to the gate's box key/);
    // The offline verifiers read the same identity file.
    const ex = io();
    expect(await main(["operator", "audit-export", "--out", "audit2.json", ...conn, "--device-key", "@gate.json"], ex), ex.stderr.join("\n")).toBe(0);
    const check = io();
    expect(await main(["operator", "verify-audit", "audit2.json", "--device-key", "@gate.json"], check), check.stderr.join("\n")).toBe(0);
  });

  it("watch believes only events signed by a pinned key, and says so when none is given", async () => {
    const e = io();
    expect(await main(["operator", "watch", "--broker", broker.url, "--site", identity.site], e)).toBe(2);
    expect(e.stderr.join("\n")).toMatch(/pinned device key/);
  });

  it("gives clear usage errors", async () => {
    const e = io();
    expect(await main(["operator", "send", "--type", "door.open"], e)).toBe(2);
    expect(e.stderr.join("\n")).toMatch(/--type must be one of/);
  });
});
