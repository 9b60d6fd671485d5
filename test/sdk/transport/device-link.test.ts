/**
 * The device link against a real broker: retained birth state, last will on a crash,
 * shutdown state, the retained processing notice (L3), and events on their topics.
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../sdk/store/database.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { type GateStateMessage, type NoticeFields, gateTopics } from "../../../sdk/protocol/index.js";
import type { Signer } from "../../../sdk/crypto/keys.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { verifyDeviceMessage } from "../../../sdk/crypto/signatures.js";
import { testDeviceSigner } from "../../support/device-signer.js";
import { DeviceLink } from "../../../sdk/transport/device-link.js";
import { Outbox, outboxMigrations } from "../../../sdk/transport/outbox.js";
import { clearRetained, startTestBroker, type TestBroker } from "../../support/broker.js";

let broker: TestBroker;
let signer: Signer;
const leftRetained: string[] = [];
beforeAll(async () => {
  signer = await testDeviceSigner();
  broker = await startTestBroker();
});
afterAll(async () => {
  await clearRetained(broker, leftRetained);
  await broker.stop();
});

const identity = { site: "estate-7", gate: "north" };

/** Reads the retained message on a topic with a fresh subscriber. */
async function retained(topic: string): Promise<unknown> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion, clean: true, reconnectPeriod: 0 });
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no retained message on ${topic}`)), 3000);
      c.on("message", (_t, p, packet) => {
        if (packet.retain) {
          clearTimeout(t);
          resolve(JSON.parse(p.toString()));
        }
      });
      c.subscribe(topic, { qos: 1 });
    });
  } finally {
    await c.endAsync();
  }
}

const until = async (cond: () => Promise<boolean> | boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("DeviceLink", () => {
  it("publishes a retained birth state, the last will when it vanishes, and a shutdown state when stopped", async () => {
    const prefix = `t${Math.random().toString(36).slice(2, 8)}`;
    const topics = gateTopics({ prefix, ...identity });
    leftRetained.push(topics.state);
    const make = () => new DeviceLink({ url: broker.url, identity, prefix, protocolVersion: broker.protocolVersion, clock: systemClock, signer, clientId: `dev-${prefix}` });
    const link = make();
    link.start();
    await link.connection.waitConnected(5000);
    await until(async () => ((await retained(topics.state)) as GateStateMessage).online === true);
    const sodium = await loadSodium();
    expect(await retained(topics.state)).toMatchObject({ v: 2, online: true, reason: "connected", site: "estate-7", gate: "north", deviceKeyId: signer.keyId });
    expect(verifyDeviceMessage(sodium, "state", await retained(topics.state), signer.publicKey)).toBe(true);

    await link.connection.stop({ graceful: false }); // as a crash: socket dropped, no DISCONNECT
    await until(async () => ((await retained(topics.state)) as GateStateMessage).online === false);
    expect(await retained(topics.state)).toMatchObject({ online: false, reason: "connection_lost" });
    expect(verifyDeviceMessage(sodium, "state", await retained(topics.state), signer.publicKey), "the last will was signed at connect").toBe(true);

    const again = make();
    again.start();
    await again.connection.waitConnected(5000);
    await until(async () => ((await retained(topics.state)) as GateStateMessage).online === true);
    await again.stop();
    expect(await retained(topics.state)).toMatchObject({ online: false, reason: "shutdown" });
    expect(verifyDeviceMessage(sodium, "state", await retained(topics.state), signer.publicKey)).toBe(true);
  });

  it("keeps the current processing notice retained (L3) and publishes events on their category topics", async () => {
    const prefix = `t${Math.random().toString(36).slice(2, 8)}`;
    const topics = gateTopics({ prefix, ...identity });
    leftRetained.push(topics.state, topics.notice);
    const db = openDatabase({ path: ":memory:", migrations: [outboxMigrations] });
    const outbox = new Outbox({ db, identity, clock: systemClock, signer });
    const notice: NoticeFields = {
      version: "2026-01",
      hash: "a".repeat(64),
      publishedAt: 1,
      notice: { purpose: "entry verification", method: "face template 1:N", scope: "north gate", retention: "until consent ends", contact: "office", rights: "withdraw, delete" },
    };
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion, clean: true, reconnectPeriod: 0 });
    const seen: Array<{ topic: string; body: { id?: string } }> = [];
    sub.on("message", (topic, p) => seen.push({ topic, body: JSON.parse(p.toString()) }));
    await sub.subscribeAsync(topics.events, { qos: 1 });
    const link = new DeviceLink({ url: broker.url, identity, prefix, protocolVersion: broker.protocolVersion, clock: systemClock, signer, outbox, notice: () => notice, clientId: `dev-${prefix}` });
    link.start();
    outbox.record({ id: "e-alarm", type: "alarm.door_forced", category: "alarm", at: 1, data: {}, auditRelevant: true });
    outbox.record({ id: "e-privacy", type: "privacy.deletion", category: "privacy", at: 2, data: { subjectRef: "s-1" }, auditRelevant: true });
    await link.publisher!.idle();
    await until(() => seen.length >= 2);
    expect(seen.map((s) => [s.topic, s.body.id])).toEqual([
      [topics.event("alarm"), "e-alarm"],
      [topics.event("privacy"), "e-privacy"],
    ]);
    expect(await retained(topics.notice)).toMatchObject({ v: 2, ...identity, ...notice, deviceKeyId: signer.keyId });
    expect(verifyDeviceMessage(await loadSodium(), "notice", await retained(topics.notice), signer.publicKey)).toBe(true);
    for (const { topic, body } of seen) expect(verifyDeviceMessage(await loadSodium(), "event", body, signer.publicKey), topic).toBe(true);
    expect(outbox.count()).toBe(0);
    await link.stop();
    await sub.endAsync();
  });

  it("stopped mid-burst with its database closed right after, leaves no timer behind that touches the database", async () => {
    const prefix = `t${Math.random().toString(36).slice(2, 8)}`;
    leftRetained.push(gateTopics({ prefix, ...identity }).state);
    const db = openDatabase({ path: ":memory:", migrations: [outboxMigrations] });
    const outbox = new Outbox({ db, identity, clock: systemClock, signer });
    const link = new DeviceLink({ url: broker.url, identity, prefix, protocolVersion: broker.protocolVersion, clock: systemClock, signer, outbox, clientId: `dev-${prefix}` });
    link.start();
    await until(() => link.connected);
    for (let i = 0; i < 400; i++) outbox.record({ id: `e-${i}`, type: "access.granted", category: "access", at: i, data: { personRef: "p-1" } });
    await until(() => (link.publisher?.stats().acknowledged ?? 0) > 0);
    // As the runtime does on SIGTERM: stop the link, then close the database at once.
    await link.stop();
    db.close();
    // PUBACKs still on their way must not arm a flush timer that would hit the closed
    // database: give such a timer (ackFlushMs, 100 ms) time to fire. The publisher's timers
    // are not injected, so this waits out a period instead of a condition.
    await new Promise((r) => setTimeout(r, 400));
    expect(db.open).toBe(false);
  });
});
