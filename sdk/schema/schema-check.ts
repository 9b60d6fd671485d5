/**
 * One schema kit for every untrusted document facegate reads: the device configuration,
 * the command envelope and bodies, gate policies, scenarios. Schemas are TypeBox types, so
 * one definition gives the TypeScript type (`Static<typeof S>`), the runtime check (Ajv,
 * compiled once) and the published JSON Schema (`JSON.stringify(S)`).
 *
 * Errors read `path: problem`, naming fields and limits, never the offending value (it may
 * be a PIN or a card number). A schema node may carry `hint`, the problem phrase used for any
 * failure of that node ("must be 4-12 digits"); without one the problem is derived from the
 * failing keyword. Cross-field rules that JSON Schema cannot state (a consent ends after it
 * begins) run after the schema passes, as `rules`.
 *
 * Custom keywords, each documented in the published schema as written:
 * - `hint`: annotation, the problem phrase (above);
 * - `base64Bytes: { max, exact? }`: standard padded base64 decoding to at most / exactly N bytes;
 * - `maxJsonBytes: N`: the value's JSON encoding is at most N bytes (UTF-8).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Static, TSchema } from "@sinclair/typebox";
import { isStrictBase64, base64DecodedLength } from "./base64-shape.js";

export type Fail = (path: string, problem: string) => never;

/** A rule over an already schema-valid value; calls `fail` to refuse it. */
export type Rule<T> = (value: T, path: string, fail: Fail) => void;

export interface CheckerOptions<T> {
  /**
   * Builds the error to throw; `keyword` is the schema keyword that failed (or "rule"),
   * `value` the offending value, for deciding which error to throw (never put it in a
   * message: it may be a secret).
   */
  error: (message: string, details: { path: string; keyword: string; value: unknown }) => Error;
  /** The problem for a field the schema does not define. Default: "unknown field". */
  unknownProperty?: (allowed: readonly string[]) => string;
  /**
   * How a number outside `minimum`..`maximum` reads: "between" ("must be between 1 and
   * 500", the default) or "bound" (the bound that was crossed: "must be at least 1").
   */
  range?: "between" | "bound";
  rules?: ReadonlyArray<Rule<T>>;
}

/** Checks `value` (a document read from outside) and returns it typed, or throws. */
export type Checker<T> = (value: unknown, path: string) => T;

const shared: { first?: Ajv; all?: Ajv } = {};

/** One Ajv for the fast path (first error only), one that lists every error (used on failure only). */
function ajv(which: "first" | "all"): Ajv {
  const cached = shared[which];
  if (cached) return cached;
  const instance = new Ajv({ allErrors: which === "all", verbose: true, discriminator: true, strict: true, allowUnionTypes: true, coerceTypes: false, useDefaults: false, validateFormats: false });
  instance.addKeyword({ keyword: "hint", schemaType: "string" });
  instance.addKeyword({
    keyword: "base64Bytes",
    type: "string",
    schemaType: "object",
    errors: false,
    validate: (limits: { max: number; exact?: number; min?: number }, data: string) => {
      if (!isStrictBase64(data)) return false;
      const n = base64DecodedLength(data);
      return n <= limits.max && (limits.exact === undefined || n === limits.exact) && (limits.min === undefined || n >= limits.min);
    },
  });
  instance.addKeyword({
    keyword: "maxJsonBytes",
    schemaType: "number",
    errors: false,
    validate: (max: number, data: unknown) => utf8Length(JSON.stringify(data) ?? "") <= max,
  });
  shared[which] = instance;
  return instance;
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `/cards/0` under `body` -> `body.cards[0]`. */
export function pointerToPath(root: string, pointer: string): string {
  let path = root;
  if (pointer === "") return path;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    path = /^[0-9]+$/.test(key) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
  }
  return path;
}

const TYPE_PROBLEM: Record<string, string> = {
  object: "must be an object",
  array: "must be an array",
  string: "must be a string",
  integer: "must be an integer",
  number: "must be a number",
  boolean: "must be true or false",
  null: "must be null",
};

