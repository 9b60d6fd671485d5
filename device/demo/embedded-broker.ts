/**
 * An MQTT broker inside this process (aedes) on a free port of 127.0.0.1, for the demo on
 * a bare machine where no broker is configured (SPEC section 3, "embedded broker").
 * Never for production: no authentication, no persistence, loopback only.
 *
 * aedes 1.x speaks MQTT 3.1.1 only, so clients must connect with `protocolVersion` 4
 * (returned here so callers do not hard-code it).
 */
import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";
import { FacegateError } from "../../sdk/errors.js";

/** The embedded broker could not listen on the loopback interface. */
class BrokerUnavailableError extends FacegateError<"broker_unavailable"> {
  constructor(cause: unknown) {
    super("broker_unavailable", `the embedded MQTT broker could not listen on 127.0.0.1: ${(cause as Error).message}`, {}, { cause });
  }
}

export interface EmbeddedBroker {
  url: string;
  protocolVersion: 4;
  /** Closes every connection and the listener. Idempotent. */
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
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
    throw new BrokerUnavailableError(err);
  }
  const port = (server.address() as { port: number }).port;

  let stopped = false;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    protocolVersion: 4,
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
