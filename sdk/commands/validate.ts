/**
 * A small, strict validator kit for command bodies: every check returns the typed value
 * or throws a CommandError whose message reads `path: problem`. Objects refuse unknown
 * fields. Messages name fields and limits, never the offending value (it may be a PIN).
 */
import { CommandError } from "../errors.js";
import { OPAQUE_ID } from "../transport/contract.js";
import { isBase64 } from "./keys.js";

export type Check<T> = (value: unknown, path: string) => T;

export function invalid(path: string, problem: string, code = "command_invalid_body"): never {
  throw new CommandError(code, `${path}: ${problem}`, { path });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const OPTIONAL = Symbol("optional");
type OptionalCheck<T> = Check<T | undefined> & { [OPTIONAL]: true };

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  const f = ((value: unknown, path: string) => (value === undefined ? undefined : check(value, path))) as OptionalCheck<T>;
  f[OPTIONAL] = true;
  return f;
}

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S as S[K] extends OptionalCheck<unknown> ? never : K]: ReturnType<S[K]> } & {
  [K in keyof S as S[K] extends OptionalCheck<unknown> ? K : never]?: Exclude<ReturnType<S[K]>, undefined>;
};

/** A plain object with exactly these fields (optional ones may be absent); unknown fields are refused. */
export function object<S extends Shape>(shape: S): Check<Out<S>> {
  return (value, path) => {
    if (!isPlainObject(value)) invalid(path, "must be an object");
    for (const key of Object.keys(value)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) invalid(`${path}.${key}`, "unknown field", "command_unknown_field");
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      if (value[key] === undefined) {
        if (!(OPTIONAL in check)) invalid(`${path}.${key}`, "is required");
        continue;
      }
      out[key] = check(value[key], `${path}.${key}`);
    }
    return out as Out<S>;
  };
}

export function string(opts: { min?: number; max: number; pattern?: RegExp; hint?: string }): Check<string> {
  return (value, path) => {
    if (typeof value !== "string") invalid(path, "must be a string");
    if (value.length < (opts.min ?? 1)) invalid(path, `must have at least ${opts.min ?? 1} characters`);
    if (value.length > opts.max) invalid(path, `must have at most ${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(value)) invalid(path, opts.hint ?? "has an invalid format");
    return value;
  };
}

export const opaqueId: Check<string> = string({ max: 64, pattern: OPAQUE_ID, hint: "must be an opaque id ([A-Za-z0-9_-]{1,64})" });
export const text = (max: number): Check<string> => string({ max });
export const sha256hex: Check<string> = string({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/, hint: "must be a lowercase hex SHA-256" });

export function base64(opts: { maxBytes: number; exactBytes?: number }): Check<string> {
  const maxChars = Math.ceil(opts.maxBytes / 3) * 4;
  return (value, path) => {
    if (typeof value !== "string") invalid(path, "must be a base64 string");
    if (value.length === 0 || value.length > maxChars) invalid(path, `must be base64 of at most ${opts.maxBytes} bytes`);
    if (!isBase64(value)) invalid(path, "must be standard padded base64");
    if (opts.exactBytes !== undefined && Buffer.byteLength(value, "base64") !== opts.exactBytes) invalid(path, `must decode to ${opts.exactBytes} bytes`);
    return value;
  };
}

export function integer(opts: { min: number; max: number }): Check<number> {
  return (value, path) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) invalid(path, "must be an integer");
    if (value < opts.min || value > opts.max) invalid(path, `must be between ${opts.min} and ${opts.max}`);
    return value;
  };
}

/** Milliseconds since the epoch, between 2000 and 2200. */
export const timestamp: Check<number> = integer({ min: 946_684_800_000, max: 7_258_118_400_000 });

export const boolean: Check<boolean> = (value, path) => {
  if (typeof value !== "boolean") invalid(path, "must be true or false");
  return value;
};

export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (value, path) => {
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) invalid(path, `must be one of ${values.join(", ")}`);
    return value as T;
  };
}

export function array<T>(item: Check<T>, opts: { min?: number; max: number; unique?: boolean }): Check<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) invalid(path, "must be an array");
    if (value.length < (opts.min ?? 0)) invalid(path, `must have at least ${opts.min ?? 0} items`);
    if (value.length > opts.max) invalid(path, `must have at most ${opts.max} items`);
    const out = value.map((v, i) => item(v, `${path}[${i}]`));
    if (opts.unique && new Set(out.map((v) => JSON.stringify(v))).size !== out.length) invalid(path, "must not repeat items");
    return out;
  };
}

/** Any JSON object (for schemas owned by other modules, e.g. a gate policy), size-bounded. */
export function jsonObject(maxBytes: number): Check<Record<string, unknown>> {
  return (value, path) => {
    if (!isPlainObject(value)) invalid(path, "must be an object");
    if (Buffer.byteLength(JSON.stringify(value), "utf8") > maxBytes) invalid(path, `must be at most ${maxBytes} bytes`);
    return value;
  };
}

/** Adds a cross-field rule to a check. */
export function refine<T>(check: Check<T>, rule: (value: T, path: string) => void): Check<T> {
  return (value, path) => {
    const out = check(value, path);
    rule(out, path);
    return out;
  };
}
