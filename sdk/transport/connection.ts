/**
 * One MQTT connection (MQTT.js) with what both ends need: MQTT 5 by default (3.1.1 for
 * brokers without 5, such as aedes), a persistent session (`clean: false` and a session
 * expiry) so QoS 1 messages wait at the broker while we are away, a last will, and
 * reconnection with exponential backoff and jitter.
 *
 * Reconnection is ours, not MQTT.js's fixed-period timer: each attempt starts a fresh
 * MQTT.js packet store. Delivery guarantees live above this class (the device's outbox
 * republishes what was not acknowledged), so nothing depends on an in-memory store that a
 * crash would lose anyway.
 */
import { EventEmitter } from "node:events";
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import { TransportError } from "../errors.js";
import { silentLogger, type Logger } from "../log/logger.js";
import type { BrokerCredentials } from "./broker-credentials.js";
import { type ConnectFailure, classifyConnectError } from "./connect-error.js";
import { noDelayStreamBuilder } from "./no-delay.js";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000 };

function credentialOptions(c: BrokerCredentials | undefined): Partial<IClientOptions> {
  if (!c) return {};
  return {
    ...(c.ca ? { ca: c.ca } : {}),
    ...(c.cert ? { cert: c.cert } : {}),
    ...(c.key ? { key: c.key } : {}),
    ...(c.username !== undefined ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    // Never accept a broker certificate that does not chain to the CA (or the system's CAs).
    rejectUnauthorized: true,
  };
}

/** Delay before attempt `attempt` (0-based): exponential, capped, with half-range jitter. */
export function backoffDelay(attempt: number, b: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface WillMessage {
  topic: string;
  payload: () => Buffer;
  retain: boolean;
}

export interface MqttConnectionOptions {
  url: string;
  clientId: string;
  /** 5 (default) or 4 (MQTT 3.1.1). */
  protocolVersion?: 4 | 5;
  /** false (default): a persistent session. */
  clean?: boolean;
  /** MQTT 5 session expiry after disconnect; default 7 days. */
  sessionExpirySeconds?: number;
  will?: WillMessage;
  keepaliveSeconds?: number;
  connectTimeoutMs?: number;
  username?: string;
  password?: string;
  /** TLS trust, client certificate and broker login, read by loadBrokerCredentials. */
  credentials?: BrokerCredentials;
  backoff?: BackoffOptions;
  logger?: Logger;
  /**
   * Handles each incoming PUBLISH; for QoS 1 the PUBACK is sent only after the returned
   * promise settles, so a message is acknowledged only once it has been dealt with.
   */
  onMessage?: (topic: string, payload: Buffer, packet: IPublishPacket) => Promise<void> | void;
  /**
   * Awaited before every publish: the gate passes its store's `durable()`, so nothing a
   * commit did (a command's result, a deletion receipt, an event) reaches the broker
   * before the commit is on the disk (store/wal-durability.ts). Publishes keep their order.
   */
  beforePublish?: () => Promise<void>;
}

interface ConnectionEvents {
  connect: [sessionPresent: boolean];
  close: [];
  failure: [failure: ConnectFailure];
}

export class MqttConnection extends EventEmitter<ConnectionEvents> {
  private client: MqttClient | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private lastFailure: string | undefined;
  private readonly logger: Logger;
  /** Settles once the latest publish held by `beforePublish` has gone out (or failed). */
  private publishTail: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: MqttConnectionOptions) {
    super();
    this.logger = (options.logger ?? silentLogger).child("mqtt");
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  get protocolVersion(): 4 | 5 {
    return this.options.protocolVersion ?? 5;
  }

  /** Starts connecting; returns at once (the device works offline and catches up later). */
  start(): void {
    if (this.client) return;
    this.stopping = false;
    const o = this.options;
    const v5 = this.protocolVersion === 5;
    const clientOptions: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: this.protocolVersion,
      clean: o.clean ?? false,
      keepalive: o.keepaliveSeconds ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0,
      resubscribe: false,
      // Connect below, once every stream the client builds sets TCP_NODELAY.
      manualConnect: true,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...credentialOptions(o.credentials),
      ...(v5 ? { properties: { sessionExpiryInterval: o.sessionExpirySeconds ?? 7 * 24 * 3600 } } : {}),
      ...(o.will ? { will: { topic: o.will.topic, payload: o.will.payload(), qos: 1, retain: o.will.retain } } : {}),
    };
    const client = mqtt.connect(o.url, clientOptions);
    const withBuilder = client as unknown as { streamBuilder: (c: MqttClient) => NodeJS.ReadWriteStream };
    withBuilder.streamBuilder = noDelayStreamBuilder(withBuilder.streamBuilder);
    this.client = client;
    if (o.onMessage) {
      const onMessage = o.onMessage;
      client.handleMessage = (packet, done) => {
        // Each message in a turn of its own: MQTT.js hands over every packet of a TCP chunk at
        // once, and a burst of commands handled in one microtask run would hold the event
        // loop (card, PIN, the door) for all of them together.
        setImmediate(() => {
          Promise.resolve()
            .then(() => onMessage(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), packet))
            .then(
              () => done(),
              (err: unknown) => {
                this.logger.error("message handler failed", { error: err });
                done();
              },
            );
        });
      };
    }
    client.on("connect", (connack) => {
      this.attempt = 0;
      this.lastFailure = undefined;
      this.logger.info("connected", { sessionPresent: connack.sessionPresent });
      this.emit("connect", connack.sessionPresent);
    });
    client.on("close", () => {
      this.emit("close");
      this.scheduleReconnect();
    });
    client.on("error", (err) => {
      const failure = classifyConnectError(err);
      // Logged once per distinct reason, not on every reconnection attempt.
      if (failure.reason !== this.lastFailure) this.logger.warn("connection error", { reason: failure.reason });
      this.lastFailure = failure.reason;
      this.emit("failure", failure);
    });
    client.connect();
  }

  /** Whether the current socket asks for TCP_NODELAY (undefined while there is no TCP socket). */
  get socketNoDelay(): boolean | undefined {
    const stream = this.client?.stream as unknown as Record<symbol, unknown> | undefined;
    if (!stream) return undefined;
    const flag = Object.getOwnPropertySymbols(stream).find((s) => s.description === "kSetNoDelay");
    return flag === undefined ? undefined : stream[flag] === true;
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.timer || !this.client) return;
    const delay = backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
    this.logger.debug("reconnecting", { delayMs: delay, attempt: this.attempt });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const client = this.client;
      if (this.stopping || !client) return;
      // A fresh will payload (its `at` says when this session began).
      if (this.options.will && client.options.will) client.options.will.payload = this.options.will.payload();
      client.reconnect();
    }, delay);
    this.timer.unref?.();
  }

  /** Publishes if connected; rejects at once otherwise (callers keep their own queue). */
  publish(topic: string, payload: Buffer | string, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    if (!this.client?.connected) return Promise.reject(new TransportError("mqtt_offline", "not connected to the broker"));
    return new Promise((resolve, reject) => {
      this.publishWithCallback(topic, payload, opts.qos, (err) => (err ? reject(err) : resolve()), opts.retain ?? false);
    });
  }

  /** Low-level publish with a callback, for the outbox publisher's window of unacked messages. */
  publishWithCallback(topic: string, payload: Buffer | string, qos: 0 | 1, callback: (err?: Error) => void, retain = false): void {
    const send = (): void => {
      const client = this.client;
      if (!client?.connected) {
        setImmediate(callback, new TransportError("mqtt_offline", "not connected to the broker"));
        return;
      }
      client.publish(topic, payload, { qos, retain }, (err) => callback(err ? new TransportError("mqtt_publish_failed", err.message, {}, { cause: err }) : undefined));
    };
    const barrier = this.options.beforePublish;
    if (!barrier) return send();
    // The barrier is taken now (it covers what was committed before this call); the
    // publish goes out once it has passed and every earlier publish has gone out.
    const passed = barrier();
    const turn = Promise.all([this.publishTail, passed.catch(() => undefined)]).then(() =>
      passed.then(send, (err: unknown) =>
        callback(new TransportError("mqtt_publish_held", `not published: the changes it reports are not yet on the disk (${(err as Error).message})`, {}, { cause: err })),
      ),
    );
    this.publishTail = turn.catch(() => undefined);
  }

  subscribe(filters: string[], qos: 0 | 1 = 1): Promise<void> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new TransportError("mqtt_offline", "not connected to the broker"));
    return new Promise((resolve, reject) => {
      client.subscribe(filters, { qos }, (err, granted) => {
        if (err) return reject(new TransportError("mqtt_subscribe_failed", err.message, {}, { cause: err }));
        const refused = (granted ?? []).find((g) => g.qos >= 0x80);
        if (refused) return reject(new TransportError("mqtt_subscribe_refused", `broker refused subscription to ${refused.topic}`));
        resolve();
      });
    });
  }

  unsubscribe(filters: string[]): Promise<void> {
    const client = this.client;
    if (!client?.connected) return Promise.resolve();
    return new Promise((resolve) => client.unsubscribe(filters, () => resolve()));
  }

  /** Adds a listener for every incoming message (the operator side). */
  onAnyMessage(listener: (topic: string, payload: Buffer) => void): () => void {
    const client = this.client;
    if (!client) throw new TransportError("mqtt_not_started", "start() the connection first");
    const l = (topic: string, payload: Buffer): void => listener(topic, payload);
    client.on("message", l);
    return () => client.off("message", l);
  }

  /**
   * Resolves on the next connect (or at once if connected); rejects after `timeoutMs`, or
   * at once when the broker or TLS refuses us for a reason retrying cannot fix (an
   * untrusted broker certificate, a refused client certificate or login). The connection
   * itself keeps trying in the background until stopped.
   */
  waitConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const refused = (f: ConnectFailure): void => {
        if (!f.permanent) return;
        clearTimeout(t);
        this.off("connect", ok);
        this.off("failure", refused);
        reject(new TransportError("mqtt_connect_refused", `cannot connect to ${this.options.url}: ${f.reason}`, { reason: f.reason }));
      };
      const t = setTimeout(() => {
        this.off("connect", ok);
        this.off("failure", refused);
        const why = this.lastFailure ? `: ${this.lastFailure}` : "";
        reject(new TransportError("mqtt_connect_timeout", `no connection to ${this.options.url} within ${timeoutMs} ms${why}`, this.lastFailure ? { reason: this.lastFailure } : {}));
      }, timeoutMs);
      const ok = (): void => {
        clearTimeout(t);
        this.off("failure", refused);
        resolve();
      };
      this.once("connect", ok);
      this.on("failure", refused);
    });
  }

  /**
   * Stops. `graceful` sends DISCONNECT (the broker does not publish the will; call
   * `beforeDisconnect` to publish an explicit offline state first); otherwise the socket is
   * dropped as a crash would (the will fires).
   */
  async stop(opts: { graceful?: boolean; beforeDisconnect?: () => Promise<void> } = {}): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    if (!client) return;
    const graceful = opts.graceful ?? true;
    if (graceful && client.connected && opts.beforeDisconnect) {
      await opts.beforeDisconnect().catch((err: unknown) => this.logger.warn("before-disconnect step failed", { error: err }));
    }
    this.client = undefined;
    // A graceful end waits for unacknowledged messages; do not wait for ever.
    const ended = new Promise<void>((resolve) => client.end(!graceful || !client.connected, {}, () => resolve()));
    const timeout = new Promise<"timeout">((resolve) => setTimeout(resolve, 2_000, "timeout").unref());
    if ((await Promise.race([ended, timeout])) === "timeout") {
      client.stream?.destroy();
    }
  }
}
