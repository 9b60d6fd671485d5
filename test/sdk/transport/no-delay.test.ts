/**
 * Every MQTT socket the project opens asks for TCP_NODELAY, on the first connect and on each
 * reconnect (MQTT.js builds a new socket each time), against a real broker.
 */
import { connect as netConnect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MqttConnection } from "../../../sdk/transport/connection.js";
import { applyNoDelay } from "../../../sdk/transport/no-delay.js";
import { type RestartableBroker, startRestartableBroker } from "../../support/broker.js";

let broker: RestartableBroker;
beforeAll(async () => {
  broker = await startRestartableBroker("aedes");
});
afterAll(async () => {
  await broker.dispose();
});

/** Node's own record of the no-delay request on a socket (what it passes to setsockopt). */
function noDelayFlag(socket: Socket): boolean {
  const flag = Object.getOwnPropertySymbols(socket).find((s) => s.description === "kSetNoDelay");
  if (!flag) throw new Error("this Node version does not record no-delay on the socket");
  return (socket as unknown as Record<symbol, unknown>)[flag] === true;
}

describe("TCP_NODELAY", () => {
  it("is off on a plain socket and on once applyNoDelay has run", async () => {
    const port = Number(new URL(broker.url).port);
    const plain = netConnect({ port, host: "127.0.0.1" });
    const tuned = applyNoDelay(netConnect({ port, host: "127.0.0.1" }));
    await Promise.all([plain, tuned].map((s) => new Promise((r) => s.once("connect", r))));
    expect(noDelayFlag(plain)).toBe(false);
    expect(noDelayFlag(tuned)).toBe(true);
    plain.destroy();
    tuned.destroy();
  });

  it("is set on the connection's socket, and again after the broker comes back", async () => {
    const conn = new MqttConnection({ url: broker.url, clientId: `nd-${Math.random().toString(36).slice(2, 8)}`, protocolVersion: broker.protocolVersion, backoff: { initialMs: 50, maxMs: 200 } });
    conn.start();
    try {
      await conn.waitConnected(5_000);
      expect(conn.socketNoDelay).toBe(true);
      const dropped = new Promise<void>((r) => conn.once("close", () => r()));
      await broker.restart(100);
      await dropped;
      await conn.waitConnected(5_000);
      expect(conn.socketNoDelay).toBe(true);
    } finally {
      await conn.stop({ graceful: false });
    }
  });
});
