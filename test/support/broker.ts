/**
 * Real MQTT brokers for tests (no mocked sockets).
 *
 * startTestBroker(): the broker in FACEGATE_MQTT_URL if set (CI points it at Mosquitto,
 * MQTT 5), else an in-process aedes broker on a free port. aedes 1.x speaks MQTT 3.1.1
 * only, so the returned `protocolVersion` tells clients which version to use.
 *
 * startRestartableBroker(kind): a private broker that a test may stop and start again on
 * the same port:
 *  - "aedes": in-process; stop() closes the listener and drops every connection, start()
 *    listens again. The same aedes instance (and its in-memory persistence) lives on, as
 *    a broker with durable storage would. Works everywhere.
 *  - "mosquitto": a private `mosquitto` process with persistence, stopped with SIGTERM
 *    (it saves its sessions and queued messages) and started again. Needs the mosquitto
 *    binary (present on this project's machines, not guaranteed elsewhere): use
 *    `mosquittoAvailable()` to skip.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket, connect as netConnect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { Aedes } from "aedes";

export interface TestBroker {
  url: string;
  protocolVersion: 4 | 5;
  stop(): Promise<void>;
}

export interface RestartableBroker extends TestBroker {
  kind: "aedes" | "mosquitto";
  /** Stops the broker as an outage would (connections drop); keeps its stored state. */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(pauseMs?: number): Promise<void>;
  /** Stops for good and removes temporary files. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startTestBroker(): Promise<TestBroker> {
  const url = process.env["FACEGATE_MQTT_URL"];
  if (url) return { url, protocolVersion: 5, stop: async () => {} };
  const b = await startRestartableBroker("aedes");
  return { url: b.url, protocolVersion: b.protocolVersion, stop: () => b.dispose() };
}

export function mosquittoAvailable(): boolean {
  const r = spawnSync("mosquitto", ["-h"], { encoding: "utf8" });
  return r.error === undefined && /mosquitto/i.test(`${r.stdout}${r.stderr}`);
}

export async function startRestartableBroker(kind: "aedes" | "mosquitto"): Promise<RestartableBroker> {
  return kind === "aedes" ? startAedes() : startMosquitto();
}

async function startAedes(): Promise<RestartableBroker> {
  const port = await freePort();
  const aedes = await Aedes.createBroker();
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const start = async (): Promise<void> => {
    if (server) return;
    const s = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    server = s;
  };
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await start();
  return restartable("aedes", port, 4, start, stop, () => new Promise<void>((resolve) => aedes.close(() => resolve())));
}

/** A broker on 127.0.0.1:`port` from its start and stop; `dispose` stops it, then releases what `release` holds. */
function restartable(
  kind: RestartableBroker["kind"],
  port: number,
  protocolVersion: 4 | 5,
  start: () => Promise<void>,
  stop: () => Promise<void>,
  release: () => Promise<void> | void,
): RestartableBroker {
  return {
    kind,
    url: `mqtt://127.0.0.1:${port}`,
    protocolVersion,
    start,
    stop,
    restart: async (pauseMs = 300) => {
      await stop();
      await new Promise((r) => setTimeout(r, pauseMs));
      await start();
    },
    dispose: async () => {
      await stop();
      await release();
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = netConnect(port, "127.0.0.1");
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`broker did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startMosquitto(): Promise<RestartableBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fg-mosq-"));
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      // Started as root, mosquitto switches to user `mosquitto`, which cannot write our
      // temporary directory: stay the current user so the persistence file is saved.
      `user ${userInfo().username}`,
      "persistence true",
      `persistence_location ${dir}/`,
      "max_queued_messages 100000",
      "max_inflight_messages 0",
      "log_dest none",
      "",
    ].join("\n"),
  );
  let proc: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    if (proc) return;
    proc = spawn("mosquitto", ["-c", conf], { stdio: "ignore" });
    await waitForPort(port, 5_000);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
    p.kill("SIGTERM"); // mosquitto writes its persistence file on SIGTERM
    await exited;
  };
  await start();
  return restartable("mosquitto", port, 5, start, stop, () => rmSync(dir, { recursive: true, force: true }));
}

/** Removes retained messages a test left on a shared broker (an empty retained payload clears a topic). */
export async function clearRetained(broker: TestBroker, topics: string[]): Promise<void> {
  const { default: mqtt } = await import("mqtt");
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion, clean: true, reconnectPeriod: 0 });
  for (const t of topics) await c.publishAsync(t, "", { qos: 1, retain: true });
  await c.endAsync();
}
