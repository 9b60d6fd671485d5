/**
 * The SDK's logger contract: namespaced, structured, and redacting by construction.
 *
 * Fields pass through `redactFields` before any sink sees them: binary values (typed
 * arrays, buffers: embeddings, images, keys) are never written, and fields whose names
 * suggest secrets or biometrics (pin, card, key, embedding, template, image...) are
 * replaced by "[redacted]". So no embedding, image, key, card number or PIN can reach a
 * log even by mistake (L4, SPEC section 6).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, unknown>;

export interface LogRecord {
  level: LogLevel;
  namespace: string;
  message: string;
  fields: Record<string, string | number | boolean | null>;
  time: number;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger for a sub-component: `vault` -> `vault.keys`. */
  child(namespace: string): Logger;
}

export type LogSink = (record: LogRecord) => void;

const SENSITIVE_NAME = /pin|card|secret|passw|key|embedding|template|vector|image|photo|frame|face_?data|token|signature|nonce|cipher/i;
const MAX_STRING = 300;
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const REDACTED = "[redacted]";

export function redactValue(name: string, value: unknown): string | number | boolean | null {
  if (SENSITIVE_NAME.test(name)) return REDACTED;
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}...` : value;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${value.message}` : value.message;
  }
  // Arrays of numbers, typed arrays, buffers and objects may carry biometric or key
  // material: they are never serialised into a log.
  return REDACTED;
}

export function redactFields(fields: LogFields | undefined): LogRecord["fields"] {
  const out: LogRecord["fields"] = {};
  if (!fields) return out;
  for (const [name, value] of Object.entries(fields)) out[name] = redactValue(name, value);
  return out;
}

export interface CreateLoggerOptions {
  sink: LogSink;
  namespace?: string;
  level?: LogLevel;
  now?: () => number;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const min = LEVELS[options.level ?? "info"];
  const now = options.now ?? (() => 0);
  const make = (namespace: string): Logger => {
    const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
      if (LEVELS[level] < min) return;
      options.sink({ level, namespace, message, fields: redactFields(fields), time: now() });
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (ns) => make(namespace ? `${namespace}.${ns}` : ns),
    };
  };
  return make(options.namespace ?? "");
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ sink: () => {}, level: "error" });

/** Writes one JSON line per record to a stream (stderr by default in the device). */
export function jsonLineSink(write: (line: string) => void): LogSink {
  return (record) => write(`${JSON.stringify(record)}\n`);
}

/** Keeps records in memory: for tests that look for leaks, and for the demo. */
export class MemoryLogSink {
  readonly records: LogRecord[] = [];
  readonly sink: LogSink = (record) => {
    this.records.push(record);
  };
  text(): string {
    return this.records.map((r) => JSON.stringify(r)).join("\n");
  }
}
