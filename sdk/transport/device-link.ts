/**
 * The device's side of the MQTT contract: one persistent-session connection that
 *  - publishes the retained gate state: `online: true` on every connect (birth), a last
 *    will `online: false, reason: "connection_lost"`, and `reason: "shutdown"` on stop;
 *  - publishes the current processing notice retained on every connect (L3);
 *  - runs the outbox publisher (events, at least once);
 *  - takes signed commands from `commands/request` and publishes each signed result on
 *    `commands/result/<id>`. A command is acknowledged to the broker (PUBACK) only after
 *    it has been processed, so a crash mid-command means redelivery, which the processor
 *    answers idempotently.
 *
 * Results go out directly (not through the outbox): they are stored with their command,
 * and an operator who missed one re-sends the identical command to get it again.
 */
import { silentLogger, type Logger } from "../log/logger.js";
import type { Clock } from "../time/clock.js";
import type { BrokerCredentials } from "./broker-credentials.js";
import { MqttConnection, type BackoffOptions } from "./connection.js";
import type { Signer } from "../crypto/keys.js";
import { signDeviceMessage } from "../crypto/signatures.js";
import { type CommandResultMessage, type GateAddress, type GateStateMessage, type GateTopics, type NoticeFields, type NoticeMessage, TOPIC_RULES, gateTopics } from "../protocol/index.js";
import { encodePayload } from "./encode-payload.js";
import type { Outbox } from "./outbox.js";
import { OutboxPublisher } from "./outbox-publisher.js";

/** What the link needs from the command layer (CommandProcessor implements it). */
export interface CommandSink {
  /** The signed result to publish, or undefined when none is to be sent (a flood of unauthenticated requests). */
  processForLink(raw: Uint8Array): Promise<CommandResultMessage | undefined>;
}

export interface DeviceLinkOptions {
  url: string;
  identity: GateAddress;
  prefix?: string;
  /**
   * Stable (the broker keeps the session and its queued commands across restarts) and
   * secret (whoever connects with it takes the session): use deviceClientId (client-id.ts).
   */
  clientId: string;
  protocolVersion?: 4 | 5;
  sessionExpirySeconds?: number;
  backoff?: BackoffOptions;
  username?: string;
  password?: string;
  /** TLS trust, client certificate and broker login (loadBrokerCredentials). */
  credentials?: BrokerCredentials;
  clock: Clock;
  logger?: Logger;
  /** The device key: signs the state (the last will included, at connect) and the notice. */
  signer: Signer;
  software?: string;
  outbox?: Outbox;
  /** Unacknowledged event publishes at once. Default 128. */
  publishWindow?: number;
  commands?: CommandSink;
  /** The notice to (re)publish retained on every connect. */
  notice?: () => NoticeFields | undefined;
  /** Awaited before every publish: the store's `durable()` (MqttConnectionOptions.beforePublish). */
  beforePublish?: () => Promise<void>;
}

export class DeviceLink {
  readonly topics: GateTopics;
  readonly connection: MqttConnection;
  readonly publisher: OutboxPublisher | undefined;
  private readonly logger: Logger;
  private sessionStart: number;
  private currentNotice: NoticeFields | undefined;

  constructor(private readonly options: DeviceLinkOptions) {
    this.topics = gateTopics({ prefix: options.prefix, ...options.identity });
    this.logger = (options.logger ?? silentLogger).child("link");
    this.sessionStart = options.clock.now();
    this.connection = new MqttConnection({
      url: options.url,
      clientId: options.clientId,
      protocolVersion: options.protocolVersion ?? 5,
      clean: false,
      ...(options.sessionExpirySeconds !== undefined ? { sessionExpirySeconds: options.sessionExpirySeconds } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      logger: options.logger ?? silentLogger,
      will: {
        topic: this.topics.state,
        retain: TOPIC_RULES.state.retain,
        payload: () => encodePayload("state", this.state(false, "connection_lost", this.sessionStart)),
      },
      onMessage: (topic, payload) => this.onMessage(topic, payload),
      ...(options.beforePublish ? { beforePublish: options.beforePublish } : {}),
    });
    this.publisher = options.outbox
      ? new OutboxPublisher({
          outbox: options.outbox,
          connection: this.connection,
          topics: this.topics,
          ...(options.publishWindow ? { window: options.publishWindow } : {}),
          logger: options.logger ?? silentLogger,
        })
      : undefined;
    this.connection.on("connect", () => void this.onConnect());
    this.connection.on("close", () => {
      this.sessionStart = this.options.clock.now();
    });
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** Starts connecting and publishing; returns at once (the gate works offline). */
  start(): void {
    this.publisher?.start();
    this.connection.start();
  }

  /** Publishes `online: false, reason: "shutdown"` and disconnects cleanly. */
  async stop(): Promise<void> {
    this.publisher?.stop();
    await this.connection.stop({
      graceful: true,
      beforeDisconnect: () =>
        this.connection.publish(this.topics.state, encodePayload("state", this.state(false, "shutdown", this.options.clock.now())), {
          qos: 1,
          retain: true,
        }),
    });
  }

  /** Sets the current notice and publishes it retained now if connected (L3). */
  async publishNotice(notice: NoticeFields): Promise<void> {
    this.currentNotice = notice;
    if (this.connected) await this.connection.publish(this.topics.notice, encodePayload("notice", this.signedNotice(notice)), { qos: 1, retain: TOPIC_RULES.notice.retain });
  }

  private signedNotice(notice: NoticeFields): NoticeMessage {
    return signDeviceMessage(this.options.signer, "notice", { v: 2, site: this.options.identity.site, gate: this.options.identity.gate, ...notice });
  }

  private state(online: boolean, reason: GateStateMessage["reason"], at: number): GateStateMessage {
    return signDeviceMessage(this.options.signer, "state", {
      v: 2,
      site: this.options.identity.site,
      gate: this.options.identity.gate,
      online,
      reason,
      at,
      ...(this.options.software ? { software: this.options.software } : {}),
    });
  }

  private async onConnect(): Promise<void> {
    const { connection, topics } = this;
    try {
      this.sessionStart = this.options.clock.now();
      await connection.publish(topics.state, encodePayload("state", this.state(true, "connected", this.sessionStart)), { qos: 1, retain: true });
      const notice = this.currentNotice ?? this.options.notice?.();
      if (notice) await connection.publish(topics.notice, encodePayload("notice", this.signedNotice(notice)), { qos: 1, retain: true });
      // Subscribing again on a resumed session is harmless and repairs a lost one.
      if (this.options.commands) await connection.subscribe([topics.commandRequest], 1);
    } catch (err) {
      this.logger.warn("connect-time publishing failed; will retry on the next connect", { error: err });
    }
  }

  private async onMessage(topic: string, payload: Buffer): Promise<void> {
    if (topic !== this.topics.commandRequest || !this.options.commands) return;
    const result = await this.options.commands.processForLink(payload);
    if (!result) return; // counted, summarised in the audit log, not answered
    // Not awaited: this runs before our PUBACK for the request, and MQTT.js reads no
    // further packets (such as the PUBACK for this result) until it returns.
    this.connection
      .publish(this.topics.commandResult(result.commandId), encodePayload("commandResult", result), { qos: 1, retain: false })
      .catch((err: unknown) =>
        this.logger.warn("could not publish a command result; the operator can re-send the command to get it", { commandId: result.commandId, error: err }),
      );
  }
}
