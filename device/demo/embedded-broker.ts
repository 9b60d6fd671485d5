/**
 * An MQTT broker inside this process (aedes) on a free port of 127.0.0.1, for the demo on
 * a bare machine where no broker is configured (SPEC section 3, "embedded broker").
 * Never for production: no authentication, no persistence, loopback only.
 *
 * aedes 1.x speaks MQTT 3.1.1 only, so clients must connect with `protocolVersion` 4
 * (returned here so callers do not hard-code it).
 *
 * `waitForSubscription(filter)` resolves once some client has subscribed to exactly that
 * filter: the demo sends its first command only when the gate is listening, instead of
 * sleeping and hoping.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import { FacegateError } from "../../sdk/errors.js";

export interface EmbeddedBroker {
  url: string;
  protocolVersion: 4;
  /** Resolves when a client has subscribed to `filter` (at once if one already has). */
  waitForSubscription(filter: string, timeoutMs?: number): Promise<void>;
  /** Closes every connection and the listener. Idempotent. */
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const subscribed = new Set<string>();
  const waiters = new Map<string, Array<() => void>>();
  aedes.on("subscribe", (subscriptions) => {
    for (const s of subscriptions) {
      subscribed.add(s.topic);
      for (const wake of waiters.get(s.topic) ?? []) wake();
      waiters.delete(s.topic);
    }
  });

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw new FacegateError("broker_unavailable", `the embedded MQTT broker could not listen on 127.0.0.1: ${(err as Error).message}`);
  }
  const port = (server.address() as { port: number }).port;

  let stopped = false;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    protocolVersion: 4,
    waitForSubscription(filter, timeoutMs = 10_000) {
      if (subscribed.has(filter)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new FacegateError("broker_timeout", `no client subscribed to ${filter} within ${timeoutMs} ms`)), timeoutMs);
        const list = waiters.get(filter) ?? [];
        list.push(() => {
          clearTimeout(timer);
          resolve();
        });
        waiters.set(filter, list);
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
