/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped. Used
 * wherever bytes are hashed or signed (notice hashes L3, audit chain L8, deletion
 * receipts L7), so that a verifier rebuilding the bytes from parsed JSON gets the same
 * hash.
 *
 * Only plain JSON values are accepted: typed arrays, buffers, Maps and non-finite numbers
 * are refused. That doubles as a guard that no embedding or key is ever hashed into a
 * record that leaves the device (L4, L8).
 */
import { createHash } from "node:crypto";
import { FacegateError } from "../errors.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  return encode(value, "$");
}

function encode(value: unknown, path: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw invalid(path, "non-finite number");
      return JSON.stringify(value);
    case "string":
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw invalid(path, `unsupported type ${typeof value}`);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => encode(v, `${path}[${i}]`)).join(",")}]`;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw invalid(path, "binary data is not allowed (encode it as base64)");
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw invalid(path, "only plain objects are allowed");
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v, `${path}.${k}`)}`).join(",")}}`;
}

function invalid(path: string, problem: string): FacegateError {
  return new FacegateError("canonical_invalid", `${path}: ${problem}`, { path });
}

/** Lower-case hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** SHA-256 of the canonical encoding of a value. */
export function canonicalHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text.trim())) throw new FacegateError("base64_invalid", "not valid base64");
  return new Uint8Array(Buffer.from(text.trim(), "base64"));
}
