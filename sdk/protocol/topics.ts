/**
 * Topics of contract v2: `<prefix>/v2/<site>/<gate>/<leaf>`, with the QoS and retain flag
 * of each. `site` and `gate` are opaque identifiers chosen by the operator
 * (`[A-Za-z0-9_-]{1,64}`), never personal names; no topic level ever holds personal data.
 */
import { TransportError } from "../errors.js";
import { OPAQUE_ID } from "./common-schemas.js";
import { EVENT_CATEGORIES, type EventCategory } from "./event-category.js";

export const CONTRACT_VERSION = 2 as const;
export const DEFAULT_TOPIC_PREFIX = "facegate";

/** A prefix: one or more levels of opaque characters, e.g. `facegate` or `acme/estate-7`. */
const PREFIX = /^[A-Za-z0-9_-]{1,64}(\/[A-Za-z0-9_-]{1,64}){0,3}$/;

export interface GateAddress {
  site: string;
  gate: string;
}

export type TopicKind = "state" | "notice" | "event" | "commandRequest" | "commandResult";

/** QoS and retain per topic kind; the device and the operator client both use these. */
export const TOPIC_RULES: { readonly [K in TopicKind]: { qos: 1; retain: boolean; from: "device" | "operator" } } = {
  state: { qos: 1, retain: true, from: "device" },
  notice: { qos: 1, retain: true, from: "device" },
  event: { qos: 1, retain: false, from: "device" },
  commandRequest: { qos: 1, retain: false, from: "operator" },
  commandResult: { qos: 1, retain: false, from: "device" },
};

/** Result topic used when a request carried no usable command id. */
export const UNKNOWN_COMMAND_ID = "unknown";

export interface GateTopics {
  readonly base: string;
  readonly state: string;
  readonly notice: string;
  event(category: EventCategory): string;
  /** Subscription filter for every event category. */
  readonly events: string;
  readonly commandRequest: string;
  commandResult(commandId: string | null): string;
  /** Subscription filter for every result. */
  readonly commandResults: string;
}

export interface TopicOptions extends GateAddress {
  prefix?: string;
}

export function assertOpaqueId(what: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || !OPAQUE_ID.test(value)) {
    throw new TransportError("topic_invalid", `${what}: must match [A-Za-z0-9_-]{1,64} (an opaque identifier, never a name)`, { what });
  }
}

export function assertPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) throw new TransportError("topic_invalid", "prefix: must be 1-4 levels of [A-Za-z0-9_-]{1,64}", {});
}

/** Builds the topics of one gate; refuses identifiers that are not opaque ids. */
export function gateTopics(options: TopicOptions): GateTopics {
  const prefix = options.prefix ?? DEFAULT_TOPIC_PREFIX;
  assertPrefix(prefix);
  assertOpaqueId("site", options.site);
  assertOpaqueId("gate", options.gate);
  const base = `${prefix}/v${CONTRACT_VERSION}/${options.site}/${options.gate}`;
  return {
    base,
    state: `${base}/state`,
    notice: `${base}/notice`,
    event: (category) => {
      if (!EVENT_CATEGORIES.includes(category)) throw new TransportError("topic_invalid", `event category: unknown '${String(category)}'`);
      return `${base}/events/${category}`;
    },
    events: `${base}/events/+`,
    commandRequest: `${base}/commands/request`,
    commandResult: (commandId) => {
      if (commandId === null) return `${base}/commands/result/${UNKNOWN_COMMAND_ID}`;
      assertOpaqueId("commandId", commandId);
      return `${base}/commands/result/${commandId}`;
    },
    commandResults: `${base}/commands/result/+`,
  };
}

/** Subscription filters across many gates: `+` for site or gate means "all". */
export function fleetFilter(prefix: string, site: string | "+", gate: string | "+", leaf: "state" | "notice" | "events/+" | "commands/result/+"): string {
  assertPrefix(prefix);
  if (site !== "+") assertOpaqueId("site", site);
  if (gate !== "+") assertOpaqueId("gate", gate);
  return `${prefix}/v${CONTRACT_VERSION}/${site}/${gate}/${leaf}`;
}

export interface ParsedTopic extends GateAddress {
  kind: TopicKind;
  category?: EventCategory;
  commandId?: string;
}

/** Reads a topic of this contract back; undefined for anything else. */
export function parseTopic(prefix: string, topic: string): ParsedTopic | undefined {
  const head = `${prefix}/v${CONTRACT_VERSION}/`;
  if (!topic.startsWith(head)) return undefined;
  const [site, gate, ...leaf] = topic.slice(head.length).split("/");
  if (!site || !gate || !OPAQUE_ID.test(site) || !OPAQUE_ID.test(gate)) return undefined;
  const l = leaf.join("/");
  if (l === "state") return { kind: "state", site, gate };
  if (l === "notice") return { kind: "notice", site, gate };
  if (l === "commands/request") return { kind: "commandRequest", site, gate };
  if (leaf.length === 2 && leaf[0] === "events" && EVENT_CATEGORIES.includes(leaf[1] as EventCategory)) {
    return { kind: "event", site, gate, category: leaf[1] as EventCategory };
  }
  if (leaf.length === 3 && leaf[0] === "commands" && leaf[1] === "result" && OPAQUE_ID.test(leaf[2]!)) {
    return { kind: "commandResult", site, gate, commandId: leaf[2]! };
  }
  return undefined;
}

/** MQTT filter matching for `+` and a trailing `#`. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
