/**
 * Settings of one OSDP bus (one RS-485 port and the readers on it), as the device
 * configuration will carry them under `drivers` (the lead wires this into the schema):
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
import { ConfigReader } from "../../config/validate.js";

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

const KEYS = ["port", "baudRate", "secureChannel", "keyFile", "readers", "replyTimeoutMs", "retries", "pollIntervalMs", "offlineRetryMs"];

/**
 * Validates raw settings; errors read `path: problem` (ConfigError). Relative paths are
 * resolved against `baseDir` (the configuration file's folder).
 */
export function parseOsdpSettings(raw: unknown, path: string, context: { dataDir: string; baseDir: string }): OsdpSettings {
  const root = new ConfigReader(raw, path).object(KEYS);
  const port = root.at("port").string({ pattern: /^\//, patternHint: "an absolute device path such as /dev/ttyUSB0" });
  const baudRate = root.at("baudRate").number({ integer: true, default: 115_200 });
  if (!(OSDP_BAUD_RATES as readonly number[]).includes(baudRate)) root.at("baudRate").fail(`must be one of ${OSDP_BAUD_RATES.join(", ")}`);
  const secureChannel = root.at("secureChannel").string({ default: "required", oneOf: ["required", "install", "clear"] }) as SecureChannelMode;
  const keyFileRaw = root.at("keyFile").optionalString();
  const keyFile = keyFileRaw === undefined ? join(context.dataDir, "osdp", "keys.json") : isAbsolute(keyFileRaw) ? keyFileRaw : resolve(context.baseDir, keyFileRaw);
  const seen = new Set<number>();
  const readers = root.at("readers").array({ min: 1, max: 32 }).map((r) => {
    r.object(["address", "display"]);
    const address = r.at("address").number({ integer: true, min: 0, max: 126 });
    if (seen.has(address)) r.at("address").fail(`address ${address} is used by another reader on this bus`);
    seen.add(address);
    return { address, display: r.at("display").boolean(false) };
  });
  return {
    port,
    baudRate,
    secureChannel,
    keyFile,
    readers,
    replyTimeoutMs: root.at("replyTimeoutMs").number({ integer: true, min: 20, max: 2000, default: 200 }),
    retries: root.at("retries").number({ integer: true, min: 0, max: 10, default: 2 }),
    pollIntervalMs: root.at("pollIntervalMs").number({ integer: true, min: 0, max: 5000, default: 20 }),
    offlineRetryMs: root.at("offlineRetryMs").number({ integer: true, min: 50, max: 600_000, default: 1000 }),
  };
}
