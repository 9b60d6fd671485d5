/**
 * Nothing reaches the broker before the commits it reports are on the disk: the
 * connection awaits its `beforePublish` barrier (the gate passes its store's `durable()`)
 * before every publish, keeps the publishes in order, and publishes nothing when the
 * barrier fails. Against a real broker, with a subscriber watching the topic.
 */
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MqttConnection } from "../../../sdk/transport/connection.js";
import { type TestBroker, startTestBroker } from "../../support/broker.js";
import { waitFor as until } from "../../support/device-process.js";

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
});

const id = () => Math.random().toString(36).slice(2, 10);

async function watcher(topic: string): Promise<{ seen: string[]; stop: () => Promise<void> }> {
  const seen: string[] = [];
  const client = await mqtt.connectAsync(broker.url, { clientId: `watch-${id()}`, protocolVersion: broker.protocolVersion });
  client.on("message", (_t, payload) => seen.push(payload.toString()));
  await client.subscribeAsync(topic, { qos: 1 });
  return { seen, stop: () => client.endAsync() };
}

describe("the publish barrier", () => {
  it("holds every publish until the barrier resolves, then sends them in order", async () => {
    const topic = `barrier/${id()}`;
    const watch = await watcher(topic);
    const barriers: Array<() => void> = [];
    const conn = new MqttConnection({
      url: broker.url,
      clientId: `b-${id()}`,
      protocolVersion: broker.protocolVersion,
      beforePublish: () => new Promise<void>((r) => barriers.push(r)),
    });
    conn.start();
    try {
      await conn.waitConnected(5_000);
      const sent = Array.from({ length: 10 }, (_, i) => conn.publish(topic, `m${i}`, { qos: 1 }));
      await new Promise((r) => setTimeout(r, 200));
      expect(watch.seen).toEqual([]);
      // Released last to first: the order of the publishes still holds.
      for (const release of [...barriers].reverse()) release();
      await Promise.all(sent);
      await until(() => watch.seen.length === 10);
      expect(watch.seen).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    } finally {
      await conn.stop({ graceful: false });
      await watch.stop();
    }
  });

  it("publishes nothing when the barrier fails, and says why", async () => {
    const topic = `barrier/${id()}`;
    const watch = await watcher(topic);
    let fail = true;
    const conn = new MqttConnection({
      url: broker.url,
      clientId: `b-${id()}`,
      protocolVersion: broker.protocolVersion,
      beforePublish: () => (fail ? Promise.reject(new Error("fdatasync of /data/facegate.db-wal failed")) : Promise.resolve()),
    });
    conn.start();
    try {
      await conn.waitConnected(5_000);
      await expect(conn.publish(topic, "receipt", { qos: 1 })).rejects.toMatchObject({ code: "mqtt_publish_held", message: expect.stringMatching(/not yet on the disk \(fdatasync of .* failed\)/) });
      const callbackErr = await new Promise<Error | undefined>((r) => conn.publishWithCallback(topic, Buffer.from("event"), 1, r));
      expect(callbackErr).toMatchObject({ code: "mqtt_publish_held" });
      fail = false;
      await conn.publish(topic, "after", { qos: 1 });
      await until(() => watch.seen.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(watch.seen).toEqual(["after"]);
    } finally {
      await conn.stop({ graceful: false });
      await watch.stop();
    }
  });
});