function problemFor(e: ErrorObject, unknownProperty: (allowed: readonly string[]) => string, range: "between" | "bound"): { pathSuffix?: string; problem: string } {
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { pathSuffix: String(p["missingProperty"]), problem: "is required" };
    case "additionalProperties":
      return { pathSuffix: String(p["additionalProperty"]), problem: unknownProperty(Object.keys((schema["properties"] as object | undefined) ?? {})) };
  }
  if (typeof schema["hint"] === "string") return { problem: schema["hint"] };
  switch (e.keyword) {
    case "type":
      return { problem: TYPE_PROBLEM[String(p["type"]).split(",")[0]!] ?? `must be ${String(p["type"])}` };
    case "minLength":
      return { problem: `must have at least ${String(p["limit"])} characters` };
    case "maxLength":
      return { problem: `must have at most ${String(p["limit"])} characters` };
    case "pattern":
      return { problem: "has an invalid format" };
    case "minimum":
    case "maximum":
      if (range === "between" && typeof schema["minimum"] === "number" && typeof schema["maximum"] === "number") return { problem: `must be between ${schema["minimum"]} and ${schema["maximum"]}` };
      return { problem: e.keyword === "minimum" ? `must be at least ${String(p["limit"])}` : `must be at most ${String(p["limit"])}` };
    case "exclusiveMinimum":
      return { problem: `must be greater than ${String(p["limit"])}` };
    case "enum":
      return { problem: `must be one of ${(schema["enum"] as unknown[]).join(", ")}` };
    case "const":
      return { problem: `must be ${JSON.stringify(schema["const"])}` };
    case "anyOf":
      return { problem: anyOfProblem(schema) };
    case "discriminator": {
      // A tagged union (`oneOf` + `discriminator`): a missing or unknown tag.
      const tag = String(p["tag"]);
      if (p["error"] === "tag") return { pathSuffix: tag, problem: "is required" };
      const tags = ((schema["oneOf"] as Array<{ properties: Record<string, { const?: unknown }> }>) ?? []).map((o) => String(o.properties[tag]?.const));
      return { pathSuffix: tag, problem: `must be one of ${tags.join(", ")}` };
    }
    case "minItems":
      return { problem: `must have at least ${String(p["limit"])} items` };
    case "maxItems":
      return { problem: `must have at most ${String(p["limit"])} items` };
    case "uniqueItems":
      return { problem: "must not repeat items" };
    case "base64Bytes": {
      const limits = schema["base64Bytes"] as { max: number; exact?: number };
      return { problem: limits.exact !== undefined ? `must be standard padded base64 of ${limits.exact} bytes` : `must be standard padded base64 of at most ${limits.max} bytes` };
    }
    case "maxJsonBytes":
      return { problem: `must be at most ${String(schema["maxJsonBytes"])} bytes` };
    default:
      return { problem: `is invalid (${e.keyword})` };
  }
}

/** A union of literals reads as "must be one of a, b"; any other union as "is invalid". */
function anyOfProblem(schema: Record<string, unknown>): string {
  const options = (schema["anyOf"] as Array<Record<string, unknown>>) ?? [];
  if (options.length > 0 && options.every((o) => "const" in o)) return `must be one of ${options.map((o) => String(o["const"])).join(", ")}`;
  return "does not match any allowed form";
}

/**
 * Compiles a schema once. Only the first problem is reported (a clear message beats a list);
 * unknown fields are refused wherever the schema sets `additionalProperties: false`.
 */
export function compileChecker<S extends TSchema>(schema: S, options: CheckerOptions<Static<S>>): Checker<Static<S>> {
  let validate: ValidateFunction | undefined;
  let validateAll: ValidateFunction | undefined;
  const unknownProperty = options.unknownProperty ?? (() => "unknown field");
  return (value, path) => {
    validate ??= ajv("first").compile(schema);
    const fail = (at: string, problem: string, keyword = "rule", offending?: unknown): never => {
      throw options.error(`${at || "(root)"}: ${problem}`, { path: at, keyword, value: offending });
    };
    if (!validate(value)) {
      // An unknown field is reported before anything else (a misspelt key explains the
      // "is required" that usually comes with it), as a reader checking top-down would.
      validateAll ??= ajv("all").compile(schema);
      validateAll(value);
      const e = (validateAll.errors ?? []).find((x) => x.keyword === "additionalProperties") ?? validate.errors![0]!;
      const { pathSuffix, problem } = problemFor(e, unknownProperty, options.range ?? "between");
      const at = pointerToPath(path, e.instancePath);
      fail(pathSuffix === undefined ? at : at ? `${at}.${pathSuffix}` : pathSuffix, problem, e.keyword, e.data);
    }
    for (const rule of options.rules ?? []) rule(value as Static<S>, path, fail);
    return value as Static<S>;
  };
}

/** The published form of a schema: plain JSON Schema (TypeBox's symbols are not serialised). */
export function jsonSchemaOf(schema: TSchema, meta: { $id: string; title: string; description?: string }): Record<string, unknown> {
  return { $schema: "http://json-schema.org/draft-07/schema#", ...meta, ...(JSON.parse(JSON.stringify(schema)) as Record<string, unknown>) };
}
