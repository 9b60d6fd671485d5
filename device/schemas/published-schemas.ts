/**
 * The published JSON Schemas, generated from the TypeBox schemas that the code itself
 * checks with (so they cannot drift): the MQTT contract v1 (every payload and command
 * body, and an AsyncAPI 2.6 document tying them to their topics), the device
 * configuration, and the scenario format. `facegate schema` writes them; the committed
 * copies (sdk/protocol/schemas/, device/config/device-config.schema.json,
 * device/scenario/scenario.schema.json) are checked against this by a test.
 */
import type { TSchema } from "@sinclair/typebox";
import { ScenarioSchema } from "../scenario/scenario.js";
import { DeviceConfigFileSchema } from "../config/config-schema.js";
import {
  COMMAND_BODY_SCHEMAS,
  COMMAND_ROLES,
  COMMAND_TYPES,
  CONTRACT_VERSION,
  CommandEnvelopeSchema,
  CommandResultMessageSchema,
  DeletionReceiptSchema,
  EVENT_CATEGORIES,
  EventMessageSchema,
  GateStateMessageSchema,
  NoticeMessageSchema,
  SiteDeletionCertificateSchema,
  TOPIC_RULES,
} from "../../sdk/protocol/index.js";
import { jsonSchemaOf } from "../../sdk/schema/schema-check.js";

const BASE = "https://facegate.example/schemas";

export interface PublishedFile {
  /** Path relative to the repository root. */
  path: string;
  content: string;
}

const file = (path: string, value: unknown): PublishedFile => ({ path, content: `${JSON.stringify(value, null, 2)}\n` });

const schema = (name: string, s: TSchema, title: string) => jsonSchemaOf(s, { $id: `${BASE}/contract/v${CONTRACT_VERSION}/${name}.schema.json`, title });

const PAYLOADS: Array<{ name: string; schema: TSchema; title: string }> = [
  { name: "state", schema: GateStateMessageSchema, title: "Gate state (retained)" },
  { name: "notice", schema: NoticeMessageSchema, title: "Processing notice (retained, L3)" },
  { name: "event", schema: EventMessageSchema, title: "Event" },
  { name: "command-envelope", schema: CommandEnvelopeSchema, title: "Signed command" },
  { name: "command-result", schema: CommandResultMessageSchema, title: "Signed command result" },
  { name: "deletion-receipt", schema: DeletionReceiptSchema, title: "Deletion receipt (L7)" },
  { name: "site-deletion-certificate", schema: SiteDeletionCertificateSchema, title: "Site deletion certificate (L7): every gate's receipt, signed by the site key" },
];

export function contractSchemas(): PublishedFile[] {
  const dir = "sdk/protocol/schemas";
  return [
    ...PAYLOADS.map((p) => file(`${dir}/${p.name}.schema.json`, schema(p.name, p.schema, p.title))),
    ...COMMAND_TYPES.map((t) => file(`${dir}/bodies/${t}.schema.json`, schema(`bodies/${t}`, COMMAND_BODY_SCHEMAS[t], `Body of ${t} (roles: ${COMMAND_ROLES[t].join(", ")})`))),
    file(`${dir}/asyncapi.json`, asyncApi()),
  ];
}

/** AsyncAPI 2.6: the topics (channels), who publishes what, QoS and retain, with the payload schemas inline. */
export function asyncApi(): Record<string, unknown> {
  const topic = (leaf: string) => `{prefix}/v${CONTRACT_VERSION}/{site}/{gate}/${leaf}`;
  const params = {
    prefix: { description: "1-4 levels of [A-Za-z0-9_-]{1,64}; default facegate", schema: { type: "string" } },
    site: { description: "Opaque site id, never a name", schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
    gate: { description: "Opaque gate id, never a name", schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
  };
  const bindings = (kind: keyof typeof TOPIC_RULES) => ({ mqtt: { qos: TOPIC_RULES[kind].qos, retain: TOPIC_RULES[kind].retain, bindingVersion: "0.1.0" } });
  const message = (name: string, s: TSchema) => ({ name, contentType: "application/json", payload: JSON.parse(JSON.stringify(s)) as unknown });
  // From the device's side: it publishes state, notice, events and results, and subscribes to requests.
  const channels: Record<string, unknown> = {
    [topic("state")]: { parameters: params, publish: { summary: "Retained gate state: birth, last will, shutdown", bindings: bindings("state"), message: message("state", GateStateMessageSchema) } },
    [topic("notice")]: { parameters: params, publish: { summary: "The current processing notice, retained (L3)", bindings: bindings("notice"), message: message("notice", NoticeMessageSchema) } },
    [topic("events/{category}")]: {
      parameters: { ...params, category: { schema: { type: "string", enum: [...EVENT_CATEGORIES] } } },
      publish: { summary: "One event; at least once, deduplicate by id", bindings: bindings("event"), message: message("event", EventMessageSchema) },
    },
    [topic("commands/request")]: {
      parameters: params,
      subscribe: {
        summary: "Signed commands from operator keys; the body schema depends on `type` (see bodies/)",
        bindings: bindings("commandRequest"),
        message: { oneOf: COMMAND_TYPES.map((t) => ({ ...message(t, CommandEnvelopeSchema), summary: `type ${t}; body: bodies/${t}.schema.json` })) },
      },
    },
    [topic("commands/result/{commandId}")]: {
      parameters: { ...params, commandId: { schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } } },
      publish: { summary: "The device's signed answer to one command", bindings: bindings("commandResult"), message: message("commandResult", CommandResultMessageSchema) },
    },
  };
  return {
    asyncapi: "2.6.0",
    id: `urn:facegate:contract:v${CONTRACT_VERSION}`,
    info: {
      title: "facegate MQTT contract",
      version: String(CONTRACT_VERSION),
      description: "Between a facegate door terminal and the property operator's tools. Prose: sdk/protocol/CONTRACT.md. Operations are from the device's point of view.",
    },
    defaultContentType: "application/json",
    channels,
  };
}

export function configSchema(): PublishedFile {
  return file("device/config/device-config.schema.json", jsonSchemaOf(DeviceConfigFileSchema, { $id: `${BASE}/device-config/v1.schema.json`, title: "facegate device configuration, version 1" }));
}

export function scenarioSchema(): PublishedFile {
  return file("device/scenario/scenario.schema.json", jsonSchemaOf(ScenarioSchema, { $id: `${BASE}/scenario/v1.schema.json`, title: "facegate scenario" }));
}

export function allPublishedSchemas(): PublishedFile[] {
  return [...contractSchemas(), configSchema(), scenarioSchema()];
}
