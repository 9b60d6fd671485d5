/**
 * The property operator's side of the MQTT contract: send a signed command and await the
 * device's signed result; watch events, gate state and notices.
 *
 * A result is accepted only if it is signed by the expected device key, names the command
 * id and gate, and carries the hash of the exact request sent; anything else on the result
 * topic (a forgery, the answer to someone else's request reusing the id) is ignored.
 * Events, gate state and notices are believed only when signed by the gate's pinned
 * device key and addressed as their topic says (contract v2); the others are dropped,
 * counted (`Watch.rejected`) and logged once per gate and kind.
 */
import { randomUUID } from "node:crypto";
import { canonicalJson, type CommandEnvelope, type CommandResultMessage, type CommandType, DEFAULT_TOPIC_PREFIX, type EventCategory, type EventMessage, fleetFilter, type GateStateMessage, gateTopics, nestsDeeperThan, type NoticeMessage, parseTopic, topicMatches } from "../protocol/index.js";
import { sha256Hex } from "../crypto/hash.js";
import { type DeviceMessageKind, verifyDeviceMessage, verifyResultSignature } from "../crypto/signatures.js";
import { loadSodium } from "../crypto/sodium.js";
import { TransportError } from "../errors.js";
import { silentLogger, type Logger } from "../log/logger.js";
import type { BrokerCredentials } from "../transport/broker-credentials.js";
import { MqttConnection, type BackoffOptions } from "../transport/connection.js";
import { encodePayload } from "../transport/encode-payload.js";
import { DuplicateFilter } from "./duplicate-filter.js";

export interface OperatorClientOptions {
  url: string;
  prefix?: string;
  /** Stable id for a persistent session (events wait at the broker while away). Default: random, clean session. */
  clientId?: string;
  protocolVersion?: 4 | 5;
  backoff?: BackoffOptions;
  username?: string;
  password?: string;
  /** TLS trust (CA), client certificate and broker login, read by loadBrokerCredentials. */
  credentials?: BrokerCredentials;
  logger?: Logger;
}

export interface SendOptions {
  /** The device's Ed25519 public key: results are verified against it. */
  devicePublicKey: Uint8Array;
  /** Default 10 s. */
  timeoutMs?: number;
}

/** The pinned device signing key of a gate (from a trusted source: configuration, the site's records), or undefined for a gate not known. */
export type DeviceKeyLookup = (site: string, gate: string) => Uint8Array | undefined;

export interface WatchOptions {
  site: string | "+";
  gate: string | "+";
  /** Device keys to verify messages against: one key for one gate, or a lookup for many. */
  deviceKeys: Uint8Array | DeviceKeyLookup;
  /** Default: every category. */
  categories?: readonly EventCategory[];
  /** A promise returned holds the event's acknowledgement to the broker until it settles (store it first). */
  onEvent?: (event: EventMessage) => unknown;
  onState?: (state: GateStateMessage) => void;
  onNotice?: (notice: NoticeMessage) => void;
  /** Shared filter if several watches must agree; default: a new one per watch. */
  dedupe?: DuplicateFilter;
  /**
   * MQTT 5 shared subscription group for events (`$share/<group>/...`): the broker hands
   * each event to ONE of the clients of the group, so several consumers share the work.
   * Gate state and notices are never shared (every consumer needs them).
   */
  shareEvents?: string;
}

export interface Watch {
  readonly received: number;
  readonly duplicates: number;
  /** Messages dropped because they were not signed by the gate's pinned key (or did not parse). */
  readonly rejected: number;
  stop(): Promise<void>;
}

/** A subscriber of a topic filter; a promise it returns holds the message's acknowledgement until it settles. */
type Route = (topic: string, payload: Buffer) => void | Promise<void>;

export class OperatorClient {
  readonly prefix: string;
  private readonly connection: MqttConnection;
  private readonly routes = new Map<string, Set<Route>>();
  private readonly logger: Logger;

  constructor(options: OperatorClientOptions) {
    this.prefix = options.prefix ?? DEFAULT_TOPIC_PREFIX;
    this.logger = (options.logger ?? silentLogger).child("operator");
    this.connection = new MqttConnection({
      url: options.url,
      clientId: options.clientId ?? `fg-op-${randomUUID().slice(0, 12)}`,
      clean: options.clientId === undefined,
      protocolVersion: options.protocolVersion ?? 5,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      logger: options.logger ?? silentLogger,
      // The broker's acknowledgement (QoS 1) waits for every subscriber of the message: a
      // consumer that stores what it receives loses nothing if it dies in between.
      onMessage: (topic, payload) => this.dispatch(topic, payload),
    });
    this.connection.on("connect", () => {
      const filters = [...this.routes.keys()];
      if (filters.length > 0) this.connection.subscribe(filters, 1).catch((err: unknown) => this.logger.warn("resubscribe failed", { error: err }));
    });
  }

