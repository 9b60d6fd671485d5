/**
 * The SDK's logger contract: namespaced, structured, and redacting by construction. No
 * card number, PIN, embedding, key or image can reach a sink, even when a caller passes
 * one by mistake (L4, SPEC section 6), while the ids and figures that say what the
 * device did (keyId, templates, cardCount, receiptId, ms...) are written as they are.
 *
 * Each field is judged by `redactValue`, in this order:
 * 1. Shape. Typed arrays, buffers, arrays, maps and plain objects are never written:
 *    embeddings, images and keys travel in those. Booleans and null say nothing secret
 *    and pass. An Error is written as `code: message`, checked as text (step 4); its
 *    details and cause are not written.
 * 2. Name, allow-list first. FIGURE_FIELDS (counts, sizes, durations, times: and any
 *    name ending in Count, Ms, At or Bytes) keep their numbers. ID_FIELDS (and names
 *    ending in Id or Ref) keep numbers and id-shaped strings (`isSafeId`: no PIN or card
 *    shape, no key material). The suffix rules apply only to names whose stem is not
 *    sensitive, so `cardId` or `pinCount` is not an allow-listed name.
 * 3. Name, deny-list. Any other name that suggests a secret or biometric data (pin,
 *    card, key, template, embedding, image, score...) is redacted whatever its value.
 * 4. Value. Everything else is judged by what it looks like. A number passes only if it
 *    is a small integer (under 1000: no PIN or card number fits, no score either). In
 *    strings, in error messages and in the message itself, every secret-shaped run is
 *    replaced by "[redacted]": base64-like runs of 20+ characters mixing letter cases or
 *    digits (keys, images), hex of 6+ characters mixing letters and digits (card UIDs,
 *    key material), and any word holding 4+ consecutive digits (PINs, card numbers, long
 *    digit runs); a written-out list of 8 or more numbers (an embedding) is redacted
 *    whole.
 * The price of step 4: a port number or a 4-digit duration in free text prints as
 * "[redacted]". Figures belong in allow-listed fields, where they print.
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

export const REDACTED = "[redacted]";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Figures: numbers pass. Add a name here when the device starts logging a new figure. */
const FIGURE_FIELDS: ReadonlySet<string> = new Set([
  "added",
  "attempt",
  "bytes",
  "cardCount",
  "checkpoints",
  "count",
  "credentialCount",
  "dataKeys",
  "done",
  "entries",
  "gates",
  "inFlight",
  "limit",
  "models",
  "ms",
  "quarantined",
  "seq",
  "size",
  "subjects",
  "templates",
  "templatesDeleted",
  "total",
]);
/** Opaque identifiers and versions: numbers and id-shaped strings pass. */
const ID_FIELDS: ReadonlySet<string> = new Set(["device", "deviceKeyId", "gate", "keyId", "templateId", "version"]);
const FIGURE_SUFFIX = /[a-z](?:Count|Ms|At|Bytes)$/;
const ID_SUFFIX = /[a-z](?:Id|Ref)$/;
const SENSITIVE_NAME =
  /pin|card|credential|secret|passw|key|seed|private|embedding|template|vector|image|photo|picture|frame|face_?data|biometric|score|liveness|similarity|token|signature|nonce|cipher|hash/i;

const MAX_STRING = 300;
/** Longer input is cut before it is scanned: only MAX_STRING characters are written anyway. */
const MAX_SCANNED = 4096;
const SMALL_INTEGER = 1000;

const ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,39}$/;
const ALL_DIGITS = /^\d{4,}$/;
const HEX_ONLY = /^[0-9A-Fa-f]{6,24}$/;
// The text scan is linear: runs and words are found by single character classes, never by
// nested quantifiers, so a long or hostile string cannot make the logger backtrack.
/** A run of base64/base64url/hex characters; 20+ of them mixing classes is key or image material. */
const RUN = /[A-Za-z0-9+/=_-]+/g;
const MIN_BLOB = 20;
/** A word inside a run. */
const WORD = /[A-Za-z0-9]+/g;
/** Four consecutive digits: a PIN, a card number, a long digit run. */
const DIGITS = /\d{4}/;
const HEX_WORD = /^[0-9A-Fa-f]{6,}$/;
const NUMBER = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?/gi;
const LIST_GAP = /^\s*[,;]?\s*$/;
/** This many numbers in a row, separated by commas, semicolons or spaces: an embedding written out. */
const MIN_LIST = 8;

