/**
 * Signed commands end to end through a real broker: operator client -> broker -> device
 * link -> processor -> signed result -> operator client (which verifies the device key).
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyResultSignature } from "../../../sdk/crypto/signatures.js";
import { generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../../sdk/operator/until-answered.js";
import { type CommandResultMessage, gateTopics } from "../../../sdk/protocol/index.js";
import { DeviceLink } from "../../../sdk/transport/device-link.js";
import { clearRetained, startTestBroker, type TestBroker } from "../../support/broker.js";
import { type Harness, identity, makeHarness } from "./harness.js";
import { auditedRefusalCodes } from "./harness.js";

let broker: TestBroker;
let h: Harness;
let link: DeviceLink;
let op: OperatorClient;
const prefix = `t${Math.random().toString(36).slice(2, 8)}`;
const topics = gateTopics({ prefix, ...identity });

beforeAll(async () => {
  broker = await startTestBroker();
  h = await makeHarness();
  h.clock.set(Date.now());
  link = new DeviceLink({ url: broker.url, identity, prefix, protocolVersion: broker.protocolVersion, clock: h.clock, commands: h.processor, signer: h.signer, clientId: `dev-${prefix}` });
  link.start();
  await link.connection.waitConnected(5000);
  op = new OperatorClient({ url: broker.url, prefix, protocolVersion: broker.protocolVersion });
  await op.start();
  // The device subscribes to its command topic just after it connects: ask until it answers.
  await untilAnswered(async () => op.send(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey }), { devicePublicKey: h.deviceKey.publicKey, timeoutMs: 500 }));
});
afterAll(async () => {
  await op?.stop();
  await link?.stop();
  await clearRetained(broker, [topics.state]);
  await broker?.stop();
});

const sendOpts = () => ({ devicePublicKey: h.deviceKey.publicKey, timeoutMs: 5000 });

/** Publishes raw bytes as a request and returns the next result on `resultTopic`. */
async function raw(payload: string, resultTopic: string): Promise<CommandResultMessage> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion, clean: true, reconnectPeriod: 0 });
  try {
    const got = new Promise<CommandResultMessage>((resolve) => c.on("message", (_t, p) => resolve(JSON.parse(p.toString()))));
    await c.subscribeAsync(resultTopic, { qos: 1 });
    await c.publishAsync(topics.commandRequest, payload, { qos: 1 });
    return await got;
  } finally {
    await c.endAsync();
  }
}

describe("commands over MQTT", () => {
  it("answers a signed command with a result the operator verifies against the device key", async () => {
    const r = await op.send(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey }), sendOpts());
    expect(r).toMatchObject({ status: "ok", result: { site: "estate-7", gate: "north" } });
  });

  it("answers forged and malformed requests with signed errors, audits them, and keeps working", async () => {
    const sodium = await loadSodium();
    const stranger = await generateEd25519KeyPair();
    const forged = await op.send(await buildCommand({ ...identity, type: "gate.status", body: {}, key: stranger, sealTo: h.boxPublicKey }), sendOpts());
    expect(forged.error?.code).toBe("command_unknown_key");
    const malformed = await raw("{oops", topics.commandResult(null));
    expect(malformed).toMatchObject({ commandId: null, status: "error", error: { code: "command_malformed" } });
    expect(verifyResultSignature(sodium, malformed, h.deviceKey.publicKey)).toBe(true);
    const badTtl = await op.send(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey, ttlMs: -1 }), sendOpts());
    expect(badTtl.error?.code).toBe("command_ttl_too_long");
    expect(auditedRefusalCodes(h)).toEqual(expect.arrayContaining(["command_unknown_key", "command_malformed", "command_ttl_too_long"]));
    expect((await op.send(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.operator, sealTo: h.boxPublicKey }), sendOpts())).status).toBe("ok");
  });

  it("does not let a forged request reusing a command id pass for that command's answer", async () => {
    const stranger = await generateEd25519KeyPair();
    const mine = await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey });
    const forgery = { ...(await buildCommand({ ...identity, type: "gate.status", body: {}, key: stranger, sealTo: h.boxPublicKey })), id: mine.id };
    const forgedAnswer = await raw(JSON.stringify(forgery), topics.commandResult(mine.id));
    expect(forgedAnswer.error?.code).toBe("command_unknown_key");
    const r = await op.send(mine, sendOpts());
    expect(r.status).toBe("ok");
  });

  it("refuses a command from a key that an admin removed", async () => {
    const removed = await op.send(await buildCommand({ ...identity, type: "operator.key_remove", body: { keyId: h.auditor.keyId }, key: h.admin, sealTo: h.boxPublicKey }), sendOpts());
    expect(removed.status).toBe("ok");
    const r = await op.send(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.auditor, sealTo: h.boxPublicKey }), sendOpts());
    expect(r.error?.code).toBe("command_key_revoked");
    expect(h.audit.ofType("command.rejected").at(-1)).toMatchObject({ actor: h.auditor.keyId, details: { code: "command_key_revoked" } });
  });

  it("times out clearly when no device answers", async () => {
    const cmd = await buildCommand({ site: "estate-7", gate: "nobody-here", type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey });
    await expect(op.send(cmd, { devicePublicKey: h.deviceKey.publicKey, timeoutMs: 300 })).rejects.toMatchObject({ code: "command_timeout" });
  });
});
