/**
 * Settings of one OSDP bus (one RS-485 port and the readers on it), as the device
 * configuration carries them under `drivers.osdp` (device/config/drivers-config.ts):
 *
 *   { "port": "/dev/ttyUSB0", "baudRate": 115200, "secureChannel": "required",
 *     "keyFile": "osdp-keys.json", "readers": [{ "address": 0, "display": true }] }
 *
 * `secureChannel`:
 * - "required" (default): every reader must establish the Secure Channel with its own key
 *   from the key file; a reader that cannot, or that drops out of it, is reported and
 *   disconnected, never used in the clear.
 * - "install": as required, and a reader still on the default install key SCBK-D is
 *   given its own random key (KEYSET), stored in the key file. For commissioning only.
 * - "clear": no Secure Channel at all. Only for readers that cannot do it, by decision.
 */
import { isAbsolute, join, resolve } from "node:path";
import { Type } from "@sinclair/typebox";
import { ConfigError } from "../../../sdk/errors.js";
import { compileChecker } from "../../../sdk/schema/schema-check.js";

export type SecureChannelMode = "required" | "install" | "clear";

export interface OsdpReaderSettings {
  /** Bus address, 0-126 (127 is broadcast). */
  address: number;
  /** Drive the reader's text display through osdp_TEXT (default false). */
  display: boolean;
}

export interface OsdpSettings {
  /** Serial device of the RS-485 adapter, e.g. /dev/ttyUSB0. */
  port: string;
  baudRate: number;
  secureChannel: SecureChannelMode;
  /** Per-reader keys (JSON, mode 0600); default `<dataDir>/osdp/keys.json`. One file per bus. */
  keyFile: string;
  readers: OsdpReaderSettings[];
  /** Reply timeout of the specification: 200 ms. */
  replyTimeoutMs: number;
  /** Resends of an unanswered command (same sequence number) before the reader is offline. */
  retries: number;
  /** Pause between polls of one reader. */
  pollIntervalMs: number;
  /** How often an offline or refused reader is tried again. */
  offlineRetryMs: number;
}

export const OSDP_BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400] as const;

const Int = (minimum: number, maximum: number, description: string) => Type.Optional(Type.Integer({ minimum, maximum, description }));

/** The settings as written in the configuration (defaults filled in by parseOsdpSettings). */
export const OsdpSettingsSchema = Type.Object(
  {
    port: Type.String({ pattern: "^/", hint: "must be an absolute device path such as /dev/ttyUSB0", description: "Serial device of the RS-485 adapter." }),
    baudRate: Type.Optional(Type.Unsafe<(typeof OSDP_BAUD_RATES)[number]>({ type: "integer", enum: [...OSDP_BAUD_RATES], description: "Default 115200." })),
    secureChannel: Type.Optional(Type.Unsafe<SecureChannelMode>({ type: "string", enum: ["required", "install", "clear"], description: 'Default "required"; "install" only to commission new readers.' })),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: "Per-reader keys (JSON, mode 0600); default <dataDir>/osdp/keys.json. One file per bus." })),
    readers: Type.Array(
      Type.Object(
        {
          address: Type.Integer({ minimum: 0, maximum: 126, description: "Bus address (127 is broadcast)." }),
          display: Type.Optional(Type.Boolean({ description: "Drive the reader's text display through osdp_TEXT (default false)." })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 32 },
    ),
    replyTimeoutMs: Int(20, 2000, "Reply timeout; the specification's is 200 ms."),
    retries: Int(0, 10, "Resends of an unanswered command before the reader is offline; default 2."),
    pollIntervalMs: Int(0, 5000, "Pause between polls of one reader; default 20 ms."),
    offlineRetryMs: Int(50, 600_000, "How often an offline or refused reader is tried again; default 1000 ms."),
  },
  { additionalProperties: false },
);

const check = compileChecker(OsdpSettingsSchema, {
  error: (message, d) => new ConfigError(message, { path: d.path }),
  unknownProperty: (allowed) => `unknown key (allowed: ${allowed.join(", ")})`,
  range: "bound",
  rules: [
    (s, path, fail) => {
      const seen = new Set<number>();
      s.readers.forEach((r, i) => {
        if (seen.has(r.address)) fail(`${path}.readers[${i}].address`, `address ${r.address} is used by another reader on this bus`);
        seen.add(r.address);
      });
    },
  ],
});

/**
 * Validates raw settings; errors read `path: problem` (ConfigError). Relative paths are
 * resolved against `baseDir` (the configuration file's folder).
 */
export function parseOsdpSettings(raw: unknown, path: string, context: { dataDir: string; baseDir: string }): OsdpSettings {
  const s = check(raw, path);
  const keyFile = s.keyFile === undefined ? join(context.dataDir, "osdp", "keys.json") : isAbsolute(s.keyFile) ? s.keyFile : resolve(context.baseDir, s.keyFile);
  return {
    port: s.port,
    baudRate: s.baudRate ?? 115_200,
    secureChannel: s.secureChannel ?? "required",
    keyFile,
    readers: s.readers.map((r) => ({ address: r.address, display: r.display ?? false })),
    replyTimeoutMs: s.replyTimeoutMs ?? 200,
    retries: s.retries ?? 2,
    pollIntervalMs: s.pollIntervalMs ?? 20,
    offlineRetryMs: s.offlineRetryMs ?? 1000,
  };
}
