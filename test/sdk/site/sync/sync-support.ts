/**
 * What the template sync suites share: a capture of every MQTT payload under a site's
 * prefix (`<prefix>/#`), admin-signed commands sent straight to one gate of a harness, and
 * the byte needles of a template (raw float32 windows and their base64, as a leak would
 * carry them).
 */
import mqtt from "mqtt";
import pg from "pg";
import { buildCommand } from "../../../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../../../sdk/operator/operator-client.js";
import type { CommandBodies, CommandResultMessage, CommandType } from "../../../../sdk/protocol/index.js";
import type { TemplateSink } from "../../../../sdk/matcher/template-sink.js";
import type { SiteHarness } from "../../../support/site-harness.js";
import { float32Bytes, windows } from "../../../support/db-files.js";

export interface Capture {
  payloads: Buffer[];
  stop(): Promise<void>;
}

/** Subscribes to `#` under the site's prefix: every payload any client publishes there. */
export async function captureAll(site: SiteHarness): Promise<Capture> {
  const c = await mqtt.connectAsync(site.broker.url, { protocolVersion: site.broker.protocolVersion, clean: true, reconnectPeriod: 0 });
  const payloads: Buffer[] = [];
  c.on("message", (_topic, payload) => payloads.push(Buffer.from(payload)));
  await c.subscribeAsync(`${site.prefix}/#`, { qos: 1 });
  return { payloads, stop: () => c.endAsync() };
}

export interface DirectLine {
  send<T extends CommandType>(gateId: string, type: T, body: CommandBodies[T]): Promise<CommandResultMessage<T>>;
  stop(): Promise<void>;
}

/** Commands signed by the site's admin key, sealed to one gate, straight to it (as an installer's laptop would). */
export async function directLine(site: SiteHarness): Promise<DirectLine> {
  const op = new OperatorClient({ url: site.broker.url, prefix: site.prefix, protocolVersion: site.broker.protocolVersion });
  await op.start();
  return {
    async send(gateId, type, body) {
      const g = site.gate(gateId);
      const command = await buildCommand({ site: site.site, gate: gateId, type, body, key: site.admin, sealTo: g.boxPublicKey, clock: g.sim.clock });
      return op.send(command, { devicePublicKey: g.signingPublicKey, timeoutMs: 10_000 });
    },
    stop: () => op.stop(),
  };
}

/** A sink that keeps copies of what the vault decrypts (the test's window on the plaintext). */
export class CopySink implements TemplateSink {
  readonly templates = new Map<string, Float32Array[]>();
  add(subjectId: string, _templateId: string, embedding: Float32Array): void {
    this.templates.set(subjectId, [...(this.templates.get(subjectId) ?? []), new Float32Array(embedding)]);
  }
  remove(subjectId: string): void {
    this.templates.delete(subjectId);
  }
}

/**
 * Needles for one template: 16-byte windows of its little-endian float32 bytes (every
 * 8th), and 24-character windows of its base64 (aligned, so they occur in any base64 of
 * the bytes that starts at a multiple of 3 bytes from the template's start), and the raw
 * windows in hex (how PostgreSQL shows bytea as text).
 */
export function templateNeedles(template: Float32Array): { raw: Buffer[]; base64: Buffer[]; hex: Buffer[]; bytes: Buffer } {
  const bytes = float32Bytes(template);
  const raw = windows(bytes, 16).filter((_, i) => i % 8 === 0);
  const b64 = bytes.toString("base64");
  const base64: Buffer[] = [];
  for (let at = 0; at + 24 <= b64.length - 4; at += 96) base64.push(Buffer.from(b64.slice(at, at + 24), "latin1"));
  const hex = raw.map((w) => Buffer.from(w.toString("hex"), "latin1"));
  return { raw, base64, hex, bytes };
}

/** Which needles occur in which buffers: `label#index` per hit. */
export function findIn(buffers: readonly Buffer[], needles: readonly Buffer[], label = "payload"): string[] {
  const hits: string[] = [];
  buffers.forEach((b, i) => {
    for (const n of needles) if (b.indexOf(n) >= 0) hits.push(`${label}#${i}`);
  });
  return hits;
}

/** Every row of every table of a PostgreSQL schema, as the text of its JSON (what a dump would show). */
export async function pgRows(url: string, schema: string): Promise<Buffer[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [schema]);
    const out: Buffer[] = [];
    for (const t of tables.rows) {
      const rows = await c.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM "${schema}"."${t.table_name}" x`);
      for (const r of rows.rows) out.push(Buffer.from(r.j, "utf8"));
    }
    return out;
  } finally {
    await c.end();
  }
}