type Kind = "figure" | "id" | "sensitive" | "other";

function kindOf(name: string): Kind {
  if (FIGURE_FIELDS.has(name)) return "figure";
  if (ID_FIELDS.has(name)) return "id";
  if (SENSITIVE_NAME.test(name)) return "sensitive";
  if (FIGURE_SUFFIX.test(name)) return "figure";
  if (ID_SUFFIX.test(name)) return "id";
  return "other";
}

function classes(s: string): number {
  return Number(/[a-z]/.test(s)) + Number(/[A-Z]/.test(s)) + Number(/\d/.test(s));
}

/** An opaque id (UUID, key id, slug) that cannot be a PIN, a card number or key material. */
function isSafeId(s: string): boolean {
  if (!ID_SHAPE.test(s) || ALL_DIGITS.test(s)) return false;
  if (HEX_ONLY.test(s) && /\d/.test(s) && /[A-Fa-f]/.test(s)) return false;
  const bare = s.replace(/[._:-]/g, "");
  return !(bare.length >= 20 && classes(bare) === 3);
}

function looksLikeNumberList(text: string): boolean {
  let run = 0;
  let end = -1;
  for (const m of text.matchAll(NUMBER)) {
    const gap = end < 0 ? "" : text.slice(end, m.index);
    run = gap.length > 0 && gap.length <= 8 && LIST_GAP.test(gap) ? run + 1 : 1;
    if (run >= MIN_LIST) return true;
    end = m.index + m[0].length;
  }
  return false;
}

/** Redacts a run cut in two by MAX_SCANNED: its first part alone might no longer look like a secret. */
function withoutCutRun(text: string): string {
  let end = text.length;
  while (end > 0 && /[A-Za-z0-9+/=_-]/.test(text[end - 1]!)) end--;
  return end < text.length ? `${text.slice(0, end)}${REDACTED}` : text;
}

/** A PIN, a card number, a digit run or a hex card UID. */
function secretWord(word: string): boolean {
  return DIGITS.test(word) || (HEX_WORD.test(word) && /\d/.test(word) && /[A-Fa-f]/.test(word));
}

/** Free text with every secret-shaped run replaced (step 4 above), at most MAX_STRING long. */
function redactText(text: string): string {
  const scanned = text.length > MAX_SCANNED ? withoutCutRun(text.slice(0, MAX_SCANNED)) : text;
  if (looksLikeNumberList(scanned)) return REDACTED;
  const masked = scanned.replace(RUN, (run) => (run.length >= MIN_BLOB && classes(run) >= 2 ? REDACTED : run.replace(WORD, (w) => (secretWord(w) ? REDACTED : w))));
  return masked.length > MAX_STRING ? `${masked.slice(0, MAX_STRING)}...` : masked;
}

function errorText(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return redactText(typeof code === "string" ? `${code}: ${err.message}` : err.message);
}

function redactValue(name: string, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value;
  const kind = kindOf(name);
  if (value instanceof Error) return kind === "sensitive" ? REDACTED : errorText(value);
  if (kind === "sensitive") return REDACTED;
  if (typeof value === "number") {
    return kind === "figure" || kind === "id" || (Number.isInteger(value) && Math.abs(value) < SMALL_INTEGER) ? value : REDACTED;
  }
  if (typeof value === "bigint") {
    return kind === "figure" || kind === "id" || (value > -SMALL_INTEGER && value < SMALL_INTEGER) ? value.toString() : REDACTED;
  }
  if (typeof value === "string") return kind === "id" && isSafeId(value) ? value : redactText(value);
  // Typed arrays, buffers, arrays, maps and objects may carry biometric or key material.
  return REDACTED;
}

function redactFields(fields: LogFields | undefined): LogRecord["fields"] {
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
      options.sink({ level, namespace, message: redactText(message), fields: redactFields(fields), time: now() });
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