  /** Connects; rejects if the broker cannot be reached within `timeoutMs` (default 10 s). */
  async start(timeoutMs = 10_000): Promise<void> {
    this.connection.start();
    await this.connection.waitConnected(timeoutMs);
  }

  async stop(): Promise<void> {
    await this.connection.stop({ graceful: true });
  }

  private async dispatch(topic: string, payload: Buffer): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const [filter, routes] of this.routes) {
      if (!topicMatches(unshared(filter), topic)) continue;
      for (const r of routes) {
        const p = r(topic, payload);
        if (p) pending.push(p.catch((err: unknown) => this.logger.warn("a subscriber failed on a message", { error: err })));
      }
    }
    if (pending.length > 0) await Promise.all(pending);
  }

  private async route(filter: string, route: Route): Promise<() => Promise<void>> {
    let set = this.routes.get(filter);
    if (!set) {
      set = new Set();
      this.routes.set(filter, set);
    }
    set.add(route);
    if (this.connection.connected) await this.connection.subscribe([filter], 1);
    return async () => {
      set.delete(route);
      if (set.size === 0) {
        this.routes.delete(filter);
        await this.connection.unsubscribe([filter]);
      }
    };
  }

  /** Publishes a signed command and resolves with the device's verified, signed result. */
  async send<T extends CommandType>(command: CommandEnvelope<T>, opts: SendOptions): Promise<CommandResultMessage<T>> {
    const sodium = await loadSodium();
    const topics = gateTopics({ prefix: this.prefix, site: command.site, gate: command.gate });
    const requestHash = sha256Hex(canonicalJson(command));
    const timeoutMs = opts.timeoutMs ?? 10_000;
    let lastIgnored = "";
    let settle!: (r: CommandResultMessage<T>) => void;
    const answered = new Promise<CommandResultMessage<T>>((resolve) => (settle = resolve));
    const unroute = await this.route(topics.commandResult(command.id), (_topic, payload) => {
      const msg = parseMessage<CommandResultMessage<T>>(payload);
      if (msg === undefined) {
        lastIgnored = "a result that is not JSON (or nests too deeply)";
        return;
      }
      if (msg.commandId !== command.id || msg.site !== command.site || msg.gate !== command.gate) lastIgnored = "a result for another command";
      else if (!verifyResultSignature(sodium, msg, opts.devicePublicKey)) lastIgnored = "a result not signed by the device key";
      else if (msg.requestHash !== requestHash) lastIgnored = "the answer to a different request with this command id";
      else return settle(msg);
      this.logger.warn("ignored a message on the result topic", { commandId: command.id, why: lastIgnored });
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.connection.publish(topics.commandRequest, encodePayload("commandRequest", command), { qos: 1 });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TransportError("command_timeout", `no signed result for command ${command.id} within ${timeoutMs} ms${lastIgnored ? ` (ignored ${lastIgnored})` : ""}`, {
                commandId: command.id,
              }),
            ),
          timeoutMs,
        );
      });
      return await Promise.race([answered, timeout]);
    } finally {
      if (timer) clearTimeout(timer);
      await unroute();
    }
  }

  /**
   * Publishes a signed command without awaiting its result: for a caller that follows
   * every result of its gates with `watchResults` (the site service), so that an answer
   * arriving late, after a reconnect, is still seen.
   */
  async post(command: CommandEnvelope): Promise<void> {
    const topics = gateTopics({ prefix: this.prefix, site: command.site, gate: command.gate });
    await this.connection.publish(topics.commandRequest, encodePayload("commandRequest", command), { qos: 1 });
  }

  /**
   * Every command result of the gates matched, believed only when signed by the gate's
   * pinned key and addressed as its topic says (the others dropped and counted in
   * `rejected`). The caller matches `commandId` and `requestHash` against what it sent.
   */
  async watchResults(o: { site: string | "+"; gate: string | "+"; deviceKeys: DeviceKeyLookup; onResult: (result: CommandResultMessage) => void }): Promise<Watch> {
    const sodium = await loadSodium();
    let received = 0;
    let rejected = 0;
    const warned = new Set<string>();
    const unroute = await this.route(fleetFilter(this.prefix, o.site, o.gate, "commands/result/+"), (topic, payload) => {
      const t = parseTopic(this.prefix, topic);
      if (!t) return;
      const msg = parseMessage<CommandResultMessage>(payload);
      const key = o.deviceKeys(t.site, t.gate);
      if (msg && key && msg.site === t.site && msg.gate === t.gate && (msg.commandId ?? "unknown") === t.commandId && verifyResultSignature(sodium, msg, key)) {
        received++;
        o.onResult(msg);
        return;
      }
      rejected++;
      if (!warned.has(`${t.site}/${t.gate}`)) {
        warned.add(`${t.site}/${t.gate}`);
        this.logger.warn("dropped a result not signed by the gate's device key", { site: t.site, gate: t.gate, why: key ? "signature or address" : "no pinned key for this gate" });
      }
    });
    return {
      get received() {
        return received;
      },
      duplicates: 0,
      get rejected() {
        return rejected;
      },
      stop: unroute,
    };
  }

  /** Watches events (duplicates dropped by id), and optionally gate state and notices. */
  async watch(o: WatchOptions): Promise<Watch> {
    const dedupe = o.dedupe ?? new DuplicateFilter();
    let received = 0;
    const before = dedupe.duplicates;
    const unroutes: Array<() => Promise<void>> = [];
    const categories = o.categories ? new Set(o.categories) : undefined;
    const sodium = await loadSodium();
    const keyOf: DeviceKeyLookup = o.deviceKeys instanceof Uint8Array ? ((keys) => () => keys)(o.deviceKeys) : o.deviceKeys;
    let rejected = 0;
    const warned = new Set<string>();
    /** The verified message on `topic`, or undefined (counted, and logged once per gate and kind). */
    const verified = <M extends { site: string; gate: string }>(kind: DeviceMessageKind, topic: string, payload: Buffer): { msg: M; category?: EventCategory } | undefined => {
      const t = parseTopic(this.prefix, topic);
      if (!t) return undefined;
      const msg = parseMessage<M>(payload);
      const key = keyOf(t.site, t.gate);
      if (msg && key && msg.site === t.site && msg.gate === t.gate && verifyDeviceMessage(sodium, kind, msg, key)) return { msg, ...(t.category ? { category: t.category } : {}) };
      rejected++;
      const source = `${t.site}/${t.gate}/${kind}`;
      if (!warned.has(source)) {
        warned.add(source);
        this.logger.warn("dropped a message not signed by the gate's device key", { site: t.site, gate: t.gate, kind, why: key ? "signature" : "no pinned key for this gate" });
      }
      return undefined;
    };
    if (o.onEvent) {
      const onEvent = o.onEvent;
      unroutes.push(
        await this.route(shared(o.shareEvents, fleetFilter(this.prefix, o.site, o.gate, "events/+")), (topic, payload) => {
          const v = verified<EventMessage>("event", topic, payload);
          if (!v || typeof v.msg.id !== "string" || v.msg.category !== v.category) return;
          if (categories && !categories.has(v.msg.category)) return;
          received++;
          if (!dedupe.accept(`${v.msg.site}/${v.msg.gate}/${v.msg.id}`)) return;
          const r = onEvent(v.msg);
          if (r instanceof Promise) return r.then(() => undefined);
        }),
      );
    }
    if (o.onState) {
      const onState = o.onState;
      unroutes.push(await this.route(fleetFilter(this.prefix, o.site, o.gate, "state"), (t, p) => void ((m) => m && onState(m.msg))(verified<GateStateMessage>("state", t, p))));
    }
    if (o.onNotice) {
      const onNotice = o.onNotice;
      unroutes.push(await this.route(fleetFilter(this.prefix, o.site, o.gate, "notice"), (t, p) => void ((m) => m && onNotice(m.msg))(verified<NoticeMessage>("notice", t, p))));
    }
    return {
      get rejected() {
        return rejected;
      },
      get received() {
        return received;
      },
      get duplicates() {
        return dedupe.duplicates - before;
      },
      stop: async () => {
        for (const u of unroutes) await u();
      },
    };
  }
}

/** `$share/<group>/<filter>` for a shared subscription (MQTT 5), else the filter itself. */
function shared(group: string | undefined, filter: string): string {
  if (group === undefined) return filter;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(group)) throw new TransportError("topic_invalid", "shareEvents: a share group must match [A-Za-z0-9_-]{1,64}");
  return `$share/${group}/${filter}`;
}

/** The topic filter a subscription matches (a shared subscription's without its `$share/<group>/`). */
function unshared(filter: string): string {
  return filter.startsWith("$share/") ? filter.split("/").slice(2).join("/") : filter;
}

/** A message from the broker, or undefined when it is no JSON or nests deeper than any message of the contract. */
function parseMessage<M>(payload: Buffer): M | undefined {
  const text = payload.toString("utf8");
  if (nestsDeeperThan(text)) return undefined;
  try {
    return JSON.parse(text) as M;
  } catch {
    return undefined;
  }
}
