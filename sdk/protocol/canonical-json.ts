/**
 * Canonical JSON: the bytes that hashes and signatures cover. RFC 8785 for the values
 * facegate uses: object keys sorted by UTF-16 code units, no whitespace, `undefined`
 * members dropped. Used wherever bytes are hashed or signed (commands and results, notice
 * hashes L3, the audit chain L8, deletion receipts L7), so a verifier rebuilding the bytes
 * from parsed JSON gets the same hash.
 *
 * Only plain JSON values are accepted: typed arrays, buffers, Maps and non-finite numbers
 * are refused rather than dropped, so what is signed is exactly what is sent. That doubles
 * as a guard that no embedding or key is ever hashed into a record that leaves the device
 * (L4, L8). Nesting is bounded (MAX_JSON_DEPTH) so a hostile document cannot exhaust the
 * stack.
 */
import { FacegateError } from "../errors.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Deepest nesting any facegate document uses, with room to spare. */
export const MAX_JSON_DEPTH = 64;

export class CanonicalJsonError extends FacegateError<"canonical_invalid"> {
  constructor(path: string, problem: string) {
    super("canonical_invalid", `${path}: ${problem}`, { path });
  }
}

export function canonicalJson(value: unknown): string {
  return encode(value, "$", 0);
}

function encode(value: unknown, path: string, depth: number): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, "non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw new CanonicalJsonError(path, `unsupported type ${typeof value}`);
  }
  if (depth >= MAX_JSON_DEPTH) throw new CanonicalJsonError(path, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((v, i) => encode(v, `${path}[${i}]`, depth + 1)).join(",")}]`;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new CanonicalJsonError(path, "binary data is not allowed (encode it as base64)");
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(path, "only plain objects are allowed");
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v, `${path}.${k}`, depth + 1)}`).join(",")}}`;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * What a signature covers: `UTF-8(context + canonicalJson(value))`. The context names the
 * kind of document (SIGNING_CONTEXTS), so a signature made for one kind can never be
 * replayed as another.
 */
export function signingBytes(context: SigningContext, value: unknown): Uint8Array {
  return utf8(context + canonicalJson(value));
}

export const SIGNING_CONTEXTS = {
  command: "facegate/v2/command\n",
  result: "facegate/v2/result\n",
  event: "facegate/v2/event\n",
  state: "facegate/v2/state\n",
  notice: "facegate/v2/notice\n",
  templatePackage: "facegate/v2/template-package\n",
} as const;

export type SigningContext = (typeof SIGNING_CONTEXTS)[keyof typeof SIGNING_CONTEXTS];
