/**
 * Canonical JSON: the bytes that signatures cover. It is RFC 8785 (JSON Canonicalization
 * Scheme) for the values facegate uses: object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers serialised as ECMAScript JSON.stringify does. Values that
 * JSON cannot carry faithfully (undefined, functions, NaN, Infinity, bigint, binary) are
 * refused rather than silently dropped, so what is signed is exactly what is sent.
 *
 * Signed bytes are `UTF-8(context + canonicalJson(value))` where the context names what is
 * signed (`facegate/v1/command\n`, `facegate/v1/result\n`), so a signature made for one
 * kind of document can never be replayed as another.
 */
import { createHash } from "node:crypto";
import { CommandError } from "../errors.js";

export const COMMAND_SIGNING_CONTEXT = "facegate/v1/command\n";
export const RESULT_SIGNING_CONTEXT = "facegate/v1/result\n";

export function canonicalJson(value: unknown): string {
  return encode(value, "$");
}

function encode(value: unknown, path: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new CommandError("command_malformed", `${path}: numbers must be finite`);
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v, i) => encode(v, `${path}[${i}]`)).join(",")}]`;
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new CommandError("command_malformed", `${path}: binary values cannot be signed; encode them as base64`);
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new CommandError("command_malformed", `${path}: only plain objects can be signed`);
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k], `${path}.${k}`)}`).join(",")}}`;
    }
    default:
      throw new CommandError("command_malformed", `${path}: ${typeof value} cannot be signed`);
  }
}

/** The bytes an Ed25519 signature covers: context, then the canonical JSON of `value`. */
export function signingBytes(context: string, value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(context + canonicalJson(value), "utf8"));
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
